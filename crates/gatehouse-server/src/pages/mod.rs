//! Server-rendered pages: plain HTML from Rust strings, every value escaped, no JavaScript.
//! Every page is sent with a strict CSP (`default-src 'none'`, `frame-ancestors 'none'`),
//! `X-Frame-Options: DENY`, `no-store`, and no referrer. Forms carry a per-browser CSRF token
//! (double submit: a `__Host-` cookie, SameSite=Strict, and the same value in a hidden field,
//! compared in constant time).
//!
//! - [`device`]: the device-code verification page (`/{tenant}/oauth2/deviceauth`).
//! - [`authorize`]: sign-in and consent of the authorization endpoint
//!   (`/{tenant}/oauth2/v2.0/authorize`), and its answers to the client.
//! - [`myapps`]: the apps a signed-in user authorized, and revoking them (`/{tenant}/myapps`).
//! - [`logout`]: sign-out (`/{tenant}/oauth2/v2.0/logout`).

pub mod authorize;
pub mod device;
pub mod logout;
pub mod myapps;

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use gatehouse_core::secret;
use gatehouse_protocol::FormParams;

pub const CSP: &str =
    "default-src 'none'; style-src 'self' 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
const CSRF_COOKIE: &str = "__Host-gh-csrf";
/// Page forms are small; anything bigger is refused before parsing.
const MAX_PAGE_FORM: usize = 16 * 1024;

/// Escapes text for HTML element content and double-quoted attributes.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// A whole page: `body` must already be escaped HTML.
/// The fields of the forced password change (shared by the pages that ask for a password): the
/// user name (read-only), the current password again, and the new one twice. `hidden` carries the
/// page's own hidden fields (CSRF, step, request).
pub fn change_password_form(hidden: &str, upn: &str) -> String {
    format!(
        r#"<p>You need to update your password before you continue. Choose a new password of 8 to 256 characters, different from the current one.</p>
<form method="post">{hidden}
<label for="username">User principal name</label>
<input type="text" id="username" name="username" value="{upn}" autocomplete="username" readonly required maxlength="256">
<label for="password">Current password</label>
<input type="password" id="password" name="password" autocomplete="current-password" required maxlength="1024" autofocus>
<label for="new_password">New password</label>
<input type="password" id="new_password" name="new_password" autocomplete="new-password" required minlength="8" maxlength="1024">
<label for="confirm_password">Confirm new password</label>
<input type="password" id="confirm_password" name="confirm_password" autocomplete="new-password" required minlength="8" maxlength="1024">
<button type="submit">Change password</button></form>"#,
        upn = esc(upn),
    )
}

pub fn layout(title: &str, body: &str) -> String {
    format!(
        r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} - Gatehouse</title>
<style>
body{{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;background:#f3f4f6;color:#111}}
main{{max-width:26rem;margin:2rem auto;background:#fff;padding:1.5rem;border-radius:8px;box-shadow:0 1px 4px #0002}}
h1{{font-size:1.4rem;margin-top:0}} label{{display:block;margin:.8rem 0 .3rem}}
input[type=text],input[type=password]{{width:100%;box-sizing:border-box;font-size:1.1rem;padding:.6rem;border:1px solid #888;border-radius:4px}}
button{{font-size:1.05rem;padding:.6rem 1.2rem;margin:1rem .5rem 0 0;border-radius:4px;border:1px solid #0b5cad;background:#0b5cad;color:#fff}}
button.secondary{{background:#fff;color:#0b5cad}} .error{{color:#a00;background:#fee;padding:.6rem;border-radius:4px}}
ul{{padding-left:1.2rem}} .muted{{color:#555;font-size:.9rem}}
</style></head>
<body><main>
<h1>{title}</h1>
{body}
</main></body></html>"#,
        title = esc(title),
    )
}

/// The CSRF token of this browser: its cookie if well-formed, else a new one.
pub fn csrf_token(headers: &HeaderMap) -> (String, bool) {
    match cookie(headers, CSRF_COOKIE)
        .filter(|v| v.len() == 43 && v.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'))
    {
        Some(v) => (v, false),
        None => (secret::random_token(32), true),
    }
}

pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
}

/// True if the form's `csrf` equals this browser's cookie.
pub fn csrf_ok(headers: &HeaderMap, form: &FormParams) -> bool {
    match (cookie(headers, CSRF_COOKIE), form.get("csrf")) {
        (Some(c), Some(f)) => secret::hashes_equal(&secret::sha256(c.as_bytes()), &secret::sha256(f.as_bytes())),
        _ => false,
    }
}

/// An HTML response with the page security headers (and the CSRF cookie when it is new).
pub fn html(status: StatusCode, page: String, csrf: Option<&str>) -> Response {
    let mut r = (status, page).into_response();
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
        let c = format!("{CSRF_COOKIE}={token}; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=3600");
        if let Ok(v) = HeaderValue::from_str(&c) {
            h.insert(header::SET_COOKIE, v);
        }
    }
    r
}

/// A page form: strictly parsed (as token requests are); `None` params when it is not a valid
/// form, which pages answer with their own HTML error.
pub struct PageForm {
    pub params: Option<FormParams>,
    pub source: Option<std::net::IpAddr>,
    pub headers: HeaderMap,
}

impl<S: Send + Sync> FromRequest<S> for PageForm {
    type Rejection = std::convert::Infallible;

    async fn from_request(req: Request, _state: &S) -> Result<Self, Self::Rejection> {
        let headers = req.headers().clone();
        let source = crate::client_addr::client_addr(req.extensions());
        let is_form = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| {
                v.split(';')
                    .next()
                    .unwrap_or("")
                    .trim()
                    .eq_ignore_ascii_case("application/x-www-form-urlencoded")
            });
        let body: Option<Bytes> = if is_form {
            axum::body::to_bytes(req.into_body(), MAX_PAGE_FORM).await.ok()
        } else {
            None
        };
        let params = body.and_then(|b| FormParams::parse(&b).ok());
        Ok(Self {
            params,
            source,
            headers,
        })
    }
}
