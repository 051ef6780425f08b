//! Failed-credential counters shared by every replica.

use async_trait::async_trait;

use super::StoreResult;
use crate::model::UnixTime;

#[async_trait]
pub trait ThrottleStore: Send + Sync {
    /// Counts one failure for `key` in the window that started at `window_start` and returns the
    /// count in that window, atomically. A failure in a newer window resets the count.
    async fn record_failure(
        &self,
        key: &str,
        window_start: UnixTime,
        lock_until: UnixTime,
        limit: i64,
    ) -> StoreResult<i64>;
    /// Keys locked at `now`, with the time their lock ends.
    async fn locked_keys(&self, now: UnixTime) -> StoreResult<Vec<(String, UnixTime)>>;
}
