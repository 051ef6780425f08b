//! Rate limits on failed credential checks, shared by every replica through the store.
//!
//! Failures are counted per key (`client:{tenant}:{client_id}` and `ip:{address}`) in fixed
//! windows. When a key reaches its limit it is locked until the lock ends: every attempt for it
//! is refused with 429 and `Retry-After`, even with the right secret, so a guesser learns nothing.
//! Each process keeps the set of locked keys in memory, refreshed from the store by the directory
//! refresher, so the check on the token path costs no database round trip.

use std::collections::HashMap;
use std::sync::Arc;

use parking_lot::RwLock;

use crate::error::Error;
use crate::model::{now, UnixTime};
use crate::store::ThrottleStore;

#[derive(Debug, Clone, Copy)]
pub struct Limit {
    pub failures: i64,
    pub window_seconds: i64,
    pub lock_seconds: i64,
}

#[derive(Debug, Clone, Copy)]
pub struct ThrottlePolicy {
    pub per_client: Limit,
    pub per_source: Limit,
    /// Failed passwords per user account (also for names that do not exist, so a lock says
    /// nothing about existence).
    pub per_user: Limit,
}

impl Default for ThrottlePolicy {
    fn default() -> Self {
        Self {
            per_client: Limit {
                failures: 20,
                window_seconds: 60,
                lock_seconds: 60,
            },
            per_source: Limit {
                failures: 30,
                window_seconds: 60,
                lock_seconds: 120,
            },
            per_user: Limit {
                failures: 10,
                window_seconds: 300,
                lock_seconds: 300,
            },
        }
    }
}

pub struct Throttle {
    store: Arc<dyn ThrottleStore>,
    policy: ThrottlePolicy,
    locked: RwLock<HashMap<String, UnixTime>>,
}

pub fn client_key(tenant_id: &str, client_id: &str) -> String {
    // Built by hand: one of these per token request.
    let mut k = String::with_capacity(8 + tenant_id.len() + client_id.len());
    k.push_str("client:");
    k.push_str(tenant_id);
    k.push(':');
    let at = k.len();
    k.push_str(client_id);
    k[at..].make_ascii_lowercase();
    k
}

pub fn user_key(tenant_id: &str, upn: &str) -> String {
    format!("user:{tenant_id}:{}", upn.to_lowercase())
}

pub fn source_key(source: &std::net::IpAddr) -> String {
    format!("ip:{source}")
}

impl Throttle {
    pub fn new(store: Arc<dyn ThrottleStore>, policy: ThrottlePolicy) -> Self {
        Self {
            store,
            policy,
            locked: Default::default(),
        }
    }

    /// Refuses if any key is locked now.
    pub fn check(&self, keys: &[&str]) -> Result<(), Error> {
        let t = now();
        let locked = self.locked.read();
        for k in keys {
            if let Some(until) = locked.get(*k) {
                if *until > t {
                    return Err(Error::Throttled {
                        retry_after: (*until - t) as u64,
                    });
                }
            }
        }
        Ok(())
    }

    pub fn policy(&self) -> ThrottlePolicy {
        self.policy
    }

    /// Counts a failure for a client and (if known) a source address.
    pub async fn failure(&self, client: Option<&str>, source: Option<&str>) -> Result<(), Error> {
        self.record(&[(client, self.policy.per_client), (source, self.policy.per_source)])
            .await
    }

    /// Counts a failure for each present key under its limit.
    pub async fn record(&self, items: &[(Option<&str>, Limit)]) -> Result<(), Error> {
        let t = now();
        for (key, limit) in items.iter().copied() {
            let Some(key) = key else { continue };
            let window_start = t - t.rem_euclid(limit.window_seconds);
            let until = t + limit.lock_seconds;
            let count = self
                .store
                .record_failure(key, window_start, until, limit.failures)
                .await?;
            if count >= limit.failures {
                tracing::warn!(key, count, "credential failures reached the limit; locked");
                self.locked.write().insert(key.to_owned(), until);
            }
        }
        Ok(())
    }

    /// Reloads the locked set from the store (called by the refresher).
    pub async fn refresh(&self) -> Result<(), Error> {
        let fresh: HashMap<String, UnixTime> = self.store.locked_keys(now()).await?.into_iter().collect();
        *self.locked.write() = fresh;
        Ok(())
    }
}
