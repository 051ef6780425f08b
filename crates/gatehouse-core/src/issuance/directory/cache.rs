//! [`GuardedCache`]: a bounded concurrent cache (quick_cache: sharded, CLOCK-Pro eviction a few
//! entries at a time as it fills) that a load racing with an invalidation cannot refill with what
//! it read before. quick_cache rather than moka: a hit is a shard read lock and a probe, with no
//! read buffer to drain; the token path looks up six of these per request (docs/DECISIONS.md).
//!
//! A load takes a [`Ticket`] before it reads the database and hands it back with what it read.
//! Invalidating a key bumps the generation of the key's stripe (one of [`STRIPES`] counters,
//! chosen by a hash of the key) before it removes the entry; [`GuardedCache::insert`] checks
//! the generation before inserting and again after, and removes its own entry if an
//! invalidation came in between. So whatever order the two run in, a value read before an
//! invalidation never stays cached after it. Dropping everything bumps an epoch that every
//! entry carries; entries of an older epoch are misses. A stripe shared with an unrelated key
//! only costs that key's load its insert (it is loaded again next time).

use std::hash::BuildHasher;
use std::sync::atomic::{AtomicU64, Ordering::SeqCst};

use quick_cache::sync::Cache;

/// How many generation counters a cache has (8 bytes each).
pub const STRIPES: usize = 1024;

/// What a load must hand back to insert what it read.
#[derive(Debug, Clone, Copy)]
pub struct Ticket {
    epoch: u64,
    stripe: usize,
    generation: u64,
}

pub struct GuardedCache<V: Clone + Send + Sync + 'static> {
    entries: Cache<String, (u64, V)>,
    epoch: AtomicU64,
    stripes: Box<[AtomicU64]>,
    hasher: std::collections::hash_map::RandomState,
}

impl<V: Clone + Send + Sync + 'static> GuardedCache<V> {
    /// At most `capacity` entries; the least valuable are evicted a few at a time as it fills.
    pub fn new(capacity: u64) -> Self {
        Self {
            entries: Cache::new(usize::try_from(capacity).unwrap_or(usize::MAX)),
            epoch: AtomicU64::new(0),
            stripes: (0..STRIPES).map(|_| AtomicU64::new(0)).collect(),
            hasher: Default::default(),
        }
    }

    pub fn get(&self, key: &str) -> Option<V> {
        let (epoch, value) = self.entries.get(key)?;
        (epoch == self.epoch.load(SeqCst)).then_some(value)
    }

    fn stripe(&self, key: &str) -> usize {
        (self.hasher.hash_one(key) as usize) % STRIPES
    }

    /// Taken before a load reads the database.
    pub fn ticket(&self, key: &str) -> Ticket {
        let stripe = self.stripe(key);
        Ticket {
            epoch: self.epoch.load(SeqCst),
            stripe,
            generation: self.stripes[stripe].load(SeqCst),
        }
    }

    fn still_valid(&self, t: Ticket) -> bool {
        self.epoch.load(SeqCst) == t.epoch && self.stripes[t.stripe].load(SeqCst) == t.generation
    }

    /// Caches what a load read, unless `key` (or everything) was invalidated since `ticket`
    /// was taken. Returns whether the value stays cached.
    pub fn insert(&self, ticket: Ticket, key: String, value: V) -> bool {
        if !self.still_valid(ticket) {
            return false;
        }
        self.entries.insert(key.clone(), (ticket.epoch, value));
        if !self.still_valid(ticket) {
            self.entries.remove(&key);
            return false;
        }
        true
    }

    /// Drops `key`; loads of it already under way will not cache what they read.
    pub fn invalidate(&self, key: &str) {
        self.stripes[self.stripe(key)].fetch_add(1, SeqCst);
        self.entries.remove(key);
    }

    /// Drops every entry; loads under way will not cache what they read.
    pub fn invalidate_all(&self) {
        self.epoch.fetch_add(1, SeqCst);
        self.entries.clear();
    }

    /// How many entries are held.
    pub fn len(&self) -> u64 {
        self.entries.len() as u64
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// `{scope}|{id}`: the key of an entry of `scope` (a tenant, a principal), written without the
/// formatting machinery (the token path builds several per request).
pub fn key(scope: &str, id: &str) -> String {
    let mut k = String::with_capacity(scope.len() + 1 + id.len());
    k.push_str(scope);
    k.push('|');
    k.push_str(id);
    k
}

/// [`key`] with `id` lowercased (ids that compare case-insensitively: app ids, client ids).
/// The lowercased id is `&k[scope.len() + 1..]`.
pub fn key_lower(scope: &str, id: &str) -> String {
    let mut k = key(scope, id);
    k[scope.len() + 1..].make_ascii_lowercase();
    k
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_load_that_started_before_an_invalidation_is_not_cached() {
        let c: GuardedCache<u32> = GuardedCache::new(100);
        let ticket = c.ticket("t|a");
        c.invalidate("t|a");
        assert!(!c.insert(ticket, "t|a".into(), 1));
        assert_eq!(c.get("t|a"), None);
        let fresh = c.ticket("t|a");
        assert!(
            c.insert(fresh, "t|a".into(), 2),
            "a load started after the invalidation is cached"
        );
        assert_eq!(c.get("t|a"), Some(2));
    }

    #[test]
    fn a_load_that_started_before_everything_was_dropped_is_not_cached() {
        let c: GuardedCache<u32> = GuardedCache::new(100);
        let ticket = c.ticket("k");
        assert!(c.insert(c.ticket("other"), "other".into(), 1));
        c.invalidate_all();
        assert!(!c.insert(ticket, "k".into(), 1));
        assert_eq!(c.get("k"), None);
        assert_eq!(c.get("other"), None, "everything was dropped");
    }

    #[test]
    fn an_entry_cached_before_everything_was_dropped_is_a_miss_even_if_the_cache_kept_it() {
        let c: GuardedCache<u32> = GuardedCache::new(100);
        let ticket = c.ticket("k");
        // What a racing insert could leave behind: an entry of the previous epoch.
        c.entries.insert("k".into(), (ticket.epoch, 7));
        c.epoch.fetch_add(1, SeqCst);
        assert_eq!(c.get("k"), None);
    }

    #[test]
    fn invalidating_one_key_keeps_the_others() {
        let c: GuardedCache<u32> = GuardedCache::new(100);
        for (i, k) in ["a|1", "a|2", "b|1"].into_iter().enumerate() {
            assert!(c.insert(c.ticket(k), k.into(), i as u32));
        }
        c.invalidate("a|1");
        assert_eq!(c.get("a|1"), None);
        assert_eq!(c.get("a|2"), Some(1));
        assert_eq!(c.get("b|1"), Some(2));
    }

    #[test]
    fn racing_loads_never_outlive_an_invalidation() {
        // Many rounds of: a loader thread takes a ticket, reads "old", inserts; the main thread
        // writes "new" and invalidates after the loader's read. Whatever the interleaving of the
        // insert and the invalidation, "old" must not be cached afterwards.
        let c = std::sync::Arc::new(GuardedCache::<u32>::new(1000));
        for round in 0..2_000u32 {
            let key = format!("t|{}", round % 7);
            let ticket = c.ticket(&key);
            let (loader_cache, loader_key) = (c.clone(), key.clone());
            let loader = std::thread::spawn(move || {
                loader_cache.insert(ticket, loader_key, 0); // 0 = the value read before the change
            });
            c.invalidate(&key); // the change is committed and followed
            loader.join().unwrap();
            assert_ne!(c.get(&key), Some(0), "round {round}: a stale value stayed cached");
        }
    }

    #[test]
    fn keys_are_scope_bar_id() {
        assert_eq!(key("t", "a"), "t|a");
        let k = key_lower("Tenant", "AbC-1");
        assert_eq!(k, "Tenant|abc-1");
        assert_eq!(&k["Tenant".len() + 1..], "abc-1");
    }

    #[test]
    fn the_cache_stays_within_its_bound() {
        let c: GuardedCache<u32> = GuardedCache::new(200);
        for i in 0..5_000u32 {
            let k = format!("k{i}");
            c.insert(c.ticket(&k), k, i);
        }
        assert!(c.len() <= 200, "{} entries", c.len());
    }
}
