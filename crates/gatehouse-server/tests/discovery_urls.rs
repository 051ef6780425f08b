//! Every URL a discovery document advertises is served: the v2 and v1 OpenID configurations and
//! the RFC 8414 metadata of both, by tenant GUID and by tenant name, and instance discovery's
//! `tenant_discovery_endpoint`. Each URL gets a GET and an empty form POST; at least one must be
//! answered by a handler (neither 404 nor 405). `common` and `organizations` serve no document
//! (Gatehouse issues for a named tenant only), which is checked too.

mod pages;

use axum::http::StatusCode;
use pages::Fixture;
use serde_json::Value;

const BASE: &str = "https://127.0.0.1:8443";

fn path_of(url: &str) -> &str {
    url.strip_prefix(BASE)
        .unwrap_or_else(|| panic!("{url} is not under the server's base {BASE}"))
}

async fn document(f: &Fixture, path: &str) -> Value {
    let a = f.get(path, "").await;
    assert_eq!(a.status, StatusCode::OK, "{path}: {}", a.body);
    serde_json::from_str(&a.body).unwrap_or_else(|e| panic!("{path} is not JSON ({e}): {}", a.body))
}

/// Every member of `doc` whose value is a URL of this server (strings and lists of strings).
fn urls(doc: &Value) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (k, v) in doc.as_object().unwrap() {
        let values: Vec<&str> = match v {
            Value::String(s) => vec![s.as_str()],
            Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
            _ => vec![],
        };
        for s in values.into_iter().filter(|s| s.starts_with("https://")) {
            out.push((k.clone(), s.to_owned()));
        }
    }
    out
}

async fn served(f: &Fixture, path: &str) -> bool {
    let get = f.get(path, "").await.status;
    let post = f.post(path, "", &[]).await.status;
    let answered = |s: StatusCode| s != StatusCode::NOT_FOUND && s != StatusCode::METHOD_NOT_ALLOWED;
    answered(get) || answered(post)
}

#[tokio::test]
async fn every_url_of_every_discovery_document_is_served() {
    let f = Fixture::new().await;
    let mut documents = Vec::new();
    for t in [f.tenant.id.as_str(), "contoso"] {
        documents.push(format!("/{t}/v2.0/.well-known/openid-configuration"));
        documents.push(format!("/{t}/.well-known/openid-configuration"));
        documents.push(format!("/.well-known/oauth-authorization-server/{t}/v2.0"));
        documents.push(format!("/.well-known/oauth-authorization-server/{t}"));
    }
    let instance = document(
        &f,
        "/common/discovery/instance?authorization_endpoint=https://127.0.0.1/contoso/oauth2/v2.0/authorize",
    )
    .await;
    documents.push(path_of(instance["tenant_discovery_endpoint"].as_str().unwrap()).to_owned());

    let mut unserved = Vec::new();
    let mut checked = 0;
    for doc_path in &documents {
        let doc = document(&f, doc_path).await;
        for (member, url) in urls(&doc) {
            // The issuer names a tenant; it is an identifier, not an endpoint.
            if member == "issuer" {
                continue;
            }
            checked += 1;
            if !served(&f, path_of(&url)).await {
                unserved.push(format!("{doc_path} {member}: {url}"));
            }
        }
    }
    assert!(checked >= documents.len() * 6, "only {checked} URLs were found");
    assert!(
        unserved.is_empty(),
        "advertised but not served:\n{}",
        unserved.join("\n")
    );

    // The aliases name no single tenant: no document to advertise anything.
    for alias in ["common", "organizations"] {
        for path in [
            format!("/{alias}/v2.0/.well-known/openid-configuration"),
            format!("/{alias}/.well-known/openid-configuration"),
        ] {
            let a = f.get(&path, "").await;
            assert_ne!(a.status, StatusCode::OK, "{path}: {}", a.body);
        }
    }
}
