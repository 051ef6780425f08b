//! Users of a tenant.

use async_trait::async_trait;

use super::StoreResult;
use crate::model::{UnixTime, User};

/// Users of a tenant. User writes append nothing to the change feed: no cache holds users.
#[async_trait]
pub trait UserStore: Send + Sync {
    /// Fails with `Conflict` when the user principal name is taken in the tenant.
    async fn create_user(&self, user: &User) -> StoreResult<()>;
    async fn user_by_id(&self, tenant_id: &str, id: &str) -> StoreResult<Option<User>>;
    /// `upn` lower-case.
    async fn user_by_upn(&self, tenant_id: &str, upn: &str) -> StoreResult<Option<User>>;
    async fn list_users(&self, tenant_id: &str) -> StoreResult<Vec<User>>;
    /// Updates name, display name, password hash and enabled flag; `NotFound` if absent.
    async fn update_user(&self, user: &User) -> StoreResult<()>;
    /// Deletes the user and revokes their live refresh-token families, in one transaction.
    /// `None` when there was no such user; otherwise the revoked families' ids and expiries
    /// (for the revocation feed).
    async fn delete_user(&self, tenant_id: &str, id: &str) -> StoreResult<Option<Vec<(String, UnixTime)>>>;
}
