//! The authorization-code flow with PKCE end to end through the real binary: the authorize
//! endpoint's sign-in and consent pages driven with plain HTTP (cookies, no JavaScript), the
//! answers to the client, code redemption and refresh, and the security rules around them.

mod auth_helpers;
mod common;
mod device_helpers;
use auth_helpers::*;
use common::*;
use device_helpers::{user, AZURE_CLI, PASSWORD};

#[tokio::test]
async fn auth_code_with_pkce_signs_in_consents_and_refreshes() {
    let s = start();
    let (tenant, _, _) = first(&s);
    let ada = user(&s, "ada@contoso.com");
    let client = public_app(&s);
    let mut b = Browser::new(&s);
    let page = b
        .get(&authorize_path(&tenant, &client, &[("login_hint", "ada@contoso.com")]))
        .await;
    assert_eq!(page.status, 200, "{}", page.body);
    let csp = page.headers.get("content-security-policy").unwrap().to_str().unwrap();
    assert!(
        csp.contains("frame-ancestors 'none'") && csp.contains("default-src 'none'"),
        "{csp}"
    );
    assert!(csp.contains("form-action 'self' http://localhost:3000"), "{csp}");
    assert_eq!(page.headers.get("x-frame-options").unwrap(), "DENY");
    assert!(!page.body.contains("<script"), "the pages need no JavaScript");
    assert!(page.body.contains(r#"value="ada@contoso.com""#), "login_hint prefilled");

    let wrong = b.sign_in(&tenant, &page, "ada@contoso.com", "wrong password").await;
    assert_eq!(wrong.status, 400);
    assert!(wrong.body.contains("invalid username or password"), "{}", wrong.body);
    let consent = b.sign_in(&tenant, &wrong, "ada@contoso.com", PASSWORD).await;
    assert_eq!(consent.status, 200, "{}", consent.body);
    let set_cookies: Vec<&str> = consent
        .headers
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap())
        .collect();
    let session = set_cookies
        .iter()
        .find(|c| c.starts_with("__Host-gh-session="))
        .unwrap();
    for attr in ["HttpOnly", "Secure", "SameSite=Lax", "Path=/"] {
        assert!(session.contains(attr), "{session}");
    }
    assert!(consent.body.contains("User.Read") && consent.body.contains("Sign you in"));
    let done = b.consent(&tenant, &consent, true).await;
    assert_eq!(done.status, 303);
    let a = answer(&done);
    assert!(done
        .headers
        .get("location")
        .unwrap()
        .to_str()
        .unwrap()
        .starts_with(REDIRECT));
    assert_eq!(a["state"], "st-123");
    assert_eq!(a["iss"], format!("{}/{tenant}/v2.0", s.base_url), "RFC 9207 iss");

    let (st, h, body) = redeem(&s, &tenant, &client, &a["code"], Some(VERIFIER)).await;
    assert_eq!(st, 200, "{body}");
    assert_eq!(h.get("cache-control").unwrap(), "no-store");
    assert_eq!(body["scope"], SCOPE);
    let at = verify(
        &s,
        &tenant,
        body["access_token"].as_str().unwrap(),
        "https://graph.microsoft.com",
    )
    .await;
    assert_eq!((&at["oid"], &at["scp"]), (&ada["id"], &serde_json::json!("User.Read")));
    assert_eq!(at["azp"], client);
    let id = verify(&s, &tenant, body["id_token"].as_str().unwrap(), &client).await;
    assert_eq!(id["nonce"], "n-456", "nonce round-trips into the id_token");
    assert_eq!(id["sid"], at["sid"]);

    let (st, _, fresh) = post_form(
        &s,
        &format!("/{tenant}/oauth2/v2.0/token"),
        &[
            ("grant_type", "refresh_token"),
            ("client_id", &client),
            ("refresh_token", body["refresh_token"].as_str().unwrap()),
        ],
    )
    .await;
    assert_eq!(st, 200, "{fresh}");
    assert_ne!(fresh["refresh_token"], body["refresh_token"]);

    // Signed in and consented: the next request is answered at once.
    let again = b.get(&authorize_path(&tenant, &client, &[("state", "two")])).await;
    let a2 = answer(&again);
    assert_eq!((a2["state"].as_str(), again.status), ("two", 302));
    // A new scope asks for consent again (and only then).
    let more = authorize_path(&tenant, &client, &[("scope", "User.Read Mail.Read openid")]);
    let asked = b.get(&more).await;
    assert_eq!(asked.status, 200);
    assert!(asked.body.contains("Mail.Read"), "{}", asked.body);
    // prompt=login asks for the password despite the session; prompt=consent asks consent.
    let login = b.get(&authorize_path(&tenant, &client, &[("prompt", "login")])).await;
    assert!(login.body.contains(r#"name="password""#), "{}", login.body);
    // prompt=select_account offers the signed-in account (no password) or another one.
    let pick = b
        .get(&authorize_path(
            &tenant,
            &client,
            &[("prompt", "select_account"), ("state", "three")],
        ))
        .await;
    assert_eq!(pick.status, 200, "{}", pick.body);
    assert!(pick.body.contains("Continue as ada@contoso.com"), "{}", pick.body);
    assert!(!pick.body.contains(r#"name="password""#), "{}", pick.body);
    let (csrf, q) = (pick.hidden("csrf"), unescape(&pick.hidden("q")));
    let pick_form = |account| {
        [
            ("csrf", csrf.as_str()),
            ("step", "pick_account"),
            ("q", q.as_str()),
            ("account", account),
        ]
    };
    let path = format!("/{tenant}/oauth2/v2.0/authorize");
    let sign_in_page = b.post(&path, &pick_form("other")).await;
    assert!(
        sign_in_page.body.contains(r#"name="password""#),
        "{}",
        sign_in_page.body
    );
    let kept = b.post(&path, &pick_form("current")).await;
    let a3 = answer(&kept);
    assert_eq!((a3["state"].as_str(), kept.status), ("three", 303), "{}", kept.body);
    assert!(a3.contains_key("code"));
    let consent_again = b.get(&authorize_path(&tenant, &client, &[("prompt", "consent")])).await;
    assert!(
        consent_again.body.contains(r#"value="consent""#),
        "{}",
        consent_again.body
    );
    let declined = b.consent(&tenant, &consent_again, false).await;
    let d = answer(&declined);
    assert_eq!((d["error"].as_str(), d["state"].as_str()), ("access_denied", "st-123"));
    assert!(d.contains_key("iss"));
}

#[tokio::test]
async fn redirect_uri_variants_are_refused_on_a_page_never_redirected() {
    let s = start();
    let (tenant, _, _) = first(&s);
    let client = public_app(&s);
    let mut b = Browser::new(&s);
    for bad in [
        "http://LOCALHOST:3000/callback",
        "http://localhost:3000/Callback",
        "http://localhost:3000/callback?x=1",
        "http://localhost:3000/callback/extra",
        "http://localhost:3000/callback.evil.com",
        "http://localhost:3000.evil.com/callback",
        "http://localhost:3000@evil.com/callback",
        "http://evil.com@localhost:3000/callback",
        "http://localhost:3000/callback#frag",
        "javascript:alert(1)//http://localhost:3000/callback",
        "https://evil.com/callback",
        "",
    ] {
        let page = b.get(&authorize_path(&tenant, &client, &[("redirect_uri", bad)])).await;
        assert_eq!(page.status, 400, "{bad}: {}", page.body);
        assert!(page.headers.get("location").is_none(), "{bad} must not redirect");
        assert!(!page.body.contains(r#"name="password""#), "{bad}");
        assert!(!page.body.contains("evil.com"), "{bad}: {}", page.body);
    }
    // Unknown client and unknown tenant are pages too.
    let page = b
        .get(&authorize_path(&tenant, "00000000-0000-0000-0000-000000000001", &[]))
        .await;
    assert_eq!((page.status, page.headers.get("location")), (400, None));
    let page = b.get(&authorize_path("no-such-tenant", &client, &[])).await;
    assert_eq!((page.status, page.headers.get("location")), (400, None));
    // The Azure CLI takes loopback on any port, nothing else.
    for ok in [
        "http://localhost:8400",
        "http://127.0.0.1:51234/",
        "http://localhost:1/cb",
    ] {
        let page = b
            .get(&authorize_path(&tenant, AZURE_CLI, &[("redirect_uri", ok)]))
            .await;
        assert_eq!(page.status, 200, "{ok}: {}", page.body);
    }
    for bad in [
        "https://localhost:8400",
        "http://localhost.evil.com:8400",
        "http://localhost:8400?x=1",
        "http://[::2]:8400",
        "http://10.0.0.1:8400",
    ] {
        let page = b
            .get(&authorize_path(&tenant, AZURE_CLI, &[("redirect_uri", bad)]))
            .await;
        assert_eq!((page.status, page.headers.get("location")), (400, None), "{bad}");
    }
}

#[tokio::test]
async fn authorization_code_replay_revokes_what_it_issued() {
    let s = start();
    let (tenant, _, _) = first(&s);
    user(&s, "ada@contoso.com");
    let client = public_app(&s);
    let (_, a) = sign_in_and_consent(&s, &tenant, &client, "ada@contoso.com", &[]).await;
    let code = a["code"].clone();
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let (base, t, c, code, http) = (
            s.base_url.clone(),
            tenant.clone(),
            client.clone(),
            code.clone(),
            s.client(),
        );
        tasks.push(tokio::spawn(async move {
            let body = form_urlencoded(&[
                ("grant_type", "authorization_code"),
                ("client_id", &c),
                ("code", &code),
                ("redirect_uri", REDIRECT),
                ("code_verifier", VERIFIER),
            ]);
            let r = http
                .post(format!("{base}/{t}/oauth2/v2.0/token"))
                .header("content-type", "application/x-www-form-urlencoded")
                .body(body)
                .send()
                .await
                .unwrap();
            (r.status().as_u16(), r.json::<serde_json::Value>().await.unwrap())
        }));
    }
    let mut wins = Vec::new();
    for t in tasks {
        let (st, body) = t.await.unwrap();
        if st == 200 {
            wins.push(body);
        } else {
            assert_eq!(body["error_codes"][0], 54005, "{body}");
        }
    }
    assert_eq!(wins.len(), 1, "N parallel redemptions of one code: exactly one success");
    let issued = &wins[0];
    let sid = b64_claims(issued["access_token"].as_str().unwrap())["sid"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(feed_sids(&s, &tenant).await.contains(&sid), "replay publishes the sid");
    let (st, h, b) = post_form(
        &s,
        &format!("/{tenant}/oauth2/v2.0/token"),
        &[
            ("grant_type", "refresh_token"),
            ("client_id", &client),
            ("refresh_token", issued["refresh_token"].as_str().unwrap()),
        ],
    )
    .await;
    assert_entra_error(st, &h, &b, 400, "invalid_grant", 70008);
    // A later replay is refused the same way.
    let (st, h, b) = redeem(&s, &tenant, &client, &code, Some(VERIFIER)).await;
    assert_entra_error(st, &h, &b, 400, "invalid_grant", 54005);
}

#[tokio::test]
async fn pkce_plain_missing_downgrade_and_wrong_verifier_are_refused() {
    let s = start();
    let (tenant, _, _) = first(&s);
    user(&s, "ada@contoso.com");
    let client = public_app(&s);
    let mut b = Browser::new(&s);
    // plain, a missing method (which means plain) and no PKCE at all: back to the client.
    for extra in [
        vec![("code_challenge_method", "plain"), ("code_challenge", VERIFIER)],
        vec![("code_challenge_method", "")],
        vec![("code_challenge", ""), ("code_challenge_method", "")],
    ] {
        let page = b.get(&authorize_path(&tenant, &client, &extra)).await;
        let a = answer(&page);
        assert_eq!(a["error"], "invalid_request", "{extra:?}: {a:?}");
        assert_eq!((a["state"].as_str(), a.contains_key("iss")), ("st-123", true));
    }
    // A code issued with a challenge needs the right verifier; a wrong one does not spend it.
    let (_, a) = sign_in_and_consent(&s, &tenant, &client, "ada@contoso.com", &[]).await;
    let (st, h, body) = redeem(&s, &tenant, &client, &a["code"], None).await;
    assert_entra_error(st, &h, &body, 400, "invalid_grant", 501481);
    let wrong = "x".repeat(43);
    let (st, h, body) = redeem(&s, &tenant, &client, &a["code"], Some(&wrong)).await;
    assert_entra_error(st, &h, &body, 400, "invalid_grant", 501481);
    let (st, h, body) = post_form(
        &s,
        &format!("/{tenant}/oauth2/v2.0/token"),
        &[
            ("grant_type", "authorization_code"),
            ("client_id", &client),
            ("code", &a["code"]),
            ("redirect_uri", "http://localhost:3000/other"),
            ("code_verifier", VERIFIER),
        ],
    )
    .await;
    assert_entra_error(st, &h, &body, 400, "invalid_grant", 50011);
    let (st, h, body) = redeem(&s, &tenant, AZURE_CLI, &a["code"], Some(VERIFIER)).await;
    assert_entra_error(st, &h, &body, 400, "invalid_grant", 70000);
    let (st, _, body) = redeem(&s, &tenant, &client, &a["code"], Some(VERIFIER)).await;
    assert_eq!(st, 200, "{body}");

    // A confidential client may skip PKCE, but then a verifier is a downgrade attempt.
    let web_redirect = REDIRECT;
    let (web, secret) = web_app(&s, web_redirect);
    let path = authorize_path(&tenant, &web, &[("code_challenge", ""), ("code_challenge_method", "")]);
    let mut b = Browser::new(&s);
    let page = b.get(&path).await;
    let consent = b.sign_in(&tenant, &page, "ada@contoso.com", PASSWORD).await;
    let a = answer(&b.consent(&tenant, &consent, true).await);
    let token = format!("/{tenant}/oauth2/v2.0/token");
    let mut form = vec![
        ("grant_type", "authorization_code"),
        ("client_id", web.as_str()),
        ("client_secret", secret.as_str()),
        ("code", a["code"].as_str()),
        ("redirect_uri", web_redirect),
        ("code_verifier", VERIFIER),
    ];
    let (st, h, body) = post_form(&s, &token, &form).await;
    assert_entra_error(st, &h, &body, 400, "invalid_grant", 50148);
    form.pop();
    let (st, _, body) = post_form(&s, &token, &form).await;
    assert_eq!(st, 200, "{body}");
}

#[tokio::test]
async fn form_post_answer_and_prompt_none_without_session() {
    let s = start();
    let (tenant, _, _) = first(&s);
    user(&s, "ada@contoso.com");
    let client = public_app(&s);
    let mut b = Browser::new(&s);
    let page = b.get(&authorize_path(&tenant, &client, &[("prompt", "none")])).await;
    let a = answer(&page);
    assert_eq!(a["error"], "login_required");
    assert_eq!(a["error_codes"], "50058");
    assert_eq!((a["state"].as_str(), a.contains_key("iss")), ("st-123", true));

    let page = b
        .get(&authorize_path(&tenant, &client, &[("response_mode", "form_post")]))
        .await;
    let consent = b.sign_in(&tenant, &page, "ada@contoso.com", PASSWORD).await;
    let done = b.consent(&tenant, &consent, true).await;
    assert_eq!(done.status, 200, "{}", done.body);
    assert!(done.headers.get("location").is_none());
    assert!(
        done.body
            .contains(&format!(r#"<form method="post" action="{REDIRECT}">"#)),
        "{}",
        done.body
    );
    assert!(
        done.body.contains(r#"<button type="submit">"#),
        "works without JavaScript"
    );
    let csp = done.headers.get("content-security-policy").unwrap().to_str().unwrap();
    assert!(
        csp.contains("script-src 'sha256-") && csp.contains("http://localhost:3000"),
        "{csp}"
    );
    let code = unescape(&done.hidden("code"));
    assert_eq!(unescape(&done.hidden("state")), "st-123");
    assert_eq!(unescape(&done.hidden("iss")), format!("{}/{tenant}/v2.0", s.base_url));
    let (st, _, body) = redeem(&s, &tenant, &client, &code, Some(VERIFIER)).await;
    assert_eq!(st, 200, "{body}");
    // Signed in now: prompt=none is answered with a code.
    let silent = b.get(&authorize_path(&tenant, &client, &[("prompt", "none")])).await;
    assert!(answer(&silent).contains_key("code"));
}

/// Entra's v1 authorization endpoint: `resource=` instead of a scope; the pages post back to the
/// v1 path, and the code redeemed at the v1 token endpoint gives a v1 token for that resource.
#[tokio::test]
async fn v1_authorize_with_resource_gives_a_code_for_that_resource() {
    let s = start();
    let (tenant, _, _) = first(&s);
    let ada = user(&s, "ada@contoso.com");
    let redirect = "http://localhost:8400";
    let arm = "https://management.core.windows.net/";
    let query = form_urlencoded(&[
        ("client_id", AZURE_CLI),
        ("response_type", "code"),
        ("redirect_uri", redirect),
        ("resource", arm),
        ("scope", "openid profile"),
        ("state", "v1-state"),
        ("code_challenge", CHALLENGE),
        ("code_challenge_method", "S256"),
    ]);
    let path = format!("/{tenant}/oauth2/authorize");
    let mut b = Browser::new(&s);
    let page = b.get(&format!("{path}?{query}")).await;
    assert_eq!(page.status, 200, "{}", page.body);
    let q = unescape(&page.hidden("q"));
    assert!(
        q.contains("scope=https%3A%2F%2Fmanagement.core.windows.net%2F%2F.default+openid+offline_access+profile"),
        "the v1 request is carried as the v2 one it means: {q}"
    );
    let mut next = b
        .post(
            &path,
            &[
                ("csrf", &page.hidden("csrf")),
                ("step", "signin"),
                ("q", &q),
                ("username", "ada@contoso.com"),
                ("password", PASSWORD),
            ],
        )
        .await;
    if next.status == 200 && next.body.contains(r#"value="consent""#) {
        next = b
            .post(
                &path,
                &[
                    ("csrf", &next.hidden("csrf")),
                    ("step", "consent"),
                    ("q", &unescape(&next.hidden("q"))),
                    ("decision", "approve"),
                ],
            )
            .await;
    }
    let loc = next.headers.get("location").map(|l| l.to_str().unwrap().to_owned());
    assert!(
        loc.as_deref().is_some_and(|l| l.starts_with(redirect)),
        "{} {loc:?} {}",
        next.status,
        next.body
    );
    let a = answer(&next);
    assert_eq!(a["state"], "v1-state");
    let (st, _, body) = post_form(
        &s,
        &format!("/{tenant}/oauth2/token"),
        &[
            ("grant_type", "authorization_code"),
            ("client_id", AZURE_CLI),
            ("code", &a["code"]),
            ("redirect_uri", redirect),
            ("resource", arm),
            ("code_verifier", VERIFIER),
        ],
    )
    .await;
    assert_eq!(st, 200, "{body}");
    assert!(body["expires_in"].is_string(), "a v1 answer: {body}");
    assert!(
        body["refresh_token"].is_string() && body["id_token"].is_string(),
        "{body}"
    );
    let at = b64_claims(body["access_token"].as_str().unwrap());
    assert_eq!(
        (&at["aud"], &at["oid"], &at["ver"]),
        (&serde_json::json!(arm), &ada["id"], &serde_json::json!("1.0"))
    );
    // Without resource, the request is a v2 one on the v1 path: the scope as given.
    let page = b
        .get(&format!(
            "{path}?{}",
            form_urlencoded(&[
                ("client_id", AZURE_CLI),
                ("response_type", "code"),
                ("redirect_uri", redirect),
                ("scope", "https://management.core.windows.net//.default openid"),
                ("state", "v1-b"),
                ("code_challenge", CHALLENGE),
                ("code_challenge_method", "S256"),
            ])
        ))
        .await;
    let a = answer(&page);
    assert_eq!(
        (a["state"].as_str(), a.contains_key("code")),
        ("v1-b", true),
        "signed in already"
    );
}
