//! Shared helpers for the end-to-end tests (each test file includes this module).
#![allow(dead_code)]

use std::path::Path;

use gatehouse_testkit::{Server, ServerOptions};
use serde_json::Value;

pub fn bin() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_gatehouse"))
}

pub fn start() -> Server {
    Server::start(bin(), ServerOptions::default())
}

pub fn first(s: &Server) -> (String, String, String) {
    let f = s
        .first_start
        .clone()
        .expect("first start prints the getting-started block");
    (f.tenant_id, f.app_id, f.secret)
}

/// POSTs a form to a token endpoint; returns status, headers and JSON body.
pub async fn post_form(s: &Server, path: &str, form: &[(&str, &str)]) -> (u16, reqwest::header::HeaderMap, Value) {
    let body: String = form_urlencoded(form);
    let r = s
        .client()
        .post(format!("{}{path}", s.base_url))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .expect("request");
    let status = r.status().as_u16();
    let headers = r.headers().clone();
    let body = r.json::<Value>().await.unwrap_or(Value::Null);
    (status, headers, body)
}

pub fn form_urlencoded(form: &[(&str, &str)]) -> String {
    form.iter()
        .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
        .collect::<Vec<_>>()
        .join("&")
}

fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A client-credentials request on the v2 endpoint.
pub async fn cc(
    s: &Server,
    tenant: &str,
    app: &str,
    secret: &str,
    scope: &str,
) -> (u16, reqwest::header::HeaderMap, Value) {
    post_form(
        s,
        &format!("/{tenant}/oauth2/v2.0/token"),
        &[
            ("grant_type", "client_credentials"),
            ("client_id", app),
            ("client_secret", secret),
            ("scope", scope),
        ],
    )
    .await
}

/// Asserts an error in Entra's shape and returns its AADSTS code.
pub fn assert_entra_error(
    status: u16,
    headers: &reqwest::header::HeaderMap,
    body: &Value,
    want_status: u16,
    want_error: &str,
    want_code: u64,
) {
    assert_eq!(status, want_status, "status for {body}");
    assert_eq!(body["error"], want_error, "error for {body}");
    assert_eq!(
        body["error_codes"][0].as_u64(),
        Some(want_code),
        "AADSTS code for {body}"
    );
    let desc = body["error_description"].as_str().unwrap();
    assert!(desc.starts_with(&format!("AADSTS{want_code}: ")), "{desc}");
    assert!(desc.contains("Trace ID: "), "{desc}");
    assert!(!body["trace_id"].as_str().unwrap().is_empty());
    assert!(!body["correlation_id"].as_str().unwrap().is_empty());
    assert!(body["timestamp"].as_str().unwrap().ends_with('Z'));
    assert_eq!(
        headers.get("cache-control").map(|v| v.to_str().unwrap()),
        Some("no-store")
    );
}

/// Verifies a JWT against the served JWKS with an independent library; returns the claims.
pub async fn verify(s: &Server, tenant: &str, token: &str, audience: &str) -> Value {
    let jwks: jsonwebtoken::jwk::JwkSet = s
        .client()
        .get(format!("{}/{tenant}/discovery/v2.0/keys", s.base_url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let header = jsonwebtoken::decode_header(token).unwrap();
    let kid = header.kid.clone().expect("kid");
    let jwk = jwks.find(&kid).expect("the token's kid is published");
    let key = jsonwebtoken::DecodingKey::from_jwk(jwk).unwrap();
    let mut v = jsonwebtoken::Validation::new(header.alg);
    v.set_audience(&[audience]);
    jsonwebtoken::decode::<Value>(token, &key, &v)
        .expect("signature and claims verify")
        .claims
}

/// An HTTP client for the `openidconnect` crate, over the server-trusting reqwest client.
pub fn http_client(
    rc: reqwest::Client,
) -> impl Fn(
    openidconnect::HttpRequest,
) -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<openidconnect::HttpResponse, reqwest::Error>>>> {
    move |req: openidconnect::HttpRequest| {
        let rc = rc.clone();
        Box::pin(async move {
            let (parts, body) = req.into_parts();
            let mut builder = rc.request(parts.method, parts.uri.to_string()).body(body);
            for (name, value) in &parts.headers {
                builder = builder.header(name, value);
            }
            let resp = builder.send().await?;
            let mut out = http::Response::builder().status(resp.status());
            for (name, value) in resp.headers() {
                out = out.header(name, value);
            }
            let bytes = resp.bytes().await?.to_vec();
            Ok(out.body(bytes).expect("response"))
        })
    }
}

/// The refresh families (`sid`) a tenant's revocation feed lists.
pub async fn feed_sids(s: &Server, tenant: &str) -> Vec<String> {
    feed_values(s, tenant, "sid").await
}

/// The values of one kind (`sid` or `uti`) in a tenant's revocation feed.
pub async fn feed_values(s: &Server, tenant: &str, kind: &str) -> Vec<String> {
    let feed: Value = s
        .client()
        .get(format!("{}/{tenant}/gatehouse/revocations", s.base_url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    feed["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["type"] == kind)
        .map(|e| e["value"].as_str().unwrap().to_owned())
        .collect()
}
