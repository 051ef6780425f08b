//! The state of one connection, fed by its I/O wrapper (bytes read, flushes) and its service
//! (requests begun and ended), and the watchdog that turns that state into deadlines:
//!
//! - `Idle(since)`: no request in progress (right after the handshake, or after the previous
//!   answer was flushed): closed `idle_timeout` after `since`, gracefully (HTTP/2 GOAWAY).
//! - `Head(first byte)`: a request head, or the HTTP/2 preface and first SETTINGS frame, is
//!   arriving: closed `header_read_timeout` after its FIRST byte; later bytes do not move it.
//! - `Busy`: requests in progress (their bodies have their own deadline, see `body`).
//! - `Draining` (HTTP/1.1): the last answer's body is done but not yet flushed; becomes `Idle`
//!   at the next successful flush. Until then a write may be the tail of that answer, so the I/O
//!   wrapper never mistakes it for one of hyper's automatic error answers.
//!
//! Bytes of a pipelined request that hyper read while the previous one was busy are not
//! scanned; for those the head deadline starts only with the next bytes read, and a head that
//! never gets more bytes is closed as idle (`idle_timeout` after the previous answer: hyper
//! still counts a connection with only part of a head as idle, so the graceful close is
//! immediate). A `Content-Length` + `Transfer-Encoding` conflict in such a head is left to hyper
//! (which then honours `Transfer-Encoding` and closes the connection after the answer).

use std::sync::Arc;
use std::time::Duration;

use parking_lot::Mutex;
use tokio::time::Instant;

use crate::scan::{Framing, HeadScan, Preface, Proto};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Idle(Instant),
    Head(Instant),
    Busy,
    Draining,
}

/// Why the watchdog wants the connection closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// Idle too long: close gracefully.
    Idle,
    /// A head or preface not complete in time: close now.
    SlowHead,
}

#[derive(Debug)]
struct Inner {
    proto: Proto,
    phase: Phase,
    in_flight: usize,
    scan: HeadScan,
    preface: Preface,
    preface_done: bool,
}

/// Shared by the connection's I/O wrapper, its service, its response bodies and its watchdog.
#[derive(Debug)]
pub(crate) struct ConnState {
    inner: Mutex<Inner>,
    idle: Duration,
    head: Duration,
}

/// One request in flight; dropping it ends the request.
#[derive(Debug)]
pub(crate) struct InFlight(Arc<ConnState>);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.end_request();
    }
}

impl ConnState {
    pub(crate) fn new(idle: Duration, head: Duration) -> Arc<Self> {
        Arc::new(Self {
            inner: Mutex::new(Inner {
                proto: Proto::Sniffing(0),
                phase: Phase::Idle(Instant::now()),
                in_flight: 0,
                scan: HeadScan::default(),
                preface: Preface::default(),
                preface_done: false,
            }),
            idle,
            head,
        })
    }

    /// Bytes the client sent (in order, as read).
    pub(crate) fn on_read(&self, bytes: &[u8]) {
        if bytes.is_empty() {
            return;
        }
        let mut s = self.inner.lock();
        if s.preface_done {
            return;
        }
        match s.phase {
            Phase::Busy | Phase::Draining => return,
            Phase::Idle(_) => s.phase = Phase::Head(Instant::now()),
            Phase::Head(_) => {}
        }
        s.proto = s.proto.feed(bytes);
        if s.proto != Proto::H1 && s.preface.feed(bytes) && s.proto == Proto::H2 {
            s.preface_done = true;
            s.phase = if s.in_flight > 0 {
                Phase::Busy
            } else {
                Phase::Idle(Instant::now())
            };
        }
        if s.proto != Proto::H2 {
            s.scan.feed(bytes);
        }
    }

    /// Whether a write now can only be one of hyper's automatic answers to a bad head: HTTP/1.1
    /// with no request in progress and the previous answer flushed.
    pub(crate) fn may_intercept(&self) -> bool {
        let s = self.inner.lock();
        s.proto != Proto::H2 && matches!(s.phase, Phase::Idle(_) | Phase::Head(_))
    }

    /// A flush of the connection completed.
    pub(crate) fn on_flushed(&self) {
        let mut s = self.inner.lock();
        if s.phase == Phase::Draining {
            s.phase = Phase::Idle(Instant::now());
        }
    }

    /// hyper parsed a request head and called the service.
    pub(crate) fn begin_request(self: &Arc<Self>) -> (InFlight, Framing) {
        let mut s = self.inner.lock();
        s.in_flight += 1;
        s.phase = Phase::Busy;
        let framing = if s.proto == Proto::H2 {
            Framing::default()
        } else {
            s.scan.framing()
        };
        s.scan = HeadScan::default();
        (InFlight(self.clone()), framing)
    }

    fn end_request(&self) {
        let mut s = self.inner.lock();
        s.in_flight = s.in_flight.saturating_sub(1);
        if s.in_flight > 0 {
            return;
        }
        if s.proto == Proto::H2 {
            s.phase = Phase::Idle(Instant::now());
        } else {
            s.phase = Phase::Draining;
        }
    }

    /// Resolves when the connection should be closed, and why.
    ///
    /// Nothing wakes the watchdog when the phase changes (a notification per request would cost
    /// a timer registration per request); it looks again on its own, often enough that no
    /// deadline passes unseen: every `header_read_timeout` while idle (a head beginning after a
    /// look has its deadline at least that far after the look, and the next look sees it and
    /// sleeps until exactly that deadline), every `min(idle, header)` while busy (whatever comes
    /// after a request ends has its first deadline at least that far after the end).
    pub(crate) async fn expired(&self) -> Verdict {
        const FLOOR: Duration = Duration::from_millis(10);
        let busy_look = self.idle.min(self.head).max(FLOOR);
        let idle_look = self.head.max(FLOOR);
        loop {
            let wake = {
                let s = self.inner.lock();
                let now = Instant::now();
                match s.phase {
                    Phase::Idle(since) => {
                        let end = since + self.idle;
                        if now >= end {
                            return Verdict::Idle;
                        }
                        end.min(now + idle_look)
                    }
                    Phase::Head(first_byte) => {
                        let end = first_byte + self.head;
                        if now >= end {
                            return Verdict::SlowHead;
                        }
                        end
                    }
                    Phase::Busy | Phase::Draining => now + busy_look,
                }
            };
            tokio::time::sleep_until(wake).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn phase(c: &ConnState) -> Phase {
        c.inner.lock().phase
    }

    #[tokio::test]
    async fn an_http1_request_goes_idle_only_after_its_answer_is_flushed() {
        let c = ConnState::new(Duration::from_secs(60), Duration::from_secs(10));
        assert!(matches!(phase(&c), Phase::Idle(_)));
        c.on_read(b"GET / HTTP/1.1\r\n");
        assert!(matches!(phase(&c), Phase::Head(_)));
        assert!(c.may_intercept());
        c.on_read(b"Content-Length: 0\r\n\r\n");
        let (in_flight, framing) = c.begin_request();
        assert!(!framing.conflicting);
        assert_eq!(phase(&c), Phase::Busy);
        assert!(!c.may_intercept());
        drop(in_flight);
        assert_eq!(phase(&c), Phase::Draining);
        assert!(!c.may_intercept(), "the answer may still be in hyper's buffer");
        c.on_flushed();
        assert!(matches!(phase(&c), Phase::Idle(_)));
    }

    #[tokio::test]
    async fn conflicting_framing_is_reported_for_its_own_request_only() {
        let c = ConnState::new(Duration::from_secs(60), Duration::from_secs(10));
        c.on_read(b"POST / HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n");
        let (first, framing) = c.begin_request();
        assert!(framing.conflicting);
        drop(first);
        c.on_flushed();
        c.on_read(b"POST / HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc");
        assert!(!c.begin_request().1.conflicting);
    }

    #[tokio::test]
    async fn http2_is_idle_after_its_preface_and_between_streams() {
        let c = ConnState::new(Duration::from_secs(60), Duration::from_secs(10));
        c.on_read(crate::scan::H2_PREFACE);
        assert!(
            matches!(phase(&c), Phase::Head(_)),
            "the SETTINGS frame is still missing"
        );
        assert!(!c.may_intercept());
        c.on_read(&[0, 0, 0, 4, 0, 0, 0, 0, 0]);
        assert!(matches!(phase(&c), Phase::Idle(_)));
        let (a, _) = c.begin_request();
        let (b, _) = c.begin_request();
        drop(a);
        assert_eq!(phase(&c), Phase::Busy);
        drop(b);
        assert!(matches!(phase(&c), Phase::Idle(_)));
    }

    #[tokio::test]
    async fn the_head_deadline_counts_from_the_first_byte() {
        let c = ConnState::new(Duration::from_secs(60), Duration::from_millis(300));
        let feeder = {
            let c = c.clone();
            tokio::spawn(async move {
                for _ in 0..40 {
                    c.on_read(b"X");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            })
        };
        // A byte every 50 ms would keep a per-byte timer from ever firing.
        let verdict = tokio::time::timeout(Duration::from_millis(1500), c.expired()).await;
        feeder.abort();
        assert_eq!(verdict, Ok(Verdict::SlowHead));
        let idle = ConnState::new(Duration::from_millis(300), Duration::from_millis(100));
        let verdict = tokio::time::timeout(Duration::from_secs(2), idle.expired()).await;
        assert_eq!(verdict, Ok(Verdict::Idle));
    }
}
