//! Authorized apps end to end: the user's list (API with a bearer user token, and the page with
//! the sign-in session), revoking an app (consent gone, refresh tokens ended, `sid` published),
//! and the bearer checks of the `me` endpoints.

mod auth_helpers;
mod common;
mod device_helpers;
use auth_helpers::*;
use common::*;
use device_helpers::user;
use gatehouse_testkit::Server;
use serde_json::Value;

async fn refresh(s: &Server, tenant: &str, client: &str, rt: &str) -> (u16, Value) {
    let form = [
        ("grant_type", "refresh_token"),
        ("client_id", client),
        ("refresh_token", rt),
    ];
    let (st, _, body) = post_form(s, &format!("/{tenant}/oauth2/v2.0/token"), &form).await;
    (st, body)
}

async fn me(s: &Server, method: reqwest::Method, path: &str, bearer: Option<&str>) -> reqwest::Response {
    let mut r = s.client().request(method, format!("{}{path}", s.base_url));
    if let Some(b) = bearer {
        r = r.header("authorization", format!("Bearer {b}"));
    }
    r.send().await.unwrap()
}

/// Signs ada in to a registered public client (auth code + PKCE); returns (browser, tokens).
async fn signed_in(s: &Server, tenant: &str, client: &str) -> (Browser, Value) {
    let (b, a) = sign_in_and_consent(s, tenant, client, "ada@contoso.com", &[]).await;
    let (st, _, tokens) = redeem(s, tenant, client, &a["code"], Some(VERIFIER)).await;
    assert_eq!(st, 200, "{tokens}");
    (b, tokens)
}

#[tokio::test]
async fn revoking_an_authorized_app_ends_its_refresh_tokens() {
    let s = start();
    let (tenant, sp, secret) = first(&s);
    user(&s, "ada@contoso.com");
    let client = public_app(&s);
    let (_, tokens) = signed_in(&s, &tenant, &client).await;
    let at = tokens["access_token"].as_str().unwrap();
    let rt = tokens["refresh_token"].as_str().unwrap();
    let sid = b64_claims(at)["sid"].as_str().unwrap().to_owned();

    let path = format!("/{tenant}/me/authorizedApps");
    let r = me(&s, reqwest::Method::GET, &path, Some(at)).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["cache-control"], "no-store");
    let list: Value = r.json().await.unwrap();
    let app = list["value"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["appId"] == client.as_str())
        .unwrap();
    assert_eq!(app["displayName"], "spa");
    assert!(app["scopes"]
        .as_array()
        .unwrap()
        .iter()
        .any(|x| x == "https://graph.microsoft.com/User.Read"));
    assert!(app["lastUsedDateTime"].is_string(), "{app}");

    let (st, body) = refresh(&s, &tenant, &client, rt).await;
    assert_eq!(st, 200, "{body}");
    let rt = body["refresh_token"].as_str().unwrap().to_owned();
    // The refresh revoked the access token it replaced (same resource); its successor, of the
    // same family, is the one still valid.
    assert_eq!(
        me(&s, reqwest::Method::GET, &path, Some(at)).await.status(),
        401,
        "the replaced access token is refused"
    );
    let at = body["access_token"].as_str().unwrap().to_owned();
    let at = at.as_str();
    assert_eq!(b64_claims(at)["sid"], sid.as_str(), "same family");

    let del = format!("/{tenant}/me/authorizedApps/{client}");
    assert_eq!(me(&s, reqwest::Method::DELETE, &del, Some(at)).await.status(), 204);
    let (st, body) = refresh(&s, &tenant, &client, &rt).await;
    assert_eq!(st, 400, "{body}");
    assert_eq!(body["error"], "invalid_grant");
    assert!(
        feed_sids(&s, &tenant).await.contains(&sid),
        "the family's sid is published"
    );
    assert_eq!(
        me(&s, reqwest::Method::GET, &path, Some(at)).await.status(),
        401,
        "the access token of the revoked family is refused at once"
    );
    // Another sign-in (the Azure CLI, for Graph) to look at what is left.
    let other = device_helpers::device_login(&s, &tenant, "ada@contoso.com", "openid profile offline_access").await;
    let at = other["access_token"].as_str().unwrap();
    assert_eq!(me(&s, reqwest::Method::DELETE, &del, Some(at)).await.status(), 404);
    let list: Value = me(&s, reqwest::Method::GET, &path, Some(at))
        .await
        .json()
        .await
        .unwrap();
    assert!(list["value"]
        .as_array()
        .unwrap()
        .iter()
        .all(|a| a["appId"] != client.as_str()));

    // Signing in again asks for consent again.
    let mut b = Browser::new(&s);
    let page = b.get(&authorize_path(&tenant, &client, &[])).await;
    let consent = b
        .sign_in(&tenant, &page, "ada@contoso.com", device_helpers::PASSWORD)
        .await;
    assert_eq!(consent.status, 200);
    assert!(consent.body.contains("Permissions requested"));

    // An app-only token is not a user's.
    let (_, _, cc) = cc(&s, &tenant, &sp, &secret, "https://graph.microsoft.com/.default").await;
    let app_token = cc["access_token"].as_str().unwrap();
    assert_eq!(me(&s, reqwest::Method::GET, &path, Some(app_token)).await.status(), 401);
}

#[tokio::test]
async fn me_endpoints_refuse_missing_foreign_and_garbage_tokens() {
    let s = start();
    let (tenant, _, _) = first(&s);
    user(&s, "ada@contoso.com");
    let client = public_app(&s);
    let (_, tokens) = signed_in(&s, &tenant, &client).await;
    let at = tokens["access_token"].as_str().unwrap();
    let other = s.admin(&["tenant", "create", "--name", "other"]);
    let other_id = other["id"].as_str().unwrap();
    for (path, bearer) in [
        (format!("/{tenant}/me/authorizedApps"), None),
        (format!("/{tenant}/me/authorizedApps"), Some("garbage")),
        (format!("/{tenant}/me/authorizedApps"), Some("a.b.c")),
        (format!("/{other_id}/me/authorizedApps"), Some(at)),
        (
            format!("/{tenant}/openid/userinfo"),
            Some(tokens["id_token"].as_str().unwrap()),
        ),
    ] {
        let r = me(&s, reqwest::Method::GET, &path, bearer).await;
        assert_eq!(r.status(), 401, "{path}");
        assert!(r.headers()["www-authenticate"].to_str().unwrap().starts_with("Bearer"));
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["error"], "invalid_token");
    }
    let r = me(
        &s,
        reqwest::Method::DELETE,
        &format!("/{tenant}/me/authorizedApps/x"),
        None,
    )
    .await;
    assert_eq!(r.status(), 401);
}

#[tokio::test]
async fn authorized_apps_page_lists_and_revokes_with_the_session_cookie() {
    let s = start();
    let (tenant, _, _) = first(&s);
    user(&s, "ada@contoso.com");
    let client = public_app(&s);
    let (mut b, tokens) = signed_in(&s, &tenant, &client).await;
    let page = b.get(&format!("/{tenant}/myapps")).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.headers["content-security-policy"]
        .to_str()
        .unwrap()
        .contains("frame-ancestors 'none'"));
    assert!(page.body.contains("spa") && page.body.contains(&client) && page.body.contains("User.Read"));
    assert!(!page.body.contains("<script"));

    let path = format!("/{tenant}/myapps");
    let forged = b.post(&path, &[("step", "revoke"), ("app", &client)]).await;
    assert_eq!(forged.status, 400, "a form without the CSRF token is refused");
    let csrf = page.hidden("csrf");
    let done = b
        .post(&path, &[("csrf", &csrf), ("step", "revoke"), ("app", &client)])
        .await;
    assert_eq!(done.status, 303, "{}", done.body);
    let (st, _) = refresh(&s, &tenant, &client, tokens["refresh_token"].as_str().unwrap()).await;
    assert_eq!(st, 400);
    let page = b.get(&path).await;
    assert!(page.body.contains("You have not authorized any apps"), "{}", page.body);

    // Without a session the page asks to sign in, and signing in there shows the list.
    let mut fresh = Browser::new(&s);
    let page = fresh.get(&path).await;
    assert!(page.body.contains(r#"name="password""#));
    let wrong = fresh
        .post(
            &path,
            &[
                ("csrf", &page.hidden("csrf")),
                ("step", "signin"),
                ("username", "ada@contoso.com"),
                ("password", "nope-nope"),
            ],
        )
        .await;
    assert_eq!(wrong.status, 400);
    let ok = fresh
        .post(
            &path,
            &[
                ("csrf", &page.hidden("csrf")),
                ("step", "signin"),
                ("username", "ada@contoso.com"),
                ("password", device_helpers::PASSWORD),
            ],
        )
        .await;
    assert_eq!(ok.status, 303);
    assert!(fresh.get(&path).await.body.contains("Signed in as"));
}
