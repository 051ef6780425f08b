//! What the connection listener refuses before any route sees the request (a head hyper cannot
//! parse, one larger than `max_header_bytes`, `Content-Length` together with
//! `Transfer-Encoding`), answered like every other error of the server: Entra's error body from
//! [`ApiError`] (`invalid_request`, AADSTS9002313, trace and correlation ids, `no-store`), with
//! the refusal's own status (400, 414 or 431).

use axum::http::{HeaderMap, Response};
use axum::response::IntoResponse;
use gatehouse_core::Error;
use gatehouse_listener::{Refusal, Refusals};

use crate::error::ApiError;

/// The listener's refusals in Entra's error shape.
pub fn entra() -> Refusals {
    Refusals::new(|refusal: Refusal| {
        Box::pin(async move {
            let error = Error::Malformed(refusal.description().to_owned());
            let mut response = ApiError::new(error, &HeaderMap::new()).into_response();
            *response.status_mut() = refusal.status();
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
