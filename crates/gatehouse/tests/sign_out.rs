//! Sign-out, userinfo and the administrator of the first start, end to end.

mod auth_helpers;
mod common;
mod device_helpers;
use auth_helpers::*;
use common::*;
use device_helpers::{device_login, user};
use serde_json::Value;

#[tokio::test]
async fn logout_ends_the_session_and_never_redirects_to_an_unregistered_uri() {
    let s = start();
    let (tenant, _, _) = first(&s);
    user(&s, "ada@contoso.com");
    let client = public_app(&s);
    let (mut b, _) = sign_in_and_consent(&s, &tenant, &client, "ada@contoso.com", &[]).await;
    // Signed in: the next authorization is answered without pages.
    let again = b.get(&authorize_path(&tenant, &client, &[])).await;
    assert_eq!(again.status, 302);

    let logout = format!("/{tenant}/oauth2/v2.0/logout");
    for bad in [
        "https://evil.example/",
        "http://localhost:3000/callback/../x",
        "http://localhost:3000/callbackx",
        "HTTP://LOCALHOST:3000/callback",
        "//evil.example",
    ] {
        let q = form_urlencoded(&[("client_id", &client), ("post_logout_redirect_uri", bad)]);
        let page = b.get(&format!("{logout}?{q}")).await;
        assert_eq!(page.status, 200, "{bad}");
        assert!(page.headers.get("location").is_none(), "{bad}");
        assert!(page.body.contains("You have signed out"));
    }
    // The built-in clients have no registered URIs to return to.
    let q = form_urlencoded(&[
        ("client_id", device_helpers::AZURE_CLI),
        ("post_logout_redirect_uri", "http://localhost:3000/callback"),
    ]);
    assert!(b.get(&format!("{logout}?{q}")).await.headers.get("location").is_none());
    // Without client_id there is nothing to check the URI against.
    let q = form_urlencoded(&[("post_logout_redirect_uri", REDIRECT)]);
    assert!(b.get(&format!("{logout}?{q}")).await.headers.get("location").is_none());

    // Sign in again (consent is already given), then sign out with the registered URI:
    // redirected, with state.
    let mut b = Browser::new(&s);
    let page = b.get(&authorize_path(&tenant, &client, &[])).await;
    let done = b
        .sign_in(&tenant, &page, "ada@contoso.com", device_helpers::PASSWORD)
        .await;
    assert_eq!(done.status, 303);
    let session = b.cookies["__Host-gh-session"].clone();
    let q = form_urlencoded(&[
        ("client_id", &client),
        ("post_logout_redirect_uri", REDIRECT),
        ("state", "a b"),
    ]);
    let out = b.get(&format!("{logout}?{q}")).await;
    assert_eq!(out.status, 302);
    assert_eq!(out.headers["location"], format!("{REDIRECT}?state=a%20b").as_str());
    let expired = out
        .headers
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|c| c.starts_with("__Host-gh-session="))
        .unwrap();
    assert!(expired.contains("Max-Age=0"), "{expired}");
    // The stored session is gone: the old cookie no longer signs anyone in.
    b.cookies.insert("__Host-gh-session".into(), session);
    let page = b.get(&authorize_path(&tenant, &client, &[])).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains(r#"name="password""#));
    // POST works too, and garbage never causes a server error.
    let out = b
        .post(
            &logout,
            &[
                ("client_id", "nope"),
                ("post_logout_redirect_uri", "javascript:alert(1)"),
            ],
        )
        .await;
    assert_eq!(out.status, 200);
    assert_eq!(b.get("/nonexistent/oauth2/v2.0/logout?x=1&x=2").await.status, 200);
}

#[tokio::test]
async fn userinfo_answers_for_a_user_token_and_discovery_announces_it() {
    let s = start();
    let (tenant, _, _) = first(&s);
    let ada = user(&s, "ada@contoso.com");
    let t = device_login(&s, &tenant, "ada@contoso.com", "openid profile offline_access").await;
    let at = t["access_token"].as_str().unwrap();
    for post in [false, true] {
        let url = format!("{}/{tenant}/openid/userinfo", s.base_url);
        let req = if post {
            s.client().post(&url)
        } else {
            s.client().get(&url)
        };
        let r = req.bearer_auth(at).send().await.unwrap();
        assert_eq!(r.status(), 200);
        let info: Value = r.json().await.unwrap();
        assert_eq!(info["oid"], ada["id"]);
        assert_eq!(info["sub"], b64_claims(at)["sub"]);
        assert_eq!(info["tid"], tenant.as_str());
        assert_eq!(info["preferred_username"], "ada@contoso.com");
        assert_eq!(info["name"], "Ada Lovelace");
    }
    let meta: Value = s
        .client()
        .get(format!("{}/{tenant}/v2.0/.well-known/openid-configuration", s.base_url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        meta["userinfo_endpoint"],
        format!("{}/{tenant}/openid/userinfo", s.base_url).as_str()
    );
    assert_eq!(
        meta["end_session_endpoint"],
        format!("{}/{tenant}/oauth2/v2.0/logout", s.base_url).as_str()
    );
}

#[tokio::test]
async fn first_start_creates_an_administrator_who_can_sign_in() {
    let s = start();
    let (tenant, _, _) = first(&s);
    let out = s.output();
    let field = |label: &str| {
        out.lines()
            .find_map(|l| l.trim_start().strip_prefix(label).map(|v| v.trim().to_owned()))
            .unwrap()
    };
    let (upn, password) = (field("sign-in name:"), field("password:"));
    assert_eq!(upn, "admin@default");
    assert!(password.len() >= 20);
    assert!(out.contains("gatehouse user update"));
    let mut b = Browser::new(&s);
    let path = format!("/{tenant}/myapps");
    let page = b.get(&path).await;
    let form = [
        ("csrf", page.hidden("csrf")),
        ("step", "signin".into()),
        ("username", upn),
        ("password", password),
    ];
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    // The printed password works once: the first sign-in asks for a new one.
    let change = b.post(&path, &form).await;
    assert_eq!(change.status, 200, "{}", change.body);
    let mut form = form.clone();
    form[1] = ("step", "change_password");
    form.extend([
        ("new_password", "the administrator's own"),
        ("confirm_password", "the administrator's own"),
    ]);
    assert_eq!(b.post(&path, &form).await.status, 303);
    // Restarting does not create another one or print the password again.
    let listed = s.admin(&["user", "list"]);
    assert_eq!(listed.as_array().unwrap().len(), 1);
}
