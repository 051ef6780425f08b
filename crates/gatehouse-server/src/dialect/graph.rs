//! The Microsoft Graph dialect:
//! `{"error":{"code","message","innerError":{"date","request-id","client-request-id"}}}`, with the
//! `request-id` header. The error is always an object (the Azure CLI's Graph client indexes
//! `error["code"]`); a not-found message contains " does not exist " only when the object really
//! does not exist (`az ad sp create-for-rbac` retries on it).

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use gatehouse_core::error::Object;
use gatehouse_core::{Error, ErrorKind};
use serde_json::json;

use crate::context::RequestIds;

/// A domain error answered in Graph's dialect.
#[derive(Debug)]
pub struct Graph(pub Error);

impl From<Error> for Graph {
    fn from(e: Error) -> Self {
        Self(e)
    }
}

/// Graph's status and code for an error.
pub fn status_and_code(e: &Error) -> (StatusCode, &'static str) {
    match e {
        Error::UnsupportedQuery(_) => return (StatusCode::BAD_REQUEST, "Request_UnsupportedQuery"),
        Error::BodyTooLarge => return (StatusCode::PAYLOAD_TOO_LARGE, "Request_BadRequest"),
        Error::MethodNotAllowed(_) => return (StatusCode::METHOD_NOT_ALLOWED, "Request_BadRequest"),
        _ => {}
    }
    match e.kind() {
        ErrorKind::InvalidRequest => (StatusCode::BAD_REQUEST, "Request_BadRequest"),
        ErrorKind::Unauthenticated => (StatusCode::UNAUTHORIZED, "InvalidAuthenticationToken"),
        ErrorKind::Forbidden => (StatusCode::FORBIDDEN, "Authorization_RequestDenied"),
        ErrorKind::NotFound => (StatusCode::NOT_FOUND, "Request_ResourceNotFound"),
        // Graph answers a duplicate key with 400.
        ErrorKind::Conflict => (StatusCode::BAD_REQUEST, "Request_BadRequest"),
        ErrorKind::Throttled => (StatusCode::TOO_MANY_REQUESTS, "TooManyRequests"),
        ErrorKind::Unavailable => (StatusCode::SERVICE_UNAVAILABLE, "serviceNotAvailable"),
        ErrorKind::Internal => (StatusCode::INTERNAL_SERVER_ERROR, "generalException"),
    }
}

fn message(e: &Error) -> String {
    match e {
        Error::NotFound { name, .. } if !name.is_empty() => format!(
            "Resource '{name}' does not exist or one of its queried reference-property objects are not present."
        ),
        Error::InsufficientPrivileges => "Insufficient privileges to complete the operation.".into(),
        Error::UnsupportedQuery(why) => format!("Unsupported Query. {why}"),
        Error::BearerInvalid(_) => {
            "Access token validation failure. Invalid audience, issuer, signature or expiry.".into()
        }
        Error::Malformed(why) => format!("Invalid request body: {why}"),
        Error::Conflict {
            object: Object::Group | Object::DirectoryObject,
            ..
        } => {
            "One or more added object references already exist for the following modified properties: 'members'.".into()
        }
        Error::Conflict { object, .. } => {
            format!(
                "Another object with the same value for the {} already exists.",
                object.noun()
            )
        }
        other => super::message(other),
    }
}

impl IntoResponse for Graph {
    fn into_response(self) -> Response {
        let ids = RequestIds::current();
        let (status, code) = status_and_code(&self.0);
        super::log(&ids, &self.0, status.as_u16());
        let date = gatehouse_protocol::timefmt::iso8601(gatehouse_core::model::now());
        let body = json!({"error": {
            "code": code,
            "message": message(&self.0),
            "innerError": {"date": date, "request-id": ids.trace_id, "client-request-id": ids.correlation_id},
        }});
        let mut r = (status, axum::Json(body)).into_response();
        let h = r.headers_mut();
        h.insert("request-id", crate::context::header_value(&ids.trace_id));
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

    #[tokio::test]
    async fn graph_errors_carry_an_inner_error_with_the_request_ids() {
        let ids = RequestIds::new(Some(uuid::Uuid::nil()));
        let e = Error::NotFound {
            object: Object::Application,
            name: "abc".into(),
        };
        let r = crate::context::scope(ids, async { Graph(e).into_response() }).await;
        assert_eq!(r.status(), 404);
        assert_eq!(r.headers()["request-id"], ids.trace_id.to_string());
        let body = axum::body::to_bytes(r.into_body(), 1 << 16).await.unwrap();
        let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(v["error"]["code"], "Request_ResourceNotFound");
        assert!(v["error"]["message"].as_str().unwrap().contains(" does not exist "));
        assert_eq!(v["error"]["innerError"]["request-id"], ids.trace_id.to_string());
        assert_eq!(
            v["error"]["innerError"]["client-request-id"],
            uuid::Uuid::nil().to_string()
        );
        assert!(v["error"]["innerError"]["date"].as_str().unwrap().ends_with('Z'));
        // Only a real not-found says " does not exist ".
        let r = Graph(Error::Invalid("The display name must have 1 to 256 characters.".into())).into_response();
        let body = axum::body::to_bytes(r.into_body(), 1 << 16).await.unwrap();
        assert!(!String::from_utf8_lossy(&body).contains(" does not exist "));
    }
}
