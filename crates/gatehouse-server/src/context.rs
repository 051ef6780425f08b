//! The context of one request: its trace id and correlation id, and the headers every answer
//! gets. [`layer`] is the one middleware that
//!
//! - draws a trace id and takes the correlation id from `client-request-id` when the client sent
//!   a GUID (MSAL does), otherwise draws one;
//! - runs the request with these ids in scope ([`RequestIds::current`]), so an error rendered in
//!   any dialect carries them without handlers passing anything around;
//! - sets `x-ms-request-id` (trace id) and `client-request-id` (correlation id) on every answer,
//!   and `Cache-Control: no-store` (with `Pragma: no-cache`) on every answer that did not choose
//!   its own caching: tokens, secrets and personal data are never cached by an intermediary.
//!   Only discovery documents and key sets say otherwise.

use std::future::Future;

use axum::extract::Request;
use axum::http::{header, HeaderMap, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;

tokio::task_local! {
    static CURRENT: RequestIds;
}

/// The ids an operator uses to find a request in the logs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestIds {
    pub trace_id: String,
    pub correlation_id: String,
}

impl RequestIds {
    /// New ids; the correlation id is the client's when it sent one.
    pub fn new(client_request_id: Option<uuid::Uuid>) -> Self {
        Self {
            trace_id: uuid::Uuid::new_v4().to_string(),
            correlation_id: client_request_id.unwrap_or_else(uuid::Uuid::new_v4).to_string(),
        }
    }

    /// The ids of a request's headers: `client-request-id` when it is a GUID.
    pub fn from_headers(headers: &HeaderMap) -> Self {
        let client = headers
            .get("client-request-id")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| uuid::Uuid::parse_str(v).ok());
        Self::new(client)
    }

    /// The ids of the request being served (fresh ones outside a request).
    pub fn current() -> Self {
        CURRENT.try_with(Clone::clone).unwrap_or_else(|_| Self::new(None))
    }
}

/// Runs `f` with `ids` as the current request's ids.
pub async fn scope<F: Future>(ids: RequestIds, f: F) -> F::Output {
    CURRENT.scope(ids, f).await
}

/// The middleware (see the module documentation).
pub async fn layer(req: Request, next: Next) -> Response {
    let ids = RequestIds::from_headers(req.headers());
    let mut response = scope(ids.clone(), next.run(req)).await;
    let h = response.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&ids.trace_id) {
        h.insert("x-ms-request-id", v);
    }
    if let Ok(v) = HeaderValue::from_str(&ids.correlation_id) {
        h.insert("client-request-id", v);
    }
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        h.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    }
    response
}
