//! Cookies the pages read, and the CSRF token of a browser: double submit, a `__Host-` cookie
//! (Secure, HttpOnly, SameSite=Strict) and the same value in every form's hidden `csrf` field
//! ([`super::templates::Hidden`]), compared in constant time.

use axum::http::{header, HeaderMap};
use gatehouse_core::secret;
use gatehouse_protocol::FormParams;

pub const CSRF_COOKIE: &str = "__Host-gh-csrf";

/// This browser's CSRF token: its cookie if well-formed, else a new one that the answer sets.
pub struct Csrf {
    token: String,
    fresh: bool,
}

impl Csrf {
    pub fn of(headers: &HeaderMap) -> Self {
        match cookie(headers, CSRF_COOKIE)
            .filter(|v| v.len() == 43 && v.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'))
        {
            Some(token) => Self { token, fresh: false },
            None => Self {
                token: secret::random_token(32),
                fresh: true,
            },
        }
    }

    /// The value for the forms' hidden `csrf` field.
    pub fn token(&self) -> &str {
        &self.token
    }

    /// The token to set as a cookie: only when this answer created it.
    pub fn to_set(&self) -> Option<&str> {
        self.fresh.then_some(self.token.as_str())
    }
}

/// The `Set-Cookie` value of a CSRF token.
pub fn csrf_cookie(token: &str) -> String {
    format!("{CSRF_COOKIE}={token}; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=3600")
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
