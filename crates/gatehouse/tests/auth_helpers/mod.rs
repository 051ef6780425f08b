//! Drives the authorization-code flow over plain HTTP as a browser without JavaScript would:
//! a cookie jar, no redirects followed (the answer's `Location` is read instead), the pages'
//! forms posted with their hidden fields.
#![allow(dead_code)]

use std::collections::BTreeMap;

use base64::Engine;
use gatehouse_testkit::Server;

use super::common::*;
use super::device_helpers::{Page, PASSWORD};

pub const REDIRECT: &str = "http://localhost:3000/callback";
pub const SCOPE: &str = "https://graph.microsoft.com/User.Read openid profile offline_access";
/// A verifier and its S256 challenge (computed independently, with Python).
pub const VERIFIER: &str = "Gatehouse-PKCE-verifier-0123456789-abcdefghijklmnop";
pub const CHALLENGE: &str = "0Tr0JG3Ig9WXSpARe94ybBS9LVWyUaE_mnHvY12iZ40";

/// A public client registered with [`REDIRECT`]; returns its appId.
pub fn public_app(s: &Server) -> String {
    let app = s.admin(&["app", "create", "--name", "spa", "--public", "--redirect-uri", REDIRECT]);
    app["appId"].as_str().unwrap().to_owned()
}

/// A confidential client with a redirect URI and a secret: (appId, secret).
pub fn web_app(s: &Server, redirect: &str) -> (String, String) {
    let app = s.admin(&["app", "create", "--name", "web", "--redirect-uri", redirect]);
    let id = app["appId"].as_str().unwrap().to_owned();
    let secret = s.admin(&["app", "credential", "add", "--app", &id]);
    (id, secret["secretText"].as_str().unwrap().to_owned())
}

/// A browser: cookie jar (name -> value), never following redirects.
pub struct Browser {
    pub base: String,
    pub client: reqwest::Client,
    pub cookies: BTreeMap<String, String>,
}

impl Browser {
    pub fn new(s: &Server) -> Self {
        let pem = std::fs::read(s.ca_file()).unwrap();
        let client = reqwest::Client::builder()
            .tls_certs_only([reqwest::Certificate::from_pem(&pem).unwrap()])
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        Self {
            base: s.base_url.clone(),
            client,
            cookies: BTreeMap::new(),
        }
    }

    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    async fn finish(&mut self, r: reqwest::Response) -> Page {
        let (status, headers) = (r.status().as_u16(), r.headers().clone());
        for c in headers.get_all("set-cookie") {
            let first = c.to_str().unwrap().split(';').next().unwrap();
            let (k, v) = first.split_once('=').unwrap();
            self.cookies.insert(k.to_owned(), v.to_owned());
        }
        Page {
            status,
            headers,
            body: r.text().await.unwrap(),
        }
    }

    pub async fn get(&mut self, path_and_query: &str) -> Page {
        let r = self
            .client
            .get(format!("{}{path_and_query}", self.base))
            .header("cookie", self.cookie_header())
            .send()
            .await
            .unwrap();
        self.finish(r).await
    }

    pub async fn post(&mut self, path: &str, form: &[(&str, &str)]) -> Page {
        let r = self
            .client
            .post(format!("{}{path}", self.base))
            .header("content-type", "application/x-www-form-urlencoded")
            .header("cookie", self.cookie_header())
            .body(form_urlencoded(form))
            .send()
            .await
            .unwrap();
        self.finish(r).await
    }

    /// Posts the sign-in form of `page`.
    pub async fn sign_in(&mut self, tenant: &str, page: &Page, upn: &str, password: &str) -> Page {
        let path = format!("/{tenant}/oauth2/v2.0/authorize");
        self.post(
            &path,
            &[
                ("csrf", &page.hidden("csrf")),
                ("step", "signin"),
                ("q", &unescape(&page.hidden("q"))),
                ("username", upn),
                ("password", password),
            ],
        )
        .await
    }

    /// Posts the consent form of `page`.
    pub async fn consent(&mut self, tenant: &str, page: &Page, approve: bool) -> Page {
        let path = format!("/{tenant}/oauth2/v2.0/authorize");
        let decision = if approve { "approve" } else { "decline" };
        self.post(
            &path,
            &[
                ("csrf", &page.hidden("csrf")),
                ("step", "consent"),
                ("q", &unescape(&page.hidden("q"))),
                ("decision", decision),
            ],
        )
        .await
    }
}

/// Undoes the pages' HTML escaping of attribute values.
pub fn unescape(s: &str) -> String {
    s.replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// An authorize URL path for `client`.
pub fn authorize_path(tenant: &str, client: &str, extra: &[(&str, &str)]) -> String {
    let mut params = vec![
        ("client_id", client),
        ("response_type", "code"),
        ("redirect_uri", REDIRECT),
        ("scope", SCOPE),
        ("state", "st-123"),
        ("nonce", "n-456"),
        ("code_challenge", CHALLENGE),
        ("code_challenge_method", "S256"),
    ];
    for (k, v) in extra {
        params.retain(|(n, _)| n != k);
        if !v.is_empty() {
            params.push((k, v));
        }
    }
    format!("/{tenant}/oauth2/v2.0/authorize?{}", form_urlencoded(&params))
}

/// The query parameters of an answer's `Location`.
pub fn answer(page: &Page) -> BTreeMap<String, String> {
    assert!(
        [302, 303].contains(&page.status),
        "expected a redirect, got {}: {}",
        page.status,
        page.body
    );
    let loc = page.headers.get("location").unwrap().to_str().unwrap();
    let (_, query) = loc.split_once('?').unwrap();
    query
        .split('&')
        .map(|kv| {
            let (k, v) = kv.split_once('=').unwrap();
            (k.to_owned(), pct_decode(v))
        })
        .collect()
}

pub fn pct_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            out.push(u8::from_str_radix(&s[i + 1..i + 3], 16).unwrap());
            i += 3;
        } else {
            out.push(if b[i] == b'+' { b' ' } else { b[i] });
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

/// The whole person's part for a new browser: authorize, sign in, accept; returns the answer.
pub async fn sign_in_and_consent(
    s: &Server,
    tenant: &str,
    client: &str,
    upn: &str,
    extra: &[(&str, &str)],
) -> (Browser, BTreeMap<String, String>) {
    let mut b = Browser::new(s);
    let page = b.get(&authorize_path(tenant, client, extra)).await;
    assert_eq!(page.status, 200, "{}", page.body);
    let consent = b.sign_in(tenant, &page, upn, PASSWORD).await;
    assert_eq!(consent.status, 200, "{}", consent.body);
    let done = b.consent(tenant, &consent, true).await;
    let a = answer(&done);
    (b, a)
}

/// Redeems a code on the v2 token endpoint.
pub async fn redeem(
    s: &Server,
    tenant: &str,
    client: &str,
    code: &str,
    verifier: Option<&str>,
) -> (u16, reqwest::header::HeaderMap, serde_json::Value) {
    let mut form = vec![
        ("grant_type", "authorization_code"),
        ("client_id", client),
        ("code", code),
        ("redirect_uri", REDIRECT),
        ("scope", SCOPE),
        ("client_info", "1"),
    ];
    if let Some(v) = verifier {
        form.push(("code_verifier", v));
    }
    post_form(s, &format!("/{tenant}/oauth2/v2.0/token"), &form).await
}

pub fn b64_claims(jwt: &str) -> serde_json::Value {
    let part = jwt.split('.').nth(1).unwrap();
    serde_json::from_slice(&base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(part).unwrap()).unwrap()
}
