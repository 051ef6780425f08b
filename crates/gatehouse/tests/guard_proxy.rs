//! `gatehouse proxy` in front of a plain HTTP upstream, with tokens from the real server.

mod common;
mod device_helpers;
use common::*;
use device_helpers::{device_login, user, ARM_SCOPE, AZURE_CLI};

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A plain HTTP/1.1 upstream that answers every request with the request head it received.
async fn echo_upstream() -> u16 {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        loop {
            let Ok((mut sock, _)) = listener.accept().await else {
                return;
            };
            tokio::spawn(async move {
                let mut buf = vec![0u8; 16384];
                let mut n = 0;
                while !buf[..n].windows(4).any(|w| w == b"\r\n\r\n") {
                    match sock.read(&mut buf[n..]).await {
                        Ok(0) | Err(_) => return,
                        Ok(k) => n += k,
                    }
                }
                let head = String::from_utf8_lossy(&buf[..n]).to_string();
                let resp = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{}",
                    head.len(),
                    head
                );
                let _ = sock.write_all(resp.as_bytes()).await;
            });
        }
    });
    port
}

/// The proxy polls the revocation feed every 10 s; a revocation must show within that, plus a
/// margin for a loaded machine (the poll itself takes time). Checked by asking until it shows.
const REVOCATION_BOUND: std::time::Duration = std::time::Duration::from_secs(15);

/// Asks `url` with `token` every 250 ms until the answer is `want` or `REVOCATION_BOUND` passes;
/// returns the last status seen.
async fn status_within_bound(http: &reqwest::Client, url: &str, token: &str, want: u16) -> u16 {
    let deadline = std::time::Instant::now() + REVOCATION_BOUND;
    loop {
        let status = http.get(url).bearer_auth(token).send().await.unwrap().status().as_u16();
        if status == want || std::time::Instant::now() >= deadline {
            return status;
        }
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }
}

const GRAPH_SCOPE: &str = "https://graph.microsoft.com/.default openid profile offline_access";

/// A refresh by the Azure CLI, for `scope` (or what was granted).
async fn refresh(
    s: &gatehouse_testkit::Server,
    tenant: &str,
    rt: &str,
    scope: Option<&str>,
) -> (u16, reqwest::header::HeaderMap, serde_json::Value) {
    let mut form = vec![
        ("grant_type", "refresh_token"),
        ("client_id", AZURE_CLI),
        ("refresh_token", rt),
    ];
    form.extend(scope.map(|sc| ("scope", sc)));
    post_form(s, &format!("/{tenant}/oauth2/v2.0/token"), &form).await
}

/// The arguments of a proxy in front of `upstream` for ARM tokens of `tenant`.
fn arm_proxy_args(s: &gatehouse_testkit::Server, tenant: &str, upstream: u16) -> Vec<String> {
    vec![
        "--listen".into(),
        "127.0.0.1:0".into(),
        "--upstream".into(),
        format!("http://127.0.0.1:{upstream}"),
        "--issuer".into(),
        format!("{}/{tenant}/v2.0", s.base_url),
        "--audience".into(),
        "https://management.core.windows.net/".into(),
        "--ca-file".into(),
        s.ca_file().display().to_string(),
    ]
}

struct ProxyProcess {
    child: Child,
    url: String,
}

impl Drop for ProxyProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_proxy(args: &[String]) -> ProxyProcess {
    let mut child = Command::new(bin())
        .arg("proxy")
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let url = loop {
        let line = lines.next().expect("proxy printed its address").unwrap();
        if let Some(rest) = line.strip_prefix("Gatehouse proxy listening on ") {
            break rest.trim().to_owned();
        }
    };
    ProxyProcess { child, url }
}

#[tokio::test]
async fn proxy_passes_verified_callers_and_refuses_the_rest() {
    let s = start();
    let (tenant, _, _) = first(&s);
    s.admin(&[
        "api",
        "create",
        "--name",
        "orders",
        "--identifier-uri",
        "api://orders",
        "--app-role",
        "Orders.Read",
    ]);
    let reader = s.admin(&["sp", "create-for-rbac", "-n", "reader"]);
    let nobody = s.admin(&["sp", "create-for-rbac", "-n", "nobody"]);
    s.admin(&[
        "app",
        "role",
        "grant",
        "--app",
        "reader",
        "--api",
        "api://orders",
        "--role",
        "Orders.Read",
    ]);
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;

    let upstream = echo_upstream().await;
    let proxy = start_proxy(&[
        "--listen".into(),
        "127.0.0.1:0".into(),
        "--upstream".into(),
        format!("http://127.0.0.1:{upstream}"),
        "--issuer".into(),
        format!("{}/{tenant}/v2.0", s.base_url),
        "--audience".into(),
        "api://orders".into(),
        "--ca-file".into(),
        s.ca_file().display().to_string(),
        "--require-role".into(),
        "Orders.Read".into(),
    ]);
    let http = reqwest::Client::new();

    let (_, _, body) = cc(
        &s,
        &tenant,
        reader["appId"].as_str().unwrap(),
        reader["password"].as_str().unwrap(),
        "api://orders/.default",
    )
    .await;
    let good = body["access_token"].as_str().unwrap().to_owned();
    let r = http
        .get(format!("{}/orders/1", proxy.url))
        .bearer_auth(&good)
        .header("X-Gatehouse-Roles", "Admin")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let echoed = r.text().await.unwrap().to_ascii_lowercase();
    assert!(echoed.starts_with("get /orders/1 "), "{echoed}");
    assert!(
        echoed.contains(&format!("x-gatehouse-app-id: {}", reader["appId"].as_str().unwrap())),
        "{echoed}"
    );
    assert!(echoed.contains(&format!("x-gatehouse-tenant: {tenant}")), "{echoed}");
    assert!(echoed.contains("x-gatehouse-roles: orders.read"), "{echoed}");
    assert!(
        !echoed.contains("x-gatehouse-roles: admin"),
        "a spoofed identity header is stripped: {echoed}"
    );

    let r = http.get(format!("{}/orders/1", proxy.url)).send().await.unwrap();
    assert_eq!(r.status(), 401);
    assert!(r.headers()["www-authenticate"].to_str().unwrap().starts_with("Bearer"));

    let (_, _, body) = cc(
        &s,
        &tenant,
        nobody["appId"].as_str().unwrap(),
        nobody["password"].as_str().unwrap(),
        "api://orders/.default",
    )
    .await;
    let r = http
        .get(format!("{}/orders/1", proxy.url))
        .bearer_auth(body["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403, "a caller without the role");
    assert!(r.headers()["www-authenticate"]
        .to_str()
        .unwrap()
        .contains("insufficient_scope"));

    let (_, _, body) = cc(
        &s,
        &tenant,
        reader["appId"].as_str().unwrap(),
        reader["password"].as_str().unwrap(),
        "https://apps.azureiotcentral.com/.default",
    )
    .await;
    let r = http
        .get(format!("{}/orders/1", proxy.url))
        .bearer_auth(body["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401, "a token for another audience");

    // A token from another Gatehouse instance (its own keys and tenant) is refused.
    let other = start();
    let (ot, oa, os) = first(&other);
    let (_, _, body) = cc(&other, &ot, &oa, &os, "https://apps.azureiotcentral.com/.default").await;
    let r = http
        .get(format!("{}/orders/1", proxy.url))
        .bearer_auth(body["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401, "a token of another instance");

    // A revoked token is refused within the guard's bound (10 s polling by default).
    let (st, _, _) = post_form(
        &s,
        &format!("/{tenant}/oauth2/v2.0/revoke"),
        &[
            ("client_id", reader["appId"].as_str().unwrap()),
            ("client_secret", reader["password"].as_str().unwrap()),
            ("token", &good),
        ],
    )
    .await;
    assert_eq!(st, 200);
    let status = status_within_bound(&http, &format!("{}/orders/1", proxy.url), &good, 401).await;
    assert_eq!(status, 401, "a revoked token after the bound");
}

#[tokio::test]
async fn access_tokens_of_a_revoked_refresh_family_are_refused_within_the_bound() {
    let s = start();
    let (tenant, _, _) = first(&s);
    user(&s, "ada@contoso.com");
    let signed_in = device_login(&s, &tenant, "ada@contoso.com", ARM_SCOPE).await;
    let access = signed_in["access_token"].as_str().unwrap().to_owned();
    let rt1 = signed_in["refresh_token"].as_str().unwrap().to_owned();

    let upstream = echo_upstream().await;
    let proxy = start_proxy(&arm_proxy_args(&s, &tenant, upstream));
    let http = reqwest::Client::new();
    let r = http
        .get(format!("{}/me", proxy.url))
        .bearer_auth(&access)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "the user's token passes while its family lives");
    assert!(r
        .text()
        .await
        .unwrap()
        .to_ascii_lowercase()
        .contains("x-gatehouse-credential"));

    // Rotate once (for Graph: the ARM token is not replaced), then present the old refresh
    // token again: a replay revokes the whole family.
    let (st, _, body) = refresh(&s, &tenant, &rt1, Some(GRAPH_SCOPE)).await;
    assert_eq!(st, 200, "{body}");
    let (st, _, body) = refresh(&s, &tenant, &rt1, None).await;
    assert_eq!(st, 400, "{body}");
    let status = status_within_bound(&http, &format!("{}/me", proxy.url), &access, 401).await;
    assert_eq!(
        status, 401,
        "an access token of a revoked family, after the guard's bound"
    );
}

#[tokio::test]
async fn sigterm_stops_the_proxy_cleanly() {
    let s = start();
    let (tenant, _, _) = first(&s);
    let upstream = echo_upstream().await;
    let mut proxy = start_proxy(&[
        "--listen".into(),
        "127.0.0.1:0".into(),
        "--upstream".into(),
        format!("http://127.0.0.1:{upstream}"),
        "--issuer".into(),
        format!("{}/{tenant}/v2.0", s.base_url),
        "--audience".into(),
        "api://orders".into(),
        "--ca-file".into(),
        s.ca_file().display().to_string(),
    ]);
    let pid = proxy.child.id().to_string();
    let sent = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    assert!(sent.success());
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    let status = loop {
        if let Some(status) = proxy.child.try_wait().unwrap() {
            break status;
        }
        assert!(std::time::Instant::now() < deadline, "the proxy ignored SIGTERM");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    assert!(status.success(), "the proxy stops cleanly on SIGTERM: {status:?}");
}

/// Seed 003 through a guard: after a refresh for the same resource, the access token it
/// replaced is refused by the proxy within its polling bound, and the new one passes.
#[tokio::test]
async fn the_access_token_a_refresh_replaced_is_refused_within_the_bound() {
    let s = start();
    let (tenant, _, _) = first(&s);
    user(&s, "ada@contoso.com");
    let signed_in = device_login(&s, &tenant, "ada@contoso.com", ARM_SCOPE).await;
    let old = signed_in["access_token"].as_str().unwrap().to_owned();
    let upstream = echo_upstream().await;
    let proxy = start_proxy(&arm_proxy_args(&s, &tenant, upstream));
    let http = reqwest::Client::new();
    let me = format!("{}/me", proxy.url);
    assert_eq!(http.get(&me).bearer_auth(&old).send().await.unwrap().status(), 200);

    let (st, _, body) = refresh(&s, &tenant, signed_in["refresh_token"].as_str().unwrap(), None).await;
    assert_eq!(st, 200, "{body}");
    let new = body["access_token"].as_str().unwrap();
    assert_eq!(
        status_within_bound(&http, &me, &old, 401).await,
        401,
        "the replaced access token, after the guard's bound"
    );
    assert_eq!(http.get(&me).bearer_auth(new).send().await.unwrap().status(), 200);
}

/// Seed 003: X-Tenant-ID may name the tenancy. The proxy accepts the name the API author gave
/// (`--tenant NAME=GUID`) or, with `--discover-tenant-names`, the tenant's own name as the
/// server's discovery document resolves it; either way it must be the token's tenant.
#[tokio::test]
async fn x_tenant_id_may_name_the_tenant() {
    let s = start();
    let (tenant, _, _) = first(&s);
    user(&s, "ada@contoso.com");
    let fabrikam = s.admin(&["tenant", "create", "--name", "fabrikam"]);
    let signed_in = device_login(&s, &tenant, "ada@contoso.com", ARM_SCOPE).await;
    let token = signed_in["access_token"].as_str().unwrap().to_owned();
    let upstream = echo_upstream().await;
    let http = reqwest::Client::new();
    let ask = |url: String, name: &'static str| {
        let req = http.get(url).bearer_auth(&token).header("x-tenant-id", name);
        async move { req.send().await.unwrap().status().as_u16() }
    };

    let mut args = arm_proxy_args(&s, &tenant, upstream);
    args.extend(["--tenant-header".into(), "--tenant".into(), format!("contoso={tenant}")]);
    let named = start_proxy(&args);
    let me = format!("{}/me", named.url);
    assert_eq!(ask(me.clone(), "contoso").await, 200);
    assert_eq!(ask(me.clone(), "CONTOSO").await, 200);
    assert_eq!(ask(me.clone(), "northwind").await, 400, "an unknown name is refused");
    drop(named);

    let mut args = arm_proxy_args(&s, &tenant, upstream);
    args.extend(["--tenant-header".into(), "--discover-tenant-names".into()]);
    let discovering = start_proxy(&args);
    let me = format!("{}/me", discovering.url);
    assert_eq!(
        ask(me.clone(), "default").await,
        200,
        "the tenant's own name, discovered"
    );
    assert_eq!(
        ask(me.clone(), "fabrikam").await,
        401,
        "another tenant's name: not the token's tenant ({})",
        fabrikam["id"]
    );
    assert_eq!(ask(me.clone(), "northwind").await, 400, "no tenant of that name");
}
