//! Bearer JWT verification ([`JwtVerifier`]).
//!
//! Order of checks, each refusing with a typed [`JwtError`]:
//! 1. [`parse_unverified`]: three base64url parts, JSON header and claims (never panics);
//! 2. header: no `crit`; `alg` is RS256 or ES256 (so `none` and every HMAC alg are refused
//!    before any key is touched); a `kid` is present. `jku`/`x5u`/`jwk`/`x5c` are ignored;
//! 3. `iss` is exactly an accepted issuer (a listed one, or one of any tenant under the issuer
//!    base): only that issuer's keys are consulted;
//! 4. the [`KeyProvider`] has the `kid` for that issuer (the default provider, the JWKS fetcher,
//!    refetches at a bounded rate when unknown; [`MemoryKeys`] is filled by the host);
//! 5. the header's `alg` equals the key's pinned `alg` (algorithm confusion refused);
//! 6. `jsonwebtoken::decode` checks the signature, `exp`/`nbf` (with skew) and `aud`, into the
//!    strictly typed claims of `gatehouse_protocol::claims::AccessClaims` (a string
//!    `exp`/`nbf`/`iat` refuses the token);
//! 7. `claims`: the verified `iss` equals the issuer of step 3, `ver`, `tid` (equal to the
//!    issuer's tenant and accepted), `oid`, and again `aud`/`exp`/`nbf`.

mod claims;
mod jwks;
mod keystore;
mod parse;
mod provider;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use async_trait::async_trait;
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, Validation};
use thiserror::Error;

pub use jwks::{UnsupportedKey, VerificationKey};
pub use parse::{parse_unverified, JwtHeader, JwtParseError, JwtPart, UnverifiedJwt, MAX_TOKEN_LEN};
pub use provider::{KeyLookup, KeyProvider, MemoryKeys};

use crate::caller::Caller;
use crate::config::{is_lower_guid, GuardConfig, Issuer, IssuerVersion};
use crate::fetch::Fetcher;
use crate::verifier::{CredentialError, CredentialVerifier, PresentedCredential};
use claims::into_caller;
use gatehouse_protocol::claims::AccessClaims;
pub(crate) use keystore::JwksKeys;

/// Why a JWT was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum JwtError {
    #[error("malformed token: {0}")]
    Malformed(#[from] JwtParseError),
    #[error("token header has `crit`")]
    CriticalHeader,
    #[error("algorithm {0:?} is not accepted")]
    AlgorithmNotAccepted(String),
    #[error("token header has no kid")]
    MissingKid,
    #[error("issuer not accepted")]
    IssuerNotAccepted,
    #[error("no signing key with this kid")]
    UnknownKey,
    #[error("signing keys unavailable: {0}")]
    KeysUnavailable(String),
    #[error("header alg does not match the key's alg")]
    AlgorithmMismatch,
    #[error("signature invalid")]
    BadSignature,
    #[error("token expired")]
    Expired,
    #[error("token not yet valid")]
    NotYetValid,
    #[error("audience not accepted")]
    AudienceNotAccepted,
    #[error("claims malformed: {0}")]
    InvalidClaims(String),
    #[error("unsupported token version")]
    Version,
    #[error("tenant not accepted")]
    TenantNotAccepted,
    #[error("claim {0} missing")]
    MissingClaim(&'static str),
}

impl JwtError {
    /// Short text safe to show to the client.
    pub fn description(&self) -> &'static str {
        match self {
            JwtError::Malformed(_) => "malformed token",
            JwtError::CriticalHeader => "token uses an unsupported critical header",
            JwtError::AlgorithmNotAccepted(_) | JwtError::AlgorithmMismatch => "token algorithm not accepted",
            JwtError::MissingKid | JwtError::UnknownKey => "token signing key unknown",
            JwtError::IssuerNotAccepted => "token issuer not accepted",
            JwtError::KeysUnavailable(_) => "signing keys unavailable",
            JwtError::BadSignature => "token signature invalid",
            JwtError::Expired => "token expired",
            JwtError::NotYetValid => "token not yet valid",
            JwtError::AudienceNotAccepted => "token audience not accepted",
            JwtError::InvalidClaims(_) | JwtError::MissingClaim(_) | JwtError::Version => "token claims invalid",
            JwtError::TenantNotAccepted => "token tenant not accepted",
        }
    }
}

impl From<JwtError> for CredentialError {
    fn from(e: JwtError) -> Self {
        match e {
            JwtError::KeysUnavailable(_) => CredentialError::unavailable(e.description(), e.to_string()),
            _ => CredentialError::invalid(e.description(), e.to_string()),
        }
    }
}

/// Verifies Gatehouse bearer JWTs (JWS, RS256 or ES256) against the accepted issuers, with the
/// keys of a [`KeyProvider`].
pub struct JwtVerifier {
    issuers: HashMap<String, Issuer>,
    issuer_base: Option<String>,
    keys: Arc<dyn KeyProvider>,
    rs256: Validation,
    es256: Validation,
    audiences: Vec<String>,
    /// `None`: every tenant (issuer base without a tenant list).
    tenants: Option<Vec<String>>,
    skew: u64,
}

impl std::fmt::Debug for JwtVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JwtVerifier")
            .field("issuers", &self.issuers.len())
            .field("issuer_base", &self.issuer_base)
            .field("audiences", &self.audiences)
            .finish_non_exhaustive()
    }
}

impl JwtVerifier {
    /// A verifier fetching each listed issuer's JWKS over HTTPS.
    pub(crate) fn with_jwks(config: &GuardConfig, fetcher: &Fetcher) -> Self {
        Self::new(config, Arc::new(JwksKeys::new(config, fetcher)))
    }

    /// A verifier for `config`'s issuers, audiences, tenants and skew, taking its keys from
    /// `keys` (no HTTP fetch of its own). The revocation and cache settings of `config` are the
    /// [`crate::Guard`]'s business, not the verifier's.
    pub fn new(config: &GuardConfig, keys: Arc<dyn KeyProvider>) -> Self {
        let skew = config.clock_skew.as_secs();
        let validation = |alg: Algorithm| {
            let mut v = Validation::new(alg);
            v.leeway = skew;
            v.validate_exp = true;
            v.validate_nbf = true;
            v.validate_aud = true;
            v.set_audience(&config.audiences);
            // `iss` is compared exactly by this verifier, before the key lookup and again on
            // the verified claims; `jsonwebtoken` checks that it is present.
            v.set_required_spec_claims(&["exp", "iss", "aud"]);
            v
        };
        let tenants = match (&config.issuer_base, config.tenants.is_empty()) {
            (Some(_), true) => None,
            _ => Some(config.tenants.clone()),
        };
        Self {
            issuers: config.issuers.iter().map(|i| (i.url.clone(), i.clone())).collect(),
            issuer_base: config.issuer_base.clone(),
            keys,
            rs256: validation(Algorithm::RS256),
            es256: validation(Algorithm::ES256),
            audiences: config.audiences.clone(),
            tenants,
            skew,
        }
    }

    /// Loads the key provider's keys now (for the JWKS fetcher: at most once per refetch
    /// interval). Returns the issuers whose keys could not be loaded, with the reason.
    pub async fn refresh_keys(&self) -> Vec<(String, String)> {
        self.keys.refresh().await
    }

    /// The accepted issuer a token's `iss` names exactly, if any.
    fn issuer(&self, iss: &str) -> Option<Issuer> {
        if let Some(listed) = self.issuers.get(iss) {
            return Some(listed.clone());
        }
        let base = self.issuer_base.as_deref()?;
        let rest = iss.strip_prefix(base)?.strip_prefix('/')?;
        let (tenant, version) = match rest.strip_suffix("/v2.0") {
            Some(tenant) => (tenant, IssuerVersion::V2),
            None => (rest.strip_suffix('/')?, IssuerVersion::V1),
        };
        // Exactly as minted: a lowercase hyphenated GUID, so one tenant has one issuer string.
        if !is_lower_guid(tenant) {
            return None;
        }
        let issuer = Issuer::new(base, tenant.to_owned(), version);
        (issuer.url == iss).then_some(issuer)
    }

    /// Verifies a compact JWS and returns the caller.
    pub async fn verify_token(&self, token: &str) -> Result<Caller, JwtError> {
        let parsed = parse_unverified(token)?;
        if parsed.header.has_crit {
            return Err(JwtError::CriticalHeader);
        }
        let alg = match parsed.header.alg.as_str() {
            "RS256" => Algorithm::RS256,
            "ES256" => Algorithm::ES256,
            other => return Err(JwtError::AlgorithmNotAccepted(other.chars().take(16).collect())),
        };
        let kid = parsed.header.kid.as_deref().ok_or(JwtError::MissingKid)?;
        let iss = parsed.claim_str("iss").ok_or(JwtError::IssuerNotAccepted)?;
        let issuer = self.issuer(iss).ok_or(JwtError::IssuerNotAccepted)?;
        let key = match self.keys.key(&issuer, kid).await {
            KeyLookup::Found(key) => key,
            KeyLookup::UnknownKid => return Err(JwtError::UnknownKey),
            KeyLookup::UnknownIssuer => return Err(JwtError::IssuerNotAccepted),
            KeyLookup::Unavailable(why) => return Err(JwtError::KeysUnavailable(why)),
        };
        // Algorithm pinned per key. This also keeps `jsonwebtoken` from ever pairing a key with
        // an algorithm of another family (its `DecodingKey::as_bytes` is `unreachable!()` for RSA
        // components); `Validation::algorithms` holds only the key's algorithm as a second guard.
        if key.alg != alg {
            return Err(JwtError::AlgorithmMismatch);
        }
        let validation = match alg {
            Algorithm::ES256 => &self.es256,
            _ => &self.rs256,
        };
        let data = jsonwebtoken::decode::<AccessClaims<'static>>(token, &key.key, validation)
            .map_err(map_jsonwebtoken_error)?;
        into_caller(
            data.claims,
            &issuer,
            &self.audiences,
            self.tenants.as_deref(),
            unix_now(),
            self.skew,
        )
    }
}

fn map_jsonwebtoken_error(e: jsonwebtoken::errors::Error) -> JwtError {
    match e.kind() {
        ErrorKind::InvalidSignature => JwtError::BadSignature,
        ErrorKind::ExpiredSignature => JwtError::Expired,
        ErrorKind::ImmatureSignature => JwtError::NotYetValid,
        ErrorKind::InvalidAudience => JwtError::AudienceNotAccepted,
        ErrorKind::InvalidIssuer => JwtError::IssuerNotAccepted,
        ErrorKind::InvalidAlgorithm => JwtError::AlgorithmMismatch,
        ErrorKind::MissingRequiredClaim(c) => JwtError::InvalidClaims(format!("missing {c}")),
        ErrorKind::InvalidClaimFormat(c) => JwtError::InvalidClaims(format!("bad type of {c}")),
        ErrorKind::Json(err) => JwtError::InvalidClaims(err.to_string()),
        other => JwtError::InvalidClaims(format!("{other:?}")),
    }
}

/// Seconds since the Unix epoch (0 if the clock is before 1970).
pub(crate) fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

#[async_trait]
impl CredentialVerifier for JwtVerifier {
    fn schemes(&self) -> &[&'static str] {
        &["Bearer"]
    }

    fn cacheable(&self) -> bool {
        true
    }

    async fn verify(&self, credential: PresentedCredential<'_>) -> Result<Option<Caller>, CredentialError> {
        // Only compact JWS is ours; other Bearer values (PATs, JWE) are for other verifiers.
        if credential.value.bytes().filter(|b| *b == b'.').count() != 2 {
            return Ok(None);
        }
        self.verify_token(credential.value)
            .await
            .map(Some)
            .map_err(CredentialError::from)
    }
}
