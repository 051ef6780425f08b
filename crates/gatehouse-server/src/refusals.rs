//! What the connection listener refuses before any route sees the request (a head hyper cannot
//! parse, one larger than `max_header_bytes`, a target too long, `Content-Length` together with
//! `Transfer-Encoding`), answered like every other error of the server: Entra's error body
//! (`invalid_request`, AADSTS9002313) with the refusal's own status (400, 414 or 431), fresh
//! trace and correlation ids and `no-store` (no route, so no context middleware, ran).

use axum::http::{header, HeaderValue, Response};
use gatehouse_listener::{Refusal, Refusals};
use gatehouse_protocol::OAuthError;

use crate::context::RequestIds;
use crate::dialect::oauth::{render, Wire};

/// The listener's refusals in Entra's error shape.
pub fn entra() -> Refusals {
    Refusals::new(|refusal: Refusal| {
        Box::pin(async move {
            let ids = RequestIds::new(None);
            let wire = Wire {
                status: refusal.status().as_u16(),
                error: OAuthError::InvalidRequest,
                aadsts: 9002313,
                text: format!(
                    "Invalid request. Request is malformed or invalid: {}.",
                    refusal.description()
                ),
                retry_after: None,
                suberror: None,
            };
            tracing::info!(trace_id = %ids.trace_id, status = wire.status, "request refused by the listener");
            let mut response = render(&wire, &ids);
            let h = response.headers_mut();
            h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            h.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
            h.insert("x-ms-request-id", crate::context::header_value(&ids.trace_id));
            let (parts, body) = response.into_parts();
            let bytes = axum::body::to_bytes(body, usize::MAX).await.unwrap_or_default();
            Response::from_parts(parts, bytes)
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_refusal_has_its_status_and_entras_body() {
        let response = entra().answer(Refusal::HeadTooLarge).await;
        assert_eq!(response.status(), 431);
        let body: serde_json::Value = serde_json::from_slice(response.body()).unwrap();
        assert_eq!(body["error"], "invalid_request");
        assert_eq!(body["error_codes"][0], 9002313);
        assert!(body["error_description"]
            .as_str()
            .unwrap()
            .contains("the request headers are larger than the server accepts"));
        assert!(!body["trace_id"].as_str().unwrap().is_empty());
        assert_eq!(response.headers()["cache-control"], "no-store");
    }
}
