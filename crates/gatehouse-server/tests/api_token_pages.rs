//! `/{tenant}/apitokens` ("Permissions > API tokens"), in-process: a signed-in Administrator
//! creates a token (shown once, with the copy button's script allowed by its hash only), sees it
//! listed without the secret, deletes it through the confirmation step; a user without the
//! token-management permission is refused; a post without the CSRF token does nothing.

mod pages;

use gatehouse_core::iotc::roles::OPERATOR;
use gatehouse_core::iotc::{Actor, Iotc};
use pages::*;

const PAGE: &str = "/contoso/apitokens";

/// Signs `upn` in on the page; the cookies to send and the page's CSRF token.
async fn sign_in(f: &Fixture, upn: &str) -> (String, String) {
    let start = f.get(PAGE, "").await;
    start.assert_page_headers();
    start.assert_hostile_is_text();
    let cookies = start.cookies();
    let r = f
        .post(
            PAGE,
            &cookies,
            &[
                ("csrf", &start.hidden("csrf")),
                ("step", "signin"),
                ("username", upn),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    (format!("{cookies}; {}", r.cookies()), start.hidden("csrf"))
}

async fn make(f: &Fixture, upn: &str, role: &str) {
    Iotc::new(f.store.clone())
        .assign_role(&Actor::operator(&f.tenant.id), upn, role, None)
        .await
        .unwrap();
}

#[tokio::test]
async fn an_administrator_creates_sees_once_and_deletes_with_confirmation() {
    let f = Fixture::new().await;
    make(&f, UPN, "Administrator").await;
    let (cookies, _) = sign_in(&f, UPN).await;
    let list = f.get(PAGE, &cookies).await;
    assert_eq!(list.status, 200, "{}", list.body);
    list.assert_page_headers();
    assert!(list.body.contains("No API tokens yet."), "{}", list.body);
    let csrf = list.hidden("csrf");

    let created = f
        .post(
            PAGE,
            &cookies,
            &[
                ("csrf", &csrf),
                ("step", "create"),
                ("name", "page-token"),
                ("role", OPERATOR),
                ("organization", ""),
            ],
        )
        .await;
    assert_eq!(created.status, 200, "{}", created.body);
    let at = created
        .body
        .find("SharedAccessSignature sr=")
        .expect("the token is shown");
    let token: String = created.body[at..].chars().take_while(|c| *c != '<').collect();
    assert!(created.body.contains(r#"id="copy""#));
    assert!(created.body.contains("only time you can see it"));
    let csp = created.header("content-security-policy");
    assert!(
        csp.contains("script-src 'sha256-") && !csp.contains("unsafe-inline'; script"),
        "{csp}"
    );
    let sig: String = token
        .split("sig=")
        .nth(1)
        .unwrap()
        .chars()
        .take_while(|c| *c != '&')
        .collect();

    let list = f.get(PAGE, &cookies).await;
    assert!(
        list.body.contains("page-token") && list.body.contains("Operator"),
        "{}",
        list.body
    );
    assert!(!list.body.contains(&sig), "the list never shows the secret");
    assert!(!list.header("content-security-policy").contains("script-src"));

    // Delete asks first; only the confirmation deletes.
    let confirm = f
        .post(
            PAGE,
            &cookies,
            &[("csrf", &csrf), ("step", "confirm_delete"), ("token", "page-token")],
        )
        .await;
    assert_eq!(confirm.status, 200, "{}", confirm.body);
    assert_eq!(confirm.hidden("step"), "delete");
    assert!(f.get(PAGE, &cookies).await.body.contains("page-token"));
    let done = f
        .post(
            PAGE,
            &cookies,
            &[("csrf", &csrf), ("step", "delete"), ("token", "page-token")],
        )
        .await;
    assert_eq!(done.status, 303, "{}", done.body);
    assert!(f.get(PAGE, &cookies).await.body.contains("No API tokens yet."));
    let check = Iotc::new(f.store.clone()).check_sas(&token).await.unwrap();
    assert!(check.is_none(), "a deleted token no longer works");
}

#[tokio::test]
async fn an_operator_cannot_manage_tokens_and_a_post_without_csrf_does_nothing() {
    let f = Fixture::new().await;
    make(&f, UPN, "Operator").await;
    let (cookies, csrf) = sign_in(&f, UPN).await;
    let list = f.get(PAGE, &cookies).await;
    assert_eq!(list.status, 403, "{}", list.body);
    let r = f
        .post(
            PAGE,
            &cookies,
            &[("csrf", &csrf), ("step", "create"), ("name", "x"), ("role", OPERATOR)],
        )
        .await;
    assert_eq!(r.status, 403, "{}", r.body);
    make(&f, UPN, "Administrator").await;
    let r = f
        .post(
            PAGE,
            &cookies,
            &[("csrf", "wrong"), ("step", "create"), ("name", "x"), ("role", OPERATOR)],
        )
        .await;
    assert_ne!(r.status, 200);
    assert!(!r.body.contains("SharedAccessSignature"));
    let admin = Actor::operator(&f.tenant.id);
    assert!(Iotc::new(f.store.clone()).api_tokens(&admin).await.unwrap().is_empty());
}
