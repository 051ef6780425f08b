//! Verified-credential cache: SHA-256 of `scheme SP credentials` -> verified [`Caller`], valid
//! until the credential's `exp` plus the clock skew (the same instant a fresh verification would
//! start refusing it). Bounded: when full, expired entries are purged, then arbitrary ones are
//! evicted. A hit is still checked against the revocation feed by the guard.

use std::collections::HashMap;

use aws_lc_rs::digest;
use parking_lot::RwLock;

use crate::caller::Caller;

/// Cache key: SHA-256 of the presented header value.
pub(crate) type CacheKey = [u8; 32];

#[derive(Debug)]
struct Entry {
    caller: Caller,
    valid_until: u64,
}

#[derive(Debug)]
pub(crate) struct VerifiedCache {
    map: RwLock<HashMap<CacheKey, Entry>>,
    capacity: usize,
}

impl VerifiedCache {
    pub(crate) fn new(capacity: usize) -> Self {
        Self {
            map: RwLock::new(HashMap::new()),
            capacity,
        }
    }

    pub(crate) fn enabled(&self) -> bool {
        self.capacity > 0
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
        if !self.enabled() {
            return None;
        }
        let map = self.map.read();
        let entry = map.get(key)?;
        (now <= entry.valid_until).then(|| entry.caller.clone())
    }

    /// Stores a verified caller until `valid_until` (seconds since the epoch).
    pub(crate) fn insert(&self, key: CacheKey, caller: Caller, valid_until: u64, now: u64) {
        if !self.enabled() || valid_until < now {
            return;
        }
        let mut map = self.map.write();
        if map.len() >= self.capacity && !map.contains_key(&key) {
            map.retain(|_, e| e.valid_until >= now);
            while map.len() >= self.capacity {
                let Some(victim) = map.keys().next().copied() else {
                    break;
                };
                map.remove(&victim);
            }
        }
        map.insert(key, Entry { caller, valid_until });
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.map.read().len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::caller::CredentialKind;

    fn caller() -> Caller {
        Caller::builder(CredentialKind::Jwt, "t", "o").build()
    }

    #[test]
    fn entries_expire_and_size_is_bounded() {
        let cache = VerifiedCache::new(2);
        let k = |s: &str| VerifiedCache::key("Bearer", s);
        cache.insert(k("a"), caller(), 100, 50);
        assert!(cache.get(&k("a"), 100).is_some());
        assert!(cache.get(&k("a"), 101).is_none());
        cache.insert(k("b"), caller(), 100, 50);
        cache.insert(k("c"), caller(), 100, 50);
        assert_eq!(cache.len(), 2);
        assert!(cache.get(&k("c"), 60).is_some());
        // Expired entries go first when full.
        cache.insert(k("d"), caller(), 300, 200);
        assert_eq!(cache.len(), 1);
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
    }
}
