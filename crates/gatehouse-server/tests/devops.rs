//! The Azure DevOps door (the PAT API) in-process (`oneshot`): a user token for the DevOps
//! resource from the real authorization-code flow; create, list with `continuationToken`
//! paging, get, update, revoke and their `patTokenError`s; scope implication and a scope the
//! user lacks; callers refused (no token, an app-only token, a PAT as bearer, another
//! audience, a missing api-version) in the DevOps error shape; a PAT checked by `check`, dead
//! after revocation and with its user.

mod pages;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use pages::Fixture;
use serde_json::{json, Value};
use tower::ServiceExt;

const V: &str = "api-version=7.1-preview.1";
const DEVOPS: &str = "499b84ac-1321-427f-aa17-267ca6975798";

struct Reply {
    status: StatusCode,
    body: Value,
}

async fn call(f: &Fixture, method: &str, path_query: &str, token: &str, body: Option<Value>) -> Reply {
    let mut req = Request::builder().method(method).uri(path_query);
    if !token.is_empty() {
        req = req.header("authorization", format!("Bearer {token}"));
    }
    let body = match body {
        Some(b) => {
            req = req.header("content-type", "application/json");
            Body::from(b.to_string())
        }
        None => Body::empty(),
    };
    let r = f.router.clone().oneshot(req.body(body).unwrap()).await.unwrap();
    let status = r.status();
    let bytes = r.into_body().collect().await.unwrap().to_bytes();
    let body = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes).unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&bytes)))
    };
    assert!(status.as_u16() < 500, "{method} {path_query}: {status} {body}");
    Reply { status, body }
}

fn pats(q: &str) -> String {
    format!("/_apis/tokens/pats?{V}{q}")
}

/// A user token of the fixture's public app for `scope` (authorization code + PKCE).
async fn user_token(f: &Fixture, scope: &str) -> String {
    use base64::Engine;
    let verifier = "a-verifier-of-enough-length-for-pkce-0123456789abcdef";
    let challenge =
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(gatehouse_core::secret::sha256(verifier.as_bytes()));
    let mut q = form_urlencoded::Serializer::new(String::new());
    q.extend_pairs([
        ("client_id", f.app.as_str()),
        ("response_type", "code"),
        ("redirect_uri", pages::REDIRECT),
        ("scope", scope),
        ("state", "st"),
        ("code_challenge", challenge.as_str()),
        ("code_challenge_method", "S256"),
    ]);
    let page = f
        .get(&format!("/contoso/oauth2/v2.0/authorize?{}", q.finish()), "")
        .await;
    let cookies = page.cookies();
    let mut answer = pages::sign_in(f, &page, &cookies).await;
    if answer.status == StatusCode::OK {
        let cookies = format!("{cookies}; {}", answer.cookies());
        let form = [
            ("csrf", answer.hidden("csrf")),
            ("step", "consent".into()),
            ("q", answer.hidden("q")),
            ("decision", "approve".into()),
        ];
        let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        answer = f.post("/contoso/oauth2/v2.0/authorize", &cookies, &pairs).await;
    }
    let location = answer.header("location").to_owned();
    let query = location.split_once('?').map(|(_, q)| q).unwrap_or("");
    let code = form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == "code")
        .map(|(_, v)| v.into_owned())
        .unwrap_or_else(|| panic!("no code: {} {location} {}", answer.status, answer.body));
    let t = f
        .post(
            "/contoso/oauth2/v2.0/token",
            "",
            &[
                ("grant_type", "authorization_code"),
                ("client_id", &f.app),
                ("code", &code),
                ("redirect_uri", pages::REDIRECT),
                ("code_verifier", verifier),
            ],
        )
        .await;
    assert_eq!(t.status, StatusCode::OK, "{}", t.body);
    serde_json::from_str::<Value>(&t.body).unwrap()["access_token"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn devops_token(f: &Fixture) -> String {
    user_token(f, &format!("{DEVOPS}/user_impersonation")).await
}

fn in_days(days: i64) -> String {
    gatehouse_protocol::timefmt::iso8601(gatehouse_core::model::now() + days * 86400)
}

async fn create(f: &Fixture, t: &str, name: &str, scope: &str) -> Reply {
    call(
        f,
        "POST",
        &pats(""),
        t,
        Some(json!({"displayName": name, "scope": scope, "validTo": in_days(10), "allOrgs": false})),
    )
    .await
}

async fn got_valid_to(f: &Fixture, id: &str) -> i64 {
    let user = f.store.user_by_upn(&f.tenant.id, pages::UPN).await.unwrap().unwrap();
    f.store
        .pat_by_id(&f.tenant.id, &user.id, id)
        .await
        .unwrap()
        .unwrap()
        .valid_to
}

fn assert_dotnet_error(r: &Reply, status: u16, type_key: &str) {
    assert_eq!(r.status.as_u16(), status, "{}", r.body);
    assert_eq!(r.body["typeKey"], type_key, "{}", r.body);
    assert_eq!(r.body["$id"], "1");
    assert!(r.body["typeName"].as_str().unwrap().contains(type_key));
    assert!(r.body.get("innerException").is_some());
    assert!(r.body["message"].is_string());
}

#[tokio::test]
async fn the_pat_lifecycle_in_azure_devops_shapes() {
    let f = Fixture::new().await;
    let t = devops_token(&f).await;

    let made = create(&f, &t, "build bot", "vso.code_write vso.work").await;
    assert_eq!(made.status, 200, "{}", made.body);
    assert_eq!(made.body["patTokenError"], "none");
    let p = &made.body["patToken"];
    let token = p["token"].as_str().unwrap().to_owned();
    assert!(token.starts_with(gatehouse_protocol::pat::PREFIX), "{token}");
    gatehouse_protocol::pat::Pat::parse(&token).unwrap();
    assert_eq!(p["displayName"], "build bot");
    assert_eq!(p["scope"], "vso.code_write vso.work");
    assert_eq!(p["targetAccounts"], json!([f.tenant.id]));
    for k in ["validTo", "validFrom", "authorizationId"] {
        assert!(p[k].is_string(), "{k}: {p}");
    }
    let id = p["authorizationId"].as_str().unwrap().to_owned();

    // Get never shows the token again.
    let got = call(&f, "GET", &pats(&format!("&authorizationId={id}")), &t, None).await;
    assert_eq!(got.status, 200);
    assert_eq!(got.body["patToken"]["token"], Value::Null);
    assert_eq!(got.body["patToken"]["authorizationId"], id.as_str());

    // Update: rename, re-scope, extend.
    let upd = call(&f, "PUT", &pats(""), &t, Some(json!({"authorizationId": id, "displayName": "renamed", "scope": "vso.code_manage", "validTo": in_days(300)}))).await;
    assert_eq!(upd.body["patTokenError"], "none", "{}", upd.body);
    assert_eq!(upd.body["patToken"]["displayName"], "renamed");
    assert_eq!(upd.body["patToken"]["scope"], "vso.code_manage");
    assert_eq!(upd.body["patToken"]["token"], Value::Null);

    // The PAT works, with its scopes expanded by implication.
    let now = gatehouse_core::model::now();
    let gh = gatehouse_core::Gatehouse::new(
        f.store.clone(),
        f.kek.clone(),
        "https://127.0.0.1:8443",
        Default::default(),
    );
    let who = gh.pats().check(&token, now).await.unwrap();
    assert_eq!(who.authorization_id, id);
    assert_eq!(who.user_principal_name, pages::UPN);
    for s in ["vso.code", "vso.code_write", "vso.code_manage"] {
        assert!(who.scopes.iter().any(|x| x == s), "{s} in {:?}", who.scopes);
    }
    assert!(!who.scopes.iter().any(|x| x == "vso.code_full"));
    assert_eq!(who.exp, got_valid_to(&f, &id).await);
    // Its use is recorded; past validTo it is refused.
    let row = f
        .store
        .pat_by_id(&f.tenant.id, &who.user_id, &id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.last_used_at, Some(now));
    assert!(gh.pats().check(&token, who.exp).await.is_err(), "expired at validTo");
    assert!(gh.pats().check(&token, who.exp - 1).await.is_ok());

    // Revoke: 204, then the PAT is refused and listed only as revoked.
    let gone = call(&f, "DELETE", &pats(&format!("&authorizationId={id}")), &t, None).await;
    assert_eq!(gone.status, 204, "{}", gone.body);
    assert!(gh.pats().check(&token, now).await.is_err());
    let again = call(&f, "DELETE", &pats(&format!("&authorizationId={id}")), &t, None).await;
    assert_eq!(again.body["patTokenError"], "authorizationNotFound");
    let listed = call(&f, "GET", &pats("&displayFilterOption=revoked"), &t, None).await;
    assert_eq!(listed.body["patTokens"][0]["authorizationId"], id.as_str());
    let active = call(&f, "GET", &pats(""), &t, None).await;
    assert_eq!(active.body["patTokens"], json!([]));
}

#[tokio::test]
async fn lists_page_with_continuation_tokens() {
    let f = Fixture::new().await;
    let t = devops_token(&f).await;
    let mut ids = Vec::new();
    for i in 0..5 {
        let r = create(&f, &t, &format!("pat {i}"), "vso.build").await;
        ids.push(r.body["patToken"]["authorizationId"].as_str().unwrap().to_owned());
    }
    let mut seen = Vec::new();
    let mut cont: Option<String> = None;
    for _ in 0..5 {
        let q = match &cont {
            Some(c) => format!("&$top=2&continuationToken={c}"),
            None => "&$top=2".into(),
        };
        let page = call(&f, "GET", &pats(&q), &t, None).await;
        assert_eq!(page.status, 200, "{}", page.body);
        let items = page.body["patTokens"].as_array().unwrap();
        assert!(items.len() <= 2);
        for p in items {
            assert_eq!(p["token"], Value::Null, "a list never shows a token");
            seen.push(p["authorizationId"].as_str().unwrap().to_owned());
        }
        cont = page.body["continuationToken"].as_str().map(str::to_owned);
        if cont.is_none() {
            break;
        }
    }
    assert_eq!(seen, ids, "every PAT once, in creation order");
    let bad = call(&f, "GET", &pats("&continuationToken=not-a-token"), &t, None).await;
    assert_dotnet_error(&bad, 400, "ArgumentException");
}

#[tokio::test]
async fn refusals_are_pat_token_errors() {
    let f = Fixture::new().await;
    let t = devops_token(&f).await;
    let cases = [
        (
            json!({"scope": "vso.code", "validTo": in_days(1)}),
            "displayNameRequired",
        ),
        (
            json!({"displayName": "x\u{7}", "scope": "vso.code", "validTo": in_days(1)}),
            "invalidDisplayName",
        ),
        (
            json!({"displayName": "x", "scope": "vso.nonsense", "validTo": in_days(1)}),
            "invalidScope",
        ),
        (
            json!({"displayName": "x", "scope": "", "validTo": in_days(1)}),
            "invalidScope",
        ),
        (
            json!({"displayName": "x", "scope": "vso.code", "validTo": in_days(-1)}),
            "invalidValidTo",
        ),
        (
            json!({"displayName": "x", "scope": "vso.code", "validTo": in_days(366)}),
            "invalidValidTo",
        ),
        (
            json!({"displayName": "x", "scope": "vso.code", "validTo": "next week"}),
            "invalidValidTo",
        ),
        // Full access is not held by default: a scope the user lacks.
        (
            json!({"displayName": "x", "scope": "app_token", "validTo": in_days(1)}),
            "accessDenied",
        ),
    ];
    for (body, want) in cases {
        let r = call(&f, "POST", &pats(""), &t, Some(body.clone())).await;
        assert_eq!(r.status, 200, "{body}: {}", r.body);
        assert_eq!(r.body["patTokenError"], want, "{body}: {}", r.body);
        assert_eq!(r.body["patToken"]["token"], Value::Null);
    }
    let unknown = "0190aaaa-0000-7000-8000-000000000000";
    let r = call(&f, "GET", &pats(&format!("&authorizationId={unknown}")), &t, None).await;
    assert_eq!(r.body["patTokenError"], "authorizationNotFound");
    let r = call(&f, "GET", &pats("&authorizationId=nope"), &t, None).await;
    assert_eq!(r.body["patTokenError"], "invalidAuthorizationId");
    let r = call(
        &f,
        "PUT",
        &pats(""),
        &t,
        Some(json!({"authorizationId": unknown, "displayName": "y"})),
    )
    .await;
    assert_eq!(r.body["patTokenError"], "authorizationNotFound");
}

#[tokio::test]
async fn a_pat_never_outranks_its_user() {
    let f = Fixture::new().await;
    let t = devops_token(&f).await;
    let user = f.store.user_by_upn(&f.tenant.id, pages::UPN).await.unwrap().unwrap();
    let gh = gatehouse_core::Gatehouse::new(
        f.store.clone(),
        f.kek.clone(),
        "https://127.0.0.1:8443",
        Default::default(),
    );
    gh.pats()
        .set_entitlement(
            gatehouse_core::model::Actor::operator(),
            &f.tenant.id,
            &user.id,
            Some("vso.code_write vso.work"),
        )
        .await
        .unwrap();
    // Implied by what the user holds: allowed.
    let ok = create(&f, &t, "read", "vso.code vso.code_write").await;
    assert_eq!(ok.body["patTokenError"], "none", "{}", ok.body);
    // More than the user holds: refused, on create and on update.
    let more = create(&f, &t, "more", "vso.code_manage").await;
    assert_eq!(more.body["patTokenError"], "accessDenied");
    let id = ok.body["patToken"]["authorizationId"].as_str().unwrap();
    let up = call(
        &f,
        "PUT",
        &pats(""),
        &t,
        Some(json!({"authorizationId": id, "scope": "vso.work_full"})),
    )
    .await;
    assert_eq!(up.body["patTokenError"], "accessDenied");
}

#[tokio::test]
async fn a_pat_dies_with_its_user_and_sleeps_while_the_user_is_disabled() {
    let f = Fixture::new().await;
    let t = devops_token(&f).await;
    let token = create(&f, &t, "ci", "vso.code").await.body["patToken"]["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let gh = gatehouse_core::Gatehouse::new(
        f.store.clone(),
        f.kek.clone(),
        "https://127.0.0.1:8443",
        Default::default(),
    );
    let now = gatehouse_core::model::now();
    assert!(gh.pats().check(&token, now).await.is_ok());

    let mut user = f.store.user_by_upn(&f.tenant.id, pages::UPN).await.unwrap().unwrap();
    user.account_enabled = false;
    f.store
        .with_actor(gatehouse_core::model::Actor::operator())
        .update_user(&user)
        .await
        .unwrap();
    assert!(gh.pats().check(&token, now).await.is_err(), "disabled user");
    // A disabled user cannot use the PAT API either.
    let r = call(&f, "GET", &pats(""), &t, None).await;
    assert_dotnet_error(&r, 401, "VssUnauthorizedException");
    user.account_enabled = true;
    f.store
        .with_actor(gatehouse_core::model::Actor::operator())
        .update_user(&user)
        .await
        .unwrap();
    assert!(gh.pats().check(&token, now).await.is_ok(), "enabled again");

    let before = f
        .store
        .revocations_since(&f.tenant.id, 0, now, 1000)
        .await
        .unwrap()
        .len();
    f.admin.delete_user(&f.tenant, pages::UPN).await.unwrap();
    assert!(gh.pats().check(&token, now).await.is_err(), "deleted user");
    let after = f.store.revocations_since(&f.tenant.id, 0, now, 1000).await.unwrap();
    assert!(
        after[before..]
            .iter()
            .any(|r| r.kind == gatehouse_core::model::RevocationKind::Credential),
        "the user's delete publishes a credential revocation for the PAT"
    );
}

#[tokio::test]
async fn only_a_users_devops_token_with_user_impersonation_is_accepted() {
    let f = Fixture::new().await;
    // No token.
    assert_dotnet_error(
        &call(&f, "GET", &pats(""), "", None).await,
        401,
        "VssUnauthorizedException",
    );
    // An application's token for the DevOps resource: 403.
    let (app, _, secret) = pages::confidential_app(&f, &f.tenant, "robot").await;
    let app_token = pages::client_token(&f, &f.tenant.id, &app.app_id, &secret, &format!("{DEVOPS}/.default")).await;
    assert_dotnet_error(
        &call(&f, "GET", &pats(""), &app_token, None).await,
        403,
        "UnauthorizedRequestException",
    );
    // A user token for another resource: 401.
    let graph = user_token(&f, "https://graph.microsoft.com/User.Read").await;
    assert_dotnet_error(
        &call(&f, "GET", &pats(""), &graph, None).await,
        401,
        "VssUnauthorizedException",
    );
    // A PAT is not accepted as the caller of the PAT API.
    let t = devops_token(&f).await;
    let pat = create(&f, &t, "p", "vso.code").await.body["patToken"]["token"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_dotnet_error(
        &call(&f, "GET", &pats(""), &pat, None).await,
        401,
        "VssUnauthorizedException",
    );
    // api-version: required, and only the served one.
    assert_dotnet_error(
        &call(&f, "GET", "/_apis/tokens/pats", &t, None).await,
        400,
        "VssInvalidPreviewVersionException",
    );
    assert_dotnet_error(
        &call(&f, "GET", "/_apis/tokens/pats?api-version=6.0", &t, None).await,
        400,
        "VssInvalidPreviewVersionException",
    );
    // Unknown paths under the door and bad bodies answer in its shape.
    assert_dotnet_error(
        &call(&f, "GET", "/_apis/nothing", &t, None).await,
        404,
        "VssResourceNotFoundException",
    );
    let req = Request::post(pats(""))
        .header("authorization", format!("Bearer {t}"))
        .header("content-type", "application/json");
    let r = f
        .router
        .clone()
        .oneshot(req.body(Body::from("{not json")).unwrap())
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    // Azure DevOps' URL with the organization (the caller's tenant, by name or id) first.
    let r = call(&f, "GET", &format!("/contoso/_apis/tokens/pats?{V}"), &t, None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = call(&f, "GET", &format!("/{}/_apis/Tokens/Pats?{V}", f.tenant.id), &t, None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    f.admin
        .create_tenant(gatehouse_core::admin::tenants::NewTenant {
            name: "fabrikam".into(),
            display_name: None,
            signing_alg: gatehouse_keys::Algorithm::ES256,
            token_lifetime_seconds: None,
        })
        .await
        .unwrap();
    let r = call(&f, "GET", &format!("/fabrikam/_apis/tokens/pats?{V}"), &t, None).await;
    assert_dotnet_error(&r, 401, "VssUnauthorizedException");
    let r = call(&f, "GET", &format!("/nowhere/_apis/tokens/pats?{V}"), &t, None).await;
    assert_dotnet_error(&r, 404, "VssResourceNotFoundException");
    // The docs' capitalized path works too.
    let r = call(&f, "GET", &format!("/_apis/Tokens/Pats?{V}"), &t, None).await;
    assert_eq!(r.status, 200, "{}", r.body);
}

#[tokio::test]
async fn a_pat_is_stored_only_as_its_hash() {
    let f = Fixture::new().await;
    let t = devops_token(&f).await;
    let token = create(&f, &t, "secret", "vso.code").await.body["patToken"]["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let body = &token[gatehouse_protocol::pat::PREFIX.len()..];
    let mut seen = 0;
    for entry in std::fs::read_dir(f.dir.path()).unwrap() {
        let bytes = std::fs::read(entry.unwrap().path()).unwrap();
        seen += bytes.len();
        assert!(
            !bytes.windows(body.len()).any(|w| w == body.as_bytes()),
            "the PAT's text is in a database file"
        );
    }
    assert!(seen > 0, "the database files were read");
    // What is stored is its SHA-256.
    let found = f
        .store
        .pat_by_hash(&gatehouse_core::secret::sha256(token.as_bytes()))
        .await
        .unwrap();
    assert!(found.is_some());
}

/// RFC 7662 introspection of `token` at `tenant`, authenticated as `client` (a guard).
async fn introspect(f: &Fixture, tenant: &str, client: &(String, String), token: &str) -> Value {
    use base64::Engine;
    let basic = base64::engine::general_purpose::STANDARD.encode(format!("{}:{}", client.0, client.1));
    let form = form_urlencoded::Serializer::new(String::new())
        .append_pair("token", token)
        .finish();
    let req = Request::post(format!("/{tenant}/oauth2/v2.0/introspect"))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("authorization", format!("Basic {basic}"))
        .body(Body::from(form))
        .unwrap();
    let r = f.router.clone().oneshot(req).await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let bytes = r.into_body().collect().await.unwrap().to_bytes();
    serde_json::from_slice(&bytes).unwrap()
}

#[tokio::test]
async fn introspection_answers_for_pats_of_its_tenant_until_revoked() {
    let f = Fixture::new().await;
    let t = devops_token(&f).await;
    let made = create(&f, &t, "guarded", "vso.code_write").await;
    let token = made.body["patToken"]["token"].as_str().unwrap().to_owned();
    let id = made.body["patToken"]["authorizationId"].as_str().unwrap().to_owned();
    let (app, _, secret) = pages::confidential_app(&f, &f.tenant, "guard").await;
    let guard = (app.app_id, secret);
    let user = f.store.user_by_upn(&f.tenant.id, pages::UPN).await.unwrap().unwrap();

    let v = introspect(&f, &f.tenant.id, &guard, &token).await;
    assert_eq!(v["active"], true, "{v}");
    assert_eq!(v["token_type"], "pat");
    assert_eq!(v["jti"], id.as_str());
    assert_eq!(v["tid"], f.tenant.id.as_str());
    assert_eq!(v["sub"], user.id.as_str());
    assert_eq!(v["oid"], user.id.as_str());
    assert_eq!(v["username"], pages::UPN);
    assert_eq!(v["exp"], got_valid_to(&f, &id).await);
    let scopes: Vec<&str> = v["scope"].as_str().unwrap().split(' ').collect();
    assert!(
        scopes.contains(&"vso.code") && scopes.contains(&"vso.code_write"),
        "{v}"
    );

    // A PAT with a wrong checksum, and an unknown well-formed one, say nothing but inactive.
    let mut typo = token.clone();
    let last = typo.pop().unwrap();
    typo.push(if last == 'a' { 'b' } else { 'a' });
    assert_eq!(
        introspect(&f, &f.tenant.id, &guard, &typo).await,
        json!({"active": false})
    );
    let unknown = gatehouse_protocol::pat::Pat::from_body(&"Q".repeat(gatehouse_protocol::pat::BODY_LEN)).unwrap();
    assert_eq!(
        introspect(&f, &f.tenant.id, &guard, unknown.expose()).await,
        json!({"active": false})
    );

    // Revoked: inactive, and the feed guards poll names its authorizationId.
    let gone = call(&f, "DELETE", &pats(&format!("&authorizationId={id}")), &t, None).await;
    assert_eq!(gone.status, 204, "{}", gone.body);
    assert_eq!(
        introspect(&f, &f.tenant.id, &guard, &token).await,
        json!({"active": false})
    );
    let feed = f.store.revocations_since(&f.tenant.id, 0, 0, 100).await.unwrap();
    assert!(feed
        .iter()
        .any(|r| r.kind == gatehouse_core::model::RevocationKind::Credential && r.value == id));
}
