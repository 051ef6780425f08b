//! The sign-in log: every password check and its outcome.

use async_trait::async_trait;

use super::StoreResult;
use crate::model::SignInEvent;

#[async_trait]
pub trait SignInLog: Send + Sync {
    async fn record_sign_in(&self, event: &SignInEvent) -> StoreResult<()>;
    /// The newest events of a tenant first, optionally for one user principal name.
    async fn sign_ins(&self, tenant_id: &str, upn: Option<&str>, limit: i64) -> StoreResult<Vec<SignInEvent>>;
}
