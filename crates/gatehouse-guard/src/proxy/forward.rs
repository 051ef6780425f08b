//! The proxy's request path: canonical-path check, guard, header rewrite, forward over HTTP/1.1
//! with the hyper-util legacy client, hop-by-hop headers removed both ways. A request body that
//! does not arrive in time (the listener's body deadline) is answered 408.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::response::Response;
use axum::Router;
use http::header::{HeaderName, HeaderValue, CONNECTION, HOST};
use http::{HeaderMap, StatusCode, Uri, Version};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use uuid::Uuid;

use super::routes::{path_is_canonical, RouteTable};
use super::ProxyError;
use crate::caller::Caller;
use crate::guard::Guard;
use crate::response::json_error;

const HOP_BY_HOP: [&str; 8] = [
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
];

/// Prefix of the identity headers; incoming ones are always removed.
pub const IDENTITY_PREFIX: &str = "x-gatehouse-";

pub(crate) struct ProxyState {
    pub(crate) guard: Guard,
    routes: RouteTable,
    upstream_base: String,
    client: Client<HttpConnector, Body>,
}

impl std::fmt::Debug for ProxyState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProxyState")
            .field("upstream", &self.upstream_base)
            .finish_non_exhaustive()
    }
}

impl ProxyState {
    pub(crate) fn new(guard: Guard, routes: RouteTable, upstream: &str) -> Result<Self, ProxyError> {
        let bad = || ProxyError::Upstream(upstream.to_string());
        let url = url::Url::parse(upstream).map_err(|_| bad())?;
        if url.scheme() != "http"
            || url.host_str().is_none()
            || url.query().is_some()
            || url.fragment().is_some()
            || !url.username().is_empty()
        {
            return Err(bad());
        }
        let upstream_base = url.as_str().trim_end_matches('/').to_string();
        // Small proxied exchanges must not wait on Nagle's algorithm.
        let mut connector = HttpConnector::new();
        connector.set_nodelay(true);
        let client = Client::builder(TokioExecutor::new()).build(connector);
        Ok(Self {
            guard,
            routes,
            upstream_base,
            client,
        })
    }
}

pub(crate) fn router(state: Arc<ProxyState>) -> Router {
    Router::new().fallback(handle).with_state(state)
}

async fn handle(
    State(state): State<Arc<ProxyState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    request: Request,
) -> Response {
    let path = request.uri().path();
    if !path_is_canonical(path) {
        return json_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "request path not accepted",
            Uuid::new_v4(),
        );
    }
    let requirement = state.routes.requirement_for(path);
    let caller = match state.guard.check(request.headers(), requirement).await {
        Ok(caller) => caller,
        Err(rejection) => return state.guard.reject(&rejection),
    };
    forward(&state, request, &caller, peer).await
}

async fn forward(state: &ProxyState, request: Request, caller: &Caller, peer: SocketAddr) -> Response {
    let (mut parts, body) = request.into_parts();
    let original_host = parts.headers.get(HOST).cloned();
    strip_hop_by_hop(&mut parts.headers);
    strip_identity(&mut parts.headers);
    parts.headers.remove(HOST);
    if let Err(trace_id) = add_identity(&mut parts.headers, caller) {
        return json_error(
            StatusCode::BAD_GATEWAY,
            "server_error",
            "the verified identity cannot be passed upstream",
            trace_id,
        );
    }
    if let Some(host) = original_host {
        parts.headers.insert("x-forwarded-host", host);
    }
    append_forwarded_for(&mut parts.headers, peer);
    let path_and_query = parts.uri.path_and_query().map(|pq| pq.as_str()).unwrap_or("/");
    let uri: Uri = match format!("{}{}", state.upstream_base, path_and_query).parse() {
        Ok(uri) => uri,
        Err(_) => {
            return json_error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "request target not accepted",
                Uuid::new_v4(),
            )
        }
    };
    parts.uri = uri;
    parts.version = Version::HTTP_11;
    let upstream_request = http::Request::from_parts(parts, body);
    match state.client.request(upstream_request).await {
        Ok(response) => {
            let (mut parts, body) = response.into_parts();
            strip_hop_by_hop(&mut parts.headers);
            Response::from_parts(parts, Body::new(body))
        }
        Err(error) if gatehouse_listener::BodyTimeout::is_cause_of(&error) => {
            let trace_id = Uuid::new_v4();
            tracing::info!(%trace_id, "request body did not arrive in time");
            json_error(
                StatusCode::REQUEST_TIMEOUT,
                "invalid_request",
                "the request body did not arrive in time",
                trace_id,
            )
        }
        Err(error) => {
            let trace_id = Uuid::new_v4();
            tracing::warn!(%trace_id, %error, "upstream request failed");
            json_error(
                StatusCode::BAD_GATEWAY,
                "bad_gateway",
                "the upstream service did not answer",
                trace_id,
            )
        }
    }
}

fn strip_hop_by_hop(headers: &mut HeaderMap) {
    let named: Vec<HeaderName> = headers
        .get_all(CONNECTION)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|name| HeaderName::from_bytes(name.trim().as_bytes()).ok())
        .collect();
    for name in named {
        headers.remove(name);
    }
    for name in HOP_BY_HOP {
        headers.remove(name);
    }
}

fn strip_identity(headers: &mut HeaderMap) {
    let spoofed: Vec<HeaderName> = headers
        .keys()
        .filter(|name| name.as_str().starts_with(IDENTITY_PREFIX))
        .cloned()
        .collect();
    for name in spoofed {
        headers.remove(name);
    }
}

fn add_identity(headers: &mut HeaderMap, caller: &Caller) -> Result<(), Uuid> {
    let values = [
        ("x-gatehouse-tenant", caller.tenant_id().to_string()),
        ("x-gatehouse-object-id", caller.object_id().to_string()),
        ("x-gatehouse-app-id", caller.app_id().unwrap_or("").to_string()),
        ("x-gatehouse-scopes", caller.scopes().join(" ")),
        ("x-gatehouse-roles", caller.roles().join(" ")),
        ("x-gatehouse-credential", caller.kind().as_str().to_string()),
        (
            "x-gatehouse-organization",
            caller.organization().unwrap_or("").to_string(),
        ),
    ];
    for (name, value) in values {
        match HeaderValue::from_str(&value) {
            Ok(v) => {
                headers.insert(name, v);
            }
            Err(_) => {
                let trace_id = Uuid::new_v4();
                tracing::warn!(%trace_id, header = name, "identity value not representable as a header");
                return Err(trace_id);
            }
        }
    }
    Ok(())
}

fn append_forwarded_for(headers: &mut HeaderMap, peer: SocketAddr) {
    let ip = peer.ip().to_string();
    let value = match headers.get("x-forwarded-for").and_then(|v| v.to_str().ok()) {
        Some(existing) if !existing.is_empty() => format!("{existing}, {ip}"),
        _ => ip,
    };
    if let Ok(v) = HeaderValue::from_str(&value) {
        headers.insert("x-forwarded-for", v);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_spoofed_identity_and_hop_by_hop_headers() {
        let mut h = HeaderMap::new();
        h.insert("x-gatehouse-tenant", HeaderValue::from_static("evil"));
        h.insert("X-Gatehouse-Anything", HeaderValue::from_static("evil"));
        h.insert(CONNECTION, HeaderValue::from_static("close, x-secret"));
        h.insert("x-secret", HeaderValue::from_static("1"));
        h.insert("te", HeaderValue::from_static("trailers"));
        h.insert("accept", HeaderValue::from_static("*/*"));
        strip_identity(&mut h);
        strip_hop_by_hop(&mut h);
        let names: Vec<&str> = h.keys().map(|k| k.as_str()).collect();
        assert_eq!(names, vec!["accept"]);
    }
}
