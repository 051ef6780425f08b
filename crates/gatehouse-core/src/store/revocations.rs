//! The revocation feed guards poll.

use async_trait::async_trait;

use super::StoreResult;
use crate::model::{Revocation, RevocationKind, UnixTime};

#[async_trait]
pub trait RevocationStore: Send + Sync {
    /// Records a revocation and returns its sequence number. Sequence numbers are committed in
    /// order (they come from a one-row counter whose row lock serializes writers), so a reader
    /// asking for everything after N never misses an entry committed later with a smaller number.
    async fn revoke(
        &self,
        tenant_id: &str,
        kind: RevocationKind,
        value: &str,
        expires_at: UnixTime,
    ) -> StoreResult<i64>;
    /// Entries of a tenant with `seq > since` that have not expired at `now`, oldest first, at most `limit`.
    async fn revocations_since(
        &self,
        tenant_id: &str,
        since: i64,
        now: UnixTime,
        limit: i64,
    ) -> StoreResult<Vec<Revocation>>;
    /// Whether the tenant's feed lists the family `sid` or the token `uti` (either may be absent).
    async fn is_revoked(&self, tenant_id: &str, sid: Option<&str>, uti: Option<&str>) -> StoreResult<bool>;
}
