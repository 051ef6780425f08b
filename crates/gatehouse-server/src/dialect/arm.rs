//! The Azure Resource Manager dialect: `{"error":{"code","message"}}`, as ARM and the Azure SDKs'
//! `ARMErrorFormat` read it (the Azure CLI prints `message`), with `x-ms-correlation-request-id`.
//! Codes follow ARM's: `InvalidAuthenticationToken` (401), `AuthorizationFailed` (403),
//! `NotFound`, `Conflict`, `BadRequest`, `TooManyRequests`, `ServiceUnavailable`,
//! `InternalServerError`.

use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use gatehouse_core::{Error, ErrorKind};
use serde_json::json;

use crate::context::RequestIds;

/// A domain error answered in ARM's dialect.
#[derive(Debug)]
pub struct Arm(pub Error);

impl From<Error> for Arm {
    fn from(e: Error) -> Self {
        Self(e)
    }
}

/// ARM's code for an error.
pub fn code(e: &Error) -> &'static str {
    match e.kind() {
        ErrorKind::InvalidRequest => "BadRequest",
        ErrorKind::Unauthenticated => "InvalidAuthenticationToken",
        ErrorKind::Forbidden => "AuthorizationFailed",
        ErrorKind::NotFound => "NotFound",
        ErrorKind::Conflict => "Conflict",
        ErrorKind::Throttled => "TooManyRequests",
        ErrorKind::Unavailable => "ServiceUnavailable",
        ErrorKind::Internal => "InternalServerError",
    }
}

impl IntoResponse for Arm {
    fn into_response(self) -> Response {
        let ids = RequestIds::current();
        let status = super::status_of(self.0.kind());
        super::log(&ids, &self.0, status.as_u16());
        let body = json!({"error": {"code": code(&self.0), "message": super::message(&self.0)}});
        let mut r = (status, axum::Json(body)).into_response();
        let h = r.headers_mut();
        if let Ok(v) = HeaderValue::from_str(&ids.correlation_id) {
            h.insert("x-ms-correlation-request-id", v);
        }
        if let Error::Throttled { retry_after } = self.0 {
            h.insert(header::RETRY_AFTER, HeaderValue::from(retry_after));
        }
        if status == 401 {
            h.insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer error=\"invalid_token\""),
            );
        }
        r
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use gatehouse_core::error::Object;

    #[tokio::test]
    async fn arm_errors_are_code_and_message_only() {
        let e = Error::NotFound {
            object: Object::Tenant,
            name: "x".into(),
        };
        let r = Arm(e).into_response();
        assert_eq!(r.status(), 404);
        assert!(r.headers().contains_key("x-ms-correlation-request-id"));
        let body = axum::body::to_bytes(r.into_body(), 1 << 16).await.unwrap();
        let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(
            v,
            json!({"error": {"code": "NotFound", "message": "Tenant 'x' was not found."}})
        );
        let r = Arm(Error::Internal("disk /var/secret".into())).into_response();
        assert_eq!(r.status(), 500);
        let body = axum::body::to_bytes(r.into_body(), 1 << 16).await.unwrap();
        assert!(!String::from_utf8_lossy(&body).contains("/var/secret"));
    }
}
