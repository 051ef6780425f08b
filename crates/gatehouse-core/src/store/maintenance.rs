//! Housekeeping (see [`crate::maintenance`]).

use async_trait::async_trait;

use super::StoreResult;
use crate::model::{PurgeReport, UnixTime};

#[async_trait]
pub trait MaintenanceStore: Send + Sync {
    /// Deletes authorization codes, device codes, sessions, refresh families (and their tokens),
    /// revocation entries, used client-assertion ids and idle throttle counters that expired before `expired_before`, and
    /// sign-in events older than `sign_ins_before` (none when `None`). Each table is one
    /// statement; running it twice at once is harmless.
    async fn purge(&self, expired_before: UnixTime, sign_ins_before: Option<UnixTime>) -> StoreResult<PurgeReport>;
}
