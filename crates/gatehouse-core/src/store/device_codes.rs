//! Device authorizations (RFC 8628).

use async_trait::async_trait;

use super::StoreResult;
use crate::model::{DeviceCode, UnixTime};

/// Device authorizations. Every state change is one conditional UPDATE, so two concurrent
/// requests can never both move the same code.
#[async_trait]
pub trait DeviceCodeStore: Send + Sync {
    /// Fails with `Conflict` when the user code is taken (the caller draws another).
    async fn create_device_code(&self, code: &DeviceCode) -> StoreResult<()>;
    async fn device_code_by_hash(&self, hash: &[u8; 32]) -> StoreResult<Option<DeviceCode>>;
    async fn device_code_by_user_code(&self, tenant_id: &str, user_code: &str) -> StoreResult<Option<DeviceCode>>;
    /// Records a poll and the (possibly grown) interval.
    async fn record_device_poll(&self, hash: &[u8; 32], poll_ms: i64, interval: i64) -> StoreResult<()>;
    /// Binds a signed-in user to a pending, unexpired code; false otherwise.
    async fn attach_device_user(
        &self,
        tenant_id: &str,
        user_code: &str,
        user_id: &str,
        approval_hash: &[u8; 32],
        now: UnixTime,
    ) -> StoreResult<bool>;
    /// pending -> approved/declined, only with the approval token of the signed-in page.
    async fn decide_device_code(
        &self,
        tenant_id: &str,
        user_code: &str,
        approval_hash: &[u8; 32],
        approve: bool,
        now: UnixTime,
    ) -> StoreResult<bool>;
    /// approved -> used; true for exactly one caller.
    async fn redeem_device_code(&self, hash: &[u8; 32], now: UnixTime) -> StoreResult<bool>;
}
