//! The whole application: every front door's router nested into one, the context middleware
//! (request ids, `no-store`), the trusted-proxy layer, and the fallbacks that answer unknown
//! paths and wrong methods in the dialect of the door the path belongs to.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{Method, Uri};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use gatehouse_core::{Error, Gatehouse};
use gatehouse_guard::ConfigError;

use crate::client_addr::{self, TrustedProxies};
use crate::dialect::Door;
use crate::state::AppState;
use crate::{api, pages};

/// What the deployment says about the network in front of the server.
#[derive(Debug, Clone, Default)]
pub struct RouterOptions {
    /// Proxies whose `X-Forwarded-For` names the caller (see [`crate::client_addr`]).
    pub trusted_proxies: TrustedProxies,
}

/// The application with default options (no trusted proxies).
pub fn router(gh: Arc<Gatehouse>) -> Result<Router, ConfigError> {
    router_with(gh, RouterOptions::default())
}

/// The application. Fails only when the server's base URL cannot name issuers (the binary
/// checks `public_url` first).
pub fn router_with(gh: Arc<Gatehouse>, options: RouterOptions) -> Result<Router, ConfigError> {
    let app = Router::new()
        .merge(api::oauth::router())
        .merge(api::graph::router())
        .merge(api::devops::router())
        .merge(api::iotc::router())
        .merge(pages::router())
        .route("/healthz", get(|| async { "ok" }))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .with_state(AppState::new(gh)?)
        .layer(crate::context::ContextLayer);
    Ok(if options.trusted_proxies.is_empty() {
        app
    } else {
        app.layer(axum::middleware::from_fn_with_state(
            options.trusted_proxies,
            client_addr::resolve_layer,
        ))
    })
}

/// Paths no route matched. The ARM door has no axum routes (ARM matches paths
/// case-insensitively): its paths all arrive here and go to its own parser.
async fn not_found(state: State<AppState>, request: Request) -> Response {
    match Door::of(request.uri().path()) {
        Door::Arm => api::arm::dispatch(state, request).await,
        door => door.respond(Error::NoSuchPath),
    }
}

async fn method_not_allowed(method: Method, uri: Uri) -> Response {
    Door::of(uri.path()).respond(Error::MethodNotAllowed(method.to_string()))
}
