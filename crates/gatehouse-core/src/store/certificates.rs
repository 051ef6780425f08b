//! Certificate credentials of applications, and the client-assertion ids (`jti`) already used.

use async_trait::async_trait;

use super::StoreResult;
use crate::model::{ClientCertificate, UnixTime};

/// Certificate credentials (the public part only). Adding or removing one appends a
/// change-feed entry naming the app's credentials ([`super::ChangeKind::Secret`]), so every
/// process drops its cached client within the one-second promise.
#[async_trait]
pub trait CertificateStore: Send + Sync {
    /// Adds a certificate to an application; a second one with the same SHA-256 thumbprint on
    /// the same application is a conflict.
    async fn add_certificate(&self, tenant_id: &str, cert: &ClientCertificate) -> StoreResult<()>;
    /// An application's certificates, oldest first.
    async fn list_certificates(&self, application_id: &str) -> StoreResult<Vec<ClientCertificate>>;
    async fn remove_certificate(&self, tenant_id: &str, application_id: &str, key_id: &str) -> StoreResult<bool>;
}

/// Single use of client assertions: one record per (tenant, `jti`) until it expires.
#[async_trait]
pub trait AssertionStore: Send + Sync {
    /// Records `jti` as used in `tenant_id` until `expires_at`, in one statement: `true` if it
    /// was not recorded yet (or its record had expired by `now`), `false` if it was (a replay).
    /// Of two concurrent calls with the same `jti`, exactly one gets `true`.
    async fn use_assertion(&self, tenant_id: &str, jti: &str, expires_at: UnixTime, now: UnixTime)
        -> StoreResult<bool>;
}
