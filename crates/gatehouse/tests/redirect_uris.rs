//! Redirect URI rules at registration and at use (issue 7, finding 1): a URI that runs script,
//! carries a fragment or user information, or sends codes over plain http to another host is
//! never registered, and one stored before the rules existed is refused on a page, never rendered
//! into the form_post answer.

mod common;
use common::*;

const DANGEROUS: &[&str] = &[
    "JaVaScRiPt:alert(document.domain)//",
    "javascript:alert(1)",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "DaTa:text/html,<script>alert(1)</script>",
    "vbscript:msgbox(1)",
    "file:///etc/passwd",
    "https://app.example.com/callback#fragment",
    "https://user:pw@app.example.com/callback",
    "http://app.example.com/callback",
];

#[tokio::test]
async fn registration_refuses_redirect_uris_that_run_script_or_leak_codes() {
    let s = start();
    for uri in DANGEROUS {
        let out = s.admin_raw(&["app", "create", "--name", "evil", "--redirect-uri", uri]);
        assert!(!out.status.success(), "{uri} was registered");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("cannot be registered"), "{uri}: {err}");
    }
    let apps = s.admin(&["app", "list"]);
    assert!(
        apps.as_array().unwrap().iter().all(|a| a["displayName"] != "evil"),
        "nothing was stored: {apps}"
    );
    // What is allowed still is.
    for uri in [
        "https://app.example.com/callback",
        "http://localhost:3000/callback",
        "http://127.0.0.1:8400/",
        "http://[::1]:5000/cb",
        "com.example.app:/oauth2redirect",
    ] {
        let out = s.admin_raw(&["app", "create", "--name", "fine", "--redirect-uri", uri]);
        assert!(out.status.success(), "{uri}: {}", String::from_utf8_lossy(&out.stderr));
    }
}

#[tokio::test]
async fn a_stored_unsafe_redirect_uri_is_never_rendered_into_a_form() {
    let s = start();
    let (tenant, _, _) = first(&s);
    let app = s.admin(&[
        "app",
        "create",
        "--name",
        "legacy",
        "--public",
        "--redirect-uri",
        "https://app.example.com/callback",
    ]);
    let app_id = app["appId"].as_str().unwrap().to_owned();
    // A value stored before the rules existed: written straight into the database.
    let bad = "JaVaScRiPt:alert(document.domain)//";
    {
        let store = gatehouse_store::open_data_dir(&s.data_dir)
            .await
            .unwrap()
            .with_actor(gatehouse_core::model::Actor::operator());
        let mut stored = store
            .application_by_app_id(&tenant, &app_id)
            .await
            .unwrap()
            .expect("the app");
        stored.redirect_uris = vec![bad.to_owned()];
        store.update_application(&stored).await.unwrap();
    }
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    // An authorize request that would fail (no PKCE for a public client, form_post): before the
    // rules it was answered with an auto-submitting form posting to the javascript: URI.
    let path = format!(
        "/{tenant}/oauth2/v2.0/authorize?client_id={app_id}&response_type=code&response_mode=form_post&scope=openid&redirect_uri={}",
        urlencode(bad)
    );
    let r = s.client().get(format!("{}{path}", s.base_url)).send().await.unwrap();
    assert_eq!(r.status(), 400);
    let body = r.text().await.unwrap();
    let lower = body.to_ascii_lowercase();
    assert!(!lower.contains("action=\"javascript"), "{body}");
    assert!(!lower.contains("<script"), "{body}");
    assert!(body.contains("not allowed"), "the page says why: {body}");
    // Sign-out never redirects to it either.
    let pem = std::fs::read(s.ca_file()).unwrap();
    let no_redirects = reqwest::Client::builder()
        .tls_certs_only([reqwest::Certificate::from_pem(&pem).unwrap()])
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let r = no_redirects
        .get(format!(
            "{}/{tenant}/oauth2/v2.0/logout?client_id={app_id}&post_logout_redirect_uri={}",
            s.base_url,
            urlencode(bad)
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "the signed-out page, no redirect");
    assert!(r.headers().get("location").is_none());
}

fn urlencode(s: &str) -> String {
    form_urlencoded(&[("x", s)]).trim_start_matches("x=").to_owned()
}
