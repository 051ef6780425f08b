//! Sign-out, in-process: the signed-out page, the redirect to a registered URI, and the error page
//! when the session cannot be ended.

mod pages;

use pages::*;

const PAGE: &str = "/contoso/oauth2/v2.0/logout";
const SESSION: &str = "__Host-gh-session";

fn session_expired(a: &Answer) -> bool {
    a.set_cookie(SESSION).is_some_and(|c| c.contains("Max-Age=0"))
}

#[tokio::test]
async fn signed_out_page_has_the_security_headers_and_expires_the_session() {
    let f = Fixture::new().await;
    let page = f.get(PAGE, "").await;
    assert_eq!(page.status, 200, "{}", page.body);
    page.assert_page_headers();
    assert!(page.body.contains("<h1>Signed out</h1>"));
    assert!(page
        .body
        .contains("<p>You have signed out. You can close this window.</p>"));
    assert!(session_expired(&page), "{:?}", page.headers);
    assert!(page.error_box().is_none());
}

#[tokio::test]
async fn an_unregistered_hostile_return_uri_is_neither_followed_nor_shown() {
    let f = Fixture::new().await;
    let uri = format!(
        "{PAGE}?client_id={}&post_logout_redirect_uri=javascript%3A%3Cscript%3Ealert(1)%3C%2Fscript%3E",
        f.app
    );
    let page = f.get(&uri, "").await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.headers.get("location").is_none());
    assert!(!page.body.contains("script"), "{}", page.body);
    assert!(session_expired(&page));
}

#[tokio::test]
async fn a_registered_return_uri_is_a_redirect_with_the_state() {
    let f = Fixture::new().await;
    let form = [
        ("client_id", f.app.as_str()),
        ("post_logout_redirect_uri", REDIRECT),
        ("state", "<s>"),
    ];
    let r = f.post(PAGE, "", &form).await;
    assert_eq!(r.status, 302, "{}", r.body);
    assert_eq!(r.header("location"), format!("{REDIRECT}?state=%3Cs%3E"));
    assert_eq!(r.header("cache-control"), "no-store");
    assert!(r.body.is_empty());
    assert!(session_expired(&r));
}

#[tokio::test]
async fn a_session_that_cannot_be_ended_is_an_error_page_with_its_status() {
    let f = Fixture::new().await;
    let broken = f.read_only().await;
    let cookie = format!("{SESSION}={}", "s".repeat(43));
    let page = post_to(&broken, PAGE, &cookie, &[]).await;
    assert_eq!(page.status, 503, "{}", page.body);
    page.assert_page_headers();
    assert!(page.body.contains("<h1>Sign-out problem</h1>"));
    let text = page.error_box().expect("an error box");
    assert!(text.contains("transient error"), "{text}");
    assert!(
        !text.contains("readonly") && !text.contains("sqlite"),
        "no internal detail: {text}"
    );
    assert!(session_expired(&page), "the browser forgets the session anyway");
}
