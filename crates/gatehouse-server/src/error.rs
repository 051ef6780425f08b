//! [`ApiError`]: an error as the client receives it.

use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use gatehouse_core::Error;
use gatehouse_protocol::timefmt::entra_now;
use gatehouse_protocol::ErrorBody;

/// A domain error plus the ids that let an operator find it in the logs.
#[derive(Debug)]
pub struct ApiError {
    pub error: Error,
    pub trace_id: String,
    pub correlation_id: String,
}

/// The correlation id: the client's `client-request-id` if it is a GUID (MSAL sends one),
/// otherwise a new one.
pub fn correlation_id(headers: &HeaderMap) -> String {
    headers
        .get("client-request-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| uuid::Uuid::parse_str(v).ok())
        .map(|u| u.to_string())
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string())
}

impl ApiError {
    pub fn new(error: Error, headers: &HeaderMap) -> Self {
        Self {
            error,
            trace_id: uuid::Uuid::new_v4().to_string(),
            correlation_id: correlation_id(headers),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let wire = self.error.wire();
        if wire.status >= 500 {
            tracing::error!(trace_id = %self.trace_id, error = %self.error, "request failed");
        } else {
            tracing::info!(trace_id = %self.trace_id, error = %self.error, status = wire.status, "request refused");
        }
        let body = ErrorBody::new(
            wire.error,
            wire.aadsts,
            &wire.text,
            &self.trace_id,
            &self.correlation_id,
            &entra_now(),
            None,
        );
        let status = StatusCode::from_u16(wire.status).unwrap_or(StatusCode::BAD_REQUEST);
        let mut response = (status, axum::Json(body)).into_response();
        let h = response.headers_mut();
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        h.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
        if let Ok(v) = HeaderValue::from_str(&self.trace_id) {
            h.insert("x-ms-request-id", v);
        }
        if let Ok(v) = HeaderValue::from_str(&self.correlation_id) {
            h.insert("client-request-id", v);
        }
        if let Some(secs) = wire.retry_after {
            h.insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        if wire.error == gatehouse_protocol::OAuthError::InvalidToken {
            h.insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer error=\"invalid_token\""),
            );
        } else if wire.status == 401 {
            h.insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Basic realm=\"gatehouse\""),
            );
        }
        response
    }
}
