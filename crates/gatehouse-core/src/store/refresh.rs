//! Refresh-token families and their rotation.

use async_trait::async_trait;

use super::StoreResult;
use crate::model::{RefreshFamily, RefreshToken, UnixTime};

#[async_trait]
pub trait RefreshStore: Send + Sync {
    async fn create_refresh_family(&self, family: &RefreshFamily, first: &RefreshToken) -> StoreResult<()>;
    async fn refresh_token_by_hash(&self, hash: &[u8; 32]) -> StoreResult<Option<(RefreshToken, RefreshFamily)>>;
    /// Marks `old` used and stores `new` in one transaction, only if `old` was unused and its
    /// family is not revoked; true for exactly one of any number of concurrent callers.
    async fn rotate_refresh_token(&self, old: &[u8; 32], new: &RefreshToken) -> StoreResult<bool>;
    /// Marks a family revoked; true if it was not revoked before.
    async fn revoke_refresh_family(&self, family_id: &str) -> StoreResult<bool>;
    /// Records the access token `uti` (expiring at `expires_at`) as the newest the family
    /// `family_id` issued for `resource` (the resource's appId) and, in the same transaction,
    /// publishes the one it replaces in the revocation feed of `tenant_id` as a `uti` (unless it
    /// had expired at `now`). Returns the replaced `uti` when one was published. Concurrent
    /// callers for one family and resource are serialized: each replaced token is published.
    async fn supersede_access_token(
        &self,
        tenant_id: &str,
        family_id: &str,
        resource: &str,
        uti: &str,
        expires_at: UnixTime,
        now: UnixTime,
    ) -> StoreResult<Option<String>>;
}
