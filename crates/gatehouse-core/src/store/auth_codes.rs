//! Authorization codes.

use async_trait::async_trait;

use super::StoreResult;
use crate::model::{AuthCode, RefreshFamily, RefreshToken, UnixTime};

/// Authorization codes: single use, decided by one conditional UPDATE.
#[async_trait]
pub trait AuthCodeStore: Send + Sync {
    async fn create_auth_code(&self, code: &AuthCode) -> StoreResult<()>;
    async fn auth_code_by_hash(&self, hash: &[u8; 32]) -> StoreResult<Option<AuthCode>>;
    /// Marks an unused, unexpired code used and (if given) creates the refresh family it
    /// starts, in one transaction; true for exactly one of any number of concurrent callers.
    async fn redeem_auth_code(
        &self,
        hash: &[u8; 32],
        now: UnixTime,
        family: Option<(&RefreshFamily, &RefreshToken)>,
    ) -> StoreResult<bool>;
}
