//! Bearer JWT verification ([`JwtVerifier`]).
//!
//! Order of checks, each refusing with a typed [`JwtError`]:
//! 1. [`parse_unverified`]: three base64url parts, JSON header and claims (never panics);
//! 2. header: no `crit`; `alg` is RS256 or ES256 (so `none` and every HMAC alg are refused
//!    before any key is touched); a `kid` is present. `jku`/`x5u`/`jwk`/`x5c` are ignored;
//! 3. `iss` names a configured issuer: only that issuer's key set is consulted;
//! 4. the `kid` is found in that key set (refetched at a bounded rate when unknown);
//! 5. the header's `alg` equals the key's pinned `alg` (algorithm confusion refused);
//! 6. `jsonwebtoken::decode` checks the signature, `exp`/`nbf` (with skew), `iss` and `aud`,
//!    into strictly typed claims (a string `exp`/`nbf`/`iat` refuses the token);
//! 7. `claims`: `ver`, `tid` (equal to the issuer's tenant and accepted), `oid`, and again
//!    `iss`/`aud`/`exp`/`nbf`.

mod claims;
mod jwks;
mod keystore;
mod parse;

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use async_trait::async_trait;
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, Validation};
use thiserror::Error;

pub use parse::{parse_unverified, JwtHeader, JwtParseError, JwtPart, UnverifiedJwt, MAX_TOKEN_LEN};

use crate::caller::Caller;
use crate::config::{GuardConfig, Issuer};
use crate::fetch::Fetcher;
use crate::verifier::{CredentialError, CredentialVerifier, PresentedCredential};
use claims::{into_caller, AccessTokenClaims};
use keystore::{KeyLookup, KeySet};

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

#[derive(Debug)]
struct IssuerEntry {
    issuer: Issuer,
    keys: Arc<KeySet>,
    rs256: Validation,
    es256: Validation,
}

/// Verifies Gatehouse bearer JWTs (JWS, RS256 or ES256) against the configured issuers.
#[derive(Debug)]
pub struct JwtVerifier {
    issuers: Vec<IssuerEntry>,
    audiences: Vec<String>,
    tenants: Vec<String>,
    skew: u64,
}

impl JwtVerifier {
    pub(crate) fn new(config: &GuardConfig, fetcher: &Fetcher) -> Self {
        let skew = config.clock_skew.as_secs();
        let validation = |alg: Algorithm, issuer: &Issuer| {
            let mut v = Validation::new(alg);
            v.leeway = skew;
            v.validate_exp = true;
            v.validate_nbf = true;
            v.validate_aud = true;
            v.set_audience(&config.audiences);
            v.set_issuer(&[issuer.url.as_str()]);
            v.set_required_spec_claims(&["exp", "iss", "aud"]);
            v
        };
        let issuers = config
            .issuers
            .iter()
            .map(|issuer| IssuerEntry {
                keys: Arc::new(KeySet::new(
                    issuer.discovery_url.clone(),
                    fetcher.clone(),
                    config.jwks_refetch_interval,
                    config.jwks_max_age,
                    config.allow_insecure_http_for_tests,
                )),
                rs256: validation(Algorithm::RS256, issuer),
                es256: validation(Algorithm::ES256, issuer),
                issuer: issuer.clone(),
            })
            .collect();
        Self {
            issuers,
            audiences: config.audiences.clone(),
            tenants: config.tenants.clone(),
            skew,
        }
    }

    /// Loads every issuer's keys now (at most once per refetch interval). Returns the issuers
    /// whose keys could not be loaded, with the reason.
    pub async fn refresh_keys(&self) -> Vec<(String, String)> {
        let mut failed = Vec::new();
        for entry in &self.issuers {
            if let Err(e) = entry.keys.refresh().await {
                failed.push((entry.issuer.url.clone(), e));
            }
        }
        failed
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
        let entry = self
            .issuers
            .iter()
            .find(|e| e.issuer.url == iss)
            .ok_or(JwtError::IssuerNotAccepted)?;
        let key = match entry.keys.key(kid).await {
            KeyLookup::Found(key) => key,
            KeyLookup::UnknownKid => return Err(JwtError::UnknownKey),
            KeyLookup::Unavailable(why) => return Err(JwtError::KeysUnavailable(why)),
        };
        // Algorithm pinned per key. This also keeps `jsonwebtoken` from ever pairing a key with
        // an algorithm of another family (its `DecodingKey::as_bytes` is `unreachable!()` for RSA
        // components); `Validation::algorithms` holds only the key's algorithm as a second guard.
        if key.alg != alg {
            return Err(JwtError::AlgorithmMismatch);
        }
        let validation = match alg {
            Algorithm::ES256 => &entry.es256,
            _ => &entry.rs256,
        };
        let data =
            jsonwebtoken::decode::<AccessTokenClaims>(token, &key.key, validation).map_err(map_jsonwebtoken_error)?;
        into_caller(
            data.claims,
            &entry.issuer,
            &self.audiences,
            &self.tenants,
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
