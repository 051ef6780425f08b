//! Signed-in browser sessions, consent, and the apps a user authorized.

use async_trait::async_trait;

use super::StoreResult;
use crate::model::{SignInSession, UnixTime};

/// Signed-in browser sessions and the scopes users consented to per client.
#[async_trait]
pub trait SessionStore: Send + Sync {
    async fn create_session(&self, session: &SignInSession) -> StoreResult<()>;
    async fn session_by_hash(&self, hash: &[u8; 32]) -> StoreResult<Option<SignInSession>>;
    /// The scope items `user_id` consented to for `client_id` (lower-case appId).
    async fn consented_scopes(&self, tenant_id: &str, user_id: &str, client_id: &str) -> StoreResult<Vec<String>>;
    /// Adds scope items to a user's consent for a client (items already granted are kept).
    async fn grant_consent(
        &self,
        tenant_id: &str,
        user_id: &str,
        client_id: &str,
        scopes: &[String],
        now: UnixTime,
    ) -> StoreResult<()>;
}

/// A client a user authorized: consent items and when a token was last issued to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppGrant {
    /// Lower-case appId.
    pub client_id: String,
    /// The user's own consent items (none for built-in clients, which need no consent).
    pub scopes: Vec<String>,
    pub consented_at: Option<UnixTime>,
    pub last_used_at: Option<UnixTime>,
}

/// What users see of the apps they authorized, and revoking them; sign-out.
#[async_trait]
pub trait AuthorizedAppStore: Send + Sync {
    /// Records that a token was issued to `client_id` for `user_id` (skipped when the recorded
    /// time is less than a minute old, so frequent refreshes do not write every time).
    async fn record_app_use(&self, tenant_id: &str, user_id: &str, client_id: &str, now: UnixTime) -> StoreResult<()>;
    /// Every client the user consented to or got tokens for, ordered by client id.
    async fn authorized_apps(&self, tenant_id: &str, user_id: &str) -> StoreResult<Vec<AppGrant>>;
    /// Removes the user's consent and use record for the client and revokes the user's live
    /// refresh families of that client, in one transaction; returns the revoked families' ids.
    async fn revoke_app(&self, tenant_id: &str, user_id: &str, client_id: &str) -> StoreResult<Vec<String>>;
    /// Removes the tenant-wide (administrator) consent for the client and revokes every live
    /// refresh family of the client in the tenant, in one transaction; returns the revoked
    /// families' ids.
    async fn revoke_tenant_consent(&self, tenant_id: &str, client_id: &str) -> StoreResult<Vec<String>>;
    /// Deletes a signed-in session; true if it existed.
    async fn delete_session(&self, hash: &[u8; 32]) -> StoreResult<bool>;
}
