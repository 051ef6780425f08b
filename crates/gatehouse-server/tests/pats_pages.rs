//! `/{tenant}/mypats`, in-process: sign-in, the list, creating a token (shown once, a hostile
//! name shown as text, the copy script allowed by its hash on that answer only), refusals in the
//! error box, revoking through the confirmation step, and CSRF.

mod pages;

use pages::*;

const PAGE: &str = "/contoso/mypats";

async fn signed_in(f: &Fixture) -> String {
    let start = f.get(PAGE, "").await;
    let cookies = start.cookies();
    let r = f
        .post(
            PAGE,
            &cookies,
            &[
                ("csrf", &start.hidden("csrf")),
                ("step", "signin"),
                ("username", UPN),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(r.header("location"), format!("/{}/mypats", f.tenant.id));
    format!("{cookies}; {}", r.cookies())
}

#[tokio::test]
async fn create_show_once_list_and_revoke_with_confirmation() {
    let f = Fixture::new().await;
    let first = f.get(PAGE, "").await;
    first.assert_page_headers();
    assert!(
        first.body.contains(r#"name="password""#),
        "signed out: the sign-in form"
    );

    let cookies = signed_in(&f).await;
    let list = f.get(PAGE, &cookies).await;
    list.assert_page_headers();
    assert!(
        list.body.contains("You have no active personal access tokens."),
        "{}",
        list.body
    );
    let csrf = list.hidden("csrf");

    let made = f
        .post(
            PAGE,
            &cookies,
            &[
                ("csrf", &csrf),
                ("step", "create"),
                ("name", HOSTILE),
                ("scope", "vso.code_write"),
                ("days", "30"),
            ],
        )
        .await;
    assert_eq!(made.status, 200, "{}", made.body);
    made.assert_page_headers();
    made.assert_hostile_is_text();
    let marker = r#"id="pat-token" readonly value=""#;
    let at = made
        .body
        .find(marker)
        .unwrap_or_else(|| panic!("no token field: {}", made.body))
        + marker.len();
    let token = made.body[at..].split('"').next().unwrap().to_owned();
    gatehouse_protocol::pat::Pat::parse(&token).unwrap();
    assert!(made.body.contains(r#"<button type="button" id="copy">Copy</button>"#));
    assert!(
        made.header("content-security-policy").contains("script-src 'sha256-"),
        "the copy script is allowed by hash"
    );

    // The list never shows the token again; the plain pages allow no script.
    let list = f.get(PAGE, &cookies).await;
    assert!(!list.body.contains(&token));
    assert!(!list.header("content-security-policy").contains("script-src"));
    list.assert_hostile_is_text();
    assert!(list.body.contains("vso.code_write"));
    let id = list.hidden("id");

    // A scope the user lacks: the error box, no token.
    let refused = f
        .post(
            PAGE,
            &cookies,
            &[
                ("csrf", &csrf),
                ("step", "create"),
                ("name", "all"),
                ("scope", "app_token"),
                ("days", "30"),
            ],
        )
        .await;
    assert_eq!(refused.status, 403, "{}", refused.body);
    assert!(refused.error_box().is_some(), "{}", refused.body);
    assert!(!refused.body.contains("pat-token"));

    // Revoke asks first, then revokes.
    let confirm = f
        .post(PAGE, &cookies, &[("csrf", &csrf), ("step", "confirm"), ("id", &id)])
        .await;
    assert_eq!(confirm.status, 200, "{}", confirm.body);
    assert!(confirm.body.contains("Everything using it stops working at once."));
    assert_eq!(confirm.hidden("step"), "revoke");
    let still = f.get(PAGE, &cookies).await;
    assert!(still.body.contains(&id), "nothing revoked before the confirmation");
    let done = f
        .post(PAGE, &cookies, &[("csrf", &csrf), ("step", "revoke"), ("id", &id)])
        .await;
    assert_eq!(done.status, 303, "{}", done.body);
    let after = f.get(PAGE, &cookies).await;
    assert!(
        after.body.contains("You have no active personal access tokens."),
        "{}",
        after.body
    );
}

#[tokio::test]
async fn a_post_without_the_csrf_token_does_nothing() {
    let f = Fixture::new().await;
    let cookies = signed_in(&f).await;
    let r = f
        .post(
            PAGE,
            &cookies,
            &[
                ("csrf", "forged"),
                ("step", "create"),
                ("name", "x"),
                ("scope", "vso.code"),
                ("days", "30"),
            ],
        )
        .await;
    assert!(r.error_box().is_some(), "{}", r.body);
    assert!(!r.body.contains("pat-token"));
    let list = f.get(PAGE, &cookies).await;
    assert!(list.body.contains("You have no active personal access tokens."));
}
