//! Discovery: OpenID configuration (v2 and v1), RFC 8414 metadata, JWKS, instance discovery.

use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::Json;
use gatehouse_protocol::discovery::{Dialect, InstanceDiscovery};

use crate::dialect::oauth::OAuth;
use crate::state::AppState;

/// Discovery documents change rarely; a short public cache keeps load off the server.
const CACHE: &str = "max-age=300, public";

fn cached(mut r: Response) -> Response {
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static(CACHE));
    r
}

pub async fn openid_v2(State(s): State<AppState>, Path(tenant): Path<String>) -> Result<Response, OAuth> {
    let doc = s.gh.discovery(&tenant, Dialect::V2).await?;
    Ok(cached(Json(doc).into_response()))
}

pub async fn openid_v1(State(s): State<AppState>, Path(tenant): Path<String>) -> Result<Response, OAuth> {
    let doc = s.gh.discovery(&tenant, Dialect::V1).await?;
    Ok(cached(Json(doc).into_response()))
}

/// RFC 8414: `/.well-known/oauth-authorization-server/{tenant}/v2.0` names the v2 issuer
/// `https://host/{tenant}/v2.0`; `/.well-known/oauth-authorization-server/{tenant}` the v1 one.
pub async fn rfc8414(State(s): State<AppState>, Path(path): Path<String>) -> Result<Response, OAuth> {
    let (tenant, dialect) = match path.strip_suffix("/v2.0") {
        Some(t) => (t.to_owned(), Dialect::V2),
        None => (path.trim_end_matches('/').to_owned(), Dialect::V1),
    };
    let doc = s.gh.discovery(&tenant, dialect).await?;
    Ok(cached(Json(doc).into_response()))
}

pub async fn jwks(State(s): State<AppState>, Path(tenant): Path<String>) -> Result<Response, OAuth> {
    let body = s.gh.jwks(&tenant).await?;
    let mut r = axum::body::Body::from(bytes::Bytes::from(body.to_vec())).into_response();
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    Ok(cached(r))
}

#[derive(serde::Deserialize)]
pub struct InstanceQuery {
    authorization_endpoint: Option<String>,
}

/// `GET /common/discovery/instance?authorization_endpoint=https://host/{tenant}/oauth2/v2.0/authorize`
pub async fn instance(State(s): State<AppState>, Query(q): Query<InstanceQuery>) -> Response {
    let base = s.gh.base_url();
    // MSAL builds this URL from the host without the port, so only the path is read:
    // the tenant is its first segment, whatever the authority.
    let tenant = q
        .authorization_endpoint
        .as_deref()
        .and_then(|e| e.split_once("://").map(|(_, rest)| rest))
        .and_then(|rest| rest.split_once('/').map(|(_, path)| path))
        .and_then(|path| path.split('/').next())
        .filter(|t| {
            !t.is_empty() && t.len() <= 64 && t.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
        })
        .unwrap_or("common")
        .to_owned();
    cached(Json(InstanceDiscovery::build(base, &tenant)).into_response())
}
