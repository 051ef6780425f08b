//! One-time passwords: a user flagged `password_change_required` (the first start's
//! administrator, `--force-change-password-next-sign-in`) must set a new password at the next
//! sign-in before the flow goes on, end to end.

mod auth_helpers;
mod common;
mod device_helpers;
use common::*;
use device_helpers::{devicecode, poll, Browser, ARM_SCOPE, AZURE_CLI, PASSWORD};

const NEW_PASSWORD: &str = "a brand new passphrase";

/// The administrator's sign-in name and password from the getting-started output.
fn bootstrap_admin(s: &gatehouse_testkit::Server) -> (String, String) {
    let out = s.output();
    let field = |label: &str| {
        out.lines()
            .find_map(|l| l.trim_start().strip_prefix(label).map(|v| v.trim().to_owned()))
            .unwrap()
    };
    (field("sign-in name:"), field("password:"))
}

/// The change form's fields of `page` but the new passwords.
fn change(page: &device_helpers::Page, upn: &str, current: &str) -> Vec<(&'static str, String)> {
    vec![
        ("csrf", page.hidden("csrf")),
        ("step", "change_password".into()),
        ("user_code", page.hidden("user_code")),
        ("username", upn.to_owned()),
        ("password", current.to_owned()),
    ]
}

fn with<'a>(base: &'a [(&'static str, String)], extra: &[(&'static str, &'a str)]) -> Vec<(&'static str, &'a str)> {
    let mut v: Vec<(&str, &str)> = base.iter().map(|(k, v)| (*k, v.as_str())).collect();
    v.extend_from_slice(extra);
    v
}

#[tokio::test]
async fn one_time_password_must_be_changed_at_first_sign_in() {
    let s = start();
    let (tenant, _, _) = first(&s);
    let (upn, printed) = bootstrap_admin(&s);
    let shown = s.admin(&["user", "show", "--id", &upn]);
    assert_eq!(shown["passwordChangeRequired"], true, "{shown}");

    let dc = devicecode(&s, &tenant, AZURE_CLI, ARM_SCOPE).await;
    let code = dc["user_code"].as_str().unwrap();
    let mut b = Browser::new(&s, dc["verification_uri"].as_str().unwrap());
    let form = b.sign_in(code, &upn, &printed).await;
    assert_eq!(form.status, 200, "{}", form.body);
    assert!(form.body.contains(r#"name="new_password""#), "{}", form.body);
    assert!(form.body.contains(r#"name="confirm_password""#));
    assert!(
        !form.body.contains(r#"name="approval""#),
        "no consent before the change"
    );
    assert!(form.headers.get("content-security-policy").is_some());
    // The device is not approved and no approval can be made yet.
    let (st, _, body) = poll(&s, &tenant, AZURE_CLI, dc["device_code"].as_str().unwrap()).await;
    assert_eq!(
        (st, body["error"].as_str()),
        (400, Some("authorization_pending")),
        "{body}"
    );

    let base = change(&form, &upn, &printed);
    // The two new passwords must match, be valid and differ from the old one.
    let mismatch = b
        .post(&with(
            &base,
            &[("new_password", NEW_PASSWORD), ("confirm_password", "something else")],
        ))
        .await;
    assert_eq!(mismatch.status, 400, "{}", mismatch.body);
    assert!(mismatch.body.contains(r#"name="new_password""#));
    let short = b
        .post(&with(
            &base,
            &[("new_password", "short"), ("confirm_password", "short")],
        ))
        .await;
    assert_eq!(short.status, 400, "{}", short.body);
    let same = b
        .post(&with(
            &base,
            &[("new_password", &printed), ("confirm_password", &printed)],
        ))
        .await;
    assert_eq!(same.status, 400, "{}", same.body);
    // A wrong current password changes nothing.
    let wrong_base = change(&form, &upn, "not the password");
    let wrong = b
        .post(&with(
            &wrong_base,
            &[("new_password", NEW_PASSWORD), ("confirm_password", NEW_PASSWORD)],
        ))
        .await;
    assert_eq!(wrong.status, 400, "{}", wrong.body);
    assert!(
        wrong.body.contains("50126") || wrong.body.contains("invalid username or password"),
        "{}",
        wrong.body
    );

    let consent = b
        .post(&with(
            &base,
            &[("new_password", NEW_PASSWORD), ("confirm_password", NEW_PASSWORD)],
        ))
        .await;
    assert_eq!(consent.status, 200, "{}", consent.body);
    let done = b
        .post(&[
            ("csrf", &consent.hidden("csrf")),
            ("step", "decide"),
            ("user_code", &consent.hidden("user_code")),
            ("approval", &consent.hidden("approval")),
            ("decision", "approve"),
        ])
        .await;
    assert_eq!(done.status, 200, "{}", done.body);
    let (st, _, body) = poll(&s, &tenant, AZURE_CLI, dc["device_code"].as_str().unwrap()).await;
    assert_eq!(st, 200, "{body}");
    let shown = s.admin(&["user", "show", "--id", &upn]);
    assert_eq!(shown["passwordChangeRequired"], false, "{shown}");

    // The printed password no longer works; the new one does, with no change form.
    let dc = devicecode(&s, &tenant, AZURE_CLI, ARM_SCOPE).await;
    let code = dc["user_code"].as_str().unwrap();
    let mut b = Browser::new(&s, dc["verification_uri"].as_str().unwrap());
    let old = b.sign_in(code, &upn, &printed).await;
    assert_eq!(old.status, 400, "{}", old.body);
    assert!(!old.body.contains(r#"name="new_password""#));
    let new = b.sign_in(code, &upn, NEW_PASSWORD).await;
    assert_eq!(new.status, 200, "{}", new.body);
    assert!(new.body.contains(r#"name="approval""#), "{}", new.body);
}

#[tokio::test]
async fn force_change_password_next_sign_in_on_the_authorize_page() {
    use auth_helpers::{answer, authorize_path, public_app, unescape};
    let s = start();
    let (tenant, _, _) = first(&s);
    let upn = "ada@contoso.com";
    let created = s.admin(&[
        "user",
        "create",
        "--user-principal-name",
        upn,
        "--display-name",
        "Ada",
        "--password",
        PASSWORD,
        "--force-change-password-next-sign-in",
    ]);
    assert_eq!(created["passwordChangeRequired"], true, "{created}");
    // A new password from the administrator clears the flag unless it is given again.
    let updated = s.admin(&["user", "update", "--id", upn, "--password", "another password 1"]);
    assert_eq!(updated["passwordChangeRequired"], false, "{updated}");
    let updated = s.admin(&[
        "user",
        "update",
        "--id",
        upn,
        "--password",
        PASSWORD,
        "--force-change-password-next-sign-in",
    ]);
    assert_eq!(updated["passwordChangeRequired"], true, "{updated}");

    let client = public_app(&s);
    let mut b = auth_helpers::Browser::new(&s);
    let page = b.get(&authorize_path(&tenant, &client, &[])).await;
    assert_eq!(page.status, 200, "{}", page.body);
    let form = b.sign_in(&tenant, &page, upn, PASSWORD).await;
    assert_eq!(form.status, 200, "{}", form.body);
    assert!(form.body.contains(r#"name="new_password""#), "{}", form.body);
    assert!(
        !b.cookies.keys().any(|k| k.contains("session")),
        "no session before the change"
    );
    let path = format!("/{tenant}/oauth2/v2.0/authorize");
    let q = unescape(&form.hidden("q"));
    let csrf = form.hidden("csrf");
    let consent = b
        .post(
            &path,
            &[
                ("csrf", &csrf),
                ("step", "change_password"),
                ("q", &q),
                ("username", upn),
                ("password", PASSWORD),
                ("new_password", NEW_PASSWORD),
                ("confirm_password", NEW_PASSWORD),
            ],
        )
        .await;
    assert_eq!(consent.status, 200, "{}", consent.body);
    let done = b.consent(&tenant, &consent, true).await;
    assert!(answer(&done).contains_key("code"), "{}", done.body);
    let shown = s.admin(&["user", "show", "--id", upn]);
    assert_eq!(shown["passwordChangeRequired"], false, "{shown}");
}
