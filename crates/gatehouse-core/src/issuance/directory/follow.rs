//! [`ChangeFollower`]: reads the store's change feed in order and hands each entry to the
//! caches, so a change made by the CLI or another replica is seen at the next poll.
//!
//! Numbers are dense (see [`crate::store::ChangeStore`]), so a hole means entries were lost to
//! this reader: it fell behind the retained window, or something bumped the counter without
//! appending (an older binary during an upgrade). Either way it drops everything, once, and
//! goes on from the newest number. The first poll drops everything too: loads made before the
//! follower knew the newest number may predate a change it will never be shown.

use std::sync::Arc;

use crate::store::{Change, ChangeStore, StoreResult};

/// Entries read per query; a poll reads as many pages as it needs to catch up.
pub const PAGE: i64 = 500;

/// What one poll did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Followed {
    /// The feed had not moved.
    Nothing,
    /// This many entries were applied, in order.
    Applied(usize),
    /// Everything was dropped (first poll, or a hole in the feed).
    DroppedAll,
}

pub struct ChangeFollower {
    changes: Arc<dyn ChangeStore>,
    seen: Option<i64>,
}

impl ChangeFollower {
    pub fn new(changes: Arc<dyn ChangeStore>) -> Self {
        Self { changes, seen: None }
    }

    /// The number of the newest entry applied (or skipped by dropping everything).
    pub fn seen(&self) -> Option<i64> {
        self.seen
    }

    /// One poll: `apply` gets each new entry in order; `drop_all` is called instead when
    /// entries were lost. On an error, entries already applied stay applied and the next poll
    /// goes on from there.
    pub async fn poll(&mut self, apply: impl Fn(&Change), drop_all: impl Fn()) -> StoreResult<Followed> {
        let head = self.changes.change_seq().await?;
        let Some(mut seen) = self.seen else {
            drop_all();
            self.seen = Some(head);
            return Ok(Followed::DroppedAll);
        };
        if head == seen {
            return Ok(Followed::Nothing);
        }
        if head < seen {
            // The counter went back: another database, or a restored one.
            drop_all();
            self.seen = Some(head);
            return Ok(Followed::DroppedAll);
        }
        let mut applied = 0;
        while seen < head {
            let batch = self.changes.changes_since(seen, PAGE).await?;
            let dense = !batch.is_empty() && batch.iter().enumerate().all(|(i, c)| c.seq == seen + 1 + i as i64);
            if !dense {
                tracing::info!(seen, head, "change feed has a hole (fell behind); dropping every cache");
                drop_all();
                self.seen = Some(head.max(batch.last().map_or(head, |c| c.seq)));
                return Ok(Followed::DroppedAll);
            }
            for c in &batch {
                apply(c);
            }
            applied += batch.len();
            seen = batch[batch.len() - 1].seq;
            self.seen = Some(seen);
        }
        Ok(Followed::Applied(applied))
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use async_trait::async_trait;

    use super::*;
    use crate::store::ChangeKind;

    /// A feed in memory: `head` and the retained entries.
    #[derive(Default)]
    struct Feed {
        head: Mutex<i64>,
        entries: Mutex<Vec<Change>>,
    }

    impl Feed {
        fn append(&self, n: usize) {
            let mut head = self.head.lock().unwrap();
            for _ in 0..n {
                *head += 1;
                self.entries.lock().unwrap().push(Change {
                    seq: *head,
                    kind: ChangeKind::App,
                    tenant_id: "t".into(),
                    key: format!("app{head}"),
                });
            }
        }
        fn purge_through(&self, seq: i64) {
            self.entries.lock().unwrap().retain(|c| c.seq > seq);
        }
    }

    #[async_trait]
    impl ChangeStore for Feed {
        async fn change_seq(&self) -> StoreResult<i64> {
            Ok(*self.head.lock().unwrap())
        }
        async fn changes_since(&self, since: i64, limit: i64) -> StoreResult<Vec<Change>> {
            let all = self.entries.lock().unwrap();
            Ok(all
                .iter()
                .filter(|c| c.seq > since)
                .take(limit as usize)
                .cloned()
                .collect())
        }
    }

    async fn poll(f: &mut ChangeFollower) -> (Followed, Vec<i64>, usize) {
        let seen = Mutex::new(Vec::new());
        let drops = Mutex::new(0);
        let r = f
            .poll(|c| seen.lock().unwrap().push(c.seq), || *drops.lock().unwrap() += 1)
            .await
            .unwrap();
        (r, seen.into_inner().unwrap(), drops.into_inner().unwrap())
    }

    #[tokio::test]
    async fn the_follower_applies_every_entry_once_in_order_across_pages() {
        let feed = Arc::new(Feed::default());
        feed.append(3);
        let mut f = ChangeFollower::new(feed.clone());
        assert_eq!(poll(&mut f).await, (Followed::DroppedAll, vec![], 1), "first poll");
        assert_eq!(poll(&mut f).await, (Followed::Nothing, vec![], 0));
        feed.append(PAGE as usize + 5);
        let (r, seen, drops) = poll(&mut f).await;
        assert_eq!(r, Followed::Applied(PAGE as usize + 5));
        assert_eq!(seen, (4..=3 + PAGE + 5).collect::<Vec<_>>());
        assert_eq!(drops, 0);
        assert_eq!(f.seen(), Some(3 + PAGE + 5));
    }

    #[tokio::test]
    async fn a_follower_that_fell_behind_the_window_drops_everything_once() {
        let feed = Arc::new(Feed::default());
        let mut f = ChangeFollower::new(feed.clone());
        poll(&mut f).await;
        feed.append(10);
        feed.purge_through(6);
        assert_eq!(poll(&mut f).await, (Followed::DroppedAll, vec![], 1));
        assert_eq!(f.seen(), Some(10));
        feed.append(2);
        assert_eq!(
            poll(&mut f).await,
            (Followed::Applied(2), vec![11, 12], 0),
            "then follows again"
        );
    }

    #[tokio::test]
    async fn a_counter_bump_without_an_entry_drops_everything() {
        let feed = Arc::new(Feed::default());
        let mut f = ChangeFollower::new(feed.clone());
        poll(&mut f).await;
        feed.append(1);
        *feed.head.lock().unwrap() += 1; // an older writer: counter moved, no entry
        feed.append(1);
        assert_eq!(poll(&mut f).await, (Followed::DroppedAll, vec![], 1));
        assert_eq!(f.seen(), Some(3));
    }
}
