//! Verified-credential cache: SHA-256 of `scheme SP credentials` -> verified [`Caller`], valid
//! until the credential's `exp` plus the clock skew (the same instant a fresh verification would
//! start refusing it). A hit is still checked against revocation by the guard.
//!
//! Bounded and concurrent: a `moka` sync cache of at most `capacity` entries, evicting
//! incrementally (TinyLFU admission, LRU eviction, amortised over operations: no scan of the
//! whole cache and no global write lock on a miss), each entry expiring on its own at its
//! `valid_until`. The expiry is also checked on every hit, in wall-clock seconds, so an entry is
//! never used past it whatever the cache's housekeeping is doing.

use std::time::{Duration, Instant};

use aws_lc_rs::digest;
use moka::sync::Cache;
use moka::Expiry;

use crate::caller::Caller;

/// Longest an entry stays in the cache itself (a day: Gatehouse tokens live 24 h at most);
/// a credential valid for longer is simply verified again after that.
const MAX_TIME_TO_LIVE: Duration = Duration::from_secs(24 * 3600);

/// Cache key: SHA-256 of the presented header value.
pub(crate) type CacheKey = [u8; 32];

#[derive(Debug, Clone)]
struct Entry {
    caller: Caller,
    /// Seconds since the epoch after which the entry is not used.
    valid_until: u64,
    /// `valid_until - now` at insertion, for the cache's own expiry.
    time_to_live: Duration,
}

/// Each entry expires at its own `valid_until`.
struct UntilValid;

impl Expiry<CacheKey, Entry> for UntilValid {
    fn expire_after_create(&self, _key: &CacheKey, entry: &Entry, _created_at: Instant) -> Option<Duration> {
        Some(entry.time_to_live)
    }
}

pub(crate) struct VerifiedCache {
    cache: Option<Cache<CacheKey, Entry>>,
}

impl std::fmt::Debug for VerifiedCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VerifiedCache")
            .field("capacity", &self.cache.as_ref().and_then(|c| c.policy().max_capacity()))
            .finish()
    }
}

impl VerifiedCache {
    /// A cache of at most `capacity` entries; 0 turns caching off.
    pub(crate) fn new(capacity: usize) -> Self {
        let cache = (capacity > 0).then(|| {
            Cache::builder()
                .max_capacity(capacity as u64)
                .expire_after(UntilValid)
                .build()
        });
        Self { cache }
    }

    /// Key of a presented credential (the scheme is lowercased so `Bearer` and `bearer` share).
    pub(crate) fn key(scheme: &str, credentials: &str) -> CacheKey {
        let mut ctx = digest::Context::new(&digest::SHA256);
        let mut buf = [0u8; 64];
        for chunk in scheme.as_bytes().chunks(buf.len()) {
            let lower = &mut buf[..chunk.len()];
            lower.copy_from_slice(chunk);
            lower.make_ascii_lowercase();
            ctx.update(lower);
        }
        ctx.update(b" ");
        ctx.update(credentials.as_bytes());
        let mut key = [0u8; 32];
        key.copy_from_slice(ctx.finish().as_ref());
        key
    }

    /// The cached caller, if present and still valid at `now`.
    pub(crate) fn get(&self, key: &CacheKey, now: u64) -> Option<Caller> {
        let entry = self.cache.as_ref()?.get(key)?;
        (now <= entry.valid_until).then_some(entry.caller)
    }

    /// Stores a verified caller until `valid_until` (seconds since the epoch).
    pub(crate) fn insert(&self, key: CacheKey, caller: Caller, valid_until: u64, now: u64) {
        let Some(cache) = &self.cache else { return };
        if valid_until < now {
            return;
        }
        let time_to_live = Duration::from_secs(valid_until - now + 1).min(MAX_TIME_TO_LIVE);
        cache.insert(
            key,
            Entry {
                caller,
                valid_until,
                time_to_live,
            },
        );
    }

    /// Entries held, after the pending evictions have been applied (tests, benchmarks).
    #[cfg(test)]
    fn len(&self) -> u64 {
        match &self.cache {
            Some(cache) => {
                cache.run_pending_tasks();
                cache.entry_count()
            }
            None => 0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::caller::CredentialKind;

    fn caller() -> Caller {
        Caller::builder(CredentialKind::Jwt, "t", "o").build()
    }

    fn k(i: u32) -> CacheKey {
        VerifiedCache::key("Bearer", &i.to_string())
    }

    #[test]
    fn entries_are_not_used_past_their_validity() {
        let cache = VerifiedCache::new(10);
        cache.insert(k(1), caller(), 100, 50);
        assert!(cache.get(&k(1), 100).is_some());
        assert!(cache.get(&k(1), 101).is_none());
        cache.insert(k(2), caller(), 40, 50);
        assert!(
            cache.get(&k(2), 30).is_none(),
            "an already expired caller is not stored"
        );
    }

    #[test]
    fn size_stays_bounded_past_capacity() {
        let cache = VerifiedCache::new(100);
        for i in 0..5_000 {
            cache.insert(k(i), caller(), u64::MAX / 2, 50);
        }
        let len = cache.len();
        assert!(len <= 100, "{len} entries held with capacity 100");
        assert!(len > 0);
        // Still working after eviction: a new entry can be stored and read.
        cache.insert(k(9_999), caller(), u64::MAX / 2, 50);
        cache.len();
        assert!((0..5_000).chain([9_999]).any(|i| cache.get(&k(i), 60).is_some()));
    }

    #[test]
    fn scheme_case_does_not_matter_but_value_does() {
        assert_eq!(VerifiedCache::key("Bearer", "x"), VerifiedCache::key("bEARER", "x"));
        assert_ne!(VerifiedCache::key("Bearer", "x"), VerifiedCache::key("Bearer", "X"));
    }

    #[test]
    fn disabled_cache_stores_nothing() {
        let cache = VerifiedCache::new(0);
        let key = VerifiedCache::key("Bearer", "a");
        cache.insert(key, caller(), 100, 50);
        assert!(cache.get(&key, 60).is_none());
        assert_eq!(cache.len(), 0);
    }
}
