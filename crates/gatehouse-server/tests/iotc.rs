//! The IoT Central door in-process (`oneshot`): bearer tokens for
//! `https://apps.azureiotcentral.com` from the same router's token endpoint (client
//! credentials), and API tokens minted through the door. Covers: seed 002's shapes (roles,
//! PUT/GET/list/DELETE of API tokens on both paths, the token shown once), `api-version`
//! required, IoT Central's error body and `x-ms-error-code`, 401 with `WWW-Authenticate` for
//! missing, forged, malformed and deleted tokens, 403 for principals without a role, no
//! escalation (an Operator mints nothing, an Org Administrator no Administrator), organization
//! scoping (X refused on Y, allowed below X), and an organization in use refused delete (409).

mod pages;

use axum::http::{header, Request, StatusCode};
use gatehouse_core::iotc::roles::{ADMINISTRATOR, OPERATOR, ORG_ADMINISTRATOR, ORG_OPERATOR, ORG_VIEWER};
use gatehouse_core::iotc::{Actor, Iotc};
use pages::{send_with, Answer, Fixture};
use serde_json::{json, Value};

const V: &str = "api-version=2022-07-31";
const IOTC: &str = "https://apps.azureiotcentral.com/.default";

enum Auth<'a> {
    None,
    Bearer(&'a str),
    Sas(&'a str),
}

async fn call(f: &Fixture, method: &str, path: &str, auth: Auth<'_>, body: Option<Value>) -> Answer {
    let sep = if path.contains('?') { '&' } else { '?' };
    let uri = format!("{path}{sep}{V}");
    raw(f, method, &uri, auth, body).await
}

async fn raw(f: &Fixture, method: &str, uri: &str, auth: Auth<'_>, body: Option<Value>) -> Answer {
    let mut req = Request::builder().method(method).uri(uri);
    req = match auth {
        Auth::None => req,
        Auth::Bearer(t) => req.header(header::AUTHORIZATION, format!("Bearer {t}")),
        Auth::Sas(t) => req.header(header::AUTHORIZATION, t),
    };
    let text = match body {
        Some(v) => {
            req = req.header(header::CONTENT_TYPE, "application/json");
            v.to_string()
        }
        None => String::new(),
    };
    send_with(&f.router, req, &text).await
}

fn body(a: &Answer) -> Value {
    serde_json::from_str(&a.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", a.body))
}

/// The sorted ids of a `{"value": [...]}` list.
fn ids(a: &Answer) -> Vec<String> {
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    let mut v: Vec<String> = body(a)["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["id"].as_str().unwrap().to_owned())
        .collect();
    v.sort();
    v
}

/// IoT Central's error shape with `code` in the body and the header.
fn assert_error(a: &Answer, status: StatusCode, code: &str) {
    assert_eq!(a.status, status, "{}", a.body);
    assert_eq!(a.header("x-ms-error-code"), code);
    let v = body(a);
    assert_eq!(v["error"]["code"], code, "{v}");
    assert!(!v["error"]["message"].as_str().unwrap().is_empty());
    assert!(v["error"]["requestId"].is_string());
    assert!(v["error"]["time"].is_string());
}

/// A service principal holding `role` at `org` in the door, and its bearer token.
async fn principal(f: &Fixture, name: &str, role: Option<(&str, Option<&str>)>) -> String {
    let (app, _, secret) = pages::confidential_app(f, &f.tenant, name).await;
    if let Some((role, org)) = role {
        Iotc::new(f.store.clone())
            .assign_role(&Actor::operator(&f.tenant.id), &app.app_id, role, org)
            .await
            .unwrap();
    }
    pages::client_token(f, &f.tenant.id, &app.app_id, &secret, IOTC).await
}

async fn mint(f: &Fixture, auth: Auth<'_>, id: &str, role: &str, org: Option<&str>) -> Answer {
    let mut r = json!({"role": role});
    if let Some(o) = org {
        r["organization"] = json!(o);
    }
    call(
        f,
        "PUT",
        &format!("/api/apiTokens/{id}"),
        auth,
        Some(json!({"roles": [r]})),
    )
    .await
}

#[tokio::test]
async fn roles_list_in_the_seed_shape() {
    let f = Fixture::new().await;
    let admin = principal(&f, "admin", Some((ADMINISTRATOR, None))).await;
    let a = call(&f, "GET", "/api/roles", Auth::Bearer(&admin), None).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    let v = body(&a);
    let names: Vec<&str> = v["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["displayName"].as_str().unwrap())
        .collect();
    assert_eq!(&names[..3], ["Administrator", "Operator", "Builder"]);
    assert_eq!(
        v["value"][0],
        json!({"displayName": "Administrator", "id": ADMINISTRATOR})
    );
    let a = call(&f, "GET", &format!("/api/roles/{OPERATOR}"), Auth::Bearer(&admin), None).await;
    assert_eq!(body(&a), json!({"displayName": "Operator", "id": OPERATOR}));
    let a = call(&f, "GET", "/api/roles/nope", Auth::Bearer(&admin), None).await;
    assert_error(&a, StatusCode::NOT_FOUND, "NotFound");
}

#[tokio::test]
async fn api_version_is_required_before_anything_else() {
    let f = Fixture::new().await;
    let a = raw(&f, "GET", "/api/roles", Auth::None, None).await;
    assert_error(&a, StatusCode::BAD_REQUEST, "BadRequest");
    assert!(body(&a)["error"]["message"].as_str().unwrap().contains("api-version"));
    let a = raw(&f, "GET", "/api/roles?api-version=2021-04-30-preview", Auth::None, None).await;
    assert_error(&a, StatusCode::BAD_REQUEST, "BadRequest");
    assert!(body(&a)["error"]["message"].as_str().unwrap().contains("2022-07-31"));
}

#[tokio::test]
async fn missing_forged_and_malformed_credentials_get_401_with_www_authenticate() {
    let f = Fixture::new().await;
    let admin = principal(&f, "admin", Some((ADMINISTRATOR, None))).await;
    let a = call(&f, "GET", "/api/roles", Auth::None, None).await;
    assert_error(&a, StatusCode::UNAUTHORIZED, "Unauthorized");
    assert!(a.header("www-authenticate").contains("SharedAccessSignature"));
    let created = body(&mint(&f, Auth::Bearer(&admin), "t1", OPERATOR, None).await);
    let genuine = created["token"].as_str().unwrap().to_owned();
    let forged = genuine.replacen("sig=", "sig=A", 1);
    let truncated = &genuine[..genuine.len() - 3];
    let wrong_se = format!("{}1", genuine);
    for bad in [
        forged.as_str(),
        truncated,
        wrong_se.as_str(),
        "SharedAccessSignature sr=x",
        "SharedAccessSignature ",
    ] {
        let a = call(&f, "GET", "/api/roles", Auth::Sas(bad), None).await;
        assert_error(&a, StatusCode::UNAUTHORIZED, "Unauthorized");
        assert!(a.header("www-authenticate").contains("SharedAccessSignature"));
    }
    let a = call(&f, "GET", "/api/roles", Auth::Sas(&genuine), None).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
}

#[tokio::test]
async fn a_principal_without_a_role_is_forbidden() {
    let f = Fixture::new().await;
    let nobody = principal(&f, "nobody", None).await;
    let a = call(&f, "GET", "/api/roles", Auth::Bearer(&nobody), None).await;
    assert_error(&a, StatusCode::FORBIDDEN, "Forbidden");
    let a = mint(&f, Auth::Bearer(&nobody), "t", OPERATOR, None).await;
    assert_error(&a, StatusCode::FORBIDDEN, "Forbidden");
}

#[tokio::test]
async fn api_tokens_in_the_seed_shape_shown_once_and_revoked_by_delete() {
    let f = Fixture::new().await;
    let admin = principal(&f, "admin", Some((ADMINISTRATOR, None))).await;
    // The seed's singular path.
    let a = call(
        &f,
        "PUT",
        "/api/apiToken/operator-token",
        Auth::Bearer(&admin),
        Some(json!({"roles": [{"role": OPERATOR}]})),
    )
    .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    let v = body(&a);
    let mut keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort();
    assert_eq!(keys, ["expiry", "id", "roles", "token"]);
    assert_eq!(v["id"], "operator-token");
    assert_eq!(v["roles"], json!([{"role": OPERATOR}]));
    let token = v["token"].as_str().unwrap().to_owned();
    let sas = gatehouse_protocol::sas::Sas::parse(&token).unwrap();
    assert_eq!(sas.resource, f.tenant.id);
    assert_eq!(sas.key_name, "operator-token");
    // `expiry` is ISO 8601 with milliseconds, the same instant as `se`; one year by default.
    let expiry = time::OffsetDateTime::parse(
        v["expiry"].as_str().unwrap(),
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap();
    assert_eq!((expiry.unix_timestamp_nanos() / 1_000_000) as u64, sas.expiry_ms);
    let days = (expiry - time::OffsetDateTime::now_utc()).whole_days();
    assert!((364..=366).contains(&days), "{days}");

    // Listed and read without the token, on both paths.
    for path in ["/api/apiTokens/operator-token", "/api/apiToken/operator-token"] {
        let a = call(&f, "GET", path, Auth::Bearer(&admin), None).await;
        assert_eq!(a.status, StatusCode::OK, "{}", a.body);
        assert!(body(&a).get("token").is_none());
        assert!(!a.body.contains(&sas.signature));
    }
    let a = call(&f, "GET", "/api/apiTokens", Auth::Bearer(&admin), None).await;
    let list = body(&a);
    assert_eq!(list["value"].as_array().unwrap().len(), 1);
    assert!(list["value"][0].get("token").is_none());
    assert!(!a.body.contains(&sas.signature));
    // A taken id is a conflict.
    let a = mint(&f, Auth::Bearer(&admin), "operator-token", OPERATOR, None).await;
    assert_error(&a, StatusCode::CONFLICT, "Conflict");

    // The token works as a caller, then is refused on the next request after DELETE.
    let a = call(&f, "GET", "/api/roles", Auth::Sas(&token), None).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    let a = call(
        &f,
        "DELETE",
        "/api/apiTokens/operator-token",
        Auth::Bearer(&admin),
        None,
    )
    .await;
    assert_eq!(a.status, StatusCode::NO_CONTENT, "{}", a.body);
    let a = call(&f, "GET", "/api/roles", Auth::Sas(&token), None).await;
    assert_error(&a, StatusCode::UNAUTHORIZED, "Unauthorized");
    let a = call(&f, "GET", "/api/apiTokens/operator-token", Auth::Bearer(&admin), None).await;
    assert_error(&a, StatusCode::NOT_FOUND, "NotFound");
    let a = call(&f, "DELETE", "/api/apiToken/operator-token", Auth::Bearer(&admin), None).await;
    assert_error(&a, StatusCode::NOT_FOUND, "NotFound");
}

#[tokio::test]
async fn expiry_is_at_most_a_year_and_in_the_future() {
    let f = Fixture::new().await;
    let admin = principal(&f, "admin", Some((ADMINISTRATOR, None))).await;
    let now = time::OffsetDateTime::now_utc();
    let fmt = |t: time::OffsetDateTime| t.format(&time::format_description::well_known::Rfc3339).unwrap();
    let put = |id: &'static str, expiry: String| {
        let f = &f;
        let admin = admin.clone();
        async move {
            call(
                f,
                "PUT",
                &format!("/api/apiTokens/{id}"),
                Auth::Bearer(&admin),
                Some(json!({"roles": [{"role": OPERATOR}], "expiry": expiry})),
            )
            .await
        }
    };
    let a = put("too-long", fmt(now + time::Duration::days(367))).await;
    assert_error(&a, StatusCode::BAD_REQUEST, "BadRequest");
    let a = put("past", fmt(now - time::Duration::minutes(1))).await;
    assert_error(&a, StatusCode::BAD_REQUEST, "BadRequest");
    let a = put("garbage", "next tuesday".into()).await;
    assert_error(&a, StatusCode::BAD_REQUEST, "BadRequest");
    let a = put("month", fmt(now + time::Duration::days(30))).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    let a = call(
        &f,
        "PUT",
        "/api/apiTokens/x",
        Auth::Bearer(&admin),
        Some(json!({"roles": []})),
    )
    .await;
    assert_error(&a, StatusCode::BAD_REQUEST, "BadRequest");
    let a = call(
        &f,
        "PUT",
        "/api/apiTokens/x",
        Auth::Bearer(&admin),
        Some(json!({"roles": [{"role": OPERATOR}], "extra": 1})),
    )
    .await;
    assert_error(&a, StatusCode::BAD_REQUEST, "BadRequest");
}

#[tokio::test]
async fn no_escalation_an_operator_cannot_mint_an_administrator() {
    let f = Fixture::new().await;
    let operator = principal(&f, "operator", Some((OPERATOR, None))).await;
    let a = mint(&f, Auth::Bearer(&operator), "escalate", ADMINISTRATOR, None).await;
    assert_error(&a, StatusCode::FORBIDDEN, "Forbidden");
    let a = mint(&f, Auth::Bearer(&operator), "same", OPERATOR, None).await;
    assert_error(&a, StatusCode::FORBIDDEN, "Forbidden");
    // An Operator API token cannot either.
    let admin = principal(&f, "admin", Some((ADMINISTRATOR, None))).await;
    let op_token = body(&mint(&f, Auth::Bearer(&admin), "op", OPERATOR, None).await)["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let a = mint(&f, Auth::Sas(&op_token), "escalate-2", ADMINISTRATOR, None).await;
    assert_error(&a, StatusCode::FORBIDDEN, "Forbidden");
    let a = call(&f, "GET", "/api/apiTokens", Auth::Sas(&op_token), None).await;
    assert_error(&a, StatusCode::FORBIDDEN, "Forbidden");
}

#[tokio::test]
async fn organization_scoping_refuses_y_and_allows_below_x() {
    let f = Fixture::new().await;
    let admin = principal(&f, "admin", Some((ADMINISTRATOR, None))).await;
    for (id, parent) in [("x", None), ("x1", Some("x")), ("y", None)] {
        let mut b = json!({"displayName": format!("Org {id}")});
        if let Some(p) = parent {
            b["parent"] = json!(p);
        }
        let a = call(
            &f,
            "PUT",
            &format!("/api/organizations/{id}"),
            Auth::Bearer(&admin),
            Some(b),
        )
        .await;
        assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    }
    let a = call(&f, "GET", "/api/organizations/x1", Auth::Bearer(&admin), None).await;
    assert_eq!(body(&a), json!({"id": "x1", "displayName": "Org x1", "parent": "x"}));
    // An application role belongs to the root.
    let a = mint(&f, Auth::Bearer(&admin), "bad", OPERATOR, Some("x")).await;
    assert_error(&a, StatusCode::BAD_REQUEST, "BadRequest");
    let a = mint(&f, Auth::Bearer(&admin), "x-admin", ORG_ADMINISTRATOR, Some("x")).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    let x_admin = body(&a)["token"].as_str().unwrap().to_owned();

    let a = call(&f, "GET", "/api/organizations/y", Auth::Sas(&x_admin), None).await;
    assert_error(&a, StatusCode::FORBIDDEN, "Forbidden");
    let a = call(&f, "GET", "/api/organizations/x1", Auth::Sas(&x_admin), None).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    let a = call(&f, "GET", "/api/organizations", Auth::Sas(&x_admin), None).await;
    assert_eq!(ids(&a), ["x", "x1"]);
    let a = mint(&f, Auth::Sas(&x_admin), "below", ORG_OPERATOR, Some("x1")).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    let a = mint(&f, Auth::Sas(&x_admin), "beside", ORG_OPERATOR, Some("y")).await;
    assert_error(&a, StatusCode::FORBIDDEN, "Forbidden");
    let a = mint(&f, Auth::Sas(&x_admin), "above", ADMINISTRATOR, None).await;
    assert_error(&a, StatusCode::FORBIDDEN, "Forbidden");
    let a = mint(&f, Auth::Sas(&x_admin), "root-org-admin", ORG_ADMINISTRATOR, None).await;
    assert_error(&a, StatusCode::FORBIDDEN, "Forbidden");
    // The X administrator lists only the tokens of its subtree.
    let a = call(&f, "GET", "/api/apiTokens", Auth::Sas(&x_admin), None).await;
    assert_eq!(ids(&a), ["below", "x-admin"]);

    // In use: x1 has a token, x has a child; y is free.
    let a = call(&f, "DELETE", "/api/organizations/x1", Auth::Bearer(&admin), None).await;
    assert_error(&a, StatusCode::CONFLICT, "Conflict");
    let a = call(&f, "DELETE", "/api/organizations/x", Auth::Bearer(&admin), None).await;
    assert_error(&a, StatusCode::CONFLICT, "Conflict");
    let a = call(&f, "DELETE", "/api/organizations/y", Auth::Sas(&x_admin), None).await;
    assert_error(&a, StatusCode::FORBIDDEN, "Forbidden");
    let a = call(&f, "DELETE", "/api/organizations/y", Auth::Bearer(&admin), None).await;
    assert_eq!(a.status, StatusCode::NO_CONTENT, "{}", a.body);
    // A move under its own descendant is refused.
    let a = call(
        &f,
        "PATCH",
        "/api/organizations/x",
        Auth::Bearer(&admin),
        Some(json!({"parent": "x1"})),
    )
    .await;
    assert_error(&a, StatusCode::BAD_REQUEST, "BadRequest");
    let a = call(
        &f,
        "PATCH",
        "/api/organizations/x1",
        Auth::Bearer(&admin),
        Some(json!({"displayName": "Renamed", "parent": null})),
    )
    .await;
    assert_eq!(body(&a), json!({"id": "x1", "displayName": "Renamed"}));
}

#[tokio::test]
async fn users_and_service_principals_in_iotc_shapes() {
    let f = Fixture::new().await;
    let admin = principal(&f, "admin", Some((ADMINISTRATOR, None))).await;
    let (_, sp, _) = pages::confidential_app(&f, &f.tenant, "robot").await;
    let a = call(
        &f,
        "PUT",
        "/api/users/robot",
        Auth::Bearer(&admin),
        Some(json!({"type": "servicePrincipal", "tenantId": f.tenant.id, "objectId": sp.id, "roles": [{"role": OPERATOR}]})),
    )
    .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    assert_eq!(
        body(&a),
        json!({"id": "robot", "type": "servicePrincipal", "tenantId": f.tenant.id, "objectId": sp.id, "roles": [{"role": OPERATOR}]})
    );
    let a = call(
        &f,
        "PUT",
        "/api/users/ada",
        Auth::Bearer(&admin),
        Some(json!({"type": "email", "email": pages::UPN, "roles": [{"role": ADMINISTRATOR}]})),
    )
    .await;
    assert_eq!(body(&a)["email"], pages::UPN);
    let a = call(&f, "GET", "/api/users", Auth::Bearer(&admin), None).await;
    let listed = ids(&a);
    assert!(
        listed.contains(&"ada".to_owned()) && listed.contains(&"robot".to_owned()),
        "{listed:?}"
    );
    let a = call(
        &f,
        "PUT",
        "/api/users/ghost",
        Auth::Bearer(&admin),
        Some(json!({"type": "email", "email": "ghost@nowhere.test", "roles": [{"role": OPERATOR}]})),
    )
    .await;
    assert_error(&a, StatusCode::BAD_REQUEST, "BadRequest");
    let a = call(&f, "DELETE", "/api/users/robot", Auth::Bearer(&admin), None).await;
    assert_eq!(a.status, StatusCode::NO_CONTENT);
    // An Operator may not manage users.
    let operator = principal(&f, "operator", Some((OPERATOR, None))).await;
    let a = call(&f, "GET", "/api/users", Auth::Bearer(&operator), None).await;
    assert_error(&a, StatusCode::FORBIDDEN, "Forbidden");
}

#[tokio::test]
async fn unknown_paths_and_methods_answer_in_the_dialect() {
    let f = Fixture::new().await;
    let a = call(&f, "GET", "/api/devices", Auth::None, None).await;
    assert_error(&a, StatusCode::NOT_FOUND, "NotFound");
    let a = call(&f, "POST", "/api/roles", Auth::None, None).await;
    // Every door answers a wrong method as a bad request, in its own dialect.
    assert_error(&a, StatusCode::BAD_REQUEST, "BadRequest");
}

async fn introspect(f: &Fixture, tenant: &str, client: &(String, String), token: &str) -> Value {
    use base64::Engine;
    let basic = base64::engine::general_purpose::STANDARD.encode(format!("{}:{}", client.0, client.1));
    let form = form_urlencoded::Serializer::new(String::new())
        .append_pair("token", token)
        .finish();
    let req = Request::post(format!("/{tenant}/oauth2/v2.0/introspect"))
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::AUTHORIZATION, format!("Basic {basic}"));
    let a = send_with(&f.router, req, &form).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    body(&a)
}

#[tokio::test]
async fn introspection_answers_for_api_tokens_of_its_tenant_until_deleted() {
    let f = Fixture::new().await;
    let admin = principal(&f, "admin", Some((ADMINISTRATOR, None))).await;
    let a = call(
        &f,
        "PUT",
        "/api/organizations/x",
        Auth::Bearer(&admin),
        Some(json!({"displayName": "X"})),
    )
    .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    let created = body(&mint(&f, Auth::Bearer(&admin), "guarded", ORG_OPERATOR, Some("x")).await);
    let token = created["token"].as_str().unwrap().to_owned();
    let (app, _, secret) = pages::confidential_app(&f, &f.tenant, "guard").await;
    let guard = (app.app_id, secret);
    let v = introspect(&f, &f.tenant.id, &guard, &token).await;
    assert_eq!(v["active"], true, "{v}");
    assert_eq!(v["token_type"], "api_token");
    assert_eq!(v["jti"], "guarded");
    assert_eq!(v["tid"], f.tenant.id.as_str());
    assert_eq!(v["roles"], json!([ORG_OPERATOR]));
    assert_eq!(v["organization"], "x");
    let se = gatehouse_protocol::sas::Sas::parse(&token).unwrap().expiry_ms as i64;
    assert_eq!(v["exp"], se / 1000);
    // A forged one says nothing but inactive.
    let forged = token.replacen("sig=", "sig=Z", 1);
    assert_eq!(
        introspect(&f, &f.tenant.id, &guard, &forged).await,
        json!({"active": false})
    );
    let a = call(&f, "DELETE", "/api/apiTokens/guarded", Auth::Bearer(&admin), None).await;
    assert_eq!(a.status, StatusCode::NO_CONTENT);
    assert_eq!(
        introspect(&f, &f.tenant.id, &guard, &token).await,
        json!({"active": false})
    );
    // The delete published a `credential` revocation on the feed guards poll.
    let feed = f.store.revocations_since(&f.tenant.id, 0, 0, 100).await.unwrap();
    assert!(feed
        .iter()
        .any(|r| r.kind == gatehouse_core::model::RevocationKind::Credential && r.value == "guarded"));
}

#[tokio::test]
async fn the_audit_log_lists_token_changes_to_an_administrator_with_filters_and_paging() {
    let f = Fixture::new().await;
    let admin = principal(&f, "auditor", Some((ADMINISTRATOR, None))).await;
    let created = mint(&f, Auth::Bearer(&admin), "audited-1", OPERATOR, None).await;
    assert_eq!(created.status, StatusCode::OK, "{}", created.body);
    let secret = body(&created)["token"].as_str().unwrap().to_owned();
    assert_eq!(
        mint(&f, Auth::Bearer(&admin), "audited-2", OPERATOR, None).await.status,
        StatusCode::OK
    );
    let gone = call(&f, "DELETE", "/api/apiTokens/audited-2", Auth::Bearer(&admin), None).await;
    assert_eq!(gone.status, StatusCode::NO_CONTENT, "{}", gone.body);

    let a = call(&f, "GET", "/api/auditLogs?action=apiToken.", Auth::Bearer(&admin), None).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    let v = body(&a);
    let got: Vec<(String, String)> = v["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["action"].as_str().unwrap().to_owned(),
                e["target"]["id"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("apiToken.create".to_owned(), "audited-1".to_owned()),
            ("apiToken.create".to_owned(), "audited-2".to_owned()),
            ("apiToken.delete".to_owned(), "audited-2".to_owned()),
        ]
    );
    let first = &v["value"][0];
    assert_eq!(first["actor"]["type"], "servicePrincipal", "{first}");
    assert_eq!(first["tenantId"], f.tenant.id.as_str());
    assert!(first["time"].as_str().unwrap().ends_with('Z'));
    let sig = secret.split("sig=").nth(1).unwrap().split('&').next().unwrap();
    assert!(!a.body.contains(sig), "no secret in the audit log");

    // Paging: $top=1 gives a nextLink that continues after the entry shown.
    let p1 = call(
        &f,
        "GET",
        "/api/auditLogs?action=apiToken.&$top=1",
        Auth::Bearer(&admin),
        None,
    )
    .await;
    let p1 = body(&p1);
    assert_eq!(p1["value"].as_array().unwrap().len(), 1);
    let next = p1["nextLink"].as_str().expect("a full page has a nextLink");
    let path = &next[next.find("/api/").unwrap()..];
    let p2 = body(&raw(&f, "GET", path, Auth::Bearer(&admin), None).await);
    assert_eq!(p2["value"][0]["target"]["id"], "audited-2", "{p2}");
    assert!(p2["value"][0]["seq"].as_i64() > p1["value"][0]["seq"].as_i64());

    // Only an Administrator at the root reads it; bad queries are 400 in the dialect.
    let operator = principal(&f, "op", Some((OPERATOR, None))).await;
    let refused = call(&f, "GET", "/api/auditLogs", Auth::Bearer(&operator), None).await;
    assert_error(&refused, StatusCode::FORBIDDEN, "Forbidden");
    for bad in ["$top=0", "$top=5000", "from=yesterday", "$skipToken=x", "sort=desc"] {
        let a = call(&f, "GET", &format!("/api/auditLogs?{bad}"), Auth::Bearer(&admin), None).await;
        assert_error(&a, StatusCode::BAD_REQUEST, "BadRequest");
    }
}

async fn put_role(f: &Fixture, auth: Auth<'_>, id: &str, body: Value) -> Answer {
    call(f, "PUT", &format!("/api/roles/{id}"), auth, Some(body)).await
}

#[tokio::test]
async fn custom_roles_are_made_of_permissions_and_grant_exactly_them() {
    let f = Fixture::new().await;
    let admin = principal(&f, "admin", Some((ADMINISTRATOR, None))).await;
    let keeper_role = json!({
        "displayName": "Token keeper",
        "permissions": ["apiTokens.manage", "view", "apiTokens.read"],
        "organizationRole": true
    });
    let a = put_role(&f, Auth::Bearer(&admin), "token-keeper", keeper_role.clone()).await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.body);
    assert_eq!(
        body(&a),
        json!({"id": "token-keeper", "displayName": "Token keeper", "organizationRole": true,
               "permissions": ["view", "apiTokens.read", "apiTokens.manage"]})
    );
    let a = put_role(&f, Auth::Bearer(&admin), "token-keeper", keeper_role).await;
    assert_eq!(a.status, StatusCode::OK, "a second PUT replaces: {}", a.body);
    let a = call(&f, "GET", "/api/roles", Auth::Bearer(&admin), None).await;
    let v = body(&a);
    let list = v["value"].as_array().unwrap();
    assert_eq!(list.len(), 7, "{v}");
    assert_eq!(list[6]["id"], "token-keeper");
    assert_eq!(list[0], json!({"displayName": "Administrator", "id": ADMINISTRATOR}));
    let a = call(&f, "GET", "/api/roles/TOKEN-KEEPER", Auth::Bearer(&admin), None).await;
    assert_eq!(body(&a)["displayName"], "Token keeper");

    // Refused: an unknown permission, a built-in id, a taken name, no permissions.
    let bad = [
        (
            "other",
            json!({"displayName": "Other", "permissions": ["devices.delete"]}),
        ),
        (ORG_OPERATOR, json!({"displayName": "Mine", "permissions": ["view"]})),
        ("other", json!({"displayName": "Other", "permissions": []})),
        ("bad id!", json!({"displayName": "Other", "permissions": ["view"]})),
    ];
    for (id, b) in bad {
        let a = put_role(&f, Auth::Bearer(&admin), &id.replace(' ', "%20"), b).await;
        assert_error(&a, StatusCode::BAD_REQUEST, "BadRequest");
    }
    for name in ["token KEEPER", "org operator"] {
        let b = json!({"displayName": name, "permissions": ["view"]});
        let a = put_role(&f, Auth::Bearer(&admin), "twin", b).await;
        assert_error(&a, StatusCode::CONFLICT, "Conflict");
    }

    // A principal holding the custom role at x mints within it, and nothing above it.
    for id in ["x", "y"] {
        let b = json!({"displayName": format!("Org {id}")});
        let a = call(
            &f,
            "PUT",
            &format!("/api/organizations/{id}"),
            Auth::Bearer(&admin),
            Some(b),
        )
        .await;
        assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    }
    let keeper = principal(&f, "keeper", Some(("Token keeper", Some("x")))).await;
    let a = mint(&f, Auth::Bearer(&keeper), "viewer-x", ORG_VIEWER, Some("x")).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    let a = mint(&f, Auth::Bearer(&keeper), "operator-x", ORG_OPERATOR, Some("x")).await;
    assert_error(&a, StatusCode::FORBIDDEN, "Forbidden");
    let a = mint(&f, Auth::Bearer(&keeper), "viewer-y", ORG_VIEWER, Some("y")).await;
    assert_error(&a, StatusCode::FORBIDDEN, "Forbidden");
    let a = mint(&f, Auth::Bearer(&keeper), "keeper-x", "token-keeper", Some("x")).await;
    assert_eq!(a.status, StatusCode::OK, "its own role, where it holds it: {}", a.body);
    let a = call(&f, "GET", "/api/apiTokens", Auth::Bearer(&keeper), None).await;
    assert_eq!(ids(&a), ["keeper-x", "viewer-x"]);
    // It cannot make roles, nor can an Operator.
    let operator = principal(&f, "operator", Some((OPERATOR, None))).await;
    for who in [&keeper, &operator] {
        let b = json!({"displayName": "Mine", "permissions": ["view"]});
        let a = put_role(&f, Auth::Bearer(who), "mine", b).await;
        assert_error(&a, StatusCode::FORBIDDEN, "Forbidden");
    }

    // Narrowing the role takes effect on the next request.
    let b = json!({"displayName": "Token keeper", "permissions": ["view"], "organizationRole": true});
    let a = put_role(&f, Auth::Bearer(&admin), "token-keeper", b).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    let a = mint(&f, Auth::Bearer(&keeper), "viewer-x2", ORG_VIEWER, Some("x")).await;
    assert_error(&a, StatusCode::FORBIDDEN, "Forbidden");

    // Held by a user and a token: the delete is refused until neither holds it.
    let a = call(&f, "DELETE", "/api/roles/token-keeper", Auth::Bearer(&admin), None).await;
    assert_error(&a, StatusCode::CONFLICT, "Conflict");
    let a = call(
        &f,
        "DELETE",
        &format!("/api/roles/{OPERATOR}"),
        Auth::Bearer(&admin),
        None,
    )
    .await;
    assert_error(&a, StatusCode::BAD_REQUEST, "BadRequest");
    let a = call(&f, "DELETE", "/api/apiTokens/keeper-x", Auth::Bearer(&admin), None).await;
    assert_eq!(a.status, StatusCode::NO_CONTENT, "{}", a.body);
    let users = body(&call(&f, "GET", "/api/users", Auth::Bearer(&admin), None).await);
    let holder = users["value"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["roles"][0]["role"] == "token-keeper")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let a = call(
        &f,
        "DELETE",
        &format!("/api/users/{holder}"),
        Auth::Bearer(&admin),
        None,
    )
    .await;
    assert_eq!(a.status, StatusCode::NO_CONTENT, "{}", a.body);
    let a = call(&f, "DELETE", "/api/roles/token-keeper", Auth::Bearer(&admin), None).await;
    assert_eq!(a.status, StatusCode::NO_CONTENT, "{}", a.body);
    let a = call(&f, "GET", "/api/roles/token-keeper", Auth::Bearer(&admin), None).await;
    assert_error(&a, StatusCode::NOT_FOUND, "NotFound");
}

/// Every id of a list, following `nextLink` from `first` (the links are absolute on the
/// server's base URL); the number of pages.
async fn follow(f: &Fixture, first: &str, auth: &str) -> (Vec<String>, usize) {
    let (mut all, mut pages) = (Vec::new(), 0);
    let mut next = Some(format!("{first}{}{V}", if first.contains('?') { '&' } else { '?' }));
    while let Some(uri) = next.take() {
        let a = raw(f, "GET", &uri, Auth::Bearer(auth), None).await;
        assert_eq!(a.status, StatusCode::OK, "{uri}: {}", a.body);
        let v = body(&a);
        pages += 1;
        all.extend(
            v["value"]
                .as_array()
                .unwrap()
                .iter()
                .map(|o| o["id"].as_str().unwrap().to_owned()),
        );
        next = v["nextLink"].as_str().map(|l| {
            let rest = l
                .strip_prefix("https://127.0.0.1:8443")
                .unwrap_or_else(|| panic!("absolute: {l}"));
            assert!(rest.contains(V), "nextLink keeps the api-version: {l}");
            rest.to_owned()
        });
        assert!(pages <= 20, "nextLink never ends");
    }
    (all, pages)
}

#[tokio::test]
async fn lists_page_with_next_link_and_top() {
    let f = Fixture::new().await;
    let admin = principal(&f, "admin", Some((ADMINISTRATOR, None))).await;
    let mut want = Vec::new();
    for i in 0..7 {
        let id = format!("tok-{i}");
        let a = mint(&f, Auth::Bearer(&admin), &id, OPERATOR, None).await;
        assert_eq!(a.status, StatusCode::OK, "{}", a.body);
        want.push(id);
        let b = json!({"displayName": format!("Org {i}")});
        let a = call(
            &f,
            "PUT",
            &format!("/api/organizations/org-{i}"),
            Auth::Bearer(&admin),
            Some(b),
        )
        .await;
        assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    }
    let (got, pages) = follow(&f, "/api/apiTokens?$top=3", &admin).await;
    assert_eq!((got, pages), (want.clone(), 3));
    let (got, pages) = follow(&f, "/api/apiTokens", &admin).await;
    assert_eq!((got, pages), (want, 1), "the default page holds them all");
    let (got, pages) = follow(&f, "/api/organizations?$top=2", &admin).await;
    assert_eq!(got, (0..7).map(|i| format!("org-{i}")).collect::<Vec<_>>());
    assert_eq!(pages, 4);
    let (got, _) = follow(&f, "/api/roles?$top=4", &admin).await;
    assert_eq!(got.len(), 6);
    let (got, _) = follow(&f, "/api/users?$top=1", &admin).await;
    assert_eq!(got.len(), 1);

    // A page's key survives the deletion of its last item.
    let a = call(&f, "GET", "/api/apiTokens?$top=2", Auth::Bearer(&admin), None).await;
    let next = body(&a)["nextLink"].as_str().unwrap().to_owned();
    let a = call(&f, "DELETE", "/api/apiTokens/tok-1", Auth::Bearer(&admin), None).await;
    assert_eq!(a.status, StatusCode::NO_CONTENT);
    let rest = next.strip_prefix("https://127.0.0.1:8443").unwrap();
    let a = raw(&f, "GET", rest, Auth::Bearer(&admin), None).await;
    assert_eq!(ids(&a), ["tok-2", "tok-3"]);

    for q in ["$top=0", "$top=1001", "$skipToken=***", "$filter=id%20eq%20'x'"] {
        let a = call(&f, "GET", &format!("/api/apiTokens?{q}"), Auth::Bearer(&admin), None).await;
        assert_error(&a, StatusCode::BAD_REQUEST, "BadRequest");
    }
}
