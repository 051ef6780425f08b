//! Revocation: whether a verified caller's token was revoked since it was issued.
//!
//! [`RevocationCheck`] is the seam: the guard asks it for every request, cache hits included.
//! [`RevocationFeed`] is the polled implementation a guard builds from
//! [`crate::RevocationSettings`]; a host that has the revocations at hand (the server, reading
//! its store) plugs its own with [`crate::GuardBuilder::revocation_check`], which then answers at
//! once, without a polling bound.
//!
//! Wire contract of the feed (JSON, `200 OK`), the types of `gatehouse_protocol::revocation`
//! that the server serves and re-exported here: [`RevocationPage`] =
//! `{"seq": N, "entries": [{"type": "sid"|"uti", "value": "...", "exp": epoch_seconds}], "more": false}`.
//! `entries` are those with a sequence number above `since` up to `seq`; `more: true` (optional,
//! default false) asks the client to poll again at once with `since=seq`. A `seq` lower than the
//! `since` sent means the server's log restarted: the client drops its set and reloads from 0.
//! Entries of an unknown `type` are ignored. An entry may be dropped once `exp` (plus the clock
//! skew) has passed, since the tokens it names are expired by then.
//!
//! Fail-closed rule of the feed: a token that carries a `sid` is accepted only if its tenant's
//! feed had a successful poll within `max_staleness` (default 60 s); otherwise the guard answers
//! 503. Tokens without a `sid` are checked against whatever set is held.
//!
//! Catch-up: before answering 503, the guard polls the stale tenant once inline
//! ([`RevocationFeed::catch_up`]), at most once per [`CATCH_UP_EVERY`] per tenant, so the first
//! request after a start (or after the issuer comes back) does not fail just because the
//! background poller has not run yet. Concurrent requests share that one poll.

mod feed;

use std::time::Duration;

use async_trait::async_trait;

pub use feed::{RevocationError, RevocationFeed};
pub use gatehouse_protocol::revocation::{RevocationEntry, RevocationKind, RevocationPage};

use crate::caller::Caller;

/// A stale tenant is polled inline by a request at most this often.
pub const CATCH_UP_EVERY: Duration = Duration::from_secs(1);

/// What a revocation check knows about a token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RevocationStatus {
    /// Not revoked (and, for the feed, the feed is fresh enough for this token).
    NotRevoked,
    /// Its `sid` or `uti` is revoked: answered 401 `invalid_token` ("token revoked").
    Revoked,
    /// Cannot be told now (the feed is stale for a token with a `sid`, or the host's store
    /// failed): answered 503, fail closed.
    Unknown,
}

/// Whether a verified caller was revoked. Implementations read `caller.tenant_id()`,
/// `caller.session_id()` (`sid`) and `caller.token_id()` (`uti`).
#[async_trait]
pub trait RevocationCheck: Send + Sync + 'static {
    /// The status of `caller`'s credential now.
    async fn status(&self, caller: &Caller) -> RevocationStatus;
}
