//! Reading the audit chain. Entries are appended only by units of work, at their commit
//! (see [`crate::audit`]); nothing deletes or rewrites them.

use async_trait::async_trait;

use super::StoreResult;
use crate::model::{AuditEntry, AuditQuery};

#[async_trait]
pub trait AuditStore: Send + Sync {
    /// Entries matching `query`, `seq` ascending, at most `query.limit`.
    async fn audit_entries(&self, query: &AuditQuery) -> StoreResult<Vec<AuditEntry>>;
    /// The chain itself: entries with `seq > after_seq`, ascending, at most `limit`.
    async fn audit_chain(&self, after_seq: i64, limit: i64) -> StoreResult<Vec<AuditEntry>>;
    /// The head as recorded with the last entry: its number and hash (`0` and zeros when empty).
    async fn audit_head(&self) -> StoreResult<(i64, [u8; 32])>;
    /// Rows in the log table.
    async fn audit_count(&self) -> StoreResult<i64>;
}
