//! The sign-in log: every password check, success or failure, is recorded.

mod common;
mod device_helpers;
use common::*;
use device_helpers::*;

#[tokio::test]
async fn every_sign_in_success_and_failure_is_recorded() {
    let s = start();
    let (tenant, _, _) = first(&s);
    user(&s, "ada@contoso.com");
    // A wrong password on the device page, then a successful device sign-in.
    let dc = devicecode(&s, &tenant, AZURE_CLI, ARM_SCOPE).await;
    let mut page = Browser::new(&s, dc["verification_uri"].as_str().unwrap());
    let refused = page
        .sign_in(dc["user_code"].as_str().unwrap(), "ada@contoso.com", "not the password")
        .await;
    assert_eq!(refused.status, 400, "{}", refused.body);
    let unknown = page
        .sign_in(dc["user_code"].as_str().unwrap(), "ghost@contoso.com", "whatever pass")
        .await;
    assert_eq!(unknown.status, 400);
    device_login(&s, &tenant, "ada@contoso.com", ARM_SCOPE).await;

    let log = s.admin(&["user", "sign-ins", "--limit", "10"]);
    let events = log.as_array().unwrap();
    assert_eq!(events.len(), 3, "{log}");
    assert_eq!(events[0]["userPrincipalName"], "ada@contoso.com");
    assert_eq!(events[0]["success"], true);
    assert_eq!(events[0]["result"], "ok");
    assert_eq!(events[0]["source"], "127.0.0.1");
    let failures: Vec<&serde_json::Value> = events.iter().filter(|e| e["success"] == false).collect();
    assert_eq!(failures.len(), 2);
    assert!(failures.iter().all(|e| e["result"] == "invalid_credentials"));
    assert!(failures
        .iter()
        .any(|e| e["userPrincipalName"] == "ghost@contoso.com" && e["userId"].is_null()));
    let ada = s.admin(&["user", "sign-ins", "--user", "ADA@contoso.com"]);
    assert_eq!(ada.as_array().unwrap().len(), 2, "{ada}");
}

/// A client that says, through `X-Forwarded-For`, that it speaks for `forwarded_for`.
fn forwarding_client(s: &gatehouse_testkit::Server, forwarded_for: &str) -> reqwest::Client {
    let pem = std::fs::read(s.ca_file()).unwrap();
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert("x-forwarded-for", forwarded_for.parse().unwrap());
    reqwest::Client::builder()
        .tls_certs_only([reqwest::Certificate::from_pem(&pem).unwrap()])
        .default_headers(headers)
        .build()
        .unwrap()
}

async fn failed_sign_in_source(s: &gatehouse_testkit::Server, forwarded_for: &str) -> serde_json::Value {
    let (tenant, _, _) = first(s);
    let dc = devicecode(s, &tenant, AZURE_CLI, ARM_SCOPE).await;
    let mut page = Browser::new(s, dc["verification_uri"].as_str().unwrap());
    page.client = forwarding_client(s, forwarded_for);
    let refused = page
        .sign_in(dc["user_code"].as_str().unwrap(), "ada@contoso.com", "not the password")
        .await;
    assert_eq!(refused.status, 400, "{}", refused.body);
    let log = s.admin(&["user", "sign-ins", "--limit", "1"]);
    log[0]["source"].clone()
}

#[tokio::test]
async fn forwarded_for_is_believed_only_from_a_trusted_proxy() {
    // Without trusted proxies, the header a client sends is ignored.
    let direct = start();
    user(&direct, "ada@contoso.com");
    assert_eq!(
        failed_sign_in_source(&direct, "198.51.100.7").await,
        "127.0.0.1",
        "an untrusted peer cannot choose its address"
    );
    // Behind a trusted proxy (here: the test, on 127.0.0.1), the caller is the first untrusted
    // hop from the right; what the client itself put further left is not believed.
    let proxied = gatehouse_testkit::Server::start(
        bin(),
        gatehouse_testkit::ServerOptions {
            env: vec![("GATEHOUSE_TRUSTED_PROXIES".into(), "127.0.0.1,10.0.0.0/8".into())],
            ..Default::default()
        },
    );
    user(&proxied, "ada@contoso.com");
    assert_eq!(
        failed_sign_in_source(&proxied, "203.0.113.66, 198.51.100.7, 10.1.2.3").await,
        "198.51.100.7"
    );
}
