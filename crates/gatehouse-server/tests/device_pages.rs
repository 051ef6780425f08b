//! The device-code verification page, in-process: the code form, sign-in, consent, the message
//! pages and the error box.

mod pages;

use pages::*;

const PAGE: &str = "/contoso/oauth2/deviceauth";

/// A device code for the fixture's app: its user code.
async fn user_code(f: &Fixture) -> String {
    let r = f
        .post(
            "/contoso/oauth2/v2.0/devicecode",
            "",
            &[("client_id", f.app.as_str()), ("scope", "openid profile")],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let v: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    v["user_code"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn code_form_has_the_security_headers_and_no_script() {
    let f = Fixture::new().await;
    let page = f.get(PAGE, "").await;
    assert_eq!(page.status, 200, "{}", page.body);
    page.assert_page_headers();
    assert!(page.set_cookie("__Host-gh-csrf").unwrap().contains("SameSite=Strict"));
    assert_eq!(page.hidden("step"), "code");
    assert!(
        page.body.contains(r#"id="user_code" name="user_code" value="""#),
        "{}",
        page.body
    );
    assert!(page.body.contains(r#"<button type="submit">Next</button>"#));
    assert!(page.error_box().is_none());
    assert!(!page.body.contains("<script"));
}

#[tokio::test]
async fn a_wrong_code_is_in_the_error_box_and_the_typed_text_stays_text() {
    let f = Fixture::new().await;
    let start = f.get(PAGE, "").await;
    let cookies = start.cookies();
    let csrf = start.hidden("csrf");
    let wrong = f
        .post(
            PAGE,
            &cookies,
            &[("csrf", &csrf), ("step", "code"), ("user_code", HOSTILE)],
        )
        .await;
    assert_eq!(wrong.status, 400, "{}", wrong.body);
    wrong.assert_page_headers();
    assert!(wrong.error_box().is_some(), "{}", wrong.body);
    assert!(
        wrong
            .body
            .contains(&format!(r#"name="user_code" value="{HOSTILE_SHOWN}""#)),
        "{}",
        wrong.body
    );
    assert!(!wrong.body.contains("<script>alert"));
    assert!(
        wrong.set_cookie("__Host-gh-csrf").is_none(),
        "the browser keeps its token"
    );
}

#[tokio::test]
async fn a_post_without_the_csrf_cookie_is_refused_in_the_error_box() {
    let f = Fixture::new().await;
    let start = f.get(PAGE, "").await;
    let forged = f
        .post(
            PAGE,
            "",
            &[
                ("csrf", &start.hidden("csrf")),
                ("step", "code"),
                ("user_code", "ABCD-EFGH"),
            ],
        )
        .await;
    assert_eq!(forged.status, 400, "{}", forged.body);
    assert!(forged.error_box().unwrap().contains("form expired"), "{}", forged.body);
    assert!(
        forged.body.contains(r#"name="step" value="code""#),
        "back to the code form"
    );
}

#[tokio::test]
async fn an_unknown_tenant_is_an_error_page_that_shows_its_name_as_text() {
    let f = Fixture::new().await;
    let page = f
        .get("/%3Cscript%3Ealert(1)%3C%2Fscript%3E/oauth2/deviceauth", "")
        .await;
    assert_eq!(page.status, 400, "{}", page.body);
    page.assert_page_headers();
    let text = page.error_box().expect("an error box");
    assert!(
        text.starts_with(&format!("Tenant '{HOSTILE_SHOWN}' not found.")),
        "{text}"
    );
    assert!(!page.body.contains("<script>alert"), "{}", page.body);
    assert!(
        !page.body.contains(r#"name="user_code""#),
        "no form for a tenant that does not exist"
    );
}

#[tokio::test]
async fn sign_in_and_consent_show_the_app_name_as_text_and_decline_says_so() {
    let f = Fixture::new().await;
    let code = user_code(&f).await;
    let start = f.get(PAGE, "").await;
    let cookies = start.cookies();
    let csrf = start.hidden("csrf");
    let sign_in = f
        .post(
            PAGE,
            &cookies,
            &[("csrf", &csrf), ("step", "code"), ("user_code", &code)],
        )
        .await;
    assert_eq!(sign_in.status, 200, "{}", sign_in.body);
    sign_in.assert_page_headers();
    sign_in.assert_hostile_is_text();
    assert_eq!(sign_in.hidden("step"), "signin");
    assert_eq!(sign_in.hidden("user_code"), code);

    let consent = f
        .post(
            PAGE,
            &cookies,
            &[
                ("csrf", &csrf),
                ("step", "signin"),
                ("user_code", &code),
                ("username", UPN),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(consent.status, 200, "{}", consent.body);
    consent.assert_hostile_is_text();
    assert_eq!(consent.hidden("step"), "decide");
    assert!(!consent.hidden("approval").is_empty());
    assert!(consent
        .body
        .contains(r#"name="decision" value="approve">Approve</button>"#));
    assert!(consent
        .body
        .contains(r#"name="decision" value="decline" class="secondary">Decline</button>"#));

    let declined = f
        .post(
            PAGE,
            &cookies,
            &[
                ("csrf", &csrf),
                ("step", "decide"),
                ("user_code", &code),
                ("approval", &consent.hidden("approval")),
                ("decision", "decline"),
            ],
        )
        .await;
    assert_eq!(declined.status, 200, "{}", declined.body);
    declined.assert_page_headers();
    assert!(declined.body.contains("You declined the sign-in."), "{}", declined.body);
    assert!(!declined.body.contains("<form"), "nothing left to do");
}
