//! Serving the router over HTTPS on a bound listener, until a shutdown signal.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum_server::tls_rustls::RustlsConfig;

/// Serves `app` over TLS on an already-bound listener (so callers can bind port 0 and learn the
/// port first). Returns when `shutdown` resolves and open connections finished (at most 10 s).
pub async fn serve_tls(
    listener: std::net::TcpListener,
    tls: Arc<rustls::ServerConfig>,
    app: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    listener.set_nonblocking(true)?;
    let handle = axum_server::Handle::new();
    let stopper = handle.clone();
    tokio::spawn(async move {
        shutdown.await;
        stopper.graceful_shutdown(Some(Duration::from_secs(10)));
    });
    let mut server = axum_server::from_tcp_rustls(listener, RustlsConfig::from_config(tls))?.handle(handle);
    server.http_builder().http1().keep_alive(true);
    server
        .serve(app.into_make_service_with_connect_info::<SocketAddr>())
        .await
}
