//! Serving the router over HTTPS on a bound listener, until a shutdown signal. Connections go
//! through `gatehouse-listener` (timeouts, the connection cap, graceful shutdown: in-flight
//! requests finish, at most 10 s); each request carries the peer address as axum's
//! `ConnectInfo<SocketAddr>` (what `client_addr` reads); what the listener refuses by itself
//! is answered in Entra's error shape ([`crate::refusals`]).

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::ConnectInfo;
use axum::http::Request;
use axum::Router;
use gatehouse_listener::{Limits, RequestBody, Server};
use tower::ServiceExt;

/// Serves `app` over TLS on an already-bound listener (so callers can bind port 0 and learn the
/// port first), with `limits` on every connection. Returns when `shutdown` resolved and open
/// connections finished (at most 10 s).
pub async fn serve_tls(
    listener: std::net::TcpListener,
    tls: Arc<rustls::ServerConfig>,
    app: Router,
    limits: Limits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    listener.set_nonblocking(true)?;
    let listener = tokio::net::TcpListener::from_std(listener)?;
    let handler = move |peer: SocketAddr, mut request: Request<RequestBody>| {
        request.extensions_mut().insert(ConnectInfo(peer));
        let app = app.clone();
        async move {
            match app.oneshot(request).await {
                Ok(response) => response,
                Err(never) => match never {},
            }
        }
    };
    Server::new(listener, handler)
        .tls(tls)
        .limits(limits)
        .refusals(crate::refusals::entra())
        .run(shutdown)
        .await
}
