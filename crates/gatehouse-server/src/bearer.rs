//! Our own bearer tokens on our own routes, checked by the guard's verifier: the same checks an
//! API behind `gatehouse-guard` gets (header, `alg` pinned per key, no `crit`, `iss` exactly one of
//! our tenants' issuers with `tid` equal to it, audience, integer dates, skew), with the tenants'
//! keys taken from the core's key ring in memory (never an HTTP fetch of our own JWKS) and
//! revocation read from the store at once (no polling bound on our own routes).
//!
//! A front door builds one [`Bearer`] per audience set and gets a verified
//! [`gatehouse_guard::Caller`] or a domain error its dialect renders. Introspection, whose
//! audiences are those of the asking resource server, uses [`TokenCheck`]: the same verifier
//! and revocation check, with the audiences given per call.

use std::sync::Arc;

use axum::http::HeaderMap;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use gatehouse_core::{Error, Gatehouse, StoreError};
use gatehouse_guard::jwt::{JwtError, JwtVerifier};
use gatehouse_guard::{
    async_trait, Caller, ConfigError, Guard, GuardConfig, Issuer, KeyLookup, KeyProvider, Rejection, Requirement,
    RevocationCheck, RevocationStatus, VerificationKey,
};

/// Verification keys parsed from the core's published keys. A `kid` names one key forever, so
/// parsed keys are cached by (tenant, kid); whether the tenant still publishes the `kid` is
/// asked of the core's key ring (a map lookup) on every check.
struct CoreKeys {
    gh: Arc<Gatehouse>,
    parsed: moka::sync::Cache<(String, String), Arc<VerificationKey>>,
}

impl CoreKeys {
    fn shared(gh: &Arc<Gatehouse>) -> Arc<Self> {
        Arc::new(Self {
            gh: gh.clone(),
            parsed: moka::sync::Cache::new(10_000),
        })
    }
}

#[async_trait]
impl KeyProvider for CoreKeys {
    async fn key(&self, issuer: &Issuer, kid: &str) -> KeyLookup {
        match self.gh.tenant_public_key(&issuer.tenant_id, kid).await {
            Ok(Some(jwk)) => {
                let id = (issuer.tenant_id.clone(), kid.to_owned());
                if let Some(key) = self.parsed.get(&id) {
                    return KeyLookup::Found(key);
                }
                match VerificationKey::from_jwk(&jwk) {
                    Ok(key) => {
                        let key = Arc::new(key);
                        self.parsed.insert(id, key.clone());
                        KeyLookup::Found(key)
                    }
                    Err(_) => KeyLookup::UnknownKid,
                }
            }
            Ok(None) => KeyLookup::UnknownKid,
            Err(Error::TenantNotFound(_)) => KeyLookup::UnknownIssuer,
            Err(e) => KeyLookup::Unavailable(e.to_string()),
        }
    }
}

/// Revocation as the store says it now.
struct StoreRevocations {
    gh: Arc<Gatehouse>,
}

#[async_trait]
impl RevocationCheck for StoreRevocations {
    async fn status(&self, caller: &Caller) -> RevocationStatus {
        match self
            .gh
            .is_revoked(caller.tenant_id(), caller.session_id(), caller.token_id())
            .await
        {
            Ok(true) => RevocationStatus::Revoked,
            Ok(false) => RevocationStatus::NotRevoked,
            Err(e) => {
                tracing::warn!(error = %e, "cannot read revocations; refusing the token");
                RevocationStatus::Unknown
            }
        }
    }
}

/// The bearer-token check of one front door: our issuers, the door's audiences.
#[derive(Clone)]
pub struct Bearer {
    guard: Guard,
}

impl Bearer {
    /// A check accepting tokens of any of our tenants for one of `audiences`.
    pub fn new(gh: Arc<Gatehouse>, audiences: &[&str]) -> Result<Self, ConfigError> {
        let mut config = GuardConfig::builder().any_tenant_issuer(gh.base_url());
        for a in audiences {
            config = config.audience(*a);
        }
        let keys = CoreKeys::shared(&gh);
        let guard = Guard::builder(config.build()?)
            .key_provider(keys)
            .revocation_check(Arc::new(StoreRevocations { gh }))
            .build()?;
        Ok(Self { guard })
    }

    /// The verified caller of a request that needs `requirement`.
    pub async fn caller(&self, headers: &HeaderMap, requirement: &Requirement) -> Result<Caller, Error> {
        self.guard.check(headers, requirement).await.map_err(|r| match r {
            Rejection::MissingCredential => Error::BearerInvalid("missing"),
            Rejection::InvalidRequest { description } | Rejection::InvalidToken { description, .. } => {
                Error::BearerInvalid(description)
            }
            Rejection::InsufficientScope { .. } => Error::BearerInvalid("insufficient scope or role"),
            Rejection::Unavailable { detail, .. } => Error::Store(StoreError::Unavailable(detail)),
        })
    }
}

/// Our own access tokens checked for audiences chosen per call (the asking resource server's,
/// at the introspection endpoint): signature, header, issuer, dates and revocation exactly as
/// [`Bearer`] checks them.
#[derive(Clone)]
pub struct TokenCheck {
    gh: Arc<Gatehouse>,
    keys: Arc<CoreKeys>,
}

/// A token that passed every check, with its claims.
pub struct VerifiedToken {
    pub caller: Caller,
    pub claims: serde_json::Map<String, serde_json::Value>,
}

impl TokenCheck {
    pub fn new(gh: Arc<Gatehouse>) -> Self {
        let keys = CoreKeys::shared(&gh);
        Self { gh, keys }
    }

    /// The verified token, or `None` when `token` is not a valid, unrevoked access token of
    /// ours for one of `audiences` (whatever the reason: the answer must not say which). Only a
    /// store that cannot be read is an error.
    pub async fn verify(&self, token: &str, audiences: &[String]) -> Result<Option<VerifiedToken>, Error> {
        if audiences.is_empty() {
            return Ok(None);
        }
        let mut config = GuardConfig::builder().any_tenant_issuer(self.gh.base_url());
        for a in audiences {
            config = config.audience(a.as_str());
        }
        let Ok(config) = config.build() else {
            return Ok(None);
        };
        let verifier = JwtVerifier::new(&config, self.keys.clone());
        let caller = match verifier.verify_token(token).await {
            Ok(caller) => caller,
            Err(JwtError::KeysUnavailable(why)) => return Err(Error::Store(StoreError::Unavailable(why))),
            Err(_) => return Ok(None),
        };
        if self
            .gh
            .is_revoked(caller.tenant_id(), caller.session_id(), caller.token_id())
            .await?
        {
            return Ok(None);
        }
        // The signature covers these bytes; parsing them again only reads what was verified.
        let claims = token
            .split('.')
            .nth(1)
            .and_then(|p| URL_SAFE_NO_PAD.decode(p).ok())
            .and_then(|b| serde_json::from_slice::<serde_json::Map<String, serde_json::Value>>(&b).ok());
        Ok(claims.map(|claims| VerifiedToken { caller, claims }))
    }
}

/// The token endpoint's check of the user tokens that on-behalf-of and token exchange present:
/// exactly the check of introspection and of our bearer routes.
#[async_trait]
impl gatehouse_core::issuance::grants::user_assertion::TokenVerifier for TokenCheck {
    async fn verify_claims(
        &self,
        token: &str,
        audiences: &[String],
    ) -> Result<Option<serde_json::Map<String, serde_json::Value>>, Error> {
        Ok(self.verify(token, audiences).await?.map(|v| v.claims))
    }
}
