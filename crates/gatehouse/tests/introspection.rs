//! RFC 7662 introspection: a resource server learns about the tokens minted for it, and about
//! nothing else; every token that is not active is answered `{"active":false}` alone.

mod auth_helpers;
mod common;
mod device_helpers;
use auth_helpers::*;
use common::*;
use device_helpers::PASSWORD;
use gatehouse_testkit::pg::ScratchDb;
use gatehouse_testkit::{Server, ServerOptions};
use serde_json::{json, Value};

const INACTIVE: &str = r#"{"active":false}"#;

/// An API (`api://orders`, with a secret: it is the resource server) and a caller granted its
/// role; returns (api appId, api secret, caller appId, caller secret).
fn api_and_caller(s: &Server) -> (String, String, String, String) {
    let api = s.admin(&[
        "api",
        "create",
        "--name",
        "orders",
        "--identifier-uri",
        "api://orders",
        "--app-role",
        "Orders.Read",
    ]);
    let api_id = api["appId"].as_str().unwrap().to_owned();
    let api_secret = s.admin(&["app", "credential", "add", "--app", &api_id])["secretText"]
        .as_str()
        .unwrap()
        .to_owned();
    let caller = s.admin(&["sp", "create-for-rbac", "-n", "caller"]);
    let caller_id = caller["appId"].as_str().unwrap().to_owned();
    s.admin(&[
        "app",
        "role",
        "grant",
        "--app",
        &caller_id,
        "--api",
        "api://orders",
        "--role",
        "Orders.Read",
    ]);
    (
        api_id,
        api_secret,
        caller_id,
        caller["password"].as_str().unwrap().to_owned(),
    )
}

/// POSTs to the introspection endpoint; returns status, headers and the raw body.
async fn introspect(
    s: &Server,
    path: &str,
    auth: (&str, &str),
    token: &str,
    hint: Option<&str>,
) -> (u16, reqwest::header::HeaderMap, String) {
    let mut form = vec![("token", token)];
    if let Some(h) = hint {
        form.push(("token_type_hint", h));
    }
    let r = s
        .client()
        .post(format!("{}{path}", s.base_url))
        .basic_auth(auth.0, Some(auth.1))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form_urlencoded(&form))
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    let headers = r.headers().clone();
    (status, headers, r.text().await.unwrap())
}

async fn resource_server_learns_about_its_own_tokens_only(s: &Server) {
    let (tenant, first_app, first_secret) = first(s);
    let (api, api_secret, caller, caller_secret) = api_and_caller(s);
    // The server follows CLI changes within a second.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let v2 = format!("/{tenant}/oauth2/v2.0/introspect");
    let v1 = format!("/{tenant}/oauth2/introspect");
    let (st, _, body) = cc(s, &tenant, &caller, &caller_secret, "api://orders/.default").await;
    assert_eq!(st, 200, "{body}");
    let token = body["access_token"].as_str().unwrap().to_owned();
    let claims = b64_claims(&token);

    for path in [&v2, &v1] {
        for hint in [None, Some("access_token"), Some("refresh_token")] {
            let (st, h, text) = introspect(s, path, (&api, &api_secret), &token, hint).await;
            assert_eq!(st, 200, "{text}");
            assert_eq!(h.get("cache-control").unwrap(), "no-store");
            assert!(h
                .get("content-type")
                .unwrap()
                .to_str()
                .unwrap()
                .starts_with("application/json"));
            let a: Value = serde_json::from_str(&text).unwrap();
            assert_eq!(a["active"], true, "{text}");
            assert_eq!(a["client_id"], caller.as_str());
            assert_eq!(a["token_type"], "Bearer");
            assert_eq!(a["aud"], "api://orders");
            assert_eq!(a["tid"], tenant.as_str());
            assert_eq!(a["exp"], claims["exp"]);
            assert_eq!(a["iat"], claims["iat"]);
            assert_eq!(a["iss"], claims["iss"]);
            assert_eq!(a["sub"], claims["sub"]);
            assert_eq!(a["jti"], claims["uti"]);
            assert_eq!(a["roles"], json!(["Orders.Read"]));
        }
    }

    // A valid token minted for another audience is not the asking server's business.
    let (_, _, dev) = cc(
        s,
        &tenant,
        &caller,
        &caller_secret,
        "https://apps.azureiotcentral.com/.default",
    )
    .await;
    let dev_token = dev["access_token"].as_str().unwrap();
    let (st, _, text) = introspect(s, &v2, (&api, &api_secret), dev_token, None).await;
    assert_eq!((st, text.as_str()), (200, INACTIVE));
    // Nor does the client the token was issued to learn about it (it is not the resource server).
    let (st, _, text) = introspect(s, &v2, (&caller, &caller_secret), &token, None).await;
    assert_eq!((st, text.as_str()), (200, INACTIVE));

    // Garbage, a forged signature, an unknown refresh token: inactive, nothing else.
    let mut forged = token.clone();
    forged.pop();
    forged.push(if token.ends_with('A') { 'B' } else { 'A' });
    for junk in ["x", "a.b.c", forged.as_str(), "0.AAAA-not-a-refresh-token"] {
        let (st, _, text) = introspect(s, &v2, (&api, &api_secret), junk, None).await;
        assert_eq!((st, text.as_str()), (200, INACTIVE), "{junk}");
    }

    // A token of this tenant asked about at another tenant's endpoint: inactive.
    let other = s.admin(&["tenant", "create", "--name", "fabrikam"]);
    let other_id = other["id"].as_str().unwrap().to_owned();
    let (oapi, osecret) = {
        let a = s.admin(&[
            "api",
            "create",
            "--tenant",
            "fabrikam",
            "--name",
            "orders",
            "--identifier-uri",
            "api://orders",
        ]);
        let id = a["appId"].as_str().unwrap().to_owned();
        let sec = s.admin(&["app", "credential", "add", "--tenant", "fabrikam", "--app", &id])["secretText"]
            .as_str()
            .unwrap()
            .to_owned();
        (id, sec)
    };
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let (st, _, text) = introspect(
        s,
        &format!("/{other_id}/oauth2/v2.0/introspect"),
        (&oapi, &osecret),
        &token,
        None,
    )
    .await;
    assert_eq!((st, text.as_str()), (200, INACTIVE), "another tenant's resource server");

    // Revoked (RFC 7009 by its client): inactive at once.
    let (st, _, b) = post_form(
        s,
        &format!("/{tenant}/oauth2/v2.0/revoke"),
        &[
            ("client_id", &caller),
            ("client_secret", &caller_secret),
            ("token", &token),
        ],
    )
    .await;
    assert_eq!(st, 200, "{b}");
    let (st, _, text) = introspect(s, &v2, (&api, &api_secret), &token, None).await;
    assert_eq!((st, text.as_str()), (200, INACTIVE), "revoked");

    // Introspection needs an authenticated confidential client.
    let (st, h, text) = introspect(s, &v2, (&api, "abc~wrong"), &token, None).await;
    let b: Value = serde_json::from_str(&text).unwrap();
    assert_entra_error(st, &h, &b, 401, "invalid_client", 7000215);
    let (st, h, b) = post_form(s, &v2, &[("token", &token)]).await;
    assert_eq!(st, 400, "{b}");
    assert_eq!(h.get("cache-control").unwrap(), "no-store");
    assert_eq!(b["error"], "invalid_request");
    let (st, h, b) = post_form(s, &v2, &[("client_id", &first_app), ("client_secret", &first_secret)]).await;
    assert_entra_error(st, &h, &b, 400, "invalid_request", 900144);
}

#[tokio::test]
async fn introspection_tells_a_resource_server_about_its_own_tokens_only() {
    let s = start();
    resource_server_learns_about_its_own_tokens_only(&s).await;
}

#[tokio::test]
async fn introspection_tells_a_resource_server_about_its_own_tokens_only_on_postgres() {
    let db = ScratchDb::create().await;
    let s = Server::start(
        bin(),
        ServerOptions {
            database_url: Some(db.url.clone()),
            ..Default::default()
        },
    );
    resource_server_learns_about_its_own_tokens_only(&s).await;
}

#[tokio::test]
async fn refresh_tokens_are_active_for_their_own_client_until_rotated_or_revoked() {
    let s = start();
    let (tenant, _, _) = first(&s);
    device_helpers::user(&s, "ada@contoso.com");
    let (web, secret) = web_app(&s, REDIRECT);
    let (other, other_secret) = web_app(&s, REDIRECT);
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let path = authorize_path(&tenant, &web, &[("code_challenge", ""), ("code_challenge_method", "")]);
    let mut b = Browser::new(&s);
    let page = b.get(&path).await;
    let consent = b.sign_in(&tenant, &page, "ada@contoso.com", PASSWORD).await;
    let a = answer(&b.consent(&tenant, &consent, true).await);
    let token_path = format!("/{tenant}/oauth2/v2.0/token");
    let (st, _, body) = post_form(
        &s,
        &token_path,
        &[
            ("grant_type", "authorization_code"),
            ("client_id", &web),
            ("client_secret", &secret),
            ("code", &a["code"]),
            ("redirect_uri", REDIRECT),
        ],
    )
    .await;
    assert_eq!(st, 200, "{body}");
    let refresh = body["refresh_token"]
        .as_str()
        .expect("offline_access gives a refresh token")
        .to_owned();
    let user_oid = b64_claims(body["access_token"].as_str().unwrap())["oid"].clone();
    let v2 = format!("/{tenant}/oauth2/v2.0/introspect");

    for hint in [None, Some("refresh_token"), Some("access_token")] {
        let (st, h, text) = introspect(&s, &v2, (&web, &secret), &refresh, hint).await;
        assert_eq!(st, 200, "{text}");
        assert_eq!(h.get("cache-control").unwrap(), "no-store");
        let r: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(r["active"], true, "{text}");
        assert_eq!(r["token_type"], "refresh_token");
        assert_eq!(r["client_id"], web.to_ascii_lowercase().as_str());
        assert_eq!(r["sub"], user_oid);
        assert!(r["scope"].as_str().unwrap().contains("offline_access"), "{text}");
        assert!(r["exp"].as_i64().unwrap() > r["iat"].as_i64().unwrap());
    }
    // Another client learns nothing about it.
    let (st, _, text) = introspect(&s, &v2, (&other, &other_secret), &refresh, None).await;
    assert_eq!((st, text.as_str()), (200, INACTIVE));

    // Rotated: the old one is inactive, the new one active.
    let (st, _, body) = post_form(
        &s,
        &token_path,
        &[
            ("grant_type", "refresh_token"),
            ("client_id", &web),
            ("client_secret", &secret),
            ("refresh_token", &refresh),
        ],
    )
    .await;
    assert_eq!(st, 200, "{body}");
    let next = body["refresh_token"].as_str().unwrap().to_owned();
    let (_, _, text) = introspect(&s, &v2, (&web, &secret), &refresh, Some("refresh_token")).await;
    assert_eq!(text, INACTIVE, "a rotated refresh token");
    let (_, _, text) = introspect(&s, &v2, (&web, &secret), &next, Some("refresh_token")).await;
    assert_eq!(serde_json::from_str::<Value>(&text).unwrap()["active"], true);

    // Revoked (its family): inactive.
    let (st, _, b) = post_form(
        &s,
        &format!("/{tenant}/oauth2/v2.0/revoke"),
        &[("client_id", &web), ("client_secret", &secret), ("token", &next)],
    )
    .await;
    assert_eq!(st, 200, "{b}");
    let (_, _, text) = introspect(&s, &v2, (&web, &secret), &next, None).await;
    assert_eq!(text, INACTIVE, "a revoked family");
}

#[tokio::test]
async fn discovery_advertises_the_introspection_endpoint_that_is_served() {
    let s = start();
    let (tenant, _, _) = first(&s);
    for (doc, expected) in [
        (
            format!("/{tenant}/v2.0/.well-known/openid-configuration"),
            format!("{}/{tenant}/oauth2/v2.0/introspect", s.base_url),
        ),
        (
            format!("/{tenant}/.well-known/openid-configuration"),
            format!("{}/{tenant}/oauth2/introspect", s.base_url),
        ),
    ] {
        let d: Value = s
            .client()
            .get(format!("{}{doc}", s.base_url))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(d["introspection_endpoint"], expected.as_str(), "{doc}");
        assert_eq!(
            d["introspection_endpoint_auth_methods_supported"],
            json!(["client_secret_post", "client_secret_basic", "private_key_jwt"])
        );
        // Served: an unauthenticated POST is refused as OAuth, not 404.
        let r = s.client().post(&expected).send().await.unwrap();
        assert_ne!(r.status(), 404);
    }
}
