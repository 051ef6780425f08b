//! Scopes declared by resource APIs end to end: implication into `scp`, unknown names refused,
//! `.default`, and tenant-wide admin consent that spares users the consent page.

mod auth_helpers;
mod common;
mod device_helpers;
use auth_helpers::{answer, authorize_path, b64_claims, public_app, redeem, Browser, VERIFIER};
use common::*;
use device_helpers::{device_login, user, AZURE_CLI, PASSWORD};

fn code_api(s: &gatehouse_testkit::Server) -> serde_json::Value {
    s.admin(&[
        "api",
        "create",
        "--name",
        "code",
        "--identifier-uri",
        "api://code",
        "--scope",
        "code_manage:code_write",
        "--scope",
        "code_write",
        "--scope",
        "code_read",
    ])
}

#[tokio::test]
async fn declared_scopes_imply_others_and_unknown_ones_are_refused() {
    let s = start();
    let (tenant, _, _) = first(&s);
    user(&s, "ada@contoso.com");
    let api = code_api(&s);
    assert_eq!(api["oauth2PermissionScopes"][0]["implies"][0], "code_write");

    let t = device_login(
        &s,
        &tenant,
        "ada@contoso.com",
        "api://code/code_manage openid offline_access",
    )
    .await;
    let claims = b64_claims(t["access_token"].as_str().unwrap());
    assert_eq!(claims["scp"], "code_manage code_write");
    assert_eq!(claims["aud"], "api://code");

    let (st, h, body) = post_form(
        &s,
        &format!("/{tenant}/oauth2/v2.0/devicecode"),
        &[("client_id", AZURE_CLI), ("scope", "api://code/code_delete openid")],
    )
    .await;
    assert_entra_error(st, &h, &body, 400, "invalid_scope", 650053);

    // `.default` for a built-in client: every declared scope.
    let t = device_login(&s, &tenant, "ada@contoso.com", "api://code/.default openid").await;
    let scp = b64_claims(t["access_token"].as_str().unwrap())["scp"].clone();
    assert_eq!(scp, "code_manage code_write code_read");

    // An API without declared scopes keeps the old behaviour.
    s.admin(&["api", "create", "--name", "open", "--identifier-uri", "api://open"]);
    let t = device_login(&s, &tenant, "ada@contoso.com", "api://open/.default openid").await;
    assert_eq!(
        b64_claims(t["access_token"].as_str().unwrap())["scp"],
        "user_impersonation"
    );
    let t = device_login(&s, &tenant, "ada@contoso.com", "api://open/anything openid").await;
    assert_eq!(b64_claims(t["access_token"].as_str().unwrap())["scp"], "anything");

    // Declarations are checked by the CLI.
    let bad = s.admin_raw(&["api", "create", "--name", "bad", "--scope", "a:missing"]);
    assert!(!bad.status.success());
}

#[tokio::test]
async fn admin_consent_spares_users_the_consent_page() {
    let s = start();
    let (tenant, _, _) = first(&s);
    user(&s, "ada@contoso.com");
    code_api(&s);
    let client = public_app(&s);
    let refused = s.admin_raw(&[
        "app",
        "consent",
        "grant",
        "--app",
        &client,
        "--api",
        "api://code",
        "--scope",
        "code_delete",
    ]);
    assert!(!refused.status.success(), "undeclared scopes cannot be consented");
    s.admin(&[
        "app",
        "consent",
        "grant",
        "--app",
        &client,
        "--api",
        "api://code",
        "--scope",
        "code_read",
    ]);

    let mut refresh_tokens = Vec::new();
    for (scope, scp) in [
        ("api://code/code_read openid offline_access", "code_read"),
        ("api://code/.default openid", "code_read"),
    ] {
        let mut b = Browser::new(&s);
        let page = b.get(&authorize_path(&tenant, &client, &[("scope", scope)])).await;
        assert_eq!(page.status, 200, "{}", page.body);
        let done = b.sign_in(&tenant, &page, "ada@contoso.com", PASSWORD).await;
        let a = answer(&done);
        let (st, _, body) = redeem(&s, &tenant, &client, &a["code"], Some(VERIFIER)).await;
        assert_eq!(st, 200, "{body}");
        assert_eq!(b64_claims(body["access_token"].as_str().unwrap())["scp"], scp);
        refresh_tokens.extend(body["refresh_token"].as_str().map(str::to_owned));
    }
    assert!(!refresh_tokens.is_empty(), "offline_access gave a refresh token");

    // What the administrator did not consent to is still asked.
    let mut b = Browser::new(&s);
    let page = b
        .get(&authorize_path(
            &tenant,
            &client,
            &[("scope", "api://code/code_manage openid")],
        ))
        .await;
    let consent = b.sign_in(&tenant, &page, "ada@contoso.com", PASSWORD).await;
    assert_eq!(consent.status, 200, "{}", consent.body);
    assert!(consent.body.contains("code_manage"));

    // The administrator looks at the consent, then withdraws it: every user is signed out of
    // the app, and the consent page is back.
    let listed = s.admin(&["app", "consent", "list", "--app", &client]);
    let items = listed["scopes"].as_array().unwrap();
    assert!(items.iter().any(|i| i == "api://code/code_read"), "{listed}");
    let revoked = s.admin(&["app", "consent", "revoke", "--app", &client]);
    assert!(revoked["refreshFamiliesRevoked"].as_u64().unwrap() >= 1, "{revoked}");
    assert_eq!(
        s.admin(&["app", "consent", "list", "--app", &client])["scopes"],
        serde_json::json!([])
    );
    for rt in &refresh_tokens {
        let (st, _, body) = post_form(
            &s,
            &format!("/{tenant}/oauth2/v2.0/token"),
            &[
                ("grant_type", "refresh_token"),
                ("client_id", &client),
                ("refresh_token", rt),
            ],
        )
        .await;
        assert_eq!((st, body["error"].as_str()), (400, Some("invalid_grant")), "{body}");
    }
    let mut b = Browser::new(&s);
    let page = b
        .get(&authorize_path(
            &tenant,
            &client,
            &[("scope", "api://code/code_read openid")],
        ))
        .await;
    let consent = b.sign_in(&tenant, &page, "ada@contoso.com", PASSWORD).await;
    assert!(consent.body.contains(r#"value="consent""#), "{}", consent.body);
}
