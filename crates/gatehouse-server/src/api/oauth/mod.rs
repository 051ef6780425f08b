//! The OAuth 2.0 / OpenID Connect endpoints in Entra's paths, answering errors in
//! [`crate::dialect::oauth`]: token ([`token`]), device authorization ([`device`]), revocation
//! and its feed ([`revocation`]), introspection ([`introspection`]), discovery and keys ([`discovery`]), userinfo and the user's
//! authorized apps ([`me`]). The HTML pages of the same door are in `crate::pages`.

pub mod device;
pub mod discovery;
pub mod introspection;
pub mod me;
pub mod revocation;
pub mod token;

use axum::routing::{delete, get, post};
use axum::Router;

use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        // token endpoints
        .route("/{tenant}/oauth2/v2.0/token", post(token::token_v2))
        .route("/{tenant}/oauth2/token", post(token::token_v1))
        // the user's own apps (API); userinfo
        .route("/{tenant}/me/authorizedApps", get(me::list_apps))
        .route("/{tenant}/me/authorizedApps/{app_id}", delete(me::revoke_app))
        .route("/{tenant}/openid/userinfo", get(me::userinfo).post(me::userinfo))
        // device authorization (RFC 8628); its verification page is in `pages`
        .route("/{tenant}/oauth2/v2.0/devicecode", post(device::devicecode_v2))
        .route("/{tenant}/oauth2/devicecode", post(device::devicecode_v1))
        // revocation (RFC 7009) and the feed guards poll
        .route("/{tenant}/oauth2/v2.0/revoke", post(revocation::revoke))
        .route("/{tenant}/oauth2/revoke", post(revocation::revoke))
        .route("/{tenant}/gatehouse/revocations", get(revocation::feed))
        // introspection (RFC 7662)
        .route("/{tenant}/oauth2/v2.0/introspect", post(introspection::introspect))
        .route("/{tenant}/oauth2/introspect", post(introspection::introspect))
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
}
