//! Housekeeping: removing rows nothing can use any more, so the database does not grow without
//! bound. `gatehouse serve` runs [`purge_expired`] on a timer; `gatehouse purge` runs it once.
//!
//! What goes, and when (see docs/CONFIGURATION.md):
//! - authorization codes, device codes, browser sessions, refresh-token families (with their
//!   tokens), revocation-feed entries and idle throttle counters, [`GRACE`] after they expired;
//! - sign-in log rows older than the retention (default 90 days; `0` keeps them forever).
//!
//! The grace keeps a just-expired code around long enough that a late replay is still
//! recognised as a replay (and revokes what the code issued) rather than as an unknown code.

use std::time::Duration;

use crate::model::{now, PurgeReport, UnixTime};
use crate::store::{Store, StoreResult};

/// How long an expired row is kept before it is removed.
pub const GRACE: Duration = Duration::from_secs(24 * 3600);

/// How long rows are kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retention {
    /// Sign-in log rows older than this are removed; `None` keeps them forever.
    pub sign_in_log: Option<Duration>,
}

impl Default for Retention {
    fn default() -> Self {
        Self {
            sign_in_log: Some(Duration::from_secs(90 * 24 * 3600)),
        }
    }
}

/// Removes what has expired (more than [`GRACE`] ago at `at`) and sign-in log rows older than the
/// retention. Safe to run from several processes at once: every statement is an idempotent
/// delete by time.
pub async fn purge_expired_at(store: &dyn Store, retention: Retention, at: UnixTime) -> StoreResult<PurgeReport> {
    let expired_before = at.saturating_sub(GRACE.as_secs() as i64);
    let sign_ins_before = retention
        .sign_in_log
        .map(|keep| at.saturating_sub(keep.as_secs() as i64));
    store.purge(expired_before, sign_ins_before).await
}

/// [`purge_expired_at`] now.
pub async fn purge_expired(store: &dyn Store, retention: Retention) -> StoreResult<PurgeReport> {
    purge_expired_at(store, retention, now()).await
}
