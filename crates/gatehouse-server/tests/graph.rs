//! The Graph door in-process (`oneshot`): tokens for `{base}/graph/` from the token endpoint,
//! every route family, Graph's error body, permissions (403 `Authorization_RequestDenied`),
//! `$filter`/`$top`/`@odata.nextLink`, bad input (never a 500), and tenant isolation.

mod pages;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use gatehouse_core::admin::apps::NewApp;
use gatehouse_core::admin::directory_roles::DIRECTORY_READ_ALL;
use gatehouse_core::admin::tenants::NewTenant;
use gatehouse_core::model::Tenant;
use gatehouse_keys::Algorithm;
use http_body_util::BodyExt;
use pages::Fixture;
use serde_json::{json, Value};
use tower::ServiceExt;

const BASE: &str = "https://127.0.0.1:8443";
const G: &str = "/graph/v1.0";

struct Reply {
    status: StatusCode,
    body: Value,
}

async fn call(f: &Fixture, method: &str, path: &str, token: &str, body: Option<String>) -> Reply {
    // The query as a client sends it: percent-encoded.
    let path = path.replace(' ', "%20").replace('\'', "%27");
    let mut req = Request::builder().method(method).uri(format!("{G}{path}"));
    if !token.is_empty() {
        req = req.header("authorization", format!("Bearer {token}"));
    }
    let body = match body {
        Some(b) => {
            req = req.header("content-type", "application/json");
            Body::from(b)
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
    assert!(status.as_u16() < 500, "{method} {path}: {status} {body}");
    Reply { status, body }
}

async fn get(f: &Fixture, path: &str, token: &str) -> Reply {
    call(f, "GET", path, token, None).await
}

async fn send(f: &Fixture, method: &str, path: &str, token: &str, body: Value) -> Reply {
    call(f, method, path, token, Some(body.to_string())).await
}

/// A service principal of `tenant` with `roles` (Graph application permissions) and its
/// Graph token, asked with the Azure CLI's scope `{base}/graph//.default`.
async fn sp_token(f: &Fixture, tenant: &Tenant, name: &str, roles: &[&str]) -> (String, String) {
    let (app, sp, secret) = pages::confidential_app(f, tenant, name).await;
    for r in roles {
        f.admin.grant_directory_role(tenant, &sp.id, false, r).await.unwrap();
    }
    let scope = format!("{BASE}/graph//.default");
    (
        pages::client_token(f, &tenant.id, &app.app_id, &secret, &scope).await,
        sp.id,
    )
}

async fn admin_token(f: &Fixture) -> String {
    let all = ["Application.ReadWrite.All", "User.ReadWrite.All", "Group.ReadWrite.All"];
    sp_token(f, &f.tenant, "graph-admin", &all).await.0
}

fn claims(token: &str) -> Value {
    use base64::Engine;
    let p = token.split('.').nth(1).unwrap();
    serde_json::from_slice(&base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(p).unwrap()).unwrap()
}

fn assert_graph_error(r: &Reply, status: u16, code: &str) {
    assert_eq!(r.status.as_u16(), status, "{}", r.body);
    let e = &r.body["error"];
    assert!(e.is_object(), "the Azure CLI indexes error['code']: {}", r.body);
    assert_eq!(e["code"], code, "{}", r.body);
    assert!(e["message"].is_string());
    assert!(e["innerError"]["request-id"].is_string() && e["innerError"]["date"].is_string());
}

#[tokio::test]
async fn graph_tokens_name_the_local_graph_and_carry_its_app_roles() {
    let f = Fixture::new().await;
    let (token, _) = sp_token(&f, &f.tenant, "reader", &[DIRECTORY_READ_ALL]).await;
    let c = claims(&token);
    assert_eq!(c["aud"], format!("{BASE}/graph/"));
    assert_eq!(c["roles"], json!([DIRECTORY_READ_ALL]));
    // Without a token, or with a token for another resource: 401 in Graph's shape.
    assert_graph_error(&get(&f, "/users", "").await, 401, "InvalidAuthenticationToken");
    let (app, _) = f
        .admin
        .create_app(
            &f.tenant,
            NewApp {
                display_name: "arm-caller".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let secret = f.admin.add_secret(&f.tenant, &app, None, None).await.unwrap();
    let t = f
        .post(
            "/contoso/oauth2/v2.0/token",
            "",
            &[
                ("grant_type", "client_credentials"),
                ("client_id", &app.app_id),
                ("client_secret", &secret.text),
                ("scope", "https://management.core.windows.net//.default"),
            ],
        )
        .await;
    let arm: Value = serde_json::from_str(&t.body).unwrap();
    let r = get(&f, "/users", arm["access_token"].as_str().unwrap()).await;
    assert_graph_error(&r, 401, "InvalidAuthenticationToken");
}

#[tokio::test]
async fn applications_and_service_principals_as_the_azure_cli_manages_them() {
    let f = Fixture::new().await;
    let t = admin_token(&f).await;
    let r = send(
        &f,
        "POST",
        "/applications",
        &t,
        json!({"displayName": "cli-app", "keyCredentials": []}),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.body["passwordCredentials"], json!([]));
    let (id, app_id) = (
        r.body["id"].as_str().unwrap().to_owned(),
        r.body["appId"].as_str().unwrap().to_owned(),
    );

    let r = get(&f, "/applications?$filter=startswith(displayName,'cli-')", &t).await;
    assert_eq!(r.body["value"].as_array().unwrap().len(), 1, "{}", r.body);
    let r = get(&f, &format!("/applications?$filter=appId eq '{app_id}'"), &t).await;
    assert_eq!(r.body["value"][0]["id"], id.as_str());

    let r = send(
        &f,
        "PATCH",
        &format!("/applications/{id}"),
        &t,
        json!({"displayName": "cli-app-2"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    let r = get(&f, &format!("/applications/{id}"), &t).await;
    assert_eq!(r.body["displayName"], "cli-app-2");

    let body = json!({"passwordCredential": {"displayName": "rbac", "startDateTime": "2026-01-01T00:00:00Z", "endDateTime": "2027-06-01T00:00:00Z"}});
    let r = send(&f, "POST", &format!("/applications/{id}/addPassword"), &t, body).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let key_id = r.body["keyId"].as_str().unwrap().to_owned();
    assert!(r.body["secretText"].as_str().unwrap().len() >= 32);
    let r = get(&f, &format!("/applications/{id}"), &t).await;
    assert_eq!(r.body["passwordCredentials"][0]["keyId"], key_id.as_str());
    assert!(
        r.body["passwordCredentials"][0]["secretText"].is_null(),
        "shown once only"
    );
    let r = send(
        &f,
        "POST",
        &format!("/applications/{id}/removePassword"),
        &t,
        json!({"keyId": key_id}),
    )
    .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);

    // The service principal: made with the app; POST gives it back.
    let r = get(&f, "/servicePrincipals?$filter=displayName eq 'cli-app'", &t).await;
    assert_eq!(r.body["value"].as_array().unwrap().len(), 1, "{}", r.body);
    let sp_id = r.body["value"][0]["id"].as_str().unwrap().to_owned();
    let r = send(
        &f,
        "POST",
        "/servicePrincipals",
        &t,
        json!({"appId": app_id, "accountEnabled": true}),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED);
    assert_eq!(r.body["id"], sp_id.as_str());
    let r = get(
        &f,
        &format!("/servicePrincipals?$filter=servicePrincipalNames/any(c:c eq '{app_id}')"),
        &t,
    )
    .await;
    assert_eq!(r.body["value"].as_array().unwrap().len(), 1);
    // Deleted, then made anew.
    assert_eq!(
        call(&f, "DELETE", &format!("/servicePrincipals/{sp_id}"), &t, None)
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    let r = get(&f, &format!("/servicePrincipals/{sp_id}"), &t).await;
    assert_graph_error(&r, 404, "Request_ResourceNotFound");
    assert!(r.body["error"]["message"]
        .as_str()
        .unwrap()
        .contains(" does not exist "));
    let r = send(&f, "POST", "/servicePrincipals", &t, json!({"appId": app_id})).await;
    assert_eq!(r.status, StatusCode::CREATED);
    assert_ne!(r.body["id"], sp_id.as_str());

    assert_eq!(
        call(&f, "DELETE", &format!("/applications/{id}"), &t, None)
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    assert_graph_error(
        &get(&f, &format!("/applications/{id}"), &t).await,
        404,
        "Request_ResourceNotFound",
    );
}

#[tokio::test]
async fn users_groups_members_and_directory_objects() {
    let f = Fixture::new().await;
    let t = admin_token(&f).await;
    let body = json!({"accountEnabled": true, "displayName": "Grace", "mailNickname": "grace", "userPrincipalName": "grace@contoso.com",
        "passwordProfile": {"password": "a long enough password 1", "forceChangePasswordNextSignIn": false}});
    let r = send(&f, "POST", "/users", &t, body).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let user_id = r.body["id"].as_str().unwrap().to_owned();
    assert_eq!(r.body["userPrincipalName"], "grace@contoso.com");
    assert_eq!(
        get(&f, "/users/grace@contoso.com", &t).await.body["id"],
        user_id.as_str()
    );
    let r = get(&f, "/users?$filter=userPrincipalName eq 'grace@contoso.com'", &t).await;
    assert_eq!(r.body["value"].as_array().unwrap().len(), 1);
    let r = send(
        &f,
        "PATCH",
        &format!("/users/{user_id}"),
        &t,
        json!({"displayName": "Grace H"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    assert_eq!(
        get(&f, &format!("/users/{user_id}"), &t).await.body["displayName"],
        "Grace H"
    );
    // A duplicate name is a Graph 400.
    let dup = json!({"displayName": "G", "userPrincipalName": "grace@contoso.com", "passwordProfile": {"password": "a long enough password 1"}});
    assert_graph_error(&send(&f, "POST", "/users", &t, dup).await, 400, "Request_BadRequest");

    let r = send(
        &f,
        "POST",
        "/groups",
        &t,
        json!({"displayName": "devs", "mailNickname": "devs", "mailEnabled": false, "securityEnabled": true}),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let group = r.body["id"].as_str().unwrap().to_owned();
    let r = send(
        &f,
        "POST",
        "/groups",
        &t,
        json!({"displayName": "all", "mailNickname": "all", "mailEnabled": false, "securityEnabled": true}),
    )
    .await;
    let outer = r.body["id"].as_str().unwrap().to_owned();
    let r = get(
        &f,
        "/groups?$filter=displayName eq 'devs' and mailNickname eq 'devs'",
        &t,
    )
    .await;
    assert_eq!(r.body["value"].as_array().unwrap().len(), 1);

    let member = |id: &str| json!({"@odata.id": format!("{BASE}/graph/v1.0/directoryObjects/{id}")});
    let r = send(
        &f,
        "POST",
        &format!("/groups/{group}/members/$ref"),
        &t,
        member(&user_id),
    )
    .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    let r = send(
        &f,
        "POST",
        &format!("/groups/{group}/members/$ref"),
        &t,
        member(&user_id),
    )
    .await;
    assert_graph_error(&r, 400, "Request_BadRequest");
    assert!(r.body["error"]["message"].as_str().unwrap().contains("already exist"));
    let r = send(&f, "POST", &format!("/groups/{outer}/members/$ref"), &t, member(&group)).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let r = get(&f, &format!("/groups/{group}/members"), &t).await;
    assert_eq!(r.body["value"][0]["@odata.type"], "#microsoft.graph.user");
    // Transitive membership, as the `groups` claim and RBAC see it.
    let gh = gatehouse_core::Gatehouse::new(
        f.store.clone(),
        f.kek.clone(),
        BASE,
        gatehouse_core::issuance::throttle::ThrottlePolicy::default(),
    );
    let mut want = vec![group.clone(), outer.clone()];
    want.sort();
    assert_eq!(gh.groups_of(&f.tenant.id, &user_id).await.unwrap(), want);

    let r = send(
        &f,
        "POST",
        "/directoryObjects/getByIds",
        &t,
        json!({"ids": [user_id, group, "00000000-0000-0000-0000-000000000001"], "types": ["user", "group"]}),
    )
    .await;
    assert_eq!(r.body["value"].as_array().unwrap().len(), 2, "{}", r.body);
    // What `az role assignment list` sends: Graph's types, one this directory never holds.
    let r = send(
        &f,
        "POST",
        "/directoryObjects/getByIds",
        &t,
        json!({"ids": [user_id, group], "types": ["user", "group", "servicePrincipal", "directoryObjectPartnerReference"]}),
    )
    .await;
    assert_eq!(r.body["value"].as_array().unwrap().len(), 2, "{}", r.body);
    let r = send(
        &f,
        "POST",
        "/directoryObjects/getByIds",
        &t,
        json!({"ids": [user_id], "types": ["planet"]}),
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);

    let r = call(
        &f,
        "DELETE",
        &format!("/groups/{group}/members/{user_id}/$ref"),
        &t,
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    assert_eq!(
        get(&f, &format!("/groups/{group}/members"), &t).await.body["value"],
        json!([])
    );
    assert_eq!(
        call(&f, "DELETE", &format!("/groups/{group}"), &t, None).await.status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        call(&f, "DELETE", &format!("/users/{user_id}"), &t, None).await.status,
        StatusCode::NO_CONTENT
    );
    assert_graph_error(
        &get(&f, &format!("/users/{user_id}"), &t).await,
        404,
        "Request_ResourceNotFound",
    );
}

#[tokio::test]
async fn lists_filter_and_page_with_an_absolute_next_link() {
    let f = Fixture::new().await;
    let t = admin_token(&f).await;
    for i in 0..5 {
        send(
            &f,
            "POST",
            "/groups",
            &t,
            json!({"displayName": format!("team-{i}"), "mailNickname": format!("team{i}"), "securityEnabled": true}),
        )
        .await;
    }
    let mut path = "/groups?$top=2&$filter=startswith(displayName,'team-')".to_owned();
    let mut seen = 0;
    loop {
        let r = get(&f, &path, &t).await;
        seen += r.body["value"].as_array().unwrap().len();
        match r.body["@odata.nextLink"].as_str() {
            Some(next) => {
                assert!(next.starts_with(&format!("{BASE}{G}/groups?")), "{next}");
                path = next.trim_start_matches(&format!("{BASE}{G}")).to_owned();
            }
            None => break,
        }
    }
    assert_eq!(seen, 5);
    for bad in [
        "/groups?$filter=displayName ne 'x'",
        "/groups?$filter=startswith(",
        "/users?$top=0",
        "/users?$orderby=displayName",
    ] {
        assert_graph_error(&get(&f, bad, &t).await, 400, "Request_UnsupportedQuery");
    }
}

#[tokio::test]
async fn writes_need_a_permission_and_reads_need_one_for_apps() {
    let f = Fixture::new().await;
    let (none, _) = sp_token(&f, &f.tenant, "nobody", &[]).await;
    let r = get(&f, "/users", &none).await;
    assert_graph_error(&r, 403, "Authorization_RequestDenied");
    assert_eq!(
        r.body["error"]["message"],
        "Insufficient privileges to complete the operation."
    );
    let (reader, _) = sp_token(&f, &f.tenant, "reader", &[DIRECTORY_READ_ALL]).await;
    assert_eq!(get(&f, "/users", &reader).await.status, StatusCode::OK);
    assert_eq!(get(&f, "/applications", &reader).await.status, StatusCode::OK);
    for (method, path, body) in [
        ("POST", "/applications", json!({"displayName": "x"})),
        ("POST", "/groups", json!({"displayName": "x", "mailNickname": "x"})),
        (
            "POST",
            "/users",
            json!({"displayName": "x", "userPrincipalName": "x@contoso.com", "passwordProfile": {"password": "a long enough password 1"}}),
        ),
    ] {
        assert_graph_error(
            &send(&f, method, path, &reader, body).await,
            403,
            "Authorization_RequestDenied",
        );
    }
    // /me is for user tokens.
    assert_graph_error(&get(&f, "/me", &reader).await, 400, "Request_BadRequest");
}

#[tokio::test]
async fn bad_bodies_are_graph_shaped_4xx() {
    let f = Fixture::new().await;
    let t = admin_token(&f).await;
    let cases: Vec<(String, u16)> = vec![
        ("{not json".into(), 400),
        (json!({"displayName": "x", "surprise": 1}).to_string(), 400),
        (json!({"displayName": 5}).to_string(), 400),
        ("[]".into(), 400),
        (format!("{{\"displayName\":\"{}\"}}", "x".repeat(70 * 1024)), 413),
    ];
    for (body, status) in cases {
        let r = call(&f, "POST", "/applications", &t, Some(body.clone())).await;
        assert_graph_error(&r, status, "Request_BadRequest");
    }
    let r = send(
        &f,
        "POST",
        "/groups/not-a-guid/members/$ref",
        &t,
        json!({"@odata.id": "https://x/directoryObjects/nope"}),
    )
    .await;
    assert!(r.status.is_client_error());
    assert!(r.body["error"].is_object());
    let r = get(&f, "/groups/00000000-0000-0000-0000-00000000000x", &t).await;
    assert_graph_error(&r, 404, "Request_ResourceNotFound");
    let r = get(&f, "/nothing/here", &t).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(!r.body["error"]["message"]
        .as_str()
        .unwrap()
        .contains(" does not exist "));
}

#[tokio::test]
async fn a_principal_of_one_tenant_sees_nothing_of_another() {
    let f = Fixture::new().await;
    let other = f
        .admin
        .create_tenant(NewTenant {
            name: "fabrikam".into(),
            display_name: None,
            signing_alg: Algorithm::RS256,
            token_lifetime_seconds: None,
        })
        .await
        .unwrap();
    let t = admin_token(&f).await;
    let all = ["Application.ReadWrite.All", "User.ReadWrite.All", "Group.ReadWrite.All"];
    let (b, b_sp) = sp_token(&f, &other, "b-admin", &all).await;
    // Objects of tenant B.
    let b_user = send(&f, "POST", "/users", &b, json!({"displayName": "B", "userPrincipalName": "b@fabrikam.com", "passwordProfile": {"password": "a long enough password 1"}})).await.body["id"].as_str().unwrap().to_owned();
    let b_app = send(&f, "POST", "/applications", &b, json!({"displayName": "b-app"}))
        .await
        .body["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let b_group = send(
        &f,
        "POST",
        "/groups",
        &b,
        json!({"displayName": "b-group", "mailNickname": "bg"}),
    )
    .await
    .body["id"]
        .as_str()
        .unwrap()
        .to_owned();
    // A's own group, to try adding B's objects to.
    let a_group = send(
        &f,
        "POST",
        "/groups",
        &t,
        json!({"displayName": "a-group", "mailNickname": "ag"}),
    )
    .await
    .body["id"]
        .as_str()
        .unwrap()
        .to_owned();

    for list in ["/users", "/applications", "/servicePrincipals", "/groups"] {
        let r = get(&f, list, &t).await;
        let text = r.body.to_string();
        for id in [&b_user, &b_app, &b_group, &b_sp] {
            assert!(!text.contains(id.as_str()), "{list} shows tenant B's {id}");
        }
    }
    for path in [
        format!("/users/{b_user}"),
        "/users/b@fabrikam.com".to_owned(),
        format!("/applications/{b_app}"),
        format!("/servicePrincipals/{b_sp}"),
        format!("/groups/{b_group}"),
        format!("/groups/{b_group}/members"),
    ] {
        assert_graph_error(&get(&f, &path, &t).await, 404, "Request_ResourceNotFound");
    }
    for (method, path, body) in [
        ("PATCH", format!("/users/{b_user}"), json!({"displayName": "x"})),
        ("PATCH", format!("/applications/{b_app}"), json!({"displayName": "x"})),
        ("POST", format!("/applications/{b_app}/addPassword"), json!({})),
        (
            "POST",
            format!("/groups/{b_group}/members/$ref"),
            json!({"@odata.id": format!("{BASE}/graph/v1.0/directoryObjects/{b_user}")}),
        ),
        (
            "POST",
            format!("/groups/{a_group}/members/$ref"),
            json!({"@odata.id": format!("{BASE}/graph/v1.0/directoryObjects/{b_user}")}),
        ),
    ] {
        assert_graph_error(
            &send(&f, method, &path, &t, body).await,
            404,
            "Request_ResourceNotFound",
        );
    }
    for path in [
        format!("/users/{b_user}"),
        format!("/applications/{b_app}"),
        format!("/servicePrincipals/{b_sp}"),
        format!("/groups/{b_group}"),
        format!("/groups/{b_group}/members/{b_user}/$ref"),
    ] {
        assert_graph_error(
            &call(&f, "DELETE", &path, &t, None).await,
            404,
            "Request_ResourceNotFound",
        );
    }
    let r = send(
        &f,
        "POST",
        "/directoryObjects/getByIds",
        &t,
        json!({"ids": [b_user, b_app, b_group, b_sp]}),
    )
    .await;
    assert_eq!(r.body["value"], json!([]));
    for id in [&b_user, &b_sp, &b_group] {
        let r = send(
            &f,
            "POST",
            &format!("/directoryObjects/{id}/getMemberObjects"),
            &t,
            json!({}),
        )
        .await;
        assert_graph_error(&r, 404, "Request_ResourceNotFound");
    }
    // Tenant B's objects are intact.
    assert_eq!(get(&f, &format!("/users/{b_user}"), &b).await.status, StatusCode::OK);
    assert_eq!(get(&f, &format!("/groups/{b_group}"), &b).await.status, StatusCode::OK);
}

#[tokio::test]
async fn tokens_of_group_members_carry_their_groups() {
    let f = Fixture::new().await;
    let admin = &f.admin;
    let inner = admin
        .create_group(
            &f.tenant,
            gatehouse_core::admin::groups::NewGroup {
                display_name: "inner".into(),
                mail_nickname: "inner".into(),
                security_enabled: true,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let outer = admin
        .create_group(
            &f.tenant,
            gatehouse_core::admin::groups::NewGroup {
                display_name: "outer".into(),
                mail_nickname: "outer".into(),
                security_enabled: true,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let (app, sp) = admin
        .create_app(
            &f.tenant,
            NewApp {
                display_name: "member".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    admin.add_group_member(&f.tenant, &inner.id, &sp.id).await.unwrap();
    admin.add_group_member(&f.tenant, &outer.id, &inner.id).await.unwrap();
    admin
        .grant_directory_role(&f.tenant, &sp.id, false, DIRECTORY_READ_ALL)
        .await
        .unwrap();
    let secret = admin.add_secret(&f.tenant, &app, None, None).await.unwrap();
    let t = f
        .post(
            "/contoso/oauth2/v2.0/token",
            "",
            &[
                ("grant_type", "client_credentials"),
                ("client_id", &app.app_id),
                ("client_secret", &secret.text),
                ("scope", &format!("{BASE}/graph//.default")),
            ],
        )
        .await;
    let token = serde_json::from_str::<Value>(&t.body).unwrap()["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut want = vec![inner.id.clone(), outer.id.clone()];
    want.sort();
    assert_eq!(claims(&token)["groups"], json!(want));
    // Where the overage indicator would point: the same list.
    let r = send(
        &f,
        "POST",
        &format!("/directoryObjects/{}/getMemberObjects", sp.id),
        &token,
        json!({"securityEnabledOnly": false}),
    )
    .await;
    assert_eq!(r.body["value"], json!(want), "{}", r.body);
}

/// A user token of the fixture's public (third-party) app for `scope`, through the real
/// authorization-code flow with PKCE: sign-in as [`pages::UPN`], consent, code redemption.
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
    let code =
        url_param(&location, "code").unwrap_or_else(|| panic!("no code: {} {location} {}", answer.status, answer.body));
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

fn url_param(url: &str, name: &str) -> Option<String> {
    let query = url.split_once('?')?.1;
    form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

#[tokio::test]
async fn users_read_their_directory_and_write_it_only_as_administrators_with_a_write_scope() {
    let f = Fixture::new().await;
    let token = user_token(&f, &format!("openid {BASE}/graph/User.Read")).await;
    assert_eq!(claims(&token)["aud"], format!("{BASE}/graph"), "{}", claims(&token));
    let me = get(&f, "/me", &token).await;
    assert_eq!(me.status, StatusCode::OK, "{}", me.body);
    assert_eq!(me.body["userPrincipalName"], pages::UPN);
    let user_id = me.body["id"].as_str().unwrap().to_owned();
    assert_eq!(
        get(&f, &format!("/users/{user_id}"), &token).await.status,
        StatusCode::OK
    );
    assert_eq!(get(&f, "/users", &token).await.status, StatusCode::OK);
    let group = json!({"displayName": "mine", "mailNickname": "mine"});
    assert_graph_error(
        &send(&f, "POST", "/groups", &token, group.clone()).await,
        403,
        "Authorization_RequestDenied",
    );

    // An administrator, but through a third-party app whose token names no write scope.
    f.admin
        .grant_directory_role(&f.tenant, &user_id, true, "Global Administrator")
        .await
        .unwrap();
    assert_graph_error(
        &send(&f, "POST", "/groups", &token, group.clone()).await,
        403,
        "Authorization_RequestDenied",
    );
    // With the scope consented, the same app may.
    let writer = user_token(&f, &format!("openid {BASE}/graph/Group.ReadWrite.All")).await;
    let r = send(&f, "POST", "/groups", &writer, group).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_graph_error(
        &send(&f, "POST", "/users", &writer, json!({"displayName": "x", "userPrincipalName": "x@contoso.com", "passwordProfile": {"password": "a long enough password 1"}})).await,
        403,
        "Authorization_RequestDenied",
    );
}
