//! Walking the chain: [`verify`] over entries in `seq` order names the first entry that breaks it.

use crate::model::AuditEntry;

use super::entry_hash;

/// Why the chain does not verify, naming the entry where it breaks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Break {
    /// The entry's fields no longer give its hash: it was edited, or moved to another number.
    Altered { seq: i64 },
    /// Entries `from..=to` are missing: deleted.
    Missing { from: i64, to: i64 },
    /// The entry does not carry the previous entry's hash: an entry was inserted, replaced or
    /// moved just before it.
    Unlinked { seq: i64 },
    /// The entry is past the head the log recorded: it was inserted after the last change.
    PastHead { seq: i64, head_seq: i64 },
    /// The log ends at `last_seq` but its head says `head_seq`: the newest entries were deleted.
    Truncated { last_seq: i64, head_seq: i64 },
    /// The last entry's hash is not the one the head recorded: it was replaced.
    HeadMismatch { seq: i64 },
}

impl Break {
    /// The number of the entry to look at.
    pub fn seq(&self) -> i64 {
        match *self {
            Self::Altered { seq }
            | Self::Unlinked { seq }
            | Self::PastHead { seq, .. }
            | Self::HeadMismatch { seq } => seq,
            Self::Missing { from, .. } => from,
            Self::Truncated { last_seq, .. } => last_seq + 1,
        }
    }
}

impl std::fmt::Display for Break {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match *self {
            Self::Altered { seq } => write!(f, "entry {seq} was edited or moved: its fields do not match its hash"),
            Self::Missing { from, to } if from == to => write!(f, "entry {from} is missing: it was deleted"),
            Self::Missing { from, to } => write!(f, "entries {from} to {to} are missing: they were deleted"),
            Self::Unlinked { seq } => write!(
                f,
                "entry {seq} does not follow entry {}: an entry was inserted, replaced or moved there",
                seq - 1
            ),
            Self::PastHead { seq, head_seq } => write!(
                f,
                "entry {seq} comes after the last recorded entry ({head_seq}): it was inserted"
            ),
            Self::Truncated { last_seq, head_seq } => write!(
                f,
                "entries {} to {head_seq} are missing: the newest entries were deleted",
                last_seq + 1
            ),
            Self::HeadMismatch { seq } => {
                write!(f, "entry {seq} is not the entry the log recorded last: it was replaced")
            }
        }
    }
}

/// The outcome of a walk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verified {
    /// Every entry checked; `entries` of them, the last with `head` as its hash.
    Intact {
        entries: i64,
        head: [u8; 32],
    },
    Broken(Break),
}

/// A walk over the chain fed page by page.
pub(crate) struct Walk {
    prev_seq: i64,
    prev_hash: [u8; 32],
    head_seq: i64,
    head_hash: [u8; 32],
}

impl Walk {
    pub(crate) fn new(head_seq: i64, head_hash: [u8; 32]) -> Self {
        Self {
            prev_seq: 0,
            prev_hash: [0; 32],
            head_seq,
            head_hash,
        }
    }

    pub(crate) fn checked(&self) -> i64 {
        self.prev_seq
    }

    pub(crate) fn feed(&mut self, page: &[AuditEntry]) -> Result<(), Break> {
        for e in page {
            let expected = self.prev_seq + 1;
            if e.seq > expected {
                return Err(Break::Missing {
                    from: expected,
                    to: e.seq - 1,
                });
            }
            if entry_hash(e) != e.hash {
                return Err(Break::Altered { seq: e.seq });
            }
            if e.prev_hash != self.prev_hash || e.seq < expected {
                return Err(Break::Unlinked { seq: e.seq });
            }
            if e.seq > self.head_seq {
                return Err(Break::PastHead {
                    seq: e.seq,
                    head_seq: self.head_seq,
                });
            }
            self.prev_seq = e.seq;
            self.prev_hash = e.hash;
        }
        Ok(())
    }

    pub(crate) fn finish(self) -> Verified {
        if self.prev_seq < self.head_seq {
            return Verified::Broken(Break::Truncated {
                last_seq: self.prev_seq,
                head_seq: self.head_seq,
            });
        }
        if self.prev_seq > 0 && self.prev_hash != self.head_hash {
            return Verified::Broken(Break::HeadMismatch { seq: self.prev_seq });
        }
        Verified::Intact {
            entries: self.prev_seq,
            head: self.prev_hash,
        }
    }
}

/// Verifies a whole chain held in memory (entries in `seq` order) against its head.
pub fn verify(entries: &[AuditEntry], head_seq: i64, head_hash: [u8; 32]) -> Verified {
    let mut walk = Walk::new(head_seq, head_hash);
    match walk.feed(entries) {
        Err(b) => Verified::Broken(b),
        Ok(()) => walk.finish(),
    }
}

#[cfg(test)]
mod tests;
