//! [`RevocationFeed`]: the polled implementation of [`RevocationCheck`]. The guard polls
//! `GET {server_base}/{tenant}/gatehouse/revocations?since=SEQ` for each tenant and keeps the
//! revoked `sid`s (refresh-token families) and `uti`s (single tokens) in memory until they
//! expire. The wire types and the fail-closed rule are described in [`crate::revocation`].

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use parking_lot::RwLock;
use thiserror::Error;

use super::{RevocationCheck, RevocationKind, RevocationPage, RevocationStatus, CATCH_UP_EVERY};
use crate::caller::Caller;
use crate::config::RevocationSettings;
use crate::fetch::{FetchError, Fetcher};
use crate::jwt::unix_now;

const MAX_PAGES_PER_POLL: usize = 1000;
const MAX_VALUE_LEN: usize = 256;

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
    /// Revoked opaque credentials (API tokens, PATs) by id.
    credentials: HashMap<String, u64>,
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

    /// Whether the feed polls `tenant`.
    /// The tenants polled, in configuration order.
    pub fn tenants(&self) -> impl Iterator<Item = &str> {
        self.inner.tenants.iter().map(|(t, _)| t.as_str())
    }

    /// Whether `tenant` is polled.
    pub fn polls(&self, tenant: &str) -> bool {
        self.inner.tenants.iter().any(|(t, _)| t == tenant)
    }

    /// How long the feed may go without a successful poll before callers that depend on it
    /// are refused: also the longest a guard caches a positive check of an opaque credential.
    pub fn max_staleness(&self) -> Duration {
        self.inner.max_staleness
    }

    /// Status of the opaque credential `id` (an API token, a PAT) of `tenant`: revoked when
    /// the feed names it; unknown (fail closed) when the tenant is not polled or its feed is
    /// stale, since a deletion could then go unseen.
    pub fn credential_status(&self, tenant: &str, id: &str) -> RevocationStatus {
        let Some((_, state)) = self.inner.tenants.iter().find(|(t, _)| t == tenant) else {
            return RevocationStatus::Unknown;
        };
        let state = state.read();
        if state.credentials.contains_key(id) {
            RevocationStatus::Revoked
        } else if state.fresh(self.inner.max_staleness) {
            RevocationStatus::NotRevoked
        } else {
            RevocationStatus::Unknown
        }
    }

    /// Whether the feed names the opaque credential `id` (an API token, a PAT) of `tenant` as
    /// revoked. A cache of credential checks drops its entry when this says `true`.
    pub fn credential_revoked(&self, tenant: &str, id: &str) -> bool {
        self.inner
            .tenants
            .iter()
            .find(|(t, _)| t == tenant)
            .is_some_and(|(_, s)| s.read().credentials.contains_key(id))
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

    /// The status of `caller`, polling its tenant once inline first when the feed is stale for
    /// it (see [`RevocationFeed::catch_up`]).
    pub async fn check_caller(&self, caller: &Caller) -> RevocationStatus {
        if caller.kind().is_opaque() {
            let tenant = caller.tenant_id();
            let Some(id) = caller.token_id() else {
                return RevocationStatus::Unknown;
            };
            let status = self.credential_status(tenant, id);
            if status != RevocationStatus::Unknown {
                return status;
            }
            self.catch_up(tenant).await;
            return self.credential_status(tenant, id);
        }
        let (tenant, sid, uti) = (caller.tenant_id(), caller.session_id(), caller.token_id());
        let status = self.status(tenant, sid, uti);
        if status != RevocationStatus::Unknown {
            return status;
        }
        self.catch_up(tenant).await;
        self.status(tenant, sid, uti)
    }

    /// Number of revoked values held for `tenant` (sids + utis).
    pub fn len(&self, tenant: &str) -> usize {
        self.inner
            .tenants
            .iter()
            .find(|(t, _)| t == tenant)
            .map(|(_, s)| {
                let s = s.read();
                s.sids.len() + s.utis.len() + s.credentials.len()
            })
            .unwrap_or(0)
    }

    /// Whether no revocation is held for `tenant`.
    pub fn is_empty(&self, tenant: &str) -> bool {
        self.len(tenant) == 0
    }
}

#[async_trait]
impl RevocationCheck for RevocationFeed {
    async fn status(&self, caller: &Caller) -> RevocationStatus {
        self.check_caller(caller).await
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
                s.credentials.clear();
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
                    RevocationKind::Credential => s.credentials.insert(entry.value, entry.exp),
                    RevocationKind::Unknown => None,
                };
            }
            s.seq = page.seq;
            let horizon = unix_now().saturating_sub(self.skew);
            s.sids.retain(|_, exp| *exp >= horizon);
            s.utis.retain(|_, exp| *exp >= horizon);
            s.credentials.retain(|_, exp| *exp >= horizon);
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
