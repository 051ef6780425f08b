//! Revocation feed: the guard polls `GET {server_base}/{tenant}/gatehouse/revocations?since=SEQ`
//! for each tenant and keeps the revoked `sid`s (refresh-token families) and `uti`s (single
//! tokens) in memory until they expire.
//!
//! Wire contract (JSON, `200 OK`): [`RevocationPage`] =
//! `{"seq": N, "entries": [{"type": "sid"|"uti", "value": "...", "exp": epoch_seconds}], "more": false}`.
//! `entries` are those with a sequence number above `since` up to `seq`; `more: true` (optional,
//! default false) asks the client to poll again at once with `since=seq`. A `seq` lower than the
//! `since` sent means the server's log restarted: the client drops its set and reloads from 0.
//! Entries of an unknown `type` are ignored. An entry may be dropped once `exp` (plus the clock
//! skew) has passed, since the tokens it names are expired by then.
//!
//! Fail-closed rule: a token that carries a `sid` is accepted only if its tenant's feed had a
//! successful poll within `max_staleness` (default 60 s); otherwise the guard answers 503. Tokens
//! without a `sid` are checked against whatever set is held.
//!
//! Catch-up: before answering 503, the guard polls the stale tenant once inline
//! ([`RevocationFeed::catch_up`]), at most once per [`CATCH_UP_EVERY`] per tenant, so the first
//! request after a start (or after the issuer comes back) does not fail just because the
//! background poller has not run yet. Concurrent requests share that one poll.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

use parking_lot::RwLock;
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::config::RevocationSettings;
use crate::fetch::{FetchError, Fetcher};
use crate::jwt::unix_now;

const MAX_PAGES_PER_POLL: usize = 1000;
const MAX_VALUE_LEN: usize = 256;
/// A stale tenant is polled inline by a request at most this often.
pub const CATCH_UP_EVERY: Duration = Duration::from_secs(1);

/// One answer of the revocation endpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RevocationPage {
    /// Highest sequence number covered by this answer; send it back as `since`.
    pub seq: u64,
    /// Revocations with a sequence number in `(since, seq]`.
    pub entries: Vec<RevocationEntry>,
    /// More entries are waiting: poll again at once.
    #[serde(default)]
    pub more: bool,
}

/// One revocation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RevocationEntry {
    /// What `value` names.
    #[serde(rename = "type")]
    pub kind: RevocationKind,
    /// The revoked `sid` or `uti`.
    pub value: String,
    /// Expiry (seconds since the epoch) of the last token the entry can affect.
    pub exp: u64,
}

/// Kind of a revocation entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RevocationKind {
    /// A refresh-token family (`sid` claim): every token of the session.
    Sid,
    /// One token (`uti` claim).
    Uti,
    /// A kind this guard does not know; ignored.
    #[serde(other)]
    Unknown,
}

/// What the feed knows about a token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RevocationStatus {
    /// Not in the revoked set (and the feed is fresh enough for this token).
    NotRevoked,
    /// Its `sid` or `uti` is revoked.
    Revoked,
    /// The token carries a `sid` and the feed is stale: refuse (fail closed).
    Unknown,
}

/// A poll failed.
#[derive(Debug, Error)]
pub enum RevocationError {
    #[error("revocation feed of tenant {tenant}: {source}")]
    Fetch {
        tenant: String,
        #[source]
        source: FetchError,
    },
    #[error("revocation feed of tenant {tenant} kept answering more: true")]
    TooManyPages { tenant: String },
}

#[derive(Debug, Default)]
struct TenantState {
    seq: u64,
    sids: HashMap<String, u64>,
    utis: HashMap<String, u64>,
    last_success: Option<Instant>,
    last_attempt: Option<Instant>,
}

impl TenantState {
    fn fresh(&self, max_staleness: Duration) -> bool {
        self.last_success.is_some_and(|t| t.elapsed() <= max_staleness)
    }
}

#[derive(Debug)]
struct FeedInner {
    server_base: String,
    tenants: Vec<(String, RwLock<TenantState>)>,
    fetcher: Fetcher,
    poll_interval: Duration,
    max_staleness: Duration,
    skew: u64,
    started: AtomicBool,
    poll_lock: tokio::sync::Mutex<()>,
}

/// The revocation feed of a guard. Cheap to clone.
#[derive(Debug, Clone)]
pub struct RevocationFeed {
    inner: Arc<FeedInner>,
}

impl RevocationFeed {
    pub(crate) fn new(settings: &RevocationSettings, fetcher: Fetcher, skew: Duration) -> Self {
        let tenants = settings
            .tenants
            .iter()
            .map(|t| (t.clone(), RwLock::new(TenantState::default())))
            .collect();
        Self {
            inner: Arc::new(FeedInner {
                server_base: settings.server_base.clone(),
                tenants,
                fetcher,
                poll_interval: settings.poll_interval,
                max_staleness: settings.max_staleness,
                skew: skew.as_secs(),
                started: AtomicBool::new(false),
                poll_lock: tokio::sync::Mutex::new(()),
            }),
        }
    }

    /// Starts the background poller once, if called inside a Tokio runtime. The poller stops
    /// when the last clone of the feed (and so the guard) is dropped.
    pub(crate) fn ensure_started(&self) {
        if self.inner.started.load(Ordering::Relaxed) {
            return;
        }
        let Ok(handle) = tokio::runtime::Handle::try_current() else {
            return;
        };
        if self.inner.started.swap(true, Ordering::AcqRel) {
            return;
        }
        let weak = Arc::downgrade(&self.inner);
        handle.spawn(poll_loop(weak));
    }

    /// Polls every tenant once now. Returns the first failure (the other tenants are polled).
    pub async fn poll_now(&self) -> Result<(), RevocationError> {
        self.inner.poll_all().await
    }

    /// Status of a token of `tenant` with the given `sid` / `uti`.
    pub fn status(&self, tenant: &str, sid: Option<&str>, uti: Option<&str>) -> RevocationStatus {
        let Some((_, state)) = self.inner.tenants.iter().find(|(t, _)| t == tenant) else {
            return if sid.is_some() {
                RevocationStatus::Unknown
            } else {
                RevocationStatus::NotRevoked
            };
        };
        let state = state.read();
        let revoked =
            sid.is_some_and(|s| state.sids.contains_key(s)) || uti.is_some_and(|u| state.utis.contains_key(u));
        if revoked {
            return RevocationStatus::Revoked;
        }
        if sid.is_some() && !state.fresh(self.inner.max_staleness) {
            RevocationStatus::Unknown
        } else {
            RevocationStatus::NotRevoked
        }
    }

    /// Polls `tenant` once now if its feed is stale and no poll of it was attempted within
    /// [`CATCH_UP_EVERY`]. Waits for a poll already running instead of starting another.
    /// A failure is logged; the caller reads [`RevocationFeed::status`] again afterwards.
    pub async fn catch_up(&self, tenant: &str) {
        let Some((name, state)) = self.inner.tenants.iter().find(|(t, _)| t == tenant) else {
            return;
        };
        let due = |s: &TenantState| {
            !s.fresh(self.inner.max_staleness) && s.last_attempt.is_none_or(|t| t.elapsed() >= CATCH_UP_EVERY)
        };
        if !due(&state.read()) {
            return;
        }
        let _poll = self.inner.poll_lock.lock().await;
        // Another request (or the background poller) may have polled while this one waited.
        if !due(&state.read()) {
            return;
        }
        if let Err(error) = self.inner.poll_tenant(name, state).await {
            tracing::warn!(%error, "revocation catch-up poll failed");
        }
    }

    /// Number of revoked values held for `tenant` (sids + utis).
    pub fn len(&self, tenant: &str) -> usize {
        self.inner
            .tenants
            .iter()
            .find(|(t, _)| t == tenant)
            .map(|(_, s)| {
                let s = s.read();
                s.sids.len() + s.utis.len()
            })
            .unwrap_or(0)
    }

    /// Whether no revocation is held for `tenant`.
    pub fn is_empty(&self, tenant: &str) -> bool {
        self.len(tenant) == 0
    }
}

async fn poll_loop(weak: Weak<FeedInner>) {
    loop {
        let Some(inner) = weak.upgrade() else { return };
        if let Err(error) = inner.poll_all().await {
            tracing::warn!(%error, "revocation poll failed");
        }
        let interval = inner.poll_interval;
        drop(inner);
        tokio::time::sleep(interval).await;
    }
}

impl FeedInner {
    async fn poll_all(&self) -> Result<(), RevocationError> {
        let _guard = self.poll_lock.lock().await;
        let mut first_error = None;
        for (tenant, state) in &self.tenants {
            if let Err(e) = self.poll_tenant(tenant, state).await {
                first_error.get_or_insert(e);
            }
        }
        first_error.map_or(Ok(()), Err)
    }

    async fn poll_tenant(&self, tenant: &str, state: &RwLock<TenantState>) -> Result<(), RevocationError> {
        state.write().last_attempt = Some(Instant::now());
        for _ in 0..MAX_PAGES_PER_POLL {
            let since = state.read().seq;
            let url = format!("{}/{tenant}/gatehouse/revocations?since={since}", self.server_base);
            let page: RevocationPage = self
                .fetcher
                .get_json(&url)
                .await
                .map_err(|source| RevocationError::Fetch {
                    tenant: tenant.to_string(),
                    source,
                })?;
            let mut s = state.write();
            if page.seq < s.seq {
                tracing::warn!(%tenant, "revocation log restarted; reloading");
                s.sids.clear();
                s.utis.clear();
                s.seq = 0;
                continue;
            }
            for entry in page.entries {
                if entry.value.is_empty() || entry.value.len() > MAX_VALUE_LEN {
                    continue;
                }
                match entry.kind {
                    RevocationKind::Sid => s.sids.insert(entry.value, entry.exp),
                    RevocationKind::Uti => s.utis.insert(entry.value, entry.exp),
                    RevocationKind::Unknown => None,
                };
            }
            s.seq = page.seq;
            let horizon = unix_now().saturating_sub(self.skew);
            s.sids.retain(|_, exp| *exp >= horizon);
            s.utis.retain(|_, exp| *exp >= horizon);
            if !page.more {
                s.last_success = Some(Instant::now());
                return Ok(());
            }
        }
        Err(RevocationError::TooManyPages {
            tenant: tenant.to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_format_round_trips_and_ignores_unknown_kinds() {
        let page: RevocationPage = serde_json::from_str(
            r#"{"seq": 7, "entries": [
                {"type": "sid", "value": "s1", "exp": 10},
                {"type": "uti", "value": "u1", "exp": 11},
                {"type": "jti", "value": "x", "exp": 12}
            ]}"#,
        )
        .unwrap();
        assert_eq!(page.seq, 7);
        assert!(!page.more);
        assert_eq!(page.entries[0].kind, RevocationKind::Sid);
        assert_eq!(page.entries[2].kind, RevocationKind::Unknown);
        let text = serde_json::to_string(&page.entries[1]).unwrap();
        assert_eq!(text, r#"{"type":"uti","value":"u1","exp":11}"#);
    }
}
