//! Shared helpers of the integration tests: a small API behind the guard, and a way to call it.
#![allow(dead_code)]

use axum::body::Body;
use axum::routing::get;
use axum::{Json, Router};
use gatehouse_guard::testing::{FakeIssuer, TestKey};
use gatehouse_guard::{Caller, Guard, GuardConfigBuilder, Requirement};
use http::{HeaderMap, Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;

pub const AUD: &str = "api://sample-api";

pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Value,
}

impl Answer {
    pub fn challenge(&self) -> &str {
        self.headers
            .get(http::header::WWW_AUTHENTICATE)
            .map(|v| v.to_str().unwrap())
            .unwrap_or("")
    }
    pub fn error(&self) -> &str {
        self.body["error"].as_str().unwrap_or("")
    }
    pub fn description(&self) -> &str {
        self.body["error_description"].as_str().unwrap_or("")
    }
}

async fn me(caller: Caller) -> Json<Caller> {
    Json(caller)
}

/// `/me` (any caller), `/code` (scope code_write), `/admin` (role Admin).
pub fn api(guard: &Guard) -> Router {
    Router::new()
        .route("/me", get(me).route_layer(guard.layer(Requirement::authenticated())))
        .route(
            "/code",
            get(me).route_layer(guard.layer(Requirement::scope("code_write"))),
        )
        .route("/admin", get(me).route_layer(guard.layer(Requirement::role("Admin"))))
}

pub struct Setup {
    pub issuer: FakeIssuer,
    pub rsa: TestKey,
    pub ec: TestKey,
    pub guard: Guard,
    pub router: Router,
}

impl Setup {
    pub async fn new() -> Setup {
        Self::with(|b| b).await
    }

    pub async fn with(configure: impl FnOnce(GuardConfigBuilder) -> GuardConfigBuilder) -> Setup {
        let issuer = FakeIssuer::start().await;
        let rsa = TestKey::rsa("rsa-1");
        let ec = TestKey::ec("ec-1");
        issuer.publish(&rsa);
        issuer.publish(&ec);
        let config = configure(issuer.config(AUD)).build().expect("config");
        let guard = Guard::new(config).expect("guard");
        let router = api(&guard);
        Setup {
            issuer,
            rsa,
            ec,
            guard,
            router,
        }
    }

    pub fn claims(&self) -> Value {
        self.issuer.claims(AUD)
    }

    pub fn token(&self) -> String {
        self.rsa.sign(&self.claims())
    }

    pub async fn get(&self, path: &str, headers: &[(&str, &str)]) -> Answer {
        call(&self.router, path, headers).await
    }

    pub async fn get_bearer(&self, path: &str, token: &str) -> Answer {
        self.get(path, &[("authorization", &format!("Bearer {token}"))]).await
    }
}

pub async fn call(router: &Router, path: &str, headers: &[(&str, &str)]) -> Answer {
    let mut request = Request::builder().uri(path);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    call_request(router, request.body(Body::empty()).unwrap()).await
}

pub async fn call_request(router: &Router, request: Request<Body>) -> Answer {
    let response = router.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    Answer { status, headers, body }
}

/// Asserts a 401 invalid_token answer with `description`.
pub fn assert_invalid_token(answer: &Answer, description: &str) {
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "body: {}", answer.body);
    assert_eq!(answer.error(), "invalid_token");
    assert_eq!(answer.description(), description);
    assert!(
        answer
            .challenge()
            .starts_with("Bearer error=\"invalid_token\", error_description=\""),
        "{}",
        answer.challenge()
    );
    assert!(uuid::Uuid::parse_str(answer.body["trace_id"].as_str().unwrap()).is_ok());
}

pub fn b64(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// A token with an arbitrary header and claims and signature bytes.
pub fn raw_token(header: &Value, claims: &Value, signature: &[u8]) -> String {
    format!(
        "{}.{}.{}",
        b64(header.to_string().as_bytes()),
        b64(claims.to_string().as_bytes()),
        b64(signature)
    )
}
