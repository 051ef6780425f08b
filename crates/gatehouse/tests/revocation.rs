//! RFC 7009 revocation of access tokens and the feed guards poll.

mod common;
use common::*;
use serde_json::Value;

const DEV: &str = "https://devcenter.azure.com/.default";

async fn feed(s: &gatehouse_testkit::Server, tenant: &str, since: i64) -> Value {
    let r = s
        .client()
        .get(format!("{}/{tenant}/gatehouse/revocations?since={since}", s.base_url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    r.json().await.unwrap()
}

#[tokio::test]
async fn revoked_access_token_is_published_in_the_feed() {
    let s = start();
    let (tenant, app, secret) = first(&s);
    let empty = feed(&s, &tenant, 0).await;
    assert_eq!(empty["entries"], serde_json::json!([]));
    let (_, _, body) = cc(&s, &tenant, &app, &secret, DEV).await;
    let token = body["access_token"].as_str().unwrap();
    let claims = verify(&s, &tenant, token, "https://devcenter.azure.com").await;
    let (st, h, b) = post_form(
        &s,
        &format!("/{tenant}/oauth2/v2.0/revoke"),
        &[("client_id", &app), ("client_secret", &secret), ("token", token)],
    )
    .await;
    assert_eq!(st, 200, "{b}");
    assert_eq!(h.get("cache-control").unwrap(), "no-store");
    let after = feed(&s, &tenant, 0).await;
    let entries = after["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0]["type"], "uti");
    assert_eq!(entries[0]["value"], claims["uti"]);
    assert_eq!(entries[0]["exp"], claims["exp"]);
    let seq = after["seq"].as_i64().unwrap();
    assert_eq!(
        feed(&s, &tenant, seq).await["entries"],
        serde_json::json!([]),
        "nothing new after seq"
    );
}

#[tokio::test]
async fn a_client_cannot_revoke_another_clients_token() {
    let s = start();
    let (tenant, app, secret) = first(&s);
    let other = s.admin(&["sp", "create-for-rbac", "-n", "other"]);
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let (_, _, body) = cc(&s, &tenant, &app, &secret, DEV).await;
    let token = body["access_token"].as_str().unwrap();
    let (st, _, _) = post_form(
        &s,
        &format!("/{tenant}/oauth2/v2.0/revoke"),
        &[
            ("client_id", other["appId"].as_str().unwrap()),
            ("client_secret", other["password"].as_str().unwrap()),
            ("token", token),
        ],
    )
    .await;
    assert_eq!(st, 200, "RFC 7009: the answer reveals nothing");
    assert_eq!(
        feed(&s, &tenant, 0).await["entries"],
        serde_json::json!([]),
        "but nothing was revoked"
    );
    // Garbage and forged tokens are ignored the same way.
    for junk in ["x", "a.b.c", &format!("{}x", token)] {
        let (st, _, _) = post_form(
            &s,
            &format!("/{tenant}/oauth2/v2.0/revoke"),
            &[("client_id", &app), ("client_secret", &secret), ("token", junk)],
        )
        .await;
        assert_eq!(st, 200);
    }
    assert_eq!(feed(&s, &tenant, 0).await["entries"], serde_json::json!([]));
    // Revocation needs client authentication.
    let (st, h, b) = post_form(
        &s,
        &format!("/{tenant}/oauth2/v2.0/revoke"),
        &[("client_id", &app), ("client_secret", "abc~wrong"), ("token", token)],
    )
    .await;
    assert_entra_error(st, &h, &b, 401, "invalid_client", 7000215);
}

#[tokio::test]
async fn feed_refuses_bad_since_and_unknown_tenant() {
    let s = start();
    let r = s
        .client()
        .get(format!("{}/default/gatehouse/revocations?since=abc", s.base_url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let r = s
        .client()
        .get(format!("{}/nope/gatehouse/revocations", s.base_url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
}
