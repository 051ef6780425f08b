//! The device-code flow (RFC 8628) end to end through the real binary: devicecode endpoint,
//! the verification page driven with plain HTTP, polling, and the tokens a user gets.

mod common;
mod device_helpers;
use base64::Engine;
use common::*;
use device_helpers::*;

#[tokio::test]
async fn azure_cli_device_login_gives_user_tokens() {
    let s = start();
    let (tenant, _, _) = first(&s);
    let ada = user(&s, "ada@contoso.com");
    let dc = devicecode(&s, &tenant, AZURE_CLI, ARM_SCOPE).await;
    let user_code = dc["user_code"].as_str().unwrap();
    assert_eq!(dc["expires_in"], 900);
    assert_eq!(dc["interval"], 5);
    assert!(dc["message"].as_str().unwrap().contains(user_code));
    let uri = dc["verification_uri"].as_str().unwrap();
    assert_eq!(uri, format!("{}/{tenant}/oauth2/deviceauth", s.base_url));

    let device_code = dc["device_code"].as_str().unwrap();
    let (st, h, b) = poll(&s, &tenant, AZURE_CLI, device_code).await;
    assert_entra_error(st, &h, &b, 400, "authorization_pending", 70016);
    let (st, h, b) = poll(&s, &tenant, AZURE_CLI, device_code).await;
    assert_entra_error(st, &h, &b, 400, "slow_down", 70016);

    let done = Browser::new(&s, uri)
        .complete(user_code, "ADA@contoso.com", PASSWORD, true)
        .await;
    assert_eq!(done.status, 200, "{}", done.body);
    assert!(done.body.contains("Microsoft Azure CLI"));

    let (st, h, body) = poll(&s, &tenant, AZURE_CLI, device_code).await;
    assert_eq!(st, 200, "{body}");
    assert_eq!(h.get("cache-control").unwrap(), "no-store");
    assert_eq!(body["scope"], ARM_SCOPE);
    assert!(body["refresh_token"].as_str().unwrap().starts_with("ghr."));
    let at = verify(
        &s,
        &tenant,
        body["access_token"].as_str().unwrap(),
        "https://management.core.windows.net/",
    )
    .await;
    assert_eq!(at["idtyp"], "user");
    assert_eq!(at["oid"], ada["id"]);
    assert_eq!(at["sub"], ada["id"]);
    assert_eq!(at["scp"], "user_impersonation");
    assert_eq!(at["azp"], AZURE_CLI);
    assert_eq!(at["azpacr"], "0");
    assert_eq!(at["preferred_username"], "ada@contoso.com");
    assert!(
        at["sid"].as_str().is_some_and(|s| !s.is_empty()),
        "sid names the refresh family"
    );
    let id = verify(&s, &tenant, body["id_token"].as_str().unwrap(), AZURE_CLI).await;
    assert_eq!(
        (&id["oid"], &id["tid"], &id["ver"]),
        (&ada["id"], &serde_json::json!(tenant), &serde_json::json!("2.0"))
    );
    assert_eq!(id["preferred_username"], "ada@contoso.com");
    assert_eq!(id["name"], "Ada Lovelace");
    let info = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(body["client_info"].as_str().unwrap())
        .unwrap();
    let info: serde_json::Value = serde_json::from_slice(&info).unwrap();
    assert_eq!(info, serde_json::json!({"uid": ada["id"], "utid": tenant}));
}

#[tokio::test]
async fn device_code_works_once() {
    let s = start();
    let (tenant, _, _) = first(&s);
    user(&s, "ada@contoso.com");
    let dc = devicecode(&s, &tenant, AZURE_CLI, ARM_SCOPE).await;
    Browser::new(&s, dc["verification_uri"].as_str().unwrap())
        .complete(dc["user_code"].as_str().unwrap(), "ada@contoso.com", PASSWORD, true)
        .await;
    let code = dc["device_code"].as_str().unwrap().to_owned();
    let mut tasks = Vec::new();
    for _ in 0..6 {
        let (s2, t2, c2) = (s.base_url.clone(), tenant.clone(), code.clone());
        let client = s.client();
        tasks.push(tokio::spawn(async move {
            let body = form_urlencoded(&[
                ("grant_type", DEVICE_GRANT),
                ("client_id", AZURE_CLI),
                ("device_code", &c2),
            ]);
            let r = client
                .post(format!("{s2}/{t2}/oauth2/v2.0/token"))
                .header("content-type", "application/x-www-form-urlencoded")
                .body(body)
                .send()
                .await
                .unwrap();
            r.status().as_u16()
        }));
    }
    let mut ok = 0;
    for t in tasks {
        ok += (t.await.unwrap() == 200) as usize;
    }
    assert_eq!(ok, 1, "N parallel redemptions of one device code: exactly one success");
    let (st, h, b) = poll(&s, &tenant, AZURE_CLI, &code).await;
    assert_entra_error(st, &h, &b, 400, "invalid_grant", 70000);
    // Another client cannot redeem someone else's device code.
    let dc2 = devicecode(&s, &tenant, AZURE_CLI, ARM_SCOPE).await;
    let (st, h, b) = poll(
        &s,
        &tenant,
        "1950a258-227b-4e31-a9cf-717495945fc2",
        dc2["device_code"].as_str().unwrap(),
    )
    .await;
    assert_entra_error(st, &h, &b, 400, "invalid_grant", 70000);
}

#[tokio::test]
async fn declined_device_code_is_refused() {
    let s = start();
    let (tenant, _, _) = first(&s);
    user(&s, "ada@contoso.com");
    let dc = devicecode(&s, &tenant, AZURE_CLI, ARM_SCOPE).await;
    let page = Browser::new(&s, dc["verification_uri"].as_str().unwrap())
        .complete(dc["user_code"].as_str().unwrap(), "ada@contoso.com", PASSWORD, false)
        .await;
    assert!(page.body.contains("declined"), "{}", page.body);
    let (st, h, b) = poll(&s, &tenant, AZURE_CLI, dc["device_code"].as_str().unwrap()).await;
    assert_entra_error(st, &h, &b, 400, "authorization_declined", 70000);
}

#[tokio::test]
async fn expired_device_code_is_refused() {
    let s = start();
    let (tenant, _, _) = first(&s);
    user(&s, "ada@contoso.com");
    // A device code that expires in 2 seconds, written where the server keeps them.
    let store = gatehouse_store::open_data_dir(&s.data_dir)
        .await
        .unwrap()
        .with_actor(gatehouse_core::model::Actor::operator());
    let t = gatehouse_core::model::now();
    let code = gatehouse_core::model::DeviceCode {
        device_code_hash: gatehouse_core::secret::sha256(b"short-lived-device-code"),
        user_code: "BCDFGHJKM".into(),
        tenant_id: tenant.clone(),
        client_id: AZURE_CLI.into(),
        scope: ARM_SCOPE.into(),
        state: gatehouse_core::model::DeviceCodeState::Pending,
        user_id: None,
        approval_hash: None,
        interval: 5,
        last_poll_ms: 0,
        created_at: t,
        expires_at: t + 2,
    };
    store.create_device_code(&code).await.unwrap();
    let (st, h, b) = poll(&s, &tenant, AZURE_CLI, "short-lived-device-code").await;
    assert_entra_error(st, &h, &b, 400, "authorization_pending", 70016);
    tokio::time::sleep(std::time::Duration::from_millis(3100)).await;
    let (st, h, b) = poll(&s, &tenant, AZURE_CLI, "short-lived-device-code").await;
    assert_entra_error(st, &h, &b, 400, "expired_token", 70020);
    let uri = format!("{}/{tenant}/oauth2/deviceauth", s.base_url);
    let mut b = Browser::new(&s, &uri);
    let csrf = b.get().await.hidden("csrf");
    let page = b
        .post(&[("csrf", &csrf), ("step", "code"), ("user_code", "BCDFGHJKM")])
        .await;
    assert_eq!(page.status, 400, "an expired user code is not accepted on the page");
}

#[tokio::test]
async fn verification_page_sends_csp_and_refuses_forms_without_the_csrf_token() {
    let s = start();
    let (tenant, _, _) = first(&s);
    let dc = devicecode(&s, &tenant, AZURE_CLI, ARM_SCOPE).await;
    let mut b = Browser::new(&s, dc["verification_uri"].as_str().unwrap());
    let page = b.get().await;
    assert_eq!(page.status, 200);
    let csp = page.headers.get("content-security-policy").unwrap().to_str().unwrap();
    assert!(
        csp.contains("default-src 'none'")
            && csp.contains("frame-ancestors 'none'")
            && csp.contains("form-action 'self'"),
        "{csp}"
    );
    assert_eq!(page.headers.get("x-frame-options").unwrap(), "DENY");
    assert_eq!(page.headers.get("cache-control").unwrap(), "no-store");
    let cookie = page.headers.get("set-cookie").unwrap().to_str().unwrap();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("Secure") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    assert!(!page.body.contains("<script"), "works without JavaScript");
    // A form without the token, or with another browser's token, is refused.
    let code = dc["user_code"].as_str().unwrap();
    let forged = b
        .post(&[("csrf", "A".repeat(43).as_str()), ("step", "code"), ("user_code", code)])
        .await;
    assert_eq!(forged.status, 400);
    assert!(forged.body.contains("form expired"), "{}", forged.body);
    let mut stranger = Browser::new(&s, dc["verification_uri"].as_str().unwrap());
    let no_cookie = stranger
        .post(&[("csrf", &page.hidden("csrf")), ("step", "code"), ("user_code", code)])
        .await;
    assert_eq!(no_cookie.status, 400);
    // Values are escaped.
    let typed = b
        .post(&[
            ("csrf", &page.hidden("csrf")),
            ("step", "code"),
            ("user_code", "<script>x</script>"),
        ])
        .await;
    assert_eq!(typed.status, 400);
    assert!(
        typed.body.contains("&lt;script&gt;") && !typed.body.contains("<script>x"),
        "{}",
        typed.body
    );
}

#[tokio::test]
async fn unknown_user_and_wrong_password_get_the_same_answer() {
    let s = start();
    let (tenant, _, _) = first(&s);
    user(&s, "ada@contoso.com");
    let dc = devicecode(&s, &tenant, AZURE_CLI, ARM_SCOPE).await;
    let uri = dc["verification_uri"].as_str().unwrap();
    let code = dc["user_code"].as_str().unwrap();
    let wrong = Browser::new(&s, uri)
        .sign_in(code, "ada@contoso.com", "not the password")
        .await;
    let unknown = Browser::new(&s, uri)
        .sign_in(code, "nobody@contoso.com", "not the password")
        .await;
    assert_eq!((wrong.status, unknown.status), (400, 400));
    let msg = |p: &Page| {
        p.body
            .split("role=\"alert\">")
            .nth(1)
            .unwrap()
            .split('<')
            .next()
            .unwrap()
            .to_owned()
    };
    assert_eq!(msg(&wrong), msg(&unknown));
    assert!(msg(&wrong).contains("invalid username or password"));
}

#[tokio::test]
async fn repeated_wrong_passwords_lock_the_account() {
    let s = start();
    let (tenant, _, _) = first(&s);
    user(&s, "ada@contoso.com");
    let dc = devicecode(&s, &tenant, AZURE_CLI, ARM_SCOPE).await;
    let uri = dc["verification_uri"].as_str().unwrap();
    let code = dc["user_code"].as_str().unwrap();
    for i in 0..10 {
        let p = Browser::new(&s, uri)
            .sign_in(code, "ada@contoso.com", &format!("guess number {i}"))
            .await;
        assert_eq!(p.status, 400, "attempt {i}");
    }
    // Locked: even the right password is refused, and says so.
    let p = Browser::new(&s, uri).sign_in(code, "ada@contoso.com", PASSWORD).await;
    assert_eq!(p.status, 429, "{}", p.body);
    assert!(p.body.contains("Too many failed attempts"), "{}", p.body);
    // A name that does not exist locks the same way, so a lock reveals nothing.
    for i in 0..10 {
        Browser::new(&s, uri)
            .sign_in(code, "ghost@contoso.com", &format!("guess number {i}"))
            .await;
    }
    let p = Browser::new(&s, uri).sign_in(code, "ghost@contoso.com", PASSWORD).await;
    assert_eq!(p.status, 429);
}

#[tokio::test]
async fn wrong_user_codes_are_rate_limited_per_source() {
    let s = start();
    let (tenant, _, _) = first(&s);
    let dc = devicecode(&s, &tenant, AZURE_CLI, ARM_SCOPE).await;
    let mut b = Browser::new(&s, dc["verification_uri"].as_str().unwrap());
    let csrf = b.get().await.hidden("csrf");
    for i in 0..30 {
        let p = b
            .post(&[("csrf", &csrf), ("step", "code"), ("user_code", "BCDFGHJKL")])
            .await;
        assert_eq!(p.status, 400, "attempt {i}");
    }
    let p = b
        .post(&[
            ("csrf", &csrf),
            ("step", "code"),
            ("user_code", dc["user_code"].as_str().unwrap()),
        ])
        .await;
    assert_eq!(p.status, 429, "the right code is refused while the source is locked");
}

#[tokio::test]
async fn devicecode_endpoints_v1_and_errors() {
    let s = start();
    let (tenant, app, _) = first(&s);
    let (st, _, b) = post_form(
        &s,
        &format!("/{tenant}/oauth2/devicecode"),
        &[
            ("client_id", AZURE_CLI),
            ("resource", "https://management.core.windows.net/"),
        ],
    )
    .await;
    assert_eq!(st, 200, "{b}");
    assert!(b["verification_url"].as_str().is_some(), "v1 answers verification_url");
    assert_eq!(b["expires_in"], "900");
    let (st, h, b) = post_form(
        &s,
        &format!("/{tenant}/oauth2/v2.0/devicecode"),
        &[("client_id", &app), ("scope", ARM_SCOPE)],
    )
    .await;
    assert_entra_error(st, &h, &b, 401, "invalid_client", 7000218);
    let (st, h, b) = post_form(
        &s,
        &format!("/{tenant}/oauth2/v2.0/devicecode"),
        &[("client_id", AZURE_CLI), ("scope", "https://nope.example/.default")],
    )
    .await;
    assert_entra_error(st, &h, &b, 400, "invalid_resource", 500011);
    let (st, h, b) = post_form(
        &s,
        &format!("/{tenant}/oauth2/v2.0/devicecode"),
        &[("client_id", AZURE_CLI)],
    )
    .await;
    assert_entra_error(st, &h, &b, 400, "invalid_request", 900144);
    let (st, h, b) = poll(&s, &tenant, AZURE_CLI, "no-such-code").await;
    assert_entra_error(st, &h, &b, 400, "invalid_grant", 70000);
    let doc: serde_json::Value = s
        .client()
        .get(format!("{}/{tenant}/v2.0/.well-known/openid-configuration", s.base_url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        doc["device_authorization_endpoint"],
        format!("{}/{tenant}/oauth2/v2.0/devicecode", s.base_url)
    );
}

/// Entra accepts the short `grant_type=device_code` (msal-common polls with it) beside the URN,
/// on the v2 and the v1 token endpoints alike.
#[tokio::test]
async fn short_device_code_grant_type_is_accepted_on_v2_and_v1() {
    let s = start();
    let (tenant, _, _) = first(&s);
    user(&s, "ada@contoso.com");
    for (path, grant_type) in [
        ("oauth2/v2.0/token", "device_code"),
        ("oauth2/v2.0/token", DEVICE_GRANT),
        ("oauth2/token", "device_code"),
        ("oauth2/token", DEVICE_GRANT),
    ] {
        let dc = devicecode(&s, &tenant, AZURE_CLI, ARM_SCOPE).await;
        let device_code = dc["device_code"].as_str().unwrap();
        let form = [
            ("grant_type", grant_type),
            ("client_id", AZURE_CLI),
            ("device_code", device_code),
        ];
        let (st, h, b) = post_form(&s, &format!("/{tenant}/{path}"), &form).await;
        assert_entra_error(st, &h, &b, 400, "authorization_pending", 70016);
        let done = Browser::new(&s, dc["verification_uri"].as_str().unwrap())
            .complete(dc["user_code"].as_str().unwrap(), "ada@contoso.com", PASSWORD, true)
            .await;
        assert_eq!(done.status, 200, "{}", done.body);
        let (st, _, b) = post_form(&s, &format!("/{tenant}/{path}"), &form).await;
        assert_eq!(st, 200, "{path} {grant_type}: {b}");
        let at = verify(
            &s,
            &tenant,
            b["access_token"].as_str().unwrap(),
            "https://management.core.windows.net/",
        )
        .await;
        if path == "oauth2/token" {
            assert_eq!(at["appid"], AZURE_CLI, "{path} {grant_type}");
            assert!(b["expires_in"].is_string(), "v1 answers strings: {b}");
        } else {
            assert_eq!(at["azp"], AZURE_CLI, "{path} {grant_type}");
            assert!(b["expires_in"].is_number(), "v2 answers numbers: {b}");
        }
    }
}
