//! Key loading: unknown `kid` refetch at a bounded rate, key rotation, issuer outages.

mod common;

use std::time::Duration;

use common::*;
use gatehouse_guard::testing::TestKey;
use http::StatusCode;

#[tokio::test]
async fn unknown_kid_is_refused_and_a_new_key_is_picked_up_after_a_rate_bounded_refetch() {
    let s = Setup::with(|b| b.jwks_refetch_interval(Duration::from_secs(2))).await;
    // Keys are made before the clock starts: RSA key generation can be slow on a busy machine.
    let rotated = TestKey::rsa("rsa-2");
    let flood: Vec<String> = (0..50)
        .map(|i| TestKey::ec(&format!("flood-{i}")).sign(&s.claims()))
        .collect();
    assert_eq!(s.get_bearer("/me", &s.token()).await.status, StatusCode::OK);
    assert_eq!(s.issuer.jwks_fetches(), 1);

    // The new key is signed with but not yet published: refused, and no refetch within the bound.
    let token = rotated.sign(&s.claims());
    assert_invalid_token(&s.get_bearer("/me", &token).await, "token signing key unknown");
    assert_eq!(s.issuer.jwks_fetches(), 1, "refetch inside the rate bound");

    // Published now, but the guard may not refetch yet.
    s.issuer.publish(&rotated);
    assert_invalid_token(&s.get_bearer("/me", &token).await, "token signing key unknown");
    assert_eq!(s.issuer.jwks_fetches(), 1);

    tokio::time::sleep(Duration::from_millis(2100)).await;
    let a = s.get_bearer("/me", &token).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    assert_eq!(s.issuer.jwks_fetches(), 2);

    // A flood of unknown kids right after costs no more fetches.
    let mut handles = Vec::new();
    for t in flood {
        let router = s.router.clone();
        handles.push(tokio::spawn(async move {
            call(&router, "/me", &[("authorization", &format!("Bearer {t}"))])
                .await
                .status
        }));
    }
    for h in handles {
        assert_eq!(h.await.unwrap(), StatusCode::UNAUTHORIZED);
    }
    assert_eq!(s.issuer.jwks_fetches(), 2);
}

#[tokio::test]
async fn default_refetch_bound_is_thirty_seconds() {
    let s = Setup::new().await;
    assert_eq!(s.get_bearer("/me", &s.token()).await.status, StatusCode::OK);
    for i in 0..5 {
        let t = TestKey::ec(&format!("unknown-{i}")).sign(&s.claims());
        assert_eq!(s.get_bearer("/me", &t).await.status, StatusCode::UNAUTHORIZED);
    }
    assert_eq!(s.issuer.jwks_fetches(), 1);
}

#[tokio::test]
async fn key_removed_from_jwks_stops_working_after_refetch() {
    let s = Setup::with(|b| b.jwks_refetch_interval(Duration::from_millis(300)).cache_capacity(0)).await;
    assert_eq!(s.get_bearer("/me", &s.token()).await.status, StatusCode::OK);
    s.issuer.unpublish(s.rsa.kid());
    tokio::time::sleep(Duration::from_millis(350)).await;
    // An unknown kid triggers the refetch, which replaces the key set.
    let unknown = TestKey::ec("unknown").sign(&s.claims());
    assert_eq!(s.get_bearer("/me", &unknown).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(s.issuer.jwks_fetches(), 2);
    assert_invalid_token(&s.get_bearer("/me", &s.token()).await, "token signing key unknown");
    // ES256 key still published and working.
    assert_eq!(
        s.get_bearer("/me", &s.ec.sign(&s.claims())).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn issuer_outage_keeps_serving_cached_keys() {
    let s = Setup::with(|b| b.jwks_refetch_interval(Duration::from_millis(100)).cache_capacity(0)).await;
    assert_eq!(s.get_bearer("/me", &s.token()).await.status, StatusCode::OK);
    s.issuer.set_down(true);
    tokio::time::sleep(Duration::from_millis(150)).await;
    // Unknown kid: refetch fails, cached keys stay.
    let unknown = TestKey::rsa("unknown").sign(&s.claims());
    assert_invalid_token(&s.get_bearer("/me", &unknown).await, "token signing key unknown");
    // Fresh tokens (new uti each) with the known key keep working.
    for _ in 0..3 {
        assert_eq!(s.get_bearer("/me", &s.token()).await.status, StatusCode::OK);
    }
}

#[tokio::test]
async fn keys_never_loaded_answer_503_and_recover() {
    let s = Setup::with(|b| b.jwks_refetch_interval(Duration::from_millis(200))).await;
    s.issuer.set_down(true);
    let a = s.get_bearer("/me", &s.token()).await;
    assert_eq!(a.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(a.error(), "temporarily_unavailable");
    assert_eq!(a.headers["retry-after"], "5");
    assert!(a.headers.get("www-authenticate").is_none());
    s.issuer.set_down(false);
    tokio::time::sleep(Duration::from_millis(250)).await;
    assert_eq!(s.get_bearer("/me", &s.token()).await.status, StatusCode::OK);
}

#[tokio::test]
async fn refresh_keys_warms_up_and_reports_failures() {
    let s = Setup::new().await;
    assert!(s.guard.refresh_keys().await.is_empty());
    assert_eq!(s.issuer.jwks_fetches(), 1);
    let down = Setup::new().await;
    down.issuer.set_down(true);
    let failed = down.guard.refresh_keys().await;
    assert_eq!(failed.len(), 1);
    assert!(failed[0].1.contains("503"), "{}", failed[0].1);
}

#[tokio::test]
async fn verified_token_cache_answers_repeats_without_the_issuer() {
    let s = Setup::new().await;
    let token = s.token();
    assert_eq!(s.get_bearer("/me", &token).await.status, StatusCode::OK);
    // Even with the keys gone from the issuer and no refetch possible, the cached result stands
    // (until exp); requirements are still checked per route.
    s.issuer.set_down(true);
    assert_eq!(s.get_bearer("/me", &token).await.status, StatusCode::OK);
    assert_eq!(s.get_bearer("/admin", &token).await.status, StatusCode::FORBIDDEN);
}
