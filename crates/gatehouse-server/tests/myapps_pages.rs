//! `/{tenant}/myapps`, in-process: the sign-in form, the list, the forced password change and
//! the error box.

mod pages;

use pages::*;

const PAGE: &str = "/contoso/myapps";

/// Signs `upn` in on the page; returns the answer to the sign-in post and the cookies to send.
async fn sign_in(f: &Fixture, upn: &str) -> (Answer, String) {
    let start = f.get(PAGE, "").await;
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
    let cookies = format!("{cookies}; {}", r.cookies());
    (r, cookies)
}

#[tokio::test]
async fn sign_in_form_has_the_security_headers_and_shows_the_tenant_name_as_text() {
    let f = Fixture::new().await;
    let page = f.get(PAGE, "").await;
    assert_eq!(page.status, 200, "{}", page.body);
    page.assert_page_headers();
    page.assert_hostile_is_text();
    assert!(page
        .body
        .contains(&format!("Sign in to Contoso {HOSTILE_SHOWN} to see")));
    assert_eq!(page.hidden("step"), "signin");
    assert!(page.body.contains(r#"name="password""#));
    assert!(page.set_cookie("__Host-gh-csrf").is_some());
}

#[tokio::test]
async fn signing_in_goes_back_to_the_list_by_tenant_id_with_a_session() {
    let f = Fixture::new().await;
    let (r, cookies) = sign_in(&f, UPN).await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(r.header("location"), format!("/{}/myapps", f.tenant.id));
    assert!(r.set_cookie("__Host-gh-session").unwrap().contains("HttpOnly"));
    let list = f.get(PAGE, &cookies).await;
    assert_eq!(list.status, 200, "{}", list.body);
    list.assert_page_headers();
    assert!(
        list.body.contains(&format!("Signed in as <strong>{UPN}</strong>.")),
        "{}",
        list.body
    );
    assert!(list.body.contains("You have not authorized any apps."));
}

#[tokio::test]
async fn a_user_who_must_change_the_password_gets_the_change_form() {
    let f = Fixture::new().await;
    f.add_user("grace@contoso.com", true).await;
    let (r, _) = sign_in(&f, "Grace@Contoso.com").await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.assert_page_headers();
    assert_eq!(r.hidden("step"), "change_password");
    assert!(
        r.body
            .contains(r#"name="username" value="grace@contoso.com" autocomplete="username" readonly"#),
        "the normalized name, read-only: {}",
        r.body
    );
    for field in ["password", "new_password", "confirm_password"] {
        assert!(r.body.contains(&format!(r#"id="{field}" name="{field}""#)), "{field}");
    }
    assert!(
        r.set_cookie("__Host-gh-session").is_none(),
        "no session before the change"
    );
}

#[tokio::test]
async fn a_post_with_a_forged_csrf_token_is_refused_in_the_error_box() {
    let f = Fixture::new().await;
    let start = f.get(PAGE, "").await;
    let forged = f
        .post(
            PAGE,
            &start.cookies(),
            &[
                ("csrf", "x".repeat(43).as_str()),
                ("step", "signin"),
                ("username", UPN),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(forged.status, 400, "{}", forged.body);
    forged.assert_page_headers();
    assert!(forged.error_box().unwrap().contains("form expired"), "{}", forged.body);
    assert_eq!(forged.hidden("step"), "signin", "the sign-in form again");
}

#[tokio::test]
async fn an_unknown_tenant_is_an_error_page_with_its_status() {
    let f = Fixture::new().await;
    let page = f.get("/fabrikam/myapps", "").await;
    assert_eq!(page.status, 400, "{}", page.body);
    page.assert_page_headers();
    assert!(
        page.error_box().unwrap().contains("'fabrikam' not found"),
        "{}",
        page.body
    );
    assert!(!page.body.contains("<form"));
}

#[tokio::test]
async fn the_list_shows_an_apps_hostile_name_as_text_and_revoke_removes_it() {
    let f = Fixture::new().await;
    let (cookies, answer) = authorize_app(&f).await;
    assert_eq!(answer.status, 303, "{}", answer.body);
    let list = f.get(PAGE, &cookies).await;
    assert_eq!(list.status, 200, "{}", list.body);
    list.assert_page_headers();
    assert!(
        list.body.contains(&format!("<h2>{HOSTILE_SHOWN}</h2>")),
        "{}",
        list.body
    );
    assert!(!list.body.contains("<script"));
    assert_eq!(list.hidden("step"), "revoke");
    assert_eq!(list.hidden("app"), f.app);
    assert!(list
        .body
        .contains(r#"<button type="submit" class="secondary">Revoke</button>"#));

    let revoked = f
        .post(
            PAGE,
            &cookies,
            &[("csrf", &list.hidden("csrf")), ("step", "revoke"), ("app", &f.app)],
        )
        .await;
    assert_eq!(revoked.status, 303, "{}", revoked.body);
    assert_eq!(revoked.header("location"), format!("/{}/myapps", f.tenant.id));
    let after = f.get(PAGE, &cookies).await;
    assert!(
        after.body.contains("You have not authorized any apps."),
        "{}",
        after.body
    );
}
