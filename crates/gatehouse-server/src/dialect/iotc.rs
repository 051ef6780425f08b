//! The IoT Central dialect: `{"error":{"code","message","requestId","time"}}` with the
//! `x-ms-error-code` header carrying the same code, as IoT Central's REST API answers.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use gatehouse_core::{Error, ErrorKind};
use serde_json::json;
use time::format_description::well_known::Rfc2822;

use crate::context::RequestIds;

/// A domain error answered in IoT Central's dialect.
#[derive(Debug)]
pub struct Iotc(pub Error);

impl From<Error> for Iotc {
    fn from(e: Error) -> Self {
        Self(e)
    }
}

/// IoT Central's code for an error.
pub fn code(e: &Error) -> &'static str {
    match e.kind() {
        ErrorKind::InvalidRequest => "BadRequest",
        ErrorKind::Unauthenticated => "Unauthorized",
        ErrorKind::Forbidden => "Forbidden",
        ErrorKind::NotFound => "NotFound",
        ErrorKind::Conflict => "Conflict",
        ErrorKind::Throttled => "TooManyRequests",
        ErrorKind::Unavailable => "ServiceUnavailable",
        ErrorKind::Internal => "InternalServerError",
    }
}

/// The door's own sentences for the refusals its callers must act on (authorization, versions,
/// organizations in use); the shared table's for the rest.
fn message(e: &Error) -> String {
    match e {
        Error::NotAuthorized { .. }
        | Error::InUse { .. }
        | Error::UnsupportedVersion { .. }
        | Error::MissingParameter(_)
        | Error::PrincipalNotFound { .. }
        | Error::Malformed(_) => super::sentence(e),
        other => super::message(other),
    }
}

impl IntoResponse for Iotc {
    fn into_response(self) -> Response {
        let ids = RequestIds::current();
        let status: StatusCode = super::status_of(self.0.kind());
        super::log(&ids, &self.0, status.as_u16());
        let code = code(&self.0);
        let time = time::OffsetDateTime::now_utc()
            .format(&Rfc2822)
            .map(|t| t.replace("+0000", "GMT"))
            .unwrap_or_default();
        let body = json!({"error": {
            "code": code,
            "message": message(&self.0),
            "requestId": ids.trace_id,
            "time": time,
        }});
        let mut r = (status, axum::Json(body)).into_response();
        let h = r.headers_mut();
        h.insert("x-ms-error-code", HeaderValue::from_static(code));
        if let Error::Throttled { retry_after } = self.0 {
            h.insert(header::RETRY_AFTER, HeaderValue::from(retry_after));
        }
        if status == 401 {
            h.insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer, SharedAccessSignature"),
            );
        }
        r
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn iotc_errors_carry_request_id_time_and_the_code_header() {
        let ids = RequestIds::new(None);
        let r = crate::context::scope(ids, async { Iotc(Error::ClientSecretInvalid).into_response() }).await;
        assert_eq!(r.status(), 401);
        assert_eq!(r.headers()["x-ms-error-code"], "Unauthorized");
        let body = axum::body::to_bytes(r.into_body(), 1 << 16).await.unwrap();
        let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(v["error"]["code"], "Unauthorized");
        assert_eq!(v["error"]["requestId"], ids.trace_id.to_string());
        assert!(v["error"]["time"].as_str().unwrap().ends_with("GMT"), "{v}");
        assert!(!v["error"]["message"].as_str().unwrap().is_empty());
    }
}
