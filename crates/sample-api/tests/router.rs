//! The sample API's routes through its real router, against an in-process fake issuer.

use axum::body::Body;
use gatehouse_guard::testing::{FakeIssuer, TestKey};
use gatehouse_guard::Guard;
use http::{Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::{json, Value};
use tower::ServiceExt;

const AUD: &str = "api://sample-api";

async fn get(router: &axum::Router, path: &str, token: Option<&str>) -> (StatusCode, String, Value) {
    let mut request = Request::builder().uri(path);
    if let Some(t) = token {
        request = request.header("authorization", format!("Bearer {t}"));
    }
    let response = router
        .clone()
        .oneshot(request.body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let challenge = response
        .headers()
        .get("www-authenticate")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (status, challenge, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
}

#[tokio::test]
async fn routes_enforce_their_requirements() {
    let issuer = FakeIssuer::start().await;
    let key = TestKey::rsa("k1");
    issuer.publish(&key);
    let guard = Guard::new(issuer.config(AUD).build().unwrap()).unwrap();
    let router = sample_api::app(&guard);

    assert_eq!(get(&router, "/healthz", None).await.0, StatusCode::OK);
    let (status, challenge, _) = get(&router, "/account/me", None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(challenge, "Bearer");

    let mut claims = issuer.claims(AUD);
    claims["roles"] = json!(["Reader"]);
    let reader = key.sign(&claims);
    let (status, _, me) = get(&router, "/account/me", Some(&reader)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(me["tenant_id"], issuer.tenant_id());
    assert_eq!(me["kind"], "jwt");

    let (status, challenge, _) = get(&router, "/admin", Some(&reader)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(challenge.contains("error=\"insufficient_scope\""));
    assert!(challenge.contains("scope=\"Admin\""));

    claims["roles"] = json!(["Admin"]);
    assert_eq!(get(&router, "/admin", Some(&key.sign(&claims))).await.0, StatusCode::OK);

    let (status, challenge, _) = get(&router, "/code", Some(&reader)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(challenge.contains("scope=\"code_write\""));
    claims["scp"] = json!("code_write");
    let (status, _, body) = get(&router, "/code", Some(&key.sign(&claims))).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["scopes"], json!(["code_write"]));

    let (status, challenge, _) = get(&router, "/account/me", Some("garbage.token.here")).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(challenge.contains("error=\"invalid_token\""));
}
