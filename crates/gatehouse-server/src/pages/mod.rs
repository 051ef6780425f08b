//! Server-rendered pages: HTML from compile-time-checked maud templates ([`templates`]), every
//! value escaped, no JavaScript (but the form_post page's one hashed auto-submit script and the
//! API tokens page's hashed Copy button, `api_tokens`).
//! Every page is sent with a strict CSP (`default-src 'none'`, `frame-ancestors 'none'`),
//! `X-Frame-Options: DENY`, `no-store`, and no referrer. Forms carry a per-browser CSRF token
//! ([`csrf`]). A problem is shown in the page's error box with the status and text that
//! [`problem`] gives it.
//!
//! - [`device`]: the device-code verification page (`/{tenant}/oauth2/deviceauth`).
//! - [`authorize`]: sign-in and consent of the authorization endpoint
//!   (`/{tenant}/oauth2/v2.0/authorize`, and v1's `/{tenant}/oauth2/authorize` with `resource=`),
//!   and its answers to the client.
//! - [`myapps`]: the apps a signed-in user authorized, and revoking them (`/{tenant}/myapps`).
//! - [`pats`]: a signed-in user's personal access tokens: list, create (shown once, with a copy
//!   button: the one hashed script of that answer), revoke with a confirmation (`/{tenant}/mypats`).
//! - [`logout`]: sign-out (`/{tenant}/oauth2/v2.0/logout`, and v1's `/{tenant}/oauth2/logout`).
//! - [`templates`]: the layout, error box, hidden fields, message, table and shared forms.
//! - [`csrf`]: cookies and the CSRF token; [`form`]: the posted-form extractor.
//!
//! A new page is one template (a maud function next to its handler, built from [`templates`])
//! and one handler that answers with [`page`]; see docs/ARCHITECTURE.md.

pub mod api_tokens;
pub mod authorize;
pub mod csrf;
pub mod device;
pub mod form;
pub mod logout;
pub mod myapps;
pub mod pats;
pub mod templates;

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use gatehouse_core::browser::authorize::flow::SESSION_LIFETIME;
use gatehouse_core::Error;
use maud::Markup;

pub use csrf::{cookie, csrf_ok, Csrf};
pub use form::PageForm;

/// The pages' routes (the OAuth door's HTML side).
pub fn router() -> axum::Router<crate::AppState> {
    use axum::routing::get;
    axum::Router::new()
        // authorization endpoint: sign-in and consent pages, answers to the client
        .route(
            "/{tenant}/oauth2/v2.0/authorize",
            get(authorize::show).post(authorize::submit),
        )
        .route(
            "/{tenant}/oauth2/authorize",
            get(authorize::show_v1).post(authorize::submit_v1),
        )
        // sign-out (v2 and v1 paths); the user's own apps
        .route("/{tenant}/oauth2/v2.0/logout", get(logout::show).post(logout::submit))
        .route("/{tenant}/oauth2/logout", get(logout::show).post(logout::submit))
        .route("/{tenant}/myapps", get(myapps::show).post(myapps::submit))
        .route("/{tenant}/mypats", get(pats::show).post(pats::submit))
        .route("/{tenant}/apitokens", get(api_tokens::show).post(api_tokens::submit))
        // the device-code verification page
        .route("/{tenant}/oauth2/deviceauth", get(device::show).post(device::submit))
        .route("/{tenant}/oauth2/devicelogin", get(device::show).post(device::submit))
}

pub const CSP: &str =
    "default-src 'none'; style-src 'self' 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
/// The signed-in session of the authorize pages, also used by `myapps` and `logout`.
pub const SESSION_COOKIE: &str = "__Host-gh-session";

/// An error as a page shows it: the answer's status and the error box's text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub status: StatusCode,
    pub text: String,
}

/// The one mapping from a domain error to what a page shows (status and safe text). Every page
/// goes through here; nothing else in `pages` asks an error for its wire form.
pub fn problem(e: &Error) -> Problem {
    let wire = crate::dialect::oauth::wire(e);
    Problem {
        status: wire.status_code(),
        text: wire.text,
    }
}

/// A page: the layout around `body` with `title`; with a problem, its error box and status,
/// otherwise 200. `csrf` is a new CSRF token to set as a cookie ([`Csrf::to_set`]).
pub fn page(title: &str, problem: Option<&Problem>, body: Markup, csrf: Option<&str>) -> Response {
    let status = problem.map_or(StatusCode::OK, |p| p.status);
    let markup = templates::layout(title, problem.map(|p| p.text.as_str()), body);
    html(status, markup.into_string(), csrf)
}

/// A page that only shows `e` (no form to try again).
pub fn problem_page(title: &str, e: &Error, csrf: Option<&str>) -> Response {
    page(title, Some(&problem(e)), maud::html! {}, csrf)
}

/// An HTML response with the page security headers (and the CSRF cookie when it is new).
pub fn html(status: StatusCode, body: String, csrf: Option<&str>) -> Response {
    let mut r = (status, body).into_response();
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Some(token) = csrf {
        if let Ok(v) = HeaderValue::from_str(&csrf::csrf_cookie(token)) {
            h.insert(header::SET_COOKIE, v);
        }
    }
    r
}

/// A redirect (302 or 303) with the page headers and an empty body. `location` is always a
/// checked redirect URI or a path we built, never a value taken from the request.
pub fn redirect(status: StatusCode, location: &str) -> Response {
    let mut r = html(status, String::new(), None);
    if let Ok(v) = HeaderValue::from_str(location) {
        r.headers_mut().insert(header::LOCATION, v);
    }
    r
}

/// Sets the session cookie to `token` (a session just started), when there is one.
pub fn with_session(r: Response, token: Option<&str>) -> Response {
    match token {
        Some(t) => add_cookie(
            r,
            &format!("{SESSION_COOKIE}={t}; Path=/; Secure; HttpOnly; SameSite=Lax; Max-Age={SESSION_LIFETIME}"),
        ),
        None => r,
    }
}

/// Expires the session cookie (signed out).
pub fn without_session(r: Response) -> Response {
    add_cookie(
        r,
        &format!("{SESSION_COOKIE}=; Path=/; Secure; HttpOnly; SameSite=Lax; Max-Age=0"),
    )
}

fn add_cookie(mut r: Response, cookie: &str) -> Response {
    if let Ok(v) = HeaderValue::from_str(cookie) {
        r.headers_mut().append(header::SET_COOKIE, v);
    }
    r
}
