//! API tokens at the guard: `SharedAccessSignature` recognized by its shape, checked once by
//! introspection and cached (a second request does not ask again), dropped from the cache
//! when the revocation feed names the token's id, refused without a network call when
//! malformed, truncated or expired, refused on routes that did not opt in, and acting with the
//! token's roles and organization.

mod common;

use std::time::Duration;

use axum::routing::get;
use axum::{Json, Router};
use common::*;
use gatehouse_guard::{Caller, CredentialKind, Guard, Requirement, RevocationSettings};
use http::StatusCode;

struct ApiSetup {
    s: Setup,
    guard: Guard,
    router: Router,
}

async fn me(caller: Caller) -> Json<Caller> {
    Json(caller)
}

/// `/tokens` accepts API tokens, `/jwt-only` does not, `/operators` needs role `op`.
async fn setup() -> ApiSetup {
    let s = Setup::new().await;
    let cfg = s
        .issuer
        .config(AUD)
        .revocation(RevocationSettings {
            poll_interval: Duration::from_secs(3600),
            max_staleness: Duration::from_secs(300),
            ..RevocationSettings::new(s.issuer.base_url())
        })
        .api_tokens("guard-client", "guard-secret")
        .build()
        .unwrap();
    let guard = Guard::new(cfg).unwrap();
    guard.revocation_feed().unwrap().poll_now().await.unwrap();
    let router = Router::new()
        .route(
            "/tokens",
            get(me).route_layer(guard.layer(Requirement::authenticated().allow_api_tokens())),
        )
        .route(
            "/jwt-only",
            get(me).route_layer(guard.layer(Requirement::authenticated())),
        )
        .route(
            "/operators",
            get(me).route_layer(guard.layer(Requirement::role("op").allow_api_tokens())),
        );
    ApiSetup { s, guard, router }
}

async fn get_sas(a: &ApiSetup, path: &str, sas: &str) -> Answer {
    call(&a.router, path, &[("authorization", sas)]).await
}

#[tokio::test]
async fn a_sas_is_checked_once_then_served_from_the_cache() {
    let a = setup().await;
    let sas = a.s.issuer.api_token("op-token", &["op"], Some("x"), 3600);
    let first = get_sas(&a, "/tokens", &sas).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    assert_eq!(first.body["kind"], "api_token");
    assert_eq!(first.body["token_id"], "op-token");
    assert_eq!(first.body["roles"], serde_json::json!(["op"]));
    assert_eq!(first.body["organization"], "x");
    assert_eq!(a.s.issuer.introspections(), 1);
    let again = get_sas(&a, "/operators", &sas).await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.body);
    assert_eq!(
        a.s.issuer.introspections(),
        1,
        "the second check is served from the cache"
    );
}

#[tokio::test]
async fn a_deleted_token_is_dropped_when_the_feed_names_it() {
    let a = setup().await;
    let sas = a.s.issuer.api_token("doomed", &["op"], None, 3600);
    assert_eq!(get_sas(&a, "/tokens", &sas).await.status, StatusCode::OK);
    a.s.issuer.delete_api_token("doomed");
    // Cached and not yet polled: still served (within the guard's bound).
    assert_eq!(get_sas(&a, "/tokens", &sas).await.status, StatusCode::OK);
    a.guard.revocation_feed().unwrap().poll_now().await.unwrap();
    assert!(a
        .guard
        .revocation_feed()
        .unwrap()
        .credential_revoked(a.s.issuer.tenant_id(), "doomed"));
    let refused = get_sas(&a, "/tokens", &sas).await;
    assert_invalid_token(&refused, "token revoked");
    assert!(refused.challenge().starts_with("Bearer"), "{}", refused.challenge());
}

#[tokio::test]
async fn malformed_truncated_expired_and_forged_tokens_get_401() {
    let a = setup().await;
    let good = a.s.issuer.api_token("good", &["op"], None, 3600);
    let truncated = good[..good.rfind("&se=").unwrap()].to_string();
    let expired = format!("{}&se=1000", &good[..good.rfind("&se=").unwrap()]);
    let foreign = good.replace(a.s.issuer.tenant_id(), "00000000-0000-4000-8000-000000000000");
    for bad in [
        truncated.as_str(),
        "SharedAccessSignature sr=a&sig=b",
        "SharedAccessSignature sr=a&sig=b&skn=c&se=9&x=1",
    ] {
        let r = get_sas(&a, "/tokens", bad).await;
        assert_invalid_token(&r, "malformed API token");
    }
    assert_eq!(
        a.s.issuer.introspections(),
        0,
        "malformed tokens never reach the server"
    );
    let r = get_sas(&a, "/tokens", &foreign).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let forged = good.replacen("sig=", "sig=x", 1);
    let r = get_sas(&a, "/tokens", &forged).await;
    assert_invalid_token(&r, "API token unknown, forged, expired or revoked");
    let asked = a.s.issuer.introspections();
    let r = get_sas(&a, "/tokens", &expired).await;
    assert_invalid_token(&r, "API token expired");
    assert_eq!(
        a.s.issuer.introspections(),
        asked,
        "an expired se is refused without asking"
    );
}

#[tokio::test]
async fn routes_accept_api_tokens_only_when_they_opt_in() {
    let a = setup().await;
    let sas = a.s.issuer.api_token("t", &["viewer"], None, 3600);
    let r = get_sas(&a, "/jwt-only", &sas).await;
    assert_invalid_token(&r, "API tokens are not accepted here");
    let r = get_sas(&a, "/operators", &sas).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    // JWTs still work beside them.
    let r = a.s.get_bearer("/me", &a.s.token()).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(CredentialKind::ApiToken.as_str(), "api_token");
}

#[tokio::test]
async fn a_stale_feed_refuses_api_tokens_fail_closed() {
    let s = Setup::new().await;
    let cfg = s
        .issuer
        .config(AUD)
        .revocation(RevocationSettings {
            poll_interval: Duration::from_secs(3600),
            max_staleness: Duration::from_secs(300),
            ..RevocationSettings::new(s.issuer.base_url())
        })
        .api_tokens("guard-client", "guard-secret")
        .build()
        .unwrap();
    let guard = Guard::new(cfg).unwrap();
    let router = Router::new().route(
        "/tokens",
        get(me).route_layer(guard.layer(Requirement::authenticated().allow_api_tokens())),
    );
    // The feed cannot be read: the guard cannot know whether the token was deleted.
    s.issuer.set_down(true);
    let sas = s.issuer.api_token("t", &["op"], None, 3600);
    let r = call(&router, "/tokens", &[("authorization", &sas)]).await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE, "{}", r.body);
}

#[test]
fn api_tokens_need_the_revocation_feed() {
    let err = gatehouse_guard::GuardConfig::builder()
        .issuer("https://127.0.0.1:8443/72f988bf-86f1-41af-91ab-2d7cd011db47/v2.0")
        .audience("api://x")
        .api_tokens("c", "s")
        .build()
        .unwrap_err();
    assert!(err.to_string().contains("revocation feed"), "{err}");
}
