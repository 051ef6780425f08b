//! The I/O wrapper between hyper and the socket (or the TLS stream): reports what is read and
//! flushed to the connection's watchdog; replaces hyper's automatic, bodiless answers to a head it
//! cannot parse (400, 414, 431) with the embedder's [`Refusals`]; and on shutdown lingers, reading
//! and discarding for a bounded time, so a client still sending (a 1 MB header, say) reads that
//! answer instead of a connection reset.
//!
//! A write is taken for one of hyper's automatic answers only when it starts with an HTTP/1.x
//! status line while the connection has no request in progress and the previous answer has been
//! flushed (see `watch`): in that state hyper writes nothing else.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{ready, Context, Poll};
use std::time::Duration;

use bytes::{Buf, Bytes};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::Sleep;

use crate::refusal::{encode_http1, Answer, Refusal, Refusals};
use crate::scan::response_status;
use crate::watch::ConnState;

/// How long a closing connection keeps reading what the client still sends.
const LINGER: Duration = Duration::from_secs(2);
/// Reads per poll while lingering, before yielding to other tasks.
const LINGER_READS_PER_POLL: usize = 16;

enum Intercept {
    Off,
    Answer(Answer),
    Writing(Bytes),
    Done,
}

enum Closing {
    Open,
    Lingering(Pin<Box<Sleep>>),
    Closed,
}

pub(crate) struct Watched<T> {
    io: T,
    conn: Arc<ConnState>,
    refusals: Refusals,
    intercept: Intercept,
    closing: Closing,
}

impl<T> Watched<T> {
    pub(crate) fn new(io: T, conn: Arc<ConnState>, refusals: Refusals) -> Self {
        Self {
            io,
            conn,
            refusals,
            intercept: Intercept::Off,
            closing: Closing::Open,
        }
    }
}

impl<T: AsyncWrite + Unpin> Watched<T> {
    /// Starts replacing hyper's answer if `first` (the start of a write) is one.
    fn start_intercept(&mut self, first: &[u8]) -> bool {
        let Some(refusal) = response_status(first).and_then(Refusal::from_hyper_status) else {
            return false;
        };
        if !self.conn.may_intercept() {
            return false;
        }
        tracing::debug!(?refusal, "request head refused");
        self.intercept = Intercept::Answer(self.refusals.answer(refusal));
        true
    }

    /// Drives a replacement answer to the socket; ready at once when there is none.
    fn poll_intercept(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        loop {
            match &mut self.intercept {
                Intercept::Off | Intercept::Done => return Poll::Ready(Ok(())),
                Intercept::Answer(answer) => {
                    let response = ready!(answer.as_mut().poll(cx));
                    self.intercept = Intercept::Writing(encode_http1(&response));
                }
                Intercept::Writing(bytes) => {
                    while bytes.has_remaining() {
                        let n = ready!(Pin::new(&mut self.io).poll_write(cx, bytes.chunk()))?;
                        if n == 0 {
                            return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
                        }
                        bytes.advance(n);
                    }
                    self.intercept = Intercept::Done;
                }
            }
        }
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for Watched<T> {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        let result = ready!(Pin::new(&mut this.io).poll_read(cx, buf));
        if result.is_ok() {
            this.conn.on_read(&buf.filled()[before..]);
        }
        Poll::Ready(result)
    }
}

impl<T: AsyncRead + AsyncWrite + Unpin> AsyncWrite for Watched<T> {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        if matches!(this.intercept, Intercept::Off) && !this.start_intercept(buf) {
            return Pin::new(&mut this.io).poll_write(cx, buf);
        }
        ready!(this.poll_intercept(cx))?;
        // hyper's own answer is swallowed whole.
        Poll::Ready(Ok(buf.len()))
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        if matches!(this.intercept, Intercept::Off) {
            let first = bufs.iter().find(|b| !b.is_empty()).map(|b| &**b).unwrap_or(&[]);
            if !this.start_intercept(first) {
                return Pin::new(&mut this.io).poll_write_vectored(cx, bufs);
            }
        }
        ready!(this.poll_intercept(cx))?;
        Poll::Ready(Ok(bufs.iter().map(|b| b.len()).sum()))
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        ready!(this.poll_intercept(cx))?;
        let result = ready!(Pin::new(&mut this.io).poll_flush(cx));
        if result.is_ok() {
            this.conn.on_flushed();
        }
        Poll::Ready(result)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        loop {
            match &mut this.closing {
                Closing::Open => {
                    ready!(this.poll_intercept(cx))?;
                    if let Err(e) = ready!(Pin::new(&mut this.io).poll_shutdown(cx)) {
                        this.closing = Closing::Closed;
                        return Poll::Ready(Err(e));
                    }
                    this.closing = Closing::Lingering(Box::pin(tokio::time::sleep(LINGER)));
                }
                Closing::Lingering(timer) => {
                    let mut scratch = [0u8; 2048];
                    let mut reads = 0;
                    loop {
                        if timer.is_elapsed() {
                            break;
                        }
                        let mut rb = ReadBuf::new(&mut scratch);
                        match Pin::new(&mut this.io).poll_read(cx, &mut rb) {
                            Poll::Ready(Ok(())) if !rb.filled().is_empty() => {
                                reads += 1;
                                if reads == LINGER_READS_PER_POLL {
                                    cx.waker().wake_by_ref();
                                    return Poll::Pending;
                                }
                            }
                            // End of stream or an error: the client is gone.
                            Poll::Ready(_) => break,
                            Poll::Pending => {
                                if timer.as_mut().poll(cx).is_pending() {
                                    return Poll::Pending;
                                }
                                break;
                            }
                        }
                    }
                    this.closing = Closing::Closed;
                }
                Closing::Closed => return Poll::Ready(Ok(())),
            }
        }
    }
}
