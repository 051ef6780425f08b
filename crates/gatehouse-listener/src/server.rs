//! [`Server`]: the accept loop. One task per connection; at most `max_connections` at once
//! (at the cap the loop stops accepting, so new connections wait in the kernel's listen backlog
//! and are served as soon as one closes; a warning is logged at most once a minute). With TLS,
//! the handshake must finish within `tls_handshake_timeout`. hyper-util's `auto::Builder` serves
//! HTTP/1.1 and HTTP/2 with hyper's own limits (HTTP/1.1 header read timeout as a backstop,
//! HTTP/2 keep-alive PINGs, concurrent streams, header list size); the watchdog (`watch`)
//! enforces the idle and head deadlines hyper lacks.
//!
//! On shutdown the listening socket is closed, every connection is asked to finish (HTTP/1.1:
//! the request in progress, then close; HTTP/2: GOAWAY), and after `shutdown_grace` (10 s by
//! default) the connections still open are dropped.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::{Request, Response};
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, OwnedSemaphorePermit, Semaphore};
use tokio::task::JoinSet;
use tokio::time::Instant;
use tokio_rustls::TlsAcceptor;

use crate::body::{BodyLimits, RequestBody};
use crate::io::Watched;
use crate::limits::Limits;
use crate::refusal::Refusals;
use crate::service::ConnService;
use crate::watch::{ConnState, Verdict};
use crate::BoxError;

/// How long a connection the watchdog found idle may take to say goodbye.
const CLOSE_GRACE: Duration = Duration::from_secs(5);
/// Pause after an accept error that is not about one connection (out of file descriptors).
const ACCEPT_BACKOFF: Duration = Duration::from_millis(100);
const CAP_WARNING_EVERY: Duration = Duration::from_secs(60);

/// What answers requests: called with the peer address and the request, for every request.
/// Any `Fn(SocketAddr, Request<RequestBody>) -> impl Future<Output = Response<B>>` that is
/// `Clone + Send + Sync + 'static` is one.
pub trait Handler: Clone + Send + Sync + 'static {
    type Body: http_body::Body<Data = Bytes, Error = Self::Error> + Send + 'static;
    type Error: Into<BoxError>;
    type Future: Future<Output = Response<Self::Body>> + Send + 'static;

    fn call(&self, peer: SocketAddr, request: Request<RequestBody>) -> Self::Future;
}

impl<F, Fut, B> Handler for F
where
    F: Fn(SocketAddr, Request<RequestBody>) -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = Response<B>> + Send + 'static,
    B: http_body::Body<Data = Bytes> + Send + 'static,
    B::Error: Into<BoxError>,
{
    type Body = B;
    type Error = B::Error;
    type Future = Fut;

    fn call(&self, peer: SocketAddr, request: Request<RequestBody>) -> Fut {
        self(peer, request)
    }
}

/// A listener with its handler, ready to [`run`](Server::run).
pub struct Server<H> {
    listener: TcpListener,
    handler: H,
    tls: Option<TlsAcceptor>,
    limits: Limits,
    refusals: Refusals,
    shutdown_grace: Duration,
}

impl<H: Handler> Server<H> {
    /// Plain HTTP on `listener`, default limits, plain-text refusals.
    pub fn new(listener: TcpListener, handler: H) -> Self {
        Self {
            listener,
            handler,
            tls: None,
            limits: Limits::default(),
            refusals: Refusals::plain(),
            shutdown_grace: Duration::from_secs(10),
        }
    }

    /// Serve HTTPS with this configuration (its ALPN list decides whether HTTP/2 is offered).
    pub fn tls(mut self, config: Arc<rustls::ServerConfig>) -> Self {
        self.tls = Some(TlsAcceptor::from(config));
        self
    }

    pub fn limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    pub fn refusals(mut self, refusals: Refusals) -> Self {
        self.refusals = refusals;
        self
    }

    /// How long shutdown waits for open connections (default 10 s).
    pub fn shutdown_grace(mut self, grace: Duration) -> Self {
        self.shutdown_grace = grace;
        self
    }

    /// Serves until `shutdown` resolves, then drains (see the module documentation).
    pub async fn run(self, shutdown: impl Future<Output = ()> + Send + 'static) -> std::io::Result<()> {
        let Server {
            listener,
            handler,
            tls,
            limits,
            refusals,
            shutdown_grace,
        } = self;
        let limits = Arc::new(limits);
        let builder = Arc::new(http_builder(&limits));
        let permits = Arc::new(Semaphore::new(limits.max_connections));
        let (stop_tx, stop_rx) = watch::channel(false);
        let mut tasks = JoinSet::new();
        let mut warned_at: Option<Instant> = None;
        tokio::pin!(shutdown);
        loop {
            while tasks.try_join_next().is_some() {}
            let permit = match permits.clone().try_acquire_owned() {
                Ok(permit) => permit,
                Err(_) => {
                    if warned_at.is_none_or(|at| at.elapsed() >= CAP_WARNING_EVERY) {
                        tracing::warn!(
                            max_connections = limits.max_connections,
                            "connection cap reached: new connections wait until one closes"
                        );
                        warned_at = Some(Instant::now());
                    }
                    tokio::select! {
                        permit = permits.clone().acquire_owned() => permit.expect("the semaphore is never closed"),
                        _ = &mut shutdown => break,
                    }
                }
            };
            let accepted = tokio::select! {
                accepted = listener.accept() => accepted,
                _ = &mut shutdown => break,
            };
            let (tcp, peer) = match accepted {
                Ok(pair) => pair,
                Err(error) if is_per_connection(&error) => continue,
                Err(error) => {
                    tracing::warn!(%error, "accepting a connection failed; retrying shortly");
                    tokio::select! {
                        _ = tokio::time::sleep(ACCEPT_BACKOFF) => continue,
                        _ = &mut shutdown => break,
                    }
                }
            };
            let conn = Connection {
                handler: handler.clone(),
                peer,
                limits: limits.clone(),
                builder: builder.clone(),
                refusals: refusals.clone(),
                stop: stop_rx.clone(),
                _permit: permit,
            };
            tasks.spawn(conn.run(tcp, tls.clone()));
        }
        drop(listener);
        let _ = stop_tx.send(true);
        let drained = tokio::time::timeout(shutdown_grace, async { while tasks.join_next().await.is_some() {} }).await;
        if drained.is_err() {
            tracing::warn!(
                open = tasks.len(),
                "connections still open after the shutdown grace period; closing them"
            );
            tasks.shutdown().await;
        }
        Ok(())
    }
}

fn is_per_connection(error: &std::io::Error) -> bool {
    use std::io::ErrorKind::*;
    matches!(error.kind(), ConnectionRefused | ConnectionAborted | ConnectionReset)
}

fn http_builder(limits: &Limits) -> auto::Builder<TokioExecutor> {
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .keep_alive(true)
        // Off: the watchdog cuts slow heads and idle connections (`watch`), and hyper's own
        // timer would cost a timer registration per request on top.
        .header_read_timeout(None)
        .max_buf_size(limits.max_header_bytes);
    builder
        .http2()
        .timer(TokioTimer::new())
        .keep_alive_interval(limits.http2_keep_alive_interval)
        .keep_alive_timeout(limits.http2_keep_alive_timeout)
        .max_concurrent_streams(limits.http2_max_concurrent_streams)
        .max_header_list_size(u32::try_from(limits.max_header_bytes).unwrap_or(u32::MAX));
    builder
}

/// One accepted connection and what it needs.
struct Connection<H> {
    handler: H,
    peer: SocketAddr,
    limits: Arc<Limits>,
    builder: Arc<auto::Builder<TokioExecutor>>,
    refusals: Refusals,
    stop: watch::Receiver<bool>,
    /// Holds the connection's place under the cap until the task ends.
    _permit: OwnedSemaphorePermit,
}

impl<H: Handler> Connection<H> {
    async fn run(mut self, tcp: TcpStream, tls: Option<TlsAcceptor>) {
        if let Err(error) = tcp.set_nodelay(true) {
            tracing::debug!(%error, "could not set TCP_NODELAY");
        }
        let Some(acceptor) = tls else {
            return self.serve(tcp).await;
        };
        let peer = self.peer;
        let handshake = tokio::select! {
            done = tokio::time::timeout(self.limits.tls_handshake_timeout, acceptor.accept(tcp)) => done,
            _ = self.stop.wait_for(|stop| *stop) => return,
        };
        match handshake {
            Ok(Ok(stream)) => self.serve(stream).await,
            Ok(Err(error)) => tracing::debug!(%peer, %error, "TLS handshake failed"),
            Err(_) => tracing::debug!(%peer, "TLS handshake not finished in time; closing"),
        }
    }

    async fn serve<T>(mut self, io: T)
    where
        T: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    {
        let peer = self.peer;
        let state = ConnState::new(self.limits.idle_timeout, self.limits.header_read_timeout);
        let io = TokioIo::new(Watched::new(io, state.clone(), self.refusals.clone()));
        let body = BodyLimits {
            timeout: self.limits.body_read_timeout,
            min_bytes_per_second: self.limits.body_min_bytes_per_second,
        };
        let service = ConnService::new(self.handler.clone(), peer, state.clone(), self.refusals.clone(), body);
        let http = self.builder.serve_connection(io, service);
        tokio::pin!(http);
        let bound = tokio::select! {
            ended = http.as_mut() => {
                if let Err(error) = ended {
                    tracing::debug!(%peer, %error, "connection ended with an error");
                }
                return;
            }
            verdict = state.expired() => match verdict {
                Verdict::SlowHead => {
                    tracing::debug!(%peer, "request head not complete in time; closing");
                    return;
                }
                Verdict::Idle => {
                    tracing::debug!(%peer, "connection idle; closing");
                    Some(CLOSE_GRACE)
                }
            },
            // The server bounds the drain with its shutdown grace.
            _ = self.stop.wait_for(|stop| *stop) => None,
        };
        http.as_mut().graceful_shutdown();
        // While the server stops, a head that stalls is still cut off by the watchdog.
        let watch_heads = bound.is_none();
        let finish = async {
            tokio::select! {
                _ = http.as_mut() => {}
                _ = state.expired(), if watch_heads => {}
            }
        };
        match bound {
            Some(bound) => {
                let _ = tokio::time::timeout(bound, finish).await;
            }
            None => finish.await,
        }
    }
}
