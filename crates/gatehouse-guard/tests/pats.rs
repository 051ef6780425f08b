//! Personal access tokens at the guard: `Bearer gthpat_...` and `Basic base64(user:gthpat_...)`
//! (any user name, empty included) recognized by their shape, checked once by introspection
//! and cached (a second request does not ask again), dropped from the cache when the
//! revocation feed names the PAT's authorizationId, refused without a network call when
//! malformed or with a wrong checksum, refused on routes that did not opt in (API tokens and
//! PATs are opted in separately), and acting as the user with the PAT's scopes.

mod common;

use std::time::Duration;

use axum::routing::get;
use axum::{Json, Router};
use base64::Engine;
use common::*;
use gatehouse_guard::{Caller, CredentialKind, Guard, Requirement, RevocationSettings};
use http::StatusCode;

const USER: &str = "7c1d2e3f-4444-4555-8666-777788889999";

struct PatSetup {
    s: Setup,
    guard: Guard,
    router: Router,
}

async fn me(caller: Caller) -> Json<Caller> {
    Json(caller)
}

/// `/pats` accepts PATs, `/jwt-only` nothing opaque, `/api-tokens` only API tokens, `/code`
/// PATs with scope `vso.code`.
async fn setup() -> PatSetup {
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
            "/pats",
            get(me).route_layer(guard.layer(Requirement::authenticated().allow_pats())),
        )
        .route(
            "/jwt-only",
            get(me).route_layer(guard.layer(Requirement::authenticated())),
        )
        .route(
            "/api-tokens",
            get(me).route_layer(guard.layer(Requirement::authenticated().allow_api_tokens())),
        )
        .route(
            "/code",
            get(me).route_layer(guard.layer(Requirement::scope("vso.code").allow_pats())),
        );
    PatSetup { s, guard, router }
}

fn bearer(pat: &str) -> String {
    format!("Bearer {pat}")
}

fn basic(user: &str, pat: &str) -> String {
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{user}:{pat}"))
    )
}

async fn get_with(a: &PatSetup, path: &str, authorization: &str) -> Answer {
    call(&a.router, path, &[("authorization", authorization)]).await
}

#[tokio::test]
async fn a_pat_is_checked_once_then_served_from_the_cache() {
    let a = setup().await;
    let (pat, id) = a.s.issuer.pat(USER, &["vso.code", "vso.code_write"], 3600);
    let first = get_with(&a, "/pats", &bearer(&pat)).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    assert_eq!(first.body["kind"], "pat");
    assert_eq!(first.body["object_id"], USER);
    assert_eq!(first.body["tenant_id"], a.s.issuer.tenant_id());
    assert_eq!(first.body["identity_type"], "user");
    assert_eq!(first.body["token_id"], id.as_str());
    assert_eq!(first.body["scopes"], serde_json::json!(["vso.code", "vso.code_write"]));
    assert_eq!(a.s.issuer.introspections(), 1);
    let again = get_with(&a, "/code", &bearer(&pat)).await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.body);
    assert_eq!(
        a.s.issuer.introspections(),
        1,
        "the second check is served from the cache"
    );
}

#[tokio::test]
async fn a_pat_works_as_basic_with_any_user_name() {
    let a = setup().await;
    let (pat, _) = a.s.issuer.pat(USER, &["vso.code"], 3600);
    for user in ["", "anything", "dev@contoso.example"] {
        let r = get_with(&a, "/code", &basic(user, &pat)).await;
        assert_eq!(r.status, StatusCode::OK, "user {user:?}: {}", r.body);
        assert_eq!(r.body["kind"], "pat");
        assert_eq!(r.body["object_id"], USER);
    }
}

#[tokio::test]
async fn a_revoked_pat_is_dropped_when_the_feed_names_it() {
    let a = setup().await;
    let (pat, id) = a.s.issuer.pat(USER, &["vso.code"], 3600);
    assert_eq!(get_with(&a, "/pats", &bearer(&pat)).await.status, StatusCode::OK);
    assert_eq!(get_with(&a, "/pats", &basic("", &pat)).await.status, StatusCode::OK);
    a.s.issuer.revoke_pat(&id);
    // Cached and not yet polled: still served (within the guard's bound).
    assert_eq!(get_with(&a, "/pats", &bearer(&pat)).await.status, StatusCode::OK);
    a.guard.revocation_feed().unwrap().poll_now().await.unwrap();
    for header in [bearer(&pat), basic("", &pat)] {
        let refused = get_with(&a, "/pats", &header).await;
        assert_invalid_token(&refused, "token revoked");
    }
}

#[tokio::test]
async fn malformed_and_bad_checksum_pats_get_401_without_a_network_call() {
    let a = setup().await;
    let (pat, _) = a.s.issuer.pat(USER, &["vso.code"], 3600);
    let mut typo = pat.clone();
    let last = typo.pop().unwrap();
    typo.push(if last == 'a' { 'b' } else { 'a' });
    let truncated = pat[..pat.len() - 1].to_string();
    let b64 = |s: &str| format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(s));
    for bad in [
        bearer(&typo),
        bearer(&truncated),
        bearer("gthpat_short"),
        basic("", &typo),
        basic("u", &truncated),
        b64(&pat),
        "Basic not-base64!".to_string(),
    ] {
        let r = get_with(&a, "/pats", &bad).await;
        assert_invalid_token(&r, "malformed personal access token");
    }
    assert_eq!(a.s.issuer.introspections(), 0, "malformed PATs never reach the server");
    // Well-formed but unknown to the server: asked once, refused.
    let (other, id) = a.s.issuer.pat(USER, &["vso.code"], 3600);
    a.s.issuer.revoke_pat(&id);
    let r = get_with(&a, "/pats", &bearer(&other)).await;
    assert_invalid_token(&r, "personal access token unknown, expired or revoked");
}

#[tokio::test]
async fn routes_accept_pats_only_when_they_opt_in_and_apart_from_api_tokens() {
    let a = setup().await;
    let (pat, _) = a.s.issuer.pat(USER, &["vso.work"], 3600);
    let r = get_with(&a, "/jwt-only", &bearer(&pat)).await;
    assert_invalid_token(&r, "personal access tokens are not accepted here");
    let r = get_with(&a, "/api-tokens", &basic("", &pat)).await;
    assert_invalid_token(&r, "personal access tokens are not accepted here");
    let sas = a.s.issuer.api_token("t", &["op"], None, 3600);
    let r = get_with(&a, "/pats", &sas).await;
    assert_invalid_token(&r, "API tokens are not accepted here");
    // The PAT's scopes are the caller's: a scope it lacks is a 403.
    let r = get_with(&a, "/code", &bearer(&pat)).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    // JWTs still work beside them.
    let r = a.s.get_bearer("/me", &a.s.token()).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(CredentialKind::Pat.as_str(), "pat");
}

#[tokio::test]
async fn an_expired_pat_is_refused() {
    let a = setup().await;
    // The server answers active but with an exp that is not in the future: refused.
    let (pat, _) = a.s.issuer.pat(USER, &["vso.code"], 0);
    let r = get_with(&a, "/pats", &bearer(&pat)).await;
    assert_invalid_token(&r, "personal access token unknown, expired or revoked");
}

#[test]
fn the_proxy_routes_file_opts_in_to_pats_apart_from_api_tokens() {
    let config = gatehouse_guard::proxy::ProxyConfig::from_toml_str(
        r#"
        allow_pats = true
        [[route]]
        prefix = "/repos"
        allow_pats = true
        [[route]]
        prefix = "/devices"
        allow_api_tokens = true
        "#,
    )
    .unwrap();
    assert!(config.allow_pats && !config.allow_api_tokens);
    assert!(config.routes[0].allow_pats && !config.routes[0].allow_api_tokens);
    assert!(!config.routes[1].allow_pats && config.routes[1].allow_api_tokens);
    assert!(gatehouse_guard::proxy::ProxyConfig::from_toml_str("allow_pat = true").is_err());
}
