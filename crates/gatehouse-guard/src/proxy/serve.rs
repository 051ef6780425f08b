//! Serving the proxy's router through `gatehouse-listener`: the peer address goes into each
//! request as axum's `ConnectInfo<SocketAddr>`, and what the listener refuses by itself (a head
//! hyper cannot parse, one over `max_header_bytes`, `Content-Length` with `Transfer-Encoding`)
//! is answered in the guard's JSON error shape.

use std::future::Future;
use std::net::SocketAddr;

use axum::extract::ConnectInfo;
use axum::Router;
use gatehouse_listener::{Limits, Refusal, Refusals, RequestBody, Server};
use http::Request;
use tower::ServiceExt;
use uuid::Uuid;

use crate::response::json_error;

/// Serves `app` on `listener` until `shutdown` resolves.
pub(super) async fn serve(
    listener: tokio::net::TcpListener,
    app: Router,
    limits: Limits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
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
        .limits(limits)
        .refusals(refusals())
        .run(shutdown)
        .await
}

/// The listener's refusals as `{error, error_description, trace_id}`.
fn refusals() -> Refusals {
    Refusals::new(|refusal: Refusal| {
        Box::pin(async move {
            let trace_id = Uuid::new_v4();
            tracing::info!(%trace_id, ?refusal, "request refused by the listener");
            let response = json_error(refusal.status(), "invalid_request", refusal.description(), trace_id);
            let (parts, body) = response.into_parts();
            let bytes = axum::body::to_bytes(body, usize::MAX).await.unwrap_or_default();
            http::Response::from_parts(parts, bytes)
        })
    })
}
