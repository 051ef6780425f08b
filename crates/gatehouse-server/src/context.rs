//! The context of one request: its trace id and correlation id, and the headers every answer
//! gets. [`ContextLayer`] is the one middleware that
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
use axum::http::{header, HeaderMap, HeaderName, HeaderValue};
use axum::response::Response;

tokio::task_local! {
    static CURRENT: RequestIds;
}

const X_MS_REQUEST_ID: HeaderName = HeaderName::from_static("x-ms-request-id");
const CLIENT_REQUEST_ID: HeaderName = HeaderName::from_static("client-request-id");

/// A GUID as a header value (hyphenated, lowercase), without going through a `String`.
pub fn header_value(id: &uuid::Uuid) -> HeaderValue {
    let mut buf = [0u8; uuid::fmt::Hyphenated::LENGTH];
    HeaderValue::from_str(id.hyphenated().encode_lower(&mut buf)).expect("a GUID is a valid header value")
}

/// The ids an operator uses to find a request in the logs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestIds {
    pub trace_id: uuid::Uuid,
    pub correlation_id: uuid::Uuid,
}

impl RequestIds {
    /// New ids; the correlation id is the client's when it sent one.
    pub fn new(client_request_id: Option<uuid::Uuid>) -> Self {
        Self {
            trace_id: uuid::Uuid::new_v4(),
            correlation_id: client_request_id.unwrap_or_else(uuid::Uuid::new_v4),
        }
    }

    /// The ids of a request's headers: `client-request-id` when it is a GUID.
    pub fn from_headers(headers: &HeaderMap) -> Self {
        let client = headers
            .get(&CLIENT_REQUEST_ID)
            .and_then(|v| uuid::Uuid::try_parse_ascii(v.as_bytes()).ok());
        Self::new(client)
    }

    /// The ids of the request being served (fresh ones outside a request).
    pub fn current() -> Self {
        CURRENT.try_with(|ids| *ids).unwrap_or_else(|_| Self::new(None))
    }
}

/// Runs `f` with `ids` as the current request's ids.
pub async fn scope<F: Future>(ids: RequestIds, f: F) -> F::Output {
    CURRENT.scope(ids, f).await
}

/// The middleware (see the module documentation), as a tower layer for `Router::layer`. Written
/// by hand rather than with `axum::middleware::from_fn`, which boxes every request's future and
/// clones the inner service: this runs on every request of every door.
#[derive(Debug, Clone, Copy, Default)]
pub struct ContextLayer;

impl<S> tower::Layer<S> for ContextLayer {
    type Service = Context<S>;

    fn layer(&self, inner: S) -> Context<S> {
        Context { inner }
    }
}

/// The service [`ContextLayer`] wraps around each route.
#[derive(Debug, Clone)]
pub struct Context<S> {
    inner: S,
}

impl<S> tower::Service<Request> for Context<S>
where
    S: tower::Service<Request, Response = Response>,
{
    type Response = Response;
    type Error = S::Error;
    type Future = ContextFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut std::task::Context<'_>) -> std::task::Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request) -> Self::Future {
        let ids = RequestIds::from_headers(req.headers());
        ContextFuture {
            inner: CURRENT.scope(ids, self.inner.call(req)),
            ids,
        }
    }
}

pin_project_lite::pin_project! {
    /// The route's answer, run with the request's ids in scope; its headers completed.
    pub struct ContextFuture<F> {
        #[pin]
        inner: tokio::task::futures::TaskLocalFuture<RequestIds, F>,
        ids: RequestIds,
    }
}

impl<F, E> Future for ContextFuture<F>
where
    F: Future<Output = Result<Response, E>>,
{
    type Output = Result<Response, E>;

    fn poll(self: std::pin::Pin<&mut Self>, cx: &mut std::task::Context<'_>) -> std::task::Poll<Self::Output> {
        let this = self.project();
        let mut response = std::task::ready!(this.inner.poll(cx))?;
        finish(response.headers_mut(), this.ids);
        std::task::Poll::Ready(Ok(response))
    }
}

/// The headers every answer gets.
fn finish(h: &mut HeaderMap, ids: &RequestIds) {
    h.insert(X_MS_REQUEST_ID, header_value(&ids.trace_id));
    h.insert(CLIENT_REQUEST_ID, header_value(&ids.correlation_id));
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        h.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_guids_and_the_clients_correlation_id_is_kept() {
        let mut headers = HeaderMap::new();
        headers.insert(
            CLIENT_REQUEST_ID,
            HeaderValue::from_static("5A1D8E5C-2F6B-4E1A-9C3D-7B8E9F0A1B2C"),
        );
        let ids = RequestIds::from_headers(&headers);
        assert_eq!(ids.correlation_id.to_string(), "5a1d8e5c-2f6b-4e1a-9c3d-7b8e9f0a1b2c");
        assert_eq!(
            header_value(&ids.correlation_id),
            "5a1d8e5c-2f6b-4e1a-9c3d-7b8e9f0a1b2c"
        );
        assert_ne!(ids.trace_id, ids.correlation_id);
        headers.insert(CLIENT_REQUEST_ID, HeaderValue::from_static("not-a-guid"));
        let fresh = RequestIds::from_headers(&headers);
        assert!(!fresh.correlation_id.is_nil());
        assert_ne!(fresh.correlation_id, ids.correlation_id);
        assert_eq!(
            serde_json::json!({"id": ids.trace_id})["id"],
            ids.trace_id.to_string(),
            "ids are written as hyphenated GUID text"
        );
    }
}
