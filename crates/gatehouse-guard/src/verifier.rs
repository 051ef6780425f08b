//! [`CredentialVerifier`]: the plug-in point for credential kinds. The guard parses the
//! `Authorization` header, then asks the verifiers registered for the presented scheme, in
//! registration order; the first that answers `Some(caller)` wins, the first error refuses.
//! The JWT verifier ([`crate::jwt::JwtVerifier`]) is the first implementation; API tokens
//! (`SharedAccessSignature ...`), PATs and encrypted JWTs slot in beside it without any change to
//! route declarations.

use async_trait::async_trait;
use thiserror::Error;

use crate::caller::Caller;

/// The credential as presented: scheme (as sent) and the text after the space.
#[derive(Debug, Clone, Copy)]
pub struct PresentedCredential<'a> {
    /// Scheme as sent, e.g. `Bearer` or `SharedAccessSignature`.
    pub scheme: &'a str,
    /// Credentials, already checked for charset by the header parser.
    pub value: &'a str,
}

/// Why a verifier refused a credential it recognised.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CredentialError {
    /// The credential is invalid: answered 401 `invalid_token` with `description`.
    #[error("invalid credential: {description}: {detail}")]
    Invalid {
        /// Short text safe to show to the client.
        description: &'static str,
        /// Internal detail, logged only.
        detail: String,
    },
    /// The credential cannot be checked now (a dependency is down): answered 503, fail closed.
    #[error("verification unavailable: {description}: {detail}")]
    Unavailable {
        /// Short text safe to show to the client.
        description: &'static str,
        /// Internal detail, logged only.
        detail: String,
    },
}

impl CredentialError {
    /// An invalid credential.
    pub fn invalid(description: &'static str, detail: impl Into<String>) -> Self {
        CredentialError::Invalid {
            description,
            detail: detail.into(),
        }
    }

    /// A check that cannot be done now.
    pub fn unavailable(description: &'static str, detail: impl Into<String>) -> Self {
        CredentialError::Unavailable {
            description,
            detail: detail.into(),
        }
    }
}

/// A kind of credential the guard can verify.
#[async_trait]
pub trait CredentialVerifier: Send + Sync + 'static {
    /// Authorization schemes handled, compared case-insensitively (e.g. `["Bearer"]`).
    fn schemes(&self) -> &[&'static str];

    /// Whether a verified result may be cached until the caller's `expires_at` (keyed by the
    /// SHA-256 of the header value; cached results are still checked against the revocation
    /// feed on every request). Default: no.
    fn cacheable(&self) -> bool {
        false
    }

    /// The longest a verified result may stay cached, when shorter than its `expires_at`
    /// (opaque credentials checked remotely: the revocation feed's bound). With a bound, the
    /// entry also ends at `expires_at` itself, without the clock skew. Default: no bound.
    fn cache_bound(&self) -> Option<std::time::Duration> {
        None
    }

    /// Verifies `credential`. `Ok(None)` means "not my kind of credential" (e.g. a Bearer value
    /// that is not a JWT), so the next verifier for the scheme is tried.
    async fn verify(&self, credential: PresentedCredential<'_>) -> Result<Option<Caller>, CredentialError>;
}
