//! Every route, in one table.

use std::sync::Arc;

use axum::http::{HeaderMap, Method};
use axum::routing::{delete, get, post};
use axum::Router;
use gatehouse_core::{Error, Gatehouse};

use crate::client_addr::{self, TrustedProxies};
use crate::error::ApiError;
use crate::pages;
use crate::routes::{device, discovery, me, revocation, token};

#[derive(Clone)]
pub struct AppState {
    pub gh: Arc<Gatehouse>,
}

/// What the deployment says about the network in front of the server.
#[derive(Debug, Clone, Default)]
pub struct RouterOptions {
    /// Proxies whose `X-Forwarded-For` names the caller (see [`crate::client_addr`]).
    pub trusted_proxies: TrustedProxies,
}

/// The application with default options (no trusted proxies).
pub fn router(gh: Arc<Gatehouse>) -> Router {
    router_with(gh, RouterOptions::default())
}

pub fn router_with(gh: Arc<Gatehouse>, options: RouterOptions) -> Router {
    let app = routes(gh);
    if options.trusted_proxies.is_empty() {
        app
    } else {
        app.layer(axum::middleware::from_fn_with_state(
            options.trusted_proxies,
            client_addr::resolve_layer,
        ))
    }
}

fn routes(gh: Arc<Gatehouse>) -> Router {
    Router::new()
        // token endpoints
        .route("/{tenant}/oauth2/v2.0/token", post(token::token_v2))
        .route("/{tenant}/oauth2/token", post(token::token_v1))
        // authorization endpoint: sign-in and consent pages, answers to the client
        .route(
            "/{tenant}/oauth2/v2.0/authorize",
            get(pages::authorize::show).post(pages::authorize::submit),
        )
        // sign-out; the user's own apps (page and API); userinfo
        .route(
            "/{tenant}/oauth2/v2.0/logout",
            get(pages::logout::show).post(pages::logout::submit),
        )
        .route("/{tenant}/myapps", get(pages::myapps::show).post(pages::myapps::submit))
        .route("/{tenant}/me/authorizedApps", get(me::list_apps))
        .route("/{tenant}/me/authorizedApps/{app_id}", delete(me::revoke_app))
        .route("/{tenant}/openid/userinfo", get(me::userinfo).post(me::userinfo))
        // device authorization (RFC 8628) and its verification page
        .route("/{tenant}/oauth2/v2.0/devicecode", post(device::devicecode_v2))
        .route("/{tenant}/oauth2/devicecode", post(device::devicecode_v1))
        .route(
            "/{tenant}/oauth2/deviceauth",
            get(pages::device::show).post(pages::device::submit),
        )
        .route(
            "/{tenant}/oauth2/devicelogin",
            get(pages::device::show).post(pages::device::submit),
        )
        // revocation (RFC 7009) and the feed guards poll
        .route("/{tenant}/oauth2/v2.0/revoke", post(revocation::revoke))
        .route("/{tenant}/gatehouse/revocations", get(revocation::feed))
        // discovery
        .route(
            "/{tenant}/v2.0/.well-known/openid-configuration",
            get(discovery::openid_v2),
        )
        .route("/{tenant}/.well-known/openid-configuration", get(discovery::openid_v1))
        .route(
            "/.well-known/oauth-authorization-server/{*path}",
            get(discovery::rfc8414),
        )
        .route("/{tenant}/discovery/v2.0/keys", get(discovery::jwks))
        .route("/{tenant}/discovery/keys", get(discovery::jwks))
        .route("/common/discovery/instance", get(discovery::instance))
        .route("/healthz", get(|| async { "ok" }))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .with_state(AppState { gh })
}

async fn not_found(headers: HeaderMap) -> ApiError {
    ApiError::new(Error::NoSuchPath, &headers)
}

async fn method_not_allowed(method: Method, headers: HeaderMap) -> ApiError {
    ApiError::new(Error::MethodNotAllowed(method.to_string()), &headers)
}
