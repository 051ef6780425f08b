//! Personal access tokens and the scopes each user may put in them.

use async_trait::async_trait;

use super::StoreResult;
use crate::model::{PatFilter, PatWithOwner, PersonalAccessToken, UnixTime};

/// Reads of personal access tokens (`pats`) and entitlements (`pat_entitlements`). A PAT row
/// references its user with `ON DELETE CASCADE`: deleting the user deletes their PATs in the
/// same transaction. Single writes are a unit of work of one [`PatWrites`] write.
#[async_trait]
pub trait PatStore: Send + Sync {
    /// The PAT whose token text hashes to `hash`, with its owner's name and state.
    async fn pat_by_hash(&self, hash: &[u8; 32]) -> StoreResult<Option<PatWithOwner>>;
    /// One PAT of one user (revoked or not).
    async fn pat_by_id(
        &self,
        tenant_id: &str,
        user_id: &str,
        authorization_id: &str,
    ) -> StoreResult<Option<PersonalAccessToken>>;
    /// A user's PATs matching `filter` at `now`, by `authorization_id` ascending, those after
    /// `after` (exclusive), at most `limit`.
    async fn list_pats(
        &self,
        tenant_id: &str,
        user_id: &str,
        filter: PatFilter,
        now: UnixTime,
        after: Option<&str>,
        limit: i64,
    ) -> StoreResult<Vec<PersonalAccessToken>>;
    /// The scopes an administrator allowed a user to put in PATs; `None`: nothing set (the
    /// caller applies the default).
    async fn pat_entitlement(&self, tenant_id: &str, user_id: &str) -> StoreResult<Option<Vec<String>>>;
    /// Records a use at `now` unless one was recorded in the last `min_interval` seconds
    /// (at most one write per PAT per interval); `true` if it wrote.
    async fn record_pat_use(&self, authorization_id: &str, now: UnixTime, min_interval: i64) -> StoreResult<bool>;
}

/// PAT writes of a unit of work.
#[async_trait]
pub trait PatWrites: Send {
    /// Inserts a PAT; `NotFound` if its user does not exist, `Conflict` on a duplicate id/hash.
    async fn create_pat(&mut self, pat: &PersonalAccessToken) -> StoreResult<()>;
    /// Writes `display_name`, `scopes` and `valid_to` of a PAT that is not revoked; `false` if
    /// there is none.
    async fn update_pat(&mut self, pat: &PersonalAccessToken) -> StoreResult<bool>;
    /// Marks a PAT revoked at `now`; `false` if there is none or it was already revoked.
    async fn revoke_pat(
        &mut self,
        tenant_id: &str,
        user_id: &str,
        authorization_id: &str,
        now: UnixTime,
    ) -> StoreResult<bool>;
    /// The ids and `valid_to` of a user's PATs that are not revoked and not expired at `now`
    /// (read inside the unit of work, e.g. before the user is deleted, to publish revocations).
    async fn live_pats_of_user(
        &mut self,
        tenant_id: &str,
        user_id: &str,
        now: UnixTime,
    ) -> StoreResult<Vec<(String, UnixTime)>>;
    /// Sets (`Some`) or clears (`None`: back to the default) a user's entitlement.
    async fn set_pat_entitlement(
        &mut self,
        tenant_id: &str,
        user_id: &str,
        scopes: Option<&[String]>,
    ) -> StoreResult<()>;
}
