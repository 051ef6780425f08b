//! Valid tokens, and the claim checks: time, audience, issuer, tenant, claim types.

mod common;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use common::*;
use http::StatusCode;
use serde_json::json;

fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs()
}

#[tokio::test]
async fn valid_rs256_token_is_accepted() {
    let s = Setup::new().await;
    let mut claims = s.claims();
    claims["roles"] = json!(["Reader", "Writer"]);
    let a = s.get_bearer("/me", &s.rsa.sign(&claims)).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    assert_eq!(a.body["tenant_id"], s.issuer.tenant_id());
    assert_eq!(a.body["object_id"], claims["oid"]);
    assert_eq!(a.body["app_id"], claims["azp"]);
    assert_eq!(a.body["roles"], json!(["Reader", "Writer"]));
    assert_eq!(a.body["kind"], "jwt");
    assert_eq!(a.body["token_id"], claims["uti"]);
}

#[tokio::test]
async fn valid_es256_token_is_accepted() {
    let s = Setup::new().await;
    let a = s.get_bearer("/me", &s.ec.sign(&s.claims())).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
}

#[tokio::test]
async fn scheme_is_case_insensitive() {
    let s = Setup::new().await;
    let token = s.token();
    for scheme in ["bearer", "BEARER"] {
        let a = s.get("/me", &[("authorization", &format!("{scheme} {token}"))]).await;
        assert_eq!(a.status, StatusCode::OK);
    }
}

#[tokio::test]
async fn v1_issuer_token_with_appid_is_accepted() {
    let s = Setup::new().await;
    // A second guard on the same fake issuer, configured with the v1 issuer form.
    let cfg = gatehouse_guard::GuardConfig::builder()
        .issuer(s.issuer.issuer_v1())
        .audience(AUD)
        .allow_insecure_http_for_tests(true)
        .build()
        .unwrap();
    let guard = gatehouse_guard::Guard::new(cfg).unwrap();
    let router = api(&guard);
    let mut claims = s.claims();
    claims["iss"] = json!(s.issuer.issuer_v1());
    claims["ver"] = json!("1.0");
    claims["appid"] = claims["azp"].clone();
    claims.as_object_mut().unwrap().remove("azp");
    let token = s.rsa.sign(&claims);
    let a = call(&router, "/me", &[("authorization", &format!("Bearer {token}"))]).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    assert_eq!(a.body["app_id"], claims["appid"]);
    // The v2 guard does not take the v1 issuer.
    assert_invalid_token(&s.get_bearer("/me", &token).await, "token issuer not accepted");
}

#[tokio::test]
async fn expired_token_is_refused() {
    let s = Setup::new().await;
    let mut claims = s.claims();
    claims["exp"] = json!(now() - 61 - 5);
    claims["nbf"] = json!(now() - 3600);
    assert_invalid_token(&s.get_bearer("/me", &s.rsa.sign(&claims)).await, "token expired");
}

#[tokio::test]
async fn token_expired_within_clock_skew_is_accepted() {
    let s = Setup::with(|b| b.clock_skew(Duration::from_secs(120))).await;
    let mut claims = s.claims();
    claims["exp"] = json!(now() - 30);
    let a = s.get_bearer("/me", &s.rsa.sign(&claims)).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
}

#[tokio::test]
async fn not_yet_valid_token_is_refused() {
    let s = Setup::new().await;
    let mut claims = s.claims();
    claims["nbf"] = json!(now() + 600);
    assert_invalid_token(&s.get_bearer("/me", &s.rsa.sign(&claims)).await, "token not yet valid");
}

#[tokio::test]
async fn wrong_audience_is_refused() {
    let s = Setup::new().await;
    let mut claims = s.claims();
    claims["aud"] = json!("api://another-api");
    assert_invalid_token(
        &s.get_bearer("/me", &s.rsa.sign(&claims)).await,
        "token audience not accepted",
    );
    claims["aud"] = json!(["api://another-api", "https://management.core.windows.net/"]);
    assert_invalid_token(
        &s.get_bearer("/me", &s.rsa.sign(&claims)).await,
        "token audience not accepted",
    );
}

#[tokio::test]
async fn audience_array_containing_an_accepted_audience_is_accepted() {
    let s = Setup::new().await;
    let mut claims = s.claims();
    claims["aud"] = json!(["api://another-api", AUD]);
    assert_eq!(s.get_bearer("/me", &s.rsa.sign(&claims)).await.status, StatusCode::OK);
}

#[tokio::test]
async fn wrong_issuer_is_refused() {
    let s = Setup::new().await;
    let mut claims = s.claims();
    let other_tenant = uuid::Uuid::new_v4().to_string();
    claims["iss"] = json!(format!("{}/{other_tenant}/v2.0", s.issuer.base_url()));
    assert_invalid_token(
        &s.get_bearer("/me", &s.rsa.sign(&claims)).await,
        "token issuer not accepted",
    );
    claims["iss"] = json!(format!("{}/v2.0", s.issuer.issuer()));
    assert_invalid_token(
        &s.get_bearer("/me", &s.rsa.sign(&claims)).await,
        "token issuer not accepted",
    );
    claims.as_object_mut().unwrap().remove("iss");
    assert_invalid_token(
        &s.get_bearer("/me", &s.rsa.sign(&claims)).await,
        "token issuer not accepted",
    );
}

#[tokio::test]
async fn token_of_another_tenant_is_refused() {
    let s = Setup::new().await;
    let mut claims = s.claims();
    claims["tid"] = json!(uuid::Uuid::new_v4().to_string());
    assert_invalid_token(
        &s.get_bearer("/me", &s.rsa.sign(&claims)).await,
        "token tenant not accepted",
    );
    claims["tid"] = json!("contoso.onmicrosoft.com");
    assert_invalid_token(
        &s.get_bearer("/me", &s.rsa.sign(&claims)).await,
        "token tenant not accepted",
    );
}

#[tokio::test]
async fn string_exp_is_refused() {
    let s = Setup::new().await;
    let mut claims = s.claims();
    claims["exp"] = json!((now() + 3600).to_string());
    assert_invalid_token(&s.get_bearer("/me", &s.rsa.sign(&claims)).await, "token claims invalid");
    // An already-expired string exp, the case jsonwebtoken < 10.3 let through.
    claims["exp"] = json!("1");
    assert_invalid_token(&s.get_bearer("/me", &s.rsa.sign(&claims)).await, "token claims invalid");
}

#[tokio::test]
async fn string_nbf_and_iat_and_fractional_exp_are_refused() {
    let s = Setup::new().await;
    for (claim, value) in [
        ("nbf", json!((now() + 3600).to_string())),
        ("iat", json!(now().to_string())),
        ("exp", json!(now() as f64 + 3600.5)),
        ("exp", json!(null)),
    ] {
        let mut claims = s.claims();
        claims[claim] = value;
        let a = s.get_bearer("/me", &s.rsa.sign(&claims)).await;
        assert_invalid_token(&a, "token claims invalid");
    }
}

#[tokio::test]
async fn missing_exp_oid_or_bad_ver_is_refused() {
    let s = Setup::new().await;
    for claim in ["exp", "oid", "tid", "ver", "aud"] {
        let mut claims = s.claims();
        claims.as_object_mut().unwrap().remove(claim);
        let a = s.get_bearer("/me", &s.rsa.sign(&claims)).await;
        assert_eq!(a.status, StatusCode::UNAUTHORIZED, "without {claim}");
    }
    let mut claims = s.claims();
    claims["ver"] = json!("3.0");
    assert_invalid_token(&s.get_bearer("/me", &s.rsa.sign(&claims)).await, "token claims invalid");
}
