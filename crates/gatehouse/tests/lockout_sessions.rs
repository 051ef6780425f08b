//! What a lockout ends and what it does not (docs/DECISIONS.md, docs/SECURITY.md), end to end
//! through the real binary. A temporary lockout caused by password guessing leaves what the real
//! user was given before it working (the refresh token, the browser session, a device code the
//! user approved): ending them would let a guesser sign the real user out. Disabling or deleting
//! the user ends all three.

mod auth_helpers;
mod common;
mod device_helpers;
use std::collections::BTreeMap;

use auth_helpers::{answer, authorize_path, public_app, redeem, sign_in_and_consent, Browser, VERIFIER};
use common::*;
use device_helpers as device;
use gatehouse_testkit::Server;

const UPN: &str = "ada@contoso.com";
/// The per-account limit (`ThrottlePolicy::default().per_user.failures`).
const PER_USER: usize = 10;

/// What the real user holds before anyone guesses.
struct Held {
    refresh_token: String,
    /// A browser with the user's session cookie.
    browser: Browser,
    /// The public client the browser signed in to.
    client: String,
    /// Approved on the verification page, not redeemed yet.
    device_code: String,
}

async fn sign_in_everywhere(s: &Server, tenant: &str) -> Held {
    device::user(s, UPN);
    let tokens = device::device_login(s, tenant, UPN, device::ARM_SCOPE).await;
    let client = public_app(s);
    let (browser, a) = sign_in_and_consent(s, tenant, &client, UPN, &[]).await;
    assert!(a.contains_key("code"), "{a:?}");
    let dc = device::devicecode(s, tenant, device::AZURE_CLI, device::ARM_SCOPE).await;
    let done = device::Browser::new(s, dc["verification_uri"].as_str().unwrap())
        .complete(dc["user_code"].as_str().unwrap(), UPN, device::PASSWORD, true)
        .await;
    assert_eq!(done.status, 200, "{}", done.body);
    Held {
        refresh_token: tokens["refresh_token"].as_str().unwrap().to_owned(),
        browser,
        client,
        device_code: dc["device_code"].as_str().unwrap().to_owned(),
    }
}

/// Wrong passwords on the sign-in page until the account is locked, then proof that it is.
async fn lock_by_guessing(s: &Server, tenant: &str, client: &str) {
    for i in 0..PER_USER {
        let mut b = Browser::new(s);
        let page = b.get(&authorize_path(tenant, client, &[])).await;
        let p = b.sign_in(tenant, &page, UPN, &format!("guess number {i}")).await;
        assert_eq!(p.status, 400, "guess {i}: {}", p.body);
    }
    let mut b = Browser::new(s);
    let page = b.get(&authorize_path(tenant, client, &[])).await;
    let p = b.sign_in(tenant, &page, UPN, device::PASSWORD).await;
    assert_eq!(p.status, 429, "locked: even the right password is refused: {}", p.body);
    assert!(p.body.contains("Too many failed attempts"), "{}", p.body);
}

async fn refresh(s: &Server, tenant: &str, rt: &str) -> (u16, reqwest::header::HeaderMap, serde_json::Value) {
    post_form(
        s,
        &format!("/{tenant}/oauth2/v2.0/token"),
        &[
            ("grant_type", "refresh_token"),
            ("client_id", device::AZURE_CLI),
            ("refresh_token", rt),
        ],
    )
    .await
}

/// A silent authorize request (`prompt=none`) with the held session cookie: the answer.
async fn silent_sign_in(tenant: &str, held: &mut Held) -> BTreeMap<String, String> {
    let page = held
        .browser
        .get(&authorize_path(tenant, &held.client, &[("prompt", "none")]))
        .await;
    answer(&page)
}

#[tokio::test]
async fn a_lockout_by_password_guessing_does_not_sign_the_real_user_out() {
    let s = start();
    let (tenant, _, _) = first(&s);
    let mut held = sign_in_everywhere(&s, &tenant).await;
    lock_by_guessing(&s, &tenant, &held.client).await;

    let (st, _, body) = refresh(&s, &tenant, &held.refresh_token).await;
    assert_eq!(st, 200, "the refresh token issued before the lock still works: {body}");

    let a = silent_sign_in(&tenant, &mut held).await;
    let code = a
        .get("code")
        .unwrap_or_else(|| panic!("the session from before the lock still signs in: {a:?}"));
    let (st, _, body) = redeem(&s, &tenant, &held.client, code, Some(VERIFIER)).await;
    assert_eq!(st, 200, "{body}");

    let (st, _, body) = device::poll(&s, &tenant, device::AZURE_CLI, &held.device_code).await;
    assert_eq!(st, 200, "a device code approved before the lock still redeems: {body}");
    assert!(body["access_token"].is_string(), "{body}");
}

#[tokio::test]
async fn disabling_the_user_ends_the_refresh_token_the_session_and_an_approved_device_code() {
    let s = start();
    let (tenant, _, _) = first(&s);
    let mut held = sign_in_everywhere(&s, &tenant).await;
    s.admin(&["user", "update", "--id", UPN, "--account-enabled", "false"]);

    let (st, h, b) = refresh(&s, &tenant, &held.refresh_token).await;
    assert_entra_error(st, &h, &b, 400, "invalid_grant", 50057);
    let a = silent_sign_in(&tenant, &mut held).await;
    assert_eq!(a.get("error").map(String::as_str), Some("login_required"), "{a:?}");
    let (st, h, b) = device::poll(&s, &tenant, device::AZURE_CLI, &held.device_code).await;
    assert_entra_error(st, &h, &b, 400, "invalid_grant", 50057);
}

#[tokio::test]
async fn deleting_the_user_ends_the_refresh_token_the_session_and_an_approved_device_code() {
    let s = start();
    let (tenant, _, _) = first(&s);
    let mut held = sign_in_everywhere(&s, &tenant).await;
    s.admin(&["user", "delete", "--id", UPN]);

    let (st, h, b) = refresh(&s, &tenant, &held.refresh_token).await;
    assert_entra_error(st, &h, &b, 400, "invalid_grant", 70008);
    let a = silent_sign_in(&tenant, &mut held).await;
    assert_eq!(a.get("error").map(String::as_str), Some("login_required"), "{a:?}");
    let (st, h, b) = device::poll(&s, &tenant, device::AZURE_CLI, &held.device_code).await;
    assert_entra_error(st, &h, &b, 400, "invalid_grant", 70000);
}
