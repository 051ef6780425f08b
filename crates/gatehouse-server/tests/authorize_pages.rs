//! The authorization endpoint's pages, in-process: sign-in, consent, account picker, the
//! form_post answer and the error page.

mod pages;

use base64::{engine::general_purpose::STANDARD, Engine};
use gatehouse_core::secret::sha256;
use pages::*;

#[tokio::test]
async fn sign_in_page_has_the_security_headers_and_shows_hostile_names_as_text() {
    let f = Fixture::new().await;
    let uri = authorize_uri(&f, &[]);
    let page = f.get(&uri, "").await;
    assert_eq!(page.status, 200, "{}", page.body);
    page.assert_page_headers();
    let csp = page.header("content-security-policy");
    assert!(csp.contains("form-action 'self' http://localhost:3000;"), "{csp}");
    assert!(!csp.contains("script-src"), "the sign-in page runs no script: {csp}");
    let csrf = page
        .set_cookie("__Host-gh-csrf")
        .expect("a new browser gets a CSRF cookie");
    for attr in ["Secure", "HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(csrf.contains(attr), "{csrf}");
    }
    page.assert_hostile_is_text();
    assert!(
        page.body.contains("Contoso &lt;script&gt;"),
        "the tenant's name as text"
    );
    assert_eq!(page.hidden("step"), "signin");
    assert_eq!(format!("/contoso/oauth2/v2.0/authorize?{}", page.hidden("q")), uri);
    assert!(page.body.contains(r#"id="username" name="username""#));
    assert!(page.body.contains(r#"id="password" name="password""#));
    assert!(!page.body.contains("<script"), "no JavaScript on the sign-in page");
}

#[tokio::test]
async fn an_unknown_client_is_shown_in_the_error_box_with_its_status() {
    let f = Fixture::new().await;
    let uri = authorize_uri(&f, &[]).replace(&f.app, "00000000-0000-4000-8000-000000000001");
    let page = f.get(&uri, "").await;
    assert_eq!(page.status, 400, "{}", page.body);
    page.assert_page_headers();
    let text = page.error_box().expect("an error box");
    assert!(text.contains("was not found in the directory"), "{text}");
    assert!(page.body.contains("<h1>Sign-in problem</h1>"));
    assert!(
        !page.body.contains(r#"name="password""#),
        "no form on an untrusted request"
    );
}

#[tokio::test]
async fn a_sign_in_post_without_the_csrf_cookie_is_refused_in_the_error_box() {
    let f = Fixture::new().await;
    let page = f.get(&authorize_uri(&f, &[]), "").await;
    let refused = sign_in(&f, &page, "").await;
    assert_eq!(refused.status, 400, "{}", refused.body);
    assert!(
        refused.error_box().unwrap().contains("form expired"),
        "{}",
        refused.body
    );
    assert!(
        refused.set_cookie("__Host-gh-session").is_none(),
        "no session without CSRF"
    );
}

#[tokio::test]
async fn a_wrong_password_keeps_the_sign_in_form_with_the_error_and_its_status() {
    let f = Fixture::new().await;
    let page = f.get(&authorize_uri(&f, &[]), "").await;
    let cookies = page.cookies();
    let wrong = f
        .post(
            "/contoso/oauth2/v2.0/authorize",
            &cookies,
            &[
                ("csrf", &page.hidden("csrf")),
                ("step", "signin"),
                ("q", &page.hidden("q")),
                ("username", UPN),
                ("password", "not the password"),
            ],
        )
        .await;
    assert_eq!(wrong.status, 400, "{}", wrong.body);
    assert!(
        wrong.error_box().unwrap().contains("invalid username or password"),
        "{}",
        wrong.body
    );
    assert!(
        wrong.body.contains(&format!(r#"name="username" value="{UPN}""#)),
        "name kept"
    );
    wrong.assert_page_headers();
}

#[tokio::test]
async fn consent_and_account_picker_show_hostile_names_as_text() {
    let f = Fixture::new().await;
    let page = f.get(&authorize_uri(&f, &[]), "").await;
    let cookies = page.cookies();
    let consent = sign_in(&f, &page, &cookies).await;
    assert_eq!(consent.status, 200, "{}", consent.body);
    consent.assert_page_headers();
    consent.assert_hostile_is_text();
    assert!(consent.body.contains("<h1>Permissions requested</h1>"));
    assert_eq!(consent.hidden("step"), "consent");
    assert!(consent
        .body
        .contains(r#"name="decision" value="approve">Accept</button>"#));
    assert!(consent
        .body
        .contains(r#"name="decision" value="decline" class="secondary">Cancel</button>"#));
    let session = consent
        .set_cookie("__Host-gh-session")
        .expect("signing in starts a session");
    assert!(
        session.contains("HttpOnly") && session.contains("SameSite=Lax"),
        "{session}"
    );

    let signed_in = format!("{cookies}; {}", consent.cookies());
    let pick = f
        .get(&authorize_uri(&f, &[("prompt", "select_account")]), &signed_in)
        .await;
    assert_eq!(pick.status, 200, "{}", pick.body);
    pick.assert_page_headers();
    assert_eq!(pick.hidden("step"), "pick_account");
    assert!(pick
        .body
        .contains(&format!(r#"name="account" value="current">Continue as {UPN}</button>"#)));
    assert!(pick.body.contains(r#"name="account" value="other""#));
    assert!(
        pick.body.contains(&format!("Signed in as {HOSTILE_SHOWN} ({UPN})")),
        "the user's display name as text: {}",
        pick.body
    );
    assert!(!pick.body.contains("<script"));
}

#[tokio::test]
async fn the_form_post_answer_runs_only_the_script_its_csp_hashes() {
    let f = Fixture::new().await;
    let page = f.get(&authorize_uri(&f, &[("response_mode", "form_post")]), "").await;
    let cookies = page.cookies();
    let consent = sign_in(&f, &page, &cookies).await;
    let cookies = format!("{cookies}; {}", consent.cookies());
    let done = f
        .post(
            "/contoso/oauth2/v2.0/authorize",
            &cookies,
            &[
                ("csrf", &consent.hidden("csrf")),
                ("step", "consent"),
                ("q", &consent.hidden("q")),
                ("decision", "approve"),
            ],
        )
        .await;
    assert_eq!(done.status, 200, "{}", done.body);
    done.assert_page_headers();
    assert!(done
        .body
        .contains(&format!(r#"<form method="post" action="{REDIRECT}">"#)));
    assert!(!done.hidden("code").is_empty());
    assert_eq!(done.hidden("state"), "st-1");
    assert!(
        done.body.contains(r#"<button type="submit">Continue</button>"#),
        "works without JavaScript"
    );
    assert_eq!(done.body.matches("<script").count(), 1, "{}", done.body);
    let script = done
        .body
        .split("<script>")
        .nth(1)
        .unwrap()
        .split("</script>")
        .next()
        .unwrap();
    let hash = STANDARD.encode(sha256(script.as_bytes()));
    let csp = done.header("content-security-policy");
    assert!(
        csp.contains(&format!("script-src 'sha256-{hash}';")),
        "{csp} vs {script}"
    );
    assert!(csp.contains("form-action 'self' http://localhost:3000;"), "{csp}");
}
