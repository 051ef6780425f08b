//! Attacks on the JWT check: `alg=none`, algorithm confusion, key-location headers, forged
//! payloads, unknown issuers and malformed `Authorization` headers.

mod common;

use common::*;
use http::StatusCode;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::json;

#[tokio::test]
async fn unconfigured_issuer_is_never_fetched() {
    let s = Setup::new().await;
    let attacker = gatehouse_guard::testing::FakeIssuer::start().await;
    attacker.publish(&s.rsa);
    let mut claims = attacker.claims(AUD);
    claims["tid"] = json!(s.issuer.tenant_id());
    let a = s.get_bearer("/me", &s.rsa.sign(&claims)).await;
    assert_invalid_token(&a, "token issuer not accepted");
    assert_eq!(attacker.discovery_fetches() + attacker.jwks_fetches(), 0);
}

#[tokio::test]
async fn alg_none_is_refused() {
    let s = Setup::new().await;
    for alg in ["none", "None", "NONE"] {
        let header = json!({"alg": alg, "typ": "JWT", "kid": s.rsa.kid()});
        for sig in [&b""[..], b"x"] {
            let token = raw_token(&header, &s.claims(), sig);
            let a = s.get_bearer("/me", &token).await;
            assert_eq!(a.status, StatusCode::UNAUTHORIZED, "{alg} {}", a.body);
            assert_eq!(a.error(), "invalid_token");
        }
    }
}

#[tokio::test]
async fn algorithm_confusion_hs256_with_rsa_public_key_is_refused() {
    let s = Setup::new().await;
    // Load the keys first so the key is known.
    assert_eq!(s.get_bearer("/me", &s.token()).await.status, StatusCode::OK);
    let n = s.rsa.jwk()["n"].as_str().unwrap().to_string();
    let secrets: Vec<Vec<u8>> = vec![
        s.rsa.public_key_pem().as_bytes().to_vec(),
        s.rsa.public_key_der().to_vec(),
        n.as_bytes().to_vec(),
        s.rsa.jwk().to_string().into_bytes(),
    ];
    for secret in secrets {
        for alg in [Algorithm::HS256, Algorithm::HS384, Algorithm::HS512] {
            let mut header = Header::new(alg);
            header.kid = Some(s.rsa.kid().to_string());
            let token = jsonwebtoken::encode(&header, &s.claims(), &EncodingKey::from_secret(&secret)).unwrap();
            assert_invalid_token(&s.get_bearer("/me", &token).await, "token algorithm not accepted");
        }
    }
}

#[tokio::test]
async fn header_alg_must_match_the_keys_pinned_alg() {
    let s = Setup::new().await;
    // ES256 signature presented under the RSA key's kid, and RS256 under the EC key's kid.
    let mut header = Header::new(Algorithm::ES256);
    header.kid = Some(s.rsa.kid().to_string());
    let token = s.ec.sign_with_header(&header, &s.claims());
    assert_invalid_token(&s.get_bearer("/me", &token).await, "token algorithm not accepted");
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some(s.ec.kid().to_string());
    let token = s.rsa.sign_with_header(&header, &s.claims());
    assert_invalid_token(&s.get_bearer("/me", &token).await, "token algorithm not accepted");
    // Other algorithms of the RSA family are not accepted either.
    let mut header = Header::new(Algorithm::PS256);
    header.kid = Some(s.rsa.kid().to_string());
    let token = s.rsa.sign_with_header(&header, &s.claims());
    assert_invalid_token(&s.get_bearer("/me", &token).await, "token algorithm not accepted");
}

#[tokio::test]
async fn token_without_kid_is_refused() {
    let s = Setup::new().await;
    let token = s.rsa.sign_with_header(&Header::new(Algorithm::RS256), &s.claims());
    assert_invalid_token(&s.get_bearer("/me", &token).await, "token signing key unknown");
}

#[tokio::test]
async fn jku_and_x5u_headers_are_never_fetched() {
    let s = Setup::new().await;
    let attacker = gatehouse_guard::testing::FakeIssuer::start().await;
    let evil = gatehouse_guard::testing::TestKey::rsa("evil");
    attacker.publish(&evil);
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some("evil".into());
    header.jku = Some(format!(
        "{}/{}/discovery/v2.0/keys",
        attacker.base_url(),
        attacker.tenant_id()
    ));
    header.x5u = Some(format!("{}/cert.pem", attacker.base_url()));
    let token = evil.sign_with_header(&header, &s.claims());
    assert_invalid_token(&s.get_bearer("/me", &token).await, "token signing key unknown");
    assert_eq!(attacker.jwks_fetches() + attacker.discovery_fetches(), 0);
    // An embedded jwk is not trusted either.
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some("evil".into());
    header.jwk = serde_json::from_value(evil.jwk()).ok();
    let token = evil.sign_with_header(&header, &s.claims());
    assert_invalid_token(&s.get_bearer("/me", &token).await, "token signing key unknown");
}

#[tokio::test]
async fn crit_header_is_refused() {
    let s = Setup::new().await;
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some(s.rsa.kid().into());
    header.crit = Some(vec!["exp".into()]);
    let token = s.rsa.sign_with_header(&header, &s.claims());
    assert_invalid_token(
        &s.get_bearer("/me", &token).await,
        "token uses an unsupported critical header",
    );
}

#[tokio::test]
async fn tampered_payload_is_refused() {
    let s = Setup::new().await;
    let token = s.token();
    let mut parts: Vec<String> = token.split('.').map(String::from).collect();
    let mut claims = s.claims();
    claims["roles"] = json!(["Admin"]);
    parts[1] = b64(claims.to_string().as_bytes());
    let forged = parts.join(".");
    assert_invalid_token(&s.get_bearer("/admin", &forged).await, "token signature invalid");
    // Signature from another key with a known kid.
    let other = gatehouse_guard::testing::TestKey::rsa(s.rsa.kid());
    assert_invalid_token(
        &s.get_bearer("/me", &other.sign(&s.claims())).await,
        "token signature invalid",
    );
}

#[tokio::test]
async fn malformed_authorization_headers_are_refused_without_panic() {
    let s = Setup::new().await;
    let token = s.token();
    let cases = [
        format!("Bearer  {token}"),
        format!("Bearer {token} "),
        format!(" Bearer {token}"),
        format!("Bearer{token}"),
        "Bearer".to_string(),
        "Bearer ".to_string(),
        "Bearer ....".to_string(),
        "Bearer a.b".to_string(),
        "Bearer a.b.c.d.e".to_string(),
        "Bearer =".to_string(),
        format!("Bearer {token}!"),
        format!("Bearer {}", "a".repeat(20_000)),
        "Bearer eyJhbGciOiJSUzI1NiJ9.e30.AAAA".to_string(),
        ",".to_string(),
        "\"Bearer\" x".to_string(),
    ];
    for value in cases {
        let a = s.get("/me", &[("authorization", &value)]).await;
        assert!(
            a.status == StatusCode::UNAUTHORIZED || a.status == StatusCode::BAD_REQUEST,
            "{value:.40}: {}",
            a.status
        );
    }
    // Two Authorization headers.
    let auth = format!("Bearer {token}");
    let a = s
        .get("/me", &[("authorization", &auth), ("authorization", &auth)])
        .await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
    // Non-ASCII bytes in the header value.
    let request = http::Request::builder()
        .uri("/me")
        .header(
            "authorization",
            http::HeaderValue::from_bytes(b"Bearer \xff\xfe").unwrap(),
        )
        .body(axum::body::Body::empty())
        .unwrap();
    assert_eq!(call_request(&s.router, request).await.status, StatusCode::BAD_REQUEST);
}
