//! The reverse proxy in front of a plain upstream that echoes what it receives.

mod common;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::{Json, Router};
use common::AUD;
use gatehouse_guard::proxy::{BoundProxy, ProxyConfig, RouteRule};
use gatehouse_guard::testing::{FakeIssuer, TestKey};
use serde_json::{json, Map, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

async fn echo(State(hits): State<Arc<AtomicUsize>>, request: Request) -> Json<Value> {
    hits.fetch_add(1, Ordering::SeqCst);
    let mut headers = Map::new();
    for (name, value) in request.headers() {
        headers.insert(name.to_string(), json!(value.to_str().unwrap_or("?")));
    }
    Json(json!({
        "method": request.method().as_str(),
        "uri": request.uri().to_string(),
        "headers": headers,
    }))
}

async fn upstream() -> (SocketAddr, Arc<AtomicUsize>) {
    let hits = Arc::new(AtomicUsize::new(0));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = Router::new().fallback(echo).with_state(hits.clone());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (addr, hits)
}

struct Env {
    issuer: FakeIssuer,
    key: TestKey,
    proxy: SocketAddr,
    hits: Arc<AtomicUsize>,
    http: reqwest::Client,
    _stop: tokio::sync::oneshot::Sender<()>,
}

impl Env {
    async fn start(tenant_header: bool) -> Env {
        let issuer = FakeIssuer::start().await;
        let key = TestKey::rsa("k1");
        issuer.publish(&key);
        let (up, hits) = upstream().await;
        let mut config = ProxyConfig::from_toml_str(
            r#"
            [[route]]
            prefix = "/admin"
            require_roles = ["Admin"]
            require_scopes = []
            [[route]]
            prefix = "/admin/reports"
            require_roles = ["Reports"]
            "#,
        )
        .unwrap();
        config.listen = "127.0.0.1:0".parse().unwrap();
        config.upstream = format!("http://{up}/base");
        config.issuers = vec![issuer.issuer()];
        config.audiences = vec![AUD.into()];
        config.require_scopes = vec![];
        config.tenant_header = tenant_header;
        config.allow_insecure_http_for_tests = true;
        config.routes.push(RouteRule {
            require_scopes: vec!["code_write".into()],
            ..RouteRule::new("/code")
        });
        let proxy = BoundProxy::bind(config).await.unwrap();
        let addr = proxy.local_addr();
        assert_ne!(addr.port(), 0);
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(proxy.run(async move {
            let _ = rx.await;
        }));
        Env {
            issuer,
            key,
            proxy: addr,
            hits,
            http: reqwest::Client::new(),
            _stop: tx,
        }
    }

    fn token(&self, edit: impl FnOnce(&mut Value)) -> String {
        let mut claims = self.issuer.claims(AUD);
        edit(&mut claims);
        self.key.sign(&claims)
    }

    async fn get(&self, path: &str, token: Option<&str>, extra: &[(&str, &str)]) -> (u16, Value) {
        let mut req = self.http.get(format!("http://{}{path}", self.proxy));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        for (n, v) in extra {
            req = req.header(*n, *v);
        }
        let resp = req.send().await.unwrap();
        let status = resp.status().as_u16();
        (status, resp.json().await.unwrap_or(Value::Null))
    }
}

#[tokio::test]
async fn identity_headers_are_passed_and_spoofed_ones_stripped() {
    let env = Env::start(false).await;
    let token = env.token(|c| {
        c["roles"] = json!(["Reader", "Writer"]);
        c["scp"] = json!("read code_write");
    });
    let (status, echo) = env
        .get(
            "/items/1?x=y",
            Some(&token),
            &[
                ("x-gatehouse-tenant", "spoofed"),
                ("X-Gatehouse-Roles", "Admin"),
                ("x-gatehouse-extra", "spoofed"),
                ("x-custom", "kept"),
            ],
        )
        .await;
    assert_eq!(status, 200, "{echo}");
    let h = &echo["headers"];
    assert_eq!(echo["uri"], "/base/items/1?x=y");
    assert_eq!(h["x-gatehouse-tenant"], env.issuer.tenant_id());
    assert_eq!(h["x-gatehouse-object-id"], "5e6f7a8b-1111-4222-8333-944455556666");
    assert_eq!(h["x-gatehouse-app-id"], "0a1b2c3d-aaaa-4bbb-8ccc-dddddddddddd");
    assert_eq!(h["x-gatehouse-roles"], "Reader Writer");
    assert_eq!(h["x-gatehouse-scopes"], "read code_write");
    assert_eq!(h["x-gatehouse-credential"], "jwt");
    // A JWT acts at the root: no organization.
    assert_eq!(h["x-gatehouse-organization"], "");
    assert_eq!(h["x-custom"], "kept");
    assert!(h.get("x-gatehouse-extra").is_none());
    let gatehouse_headers = h
        .as_object()
        .unwrap()
        .keys()
        .filter(|k| k.starts_with("x-gatehouse-"))
        .count();
    assert_eq!(gatehouse_headers, 7);
    assert!(h["x-forwarded-for"].as_str().unwrap().contains("127.0.0.1"));
}

#[tokio::test]
async fn refusals_are_answered_without_reaching_upstream() {
    let env = Env::start(false).await;
    let (status, body) = env.get("/items", None, &[("x-gatehouse-tenant", "x")]).await;
    assert_eq!(status, 401);
    assert_eq!(body["error"], "missing_token");
    let (status, body) = env.get("/items", Some("not.a.token"), &[]).await;
    assert_eq!(status, 401);
    assert_eq!(body["error"], "invalid_token");
    let reader = env.token(|c| c["roles"] = json!(["Reader"]));
    let (status, body) = env.get("/admin/users", Some(&reader), &[]).await;
    assert_eq!(status, 403);
    assert_eq!(body["error"], "insufficient_scope");
    let (status, _) = env.get("/code", Some(&reader), &[]).await;
    assert_eq!(status, 403);
    assert_eq!(env.hits.load(Ordering::SeqCst), 0);

    // Longest prefix wins: Admin alone is not enough under /admin/reports.
    let admin = env.token(|c| c["roles"] = json!(["Admin"]));
    assert_eq!(env.get("/admin/users", Some(&admin), &[]).await.0, 200);
    assert_eq!(env.get("/admin/reports/1", Some(&admin), &[]).await.0, 403);
    assert_eq!(env.get("/administrator", Some(&reader), &[]).await.0, 200);
    assert_eq!(env.hits.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn tenant_header_is_enforced_by_the_proxy() {
    let env = Env::start(true).await;
    let token = env.token(|_| {});
    let tid = env.issuer.tenant_id().to_string();
    assert_eq!(env.get("/x", Some(&token), &[("x-tenant-id", &tid)]).await.0, 200);
    let other = uuid::Uuid::new_v4().to_string();
    assert_eq!(env.get("/x", Some(&token), &[("x-tenant-id", &other)]).await.0, 401);
    assert_eq!(env.get("/x", None, &[("x-tenant-id", &tid)]).await.0, 401);
    assert_eq!(env.hits.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn dot_segments_cannot_reach_a_stricter_route() {
    let env = Env::start(false).await;
    let reader = env.token(|c| c["roles"] = json!(["Reader"]));
    for path in [
        "/public/../admin/users",
        "/public/%2e%2e/admin",
        "//admin",
        "/public/..%2Fadmin",
    ] {
        // Raw request: HTTP clients normalise dot segments before sending.
        let mut stream = tokio::net::TcpStream::connect(env.proxy).await.unwrap();
        let request = format!(
            "GET {path} HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer {reader}\r\nConnection: close\r\n\r\n"
        );
        stream.write_all(request.as_bytes()).await.unwrap();
        let mut answer = String::new();
        stream.read_to_string(&mut answer).await.unwrap();
        assert!(answer.starts_with("HTTP/1.1 400"), "{path}: {answer:.80}");
    }
    assert_eq!(env.hits.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn upstream_down_answers_502() {
    let issuer = FakeIssuer::start().await;
    let key = TestKey::ec("k");
    issuer.publish(&key);
    // A port that was free a moment ago.
    let dead = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap()
        .local_addr()
        .unwrap();
    let config = ProxyConfig {
        listen: "127.0.0.1:0".parse().unwrap(),
        upstream: format!("http://{dead}"),
        issuers: vec![issuer.issuer()],
        audiences: vec![AUD.into()],
        allow_insecure_http_for_tests: true,
        ..ProxyConfig::default()
    };
    let proxy = BoundProxy::bind(config).await.unwrap();
    assert!(proxy.refresh_keys().await.is_empty());
    let addr = proxy.local_addr();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(proxy.run(async move {
        let _ = rx.await;
    }));
    let resp = reqwest::Client::new()
        .get(format!("http://{addr}/x"))
        .bearer_auth(key.sign(&issuer.claims(AUD)))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 502);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["error"], "bad_gateway");
    tx.send(()).unwrap();
    server.await.unwrap().unwrap();
}

#[tokio::test]
async fn proxy_config_is_checked_before_binding() {
    let bad_upstream = ProxyConfig {
        upstream: "https://example.invalid".into(),
        issuers: vec!["https://h/72f988bf-86f1-41af-91ab-2d7cd011db47/v2.0".into()],
        audiences: vec![AUD.into()],
        ..ProxyConfig::default()
    };
    assert!(matches!(
        BoundProxy::bind(bad_upstream).await,
        Err(gatehouse_guard::proxy::ProxyError::Upstream(_))
    ));
    let http_issuer = ProxyConfig {
        upstream: "http://127.0.0.1:1".into(),
        issuers: vec!["http://h/72f988bf-86f1-41af-91ab-2d7cd011db47/v2.0".into()],
        audiences: vec![AUD.into()],
        ..ProxyConfig::default()
    };
    assert!(matches!(
        BoundProxy::bind(http_issuer).await,
        Err(gatehouse_guard::proxy::ProxyError::Config(_))
    ));
}
