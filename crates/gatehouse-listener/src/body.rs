//! [`RequestBody`]: the request body a handler receives, with a read deadline: the whole body
//! must arrive within `body_read_timeout` of the end of the head, plus one second for every
//! `body_min_bytes_per_second` bytes received (the rule of Apache's `mod_reqtimeout`), so a large
//! upload at a decent rate passes and a trickle does not. Past the deadline the body yields
//! [`BodyTimeout`]; the handler's answer is the last on an HTTP/1.1 connection (hyper closes a
//! connection whose request body was not read to its end).

use std::error::Error as StdError;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http_body::{Body, Frame, SizeHint};
use hyper::body::Incoming;
use tokio::time::{Instant, Sleep};

use crate::watch::InFlight;
use crate::BoxError;

/// The body deadline did not hold.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the request body did not arrive in time ({received} bytes received)")]
pub struct BodyTimeout {
    /// Bytes that did arrive.
    pub received: u64,
}

impl BodyTimeout {
    /// Whether `error`, or any error in its `source()` chain, is a [`BodyTimeout`] (body errors
    /// reach handlers wrapped by axum, hyper's client and others).
    pub fn is_cause_of(error: &(dyn StdError + 'static)) -> bool {
        let mut current = Some(error);
        while let Some(e) = current {
            if e.is::<BodyTimeout>() {
                return true;
            }
            current = e.source();
        }
        false
    }
}

/// What the body deadline is made of.
#[derive(Debug, Clone, Copy)]
pub(crate) struct BodyLimits {
    pub(crate) timeout: Duration,
    pub(crate) min_bytes_per_second: u64,
}

/// A request body with a read deadline (see the module documentation).
#[derive(Debug)]
pub struct RequestBody {
    inner: Incoming,
    limits: BodyLimits,
    start: Instant,
    received: u64,
    timer: Option<Pin<Box<Sleep>>>,
    failed: bool,
}

impl RequestBody {
    pub(crate) fn new(inner: Incoming, limits: BodyLimits) -> Self {
        Self {
            inner,
            limits,
            start: Instant::now(),
            received: 0,
            timer: None,
            failed: false,
        }
    }

    fn deadline(&self) -> Instant {
        let earned = match self.limits.min_bytes_per_second {
            0 => Duration::ZERO,
            rate => Duration::from_millis(self.received.saturating_mul(1000) / rate),
        };
        let far = Duration::from_secs(365 * 24 * 3600);
        self.start
            .checked_add(self.limits.timeout.saturating_add(earned).min(far))
            .unwrap_or_else(|| self.start + far)
    }
}

impl Body for RequestBody {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        let this = self.get_mut();
        if this.failed {
            return Poll::Ready(None);
        }
        match Pin::new(&mut this.inner).poll_frame(cx) {
            Poll::Ready(Some(Ok(frame))) => {
                if let Some(data) = frame.data_ref() {
                    this.received = this.received.saturating_add(data.len() as u64);
                }
                Poll::Ready(Some(Ok(frame)))
            }
            Poll::Ready(Some(Err(e))) => Poll::Ready(Some(Err(Box::new(e)))),
            Poll::Ready(None) => Poll::Ready(None),
            Poll::Pending => {
                let deadline = this.deadline();
                let timer = this
                    .timer
                    .get_or_insert_with(|| Box::pin(tokio::time::sleep_until(deadline)));
                if timer.deadline() != deadline {
                    timer.as_mut().reset(deadline);
                }
                if timer.as_mut().poll(cx).is_pending() {
                    return Poll::Pending;
                }
                this.failed = true;
                tracing::debug!(received = this.received, "request body timed out");
                Poll::Ready(Some(Err(Box::new(BodyTimeout {
                    received: this.received,
                }))))
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.failed || self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

pin_project_lite::pin_project! {
    /// A response body that keeps its request counted as in flight until hyper is done with it.
    pub(crate) struct TrackedBody<B> {
        #[pin]
        inner: B,
        in_flight: InFlight,
    }
}

impl<B> TrackedBody<B> {
    pub(crate) fn new(inner: B, in_flight: InFlight) -> Self {
        Self { inner, in_flight }
    }
}

impl<B: Body> Body for TrackedBody<B> {
    type Data = B::Data;
    type Error = B::Error;

    fn poll_frame(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<B::Data>, B::Error>>> {
        self.project().inner.poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("wrapped")]
    struct Wrapper(#[source] BoxError);

    #[test]
    fn a_timeout_is_found_through_wrapping_errors() {
        let wrapped = Wrapper(Box::new(BodyTimeout { received: 3 }));
        assert!(BodyTimeout::is_cause_of(&wrapped));
        let other = Wrapper("something else".into());
        assert!(!BodyTimeout::is_cause_of(&other));
    }
}
