//! Drives the device-code flow over plain HTTP: the devicecode endpoint, the verification page
//! (following its forms as a browser would, cookie included) and polling.
#![allow(dead_code)]

use gatehouse_testkit::Server;
use serde_json::Value;

use super::common::*;

pub const AZURE_CLI: &str = "04b07795-8ddb-461a-bbee-02f9e1bf7b46";
pub const ARM_SCOPE: &str = "https://management.core.windows.net//.default offline_access openid profile";
pub const DEVICE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";
pub const PASSWORD: &str = "correct horse battery";

/// Creates a user in the default tenant and returns its JSON.
pub fn user(s: &Server, upn: &str) -> Value {
    s.admin(&[
        "user",
        "create",
        "--user-principal-name",
        upn,
        "--display-name",
        "Ada Lovelace",
        "--password",
        PASSWORD,
    ])
}

pub async fn devicecode(s: &Server, tenant: &str, client: &str, scope: &str) -> Value {
    let (st, _, body) = post_form(
        s,
        &format!("/{tenant}/oauth2/v2.0/devicecode"),
        &[("client_id", client), ("scope", scope)],
    )
    .await;
    assert_eq!(st, 200, "{body}");
    body
}

pub async fn poll(
    s: &Server,
    tenant: &str,
    client: &str,
    device_code: &str,
) -> (u16, reqwest::header::HeaderMap, Value) {
    post_form(
        s,
        &format!("/{tenant}/oauth2/v2.0/token"),
        &[
            ("grant_type", DEVICE_GRANT),
            ("client_id", client),
            ("device_code", device_code),
            ("code", device_code),
            ("client_info", "1"),
        ],
    )
    .await
}

/// A browser with one cookie jar entry (the CSRF cookie).
pub struct Browser<'a> {
    pub s: &'a Server,
    pub url: String,
    pub cookie: Option<String>,
    pub client: reqwest::Client,
}

#[derive(Debug)]
pub struct Page {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: String,
}

impl Page {
    /// The value of the hidden input `name`.
    pub fn hidden(&self, name: &str) -> String {
        let marker = format!(r#"name="{name}" value=""#);
        let start = self
            .body
            .find(&marker)
            .unwrap_or_else(|| panic!("no {name} in {}", self.body))
            + marker.len();
        self.body[start..].split('"').next().unwrap().to_owned()
    }
}

impl<'a> Browser<'a> {
    pub fn new(s: &'a Server, verification_uri: &str) -> Self {
        Self {
            s,
            url: verification_uri.to_owned(),
            cookie: None,
            client: s.client(),
        }
    }

    fn keep_cookie(&mut self, h: &reqwest::header::HeaderMap) {
        if let Some(c) = h.get("set-cookie").and_then(|v| v.to_str().ok()) {
            self.cookie = c.split(';').next().map(str::to_owned);
        }
    }

    pub async fn get(&mut self) -> Page {
        let mut r = self.client.get(&self.url);
        if let Some(c) = &self.cookie {
            r = r.header("cookie", c);
        }
        let r = r.send().await.unwrap();
        let (status, headers) = (r.status().as_u16(), r.headers().clone());
        self.keep_cookie(&headers);
        Page {
            status,
            headers,
            body: r.text().await.unwrap(),
        }
    }

    pub async fn post(&mut self, form: &[(&str, &str)]) -> Page {
        let mut r = self
            .client
            .post(&self.url)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form_urlencoded(form));
        if let Some(c) = &self.cookie {
            r = r.header("cookie", c);
        }
        let r = r.send().await.unwrap();
        let (status, headers) = (r.status().as_u16(), r.headers().clone());
        self.keep_cookie(&headers);
        Page {
            status,
            headers,
            body: r.text().await.unwrap(),
        }
    }

    /// Types the code and signs in; returns the consent page.
    pub async fn sign_in(&mut self, user_code: &str, upn: &str, password: &str) -> Page {
        let start = self.get().await;
        let csrf = start.hidden("csrf");
        let code_page = self
            .post(&[("csrf", &csrf), ("step", "code"), ("user_code", user_code)])
            .await;
        assert_eq!(code_page.status, 200, "{}", code_page.body);
        self.post(&[
            ("csrf", &csrf),
            ("step", "signin"),
            ("user_code", user_code),
            ("username", upn),
            ("password", password),
        ])
        .await
    }

    /// The whole person's part: code, sign-in, then approve or decline.
    pub async fn complete(&mut self, user_code: &str, upn: &str, password: &str, approve: bool) -> Page {
        let consent = self.sign_in(user_code, upn, password).await;
        assert_eq!(consent.status, 200, "{}", consent.body);
        let decision = if approve { "approve" } else { "decline" };
        self.post(&[
            ("csrf", &consent.hidden("csrf")),
            ("step", "decide"),
            ("user_code", &consent.hidden("user_code")),
            ("approval", &consent.hidden("approval")),
            ("decision", decision),
        ])
        .await
    }
}

/// Signs `upn` in with the Azure CLI's client id through the device flow; returns the token answer.
pub async fn device_login(s: &Server, tenant: &str, upn: &str, scope: &str) -> Value {
    let dc = devicecode(s, tenant, AZURE_CLI, scope).await;
    let done = Browser::new(s, dc["verification_uri"].as_str().unwrap())
        .complete(dc["user_code"].as_str().unwrap(), upn, PASSWORD, true)
        .await;
    assert_eq!(done.status, 200, "{}", done.body);
    let (st, _, body) = poll(s, tenant, AZURE_CLI, dc["device_code"].as_str().unwrap()).await;
    assert_eq!(st, 200, "{body}");
    body
}
