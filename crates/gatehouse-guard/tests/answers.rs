//! The RFC 6750 answers: missing token (401, or 403 by switch), `X-Tenant-ID`, insufficient
//! scope or role, and a handler left without a guard.

mod common;

use common::*;
use gatehouse_guard::testing::{FakeIssuer, TestKey};
use gatehouse_guard::{Guard, GuardConfigBuilder, MissingTokenStatus};
use http::StatusCode;
use serde_json::json;

#[tokio::test]
async fn missing_token_answers_401_with_bare_bearer_challenge() {
    let s = Setup::with(|b| b.resource_metadata("https://api.example/.well-known/oauth-protected-resource")).await;
    let a = s.get("/me", &[]).await;
    assert_eq!(a.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        a.challenge(),
        "Bearer resource_metadata=\"https://api.example/.well-known/oauth-protected-resource\""
    );
    assert_eq!(a.error(), "missing_token");
    assert!(uuid::Uuid::parse_str(a.body["trace_id"].as_str().unwrap()).is_ok());
    assert_eq!(a.headers["cache-control"], "no-store");
}

#[tokio::test]
async fn missing_token_answers_403_when_configured() {
    let s = Setup::with(|b| b.missing_token_status(MissingTokenStatus::Forbidden)).await;
    let a = s.get("/me", &[]).await;
    assert_eq!(a.status, StatusCode::FORBIDDEN);
    assert!(a.challenge().starts_with("Bearer"));
    // A bad token is still 401.
    let b = s.get_bearer("/me", "a.b.c").await;
    assert_eq!(b.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn unsupported_scheme_is_answered_like_a_missing_token() {
    let s = Setup::new().await;
    let a = s.get("/me", &[("authorization", "Basic dXNlcjpwYXNz")]).await;
    assert_eq!(a.status, StatusCode::UNAUTHORIZED);
    assert_eq!(a.challenge(), "Bearer");
}

#[tokio::test]
async fn tenant_header_must_match_the_token_tenant() {
    let s = Setup::with(|b| b.tenant_header(true)).await;
    let token = s.token();
    let auth = format!("Bearer {token}");
    let tid = s.issuer.tenant_id().to_string();
    let ok = s.get("/me", &[("authorization", &auth), ("x-tenant-id", &tid)]).await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
    let upper = tid.to_ascii_uppercase();
    let ok = s.get("/me", &[("authorization", &auth), ("x-tenant-id", &upper)]).await;
    assert_eq!(ok.status, StatusCode::OK);

    let other = uuid::Uuid::new_v4().to_string();
    let a = s.get("/me", &[("authorization", &auth), ("x-tenant-id", &other)]).await;
    assert_invalid_token(&a, "token not valid for the tenant in X-Tenant-ID");

    let a = s.get("/me", &[("authorization", &auth)]).await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
    assert_eq!(a.error(), "invalid_request");

    let a = s
        .get("/me", &[("authorization", &auth), ("x-tenant-id", "contoso")])
        .await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);

    let a = s
        .get(
            "/me",
            &[("authorization", &auth), ("x-tenant-id", &tid), ("x-tenant-id", &tid)],
        )
        .await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
}

/// A guard over a fresh issuer whose configuration `configure` gets with the issuer's tenant.
async fn setup_knowing_the_tenant(configure: impl FnOnce(GuardConfigBuilder, &str) -> GuardConfigBuilder) -> Setup {
    let issuer = FakeIssuer::start().await;
    let (rsa, ec) = (TestKey::rsa("rsa-1"), TestKey::ec("ec-1"));
    issuer.publish(&rsa);
    let tid = issuer.tenant_id().to_string();
    let guard = Guard::new(configure(issuer.config(AUD).tenant_header(true), &tid).build().unwrap()).unwrap();
    let router = api(&guard);
    Setup {
        issuer,
        rsa,
        ec,
        guard,
        router,
    }
}

#[tokio::test]
async fn tenant_header_may_name_the_tenant_as_configured() {
    let other = "11111111-2222-4333-8444-555555555555";
    let s = setup_knowing_the_tenant(|b, tid| b.tenant_name("Contoso", tid).tenant_name("fabrikam", other)).await;
    let auth = format!("Bearer {}", s.token());
    for name in ["contoso", "CONTOSO"] {
        let ok = s.get("/me", &[("authorization", &auth), ("x-tenant-id", name)]).await;
        assert_eq!(ok.status, StatusCode::OK, "{name}: {}", ok.body);
    }
    // A known name of another tenant is compared with tid like that tenant's GUID.
    let a = s
        .get("/me", &[("authorization", &auth), ("x-tenant-id", "fabrikam")])
        .await;
    assert_invalid_token(&a, "token not valid for the tenant in X-Tenant-ID");
    // An unknown name is refused; nothing is fetched to learn it (discovery is off; the one
    // discovery fetch so far loaded the issuer's keys).
    let fetched = s.issuer.discovery_fetches();
    let a = s
        .get("/me", &[("authorization", &auth), ("x-tenant-id", "northwind")])
        .await;
    assert_eq!((a.status, a.error()), (StatusCode::BAD_REQUEST, "invalid_request"));
    assert_eq!(s.issuer.discovery_fetches(), fetched);
    // A name alone grants nothing.
    let a = s.get("/me", &[("x-tenant-id", "contoso")]).await;
    assert_eq!(a.error(), "missing_token");
}

#[tokio::test]
async fn tenant_header_names_are_discovered_from_the_issuer_and_cached() {
    let s = Setup::with(|b| b.tenant_header(true).discover_tenant_names(true)).await;
    s.issuer.name_tenant("contoso");
    let auth = format!("Bearer {}", s.token());
    // The first request also loads the issuer's keys (its own discovery fetch).
    let tid = s.issuer.tenant_id().to_string();
    let ok = s.get("/me", &[("authorization", &auth), ("x-tenant-id", &tid)]).await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
    let before = s.issuer.discovery_fetches();
    for _ in 0..3 {
        let ok = s
            .get("/me", &[("authorization", &auth), ("x-tenant-id", "Contoso")])
            .await;
        assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
    }
    assert_eq!(s.issuer.discovery_fetches(), before + 1, "learnt once, then cached");
    // The issuer knows no such tenant: refused, and the refusal is cached too.
    for _ in 0..3 {
        let a = s
            .get("/me", &[("authorization", &auth), ("x-tenant-id", "northwind")])
            .await;
        assert_eq!((a.status, a.error()), (StatusCode::BAD_REQUEST, "invalid_request"));
    }
    assert_eq!(s.issuer.discovery_fetches(), before + 2);
    // Without a valid token nothing is looked up.
    let a = s
        .get("/me", &[("authorization", "Bearer a.b.c"), ("x-tenant-id", "adatum")])
        .await;
    assert_eq!(a.status, StatusCode::UNAUTHORIZED);
    assert_eq!(s.issuer.discovery_fetches(), before + 2);
    // The issuer down: the name cannot be learnt now (503), and is not cached as unknown.
    s.issuer.set_down(true);
    let a = s
        .get("/me", &[("authorization", &auth), ("x-tenant-id", "adatum")])
        .await;
    assert_eq!(a.status, StatusCode::SERVICE_UNAVAILABLE, "{}", a.body);
    s.issuer.set_down(false);
    s.issuer.name_tenant("adatum");
    let ok = s
        .get("/me", &[("authorization", &auth), ("x-tenant-id", "adatum")])
        .await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
}

#[tokio::test]
async fn tenant_header_alone_without_token_grants_nothing() {
    for on in [true, false] {
        let s = Setup::with(|b| b.tenant_header(on)).await;
        let tid = s.issuer.tenant_id().to_string();
        let a = s.get("/me", &[("x-tenant-id", &tid)]).await;
        assert_eq!(a.status, StatusCode::UNAUTHORIZED);
        assert_eq!(a.error(), "missing_token");
    }
}

#[tokio::test]
async fn missing_scope_answers_403_insufficient_scope_naming_it() {
    let s = Setup::new().await;
    let mut claims = s.claims();
    claims["idtyp"] = json!("user");
    claims["scp"] = json!("user_impersonation read");
    let token = s.rsa.sign(&claims);
    let a = s.get_bearer("/code", &token).await;
    assert_eq!(a.status, StatusCode::FORBIDDEN);
    assert_eq!(a.error(), "insufficient_scope");
    assert!(
        a.challenge().starts_with("Bearer error=\"insufficient_scope\""),
        "{}",
        a.challenge()
    );
    assert!(a.challenge().contains("scope=\"code_write\""), "{}", a.challenge());

    claims["scp"] = json!("read code_write");
    let a = s.get_bearer("/code", &s.rsa.sign(&claims)).await;
    assert_eq!(a.status, StatusCode::OK);
    assert_eq!(a.body["scopes"], json!(["read", "code_write"]));
}

#[tokio::test]
async fn app_role_is_required_where_declared() {
    let s = Setup::new().await;
    let mut claims = s.claims();
    claims["roles"] = json!(["Reader"]);
    let a = s.get_bearer("/admin", &s.rsa.sign(&claims)).await;
    assert_eq!(a.status, StatusCode::FORBIDDEN);
    assert!(a.challenge().contains("scope=\"Admin\""));
    // A scope named like the role does not stand in for it.
    claims["scp"] = json!("Admin");
    assert_eq!(
        s.get_bearer("/admin", &s.rsa.sign(&claims)).await.status,
        StatusCode::FORBIDDEN
    );
    claims["roles"] = json!(["Reader", "Admin"]);
    assert_eq!(
        s.get_bearer("/admin", &s.rsa.sign(&claims)).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn handler_without_guard_gets_a_500_not_an_identity() {
    use axum::routing::get;
    let router = axum::Router::new().route(
        "/",
        get(|c: gatehouse_guard::Caller| async move { c.object_id().to_string() }),
    );
    let a = call(&router, "/", &[]).await;
    assert_eq!(a.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(a.error(), "server_error");
}
