//! RFC 7009 revocation of access and refresh tokens, and the feed guards poll.

mod auth_helpers;
mod common;
mod device_helpers;
use common::*;
use serde_json::Value;

const DEV: &str = "https://apps.azureiotcentral.com/.default";

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
    let claims = verify(&s, &tenant, token, "https://apps.azureiotcentral.com").await;
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
    let (st, h, b) = post_form(
        &s,
        &format!("/{tenant}/oauth2/v2.0/revoke"),
        &[
            ("client_id", other["appId"].as_str().unwrap()),
            ("client_secret", other["password"].as_str().unwrap()),
            ("token", token),
        ],
    )
    .await;
    // RFC 7009 section 2.1: the request is refused and the client told so.
    assert_entra_error(st, &h, &b, 400, "unauthorized_client", 70000);
    assert_eq!(
        feed(&s, &tenant, 0).await["entries"],
        serde_json::json!([]),
        "and nothing was revoked"
    );
    // Garbage and forged tokens are answered 200 and change nothing.
    for junk in ["x", "a.b.c", &format!("{}x", token), "ghr.not-a-refresh-token"] {
        for hint in ["access_token", "refresh_token"] {
            let (st, _, _) = post_form(
                &s,
                &format!("/{tenant}/oauth2/v2.0/revoke"),
                &[
                    ("client_id", &app),
                    ("client_secret", &secret),
                    ("token", junk),
                    ("token_type_hint", hint),
                ],
            )
            .await;
            assert_eq!(st, 200);
        }
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

/// A user's tokens from the Azure CLI (a public client): access token for Graph and refresh token.
async fn cli_tokens(s: &gatehouse_testkit::Server, tenant: &str, upn: &str) -> (String, String) {
    device_helpers::user(s, upn);
    let t = device_helpers::device_login(
        s,
        tenant,
        upn,
        "https://graph.microsoft.com/User.Read openid profile offline_access",
    )
    .await;
    (
        t["access_token"].as_str().unwrap().to_owned(),
        t["refresh_token"].as_str().unwrap().to_owned(),
    )
}

async fn userinfo_status(s: &gatehouse_testkit::Server, tenant: &str, at: &str) -> u16 {
    s.client()
        .get(format!("{}/{tenant}/openid/userinfo", s.base_url))
        .bearer_auth(at)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

async fn refresh_status(s: &gatehouse_testkit::Server, tenant: &str, rt: &str) -> (u16, Value) {
    let (st, _, b) = post_form(
        s,
        &format!("/{tenant}/oauth2/v2.0/token"),
        &[
            ("grant_type", "refresh_token"),
            ("client_id", device_helpers::AZURE_CLI),
            ("refresh_token", rt),
        ],
    )
    .await;
    (st, b)
}

#[tokio::test]
async fn revoking_a_refresh_token_ends_its_family_whatever_the_hint() {
    let s = start();
    let (tenant, _, _) = first(&s);
    for (i, hint) in [Some("refresh_token"), Some("access_token"), None]
        .into_iter()
        .enumerate()
    {
        let (at, rt) = cli_tokens(&s, &tenant, &format!("user{i}@contoso.com")).await;
        assert_eq!(userinfo_status(&s, &tenant, &at).await, 200);
        let sid = auth_helpers::b64_claims(&at)["sid"].as_str().unwrap().to_owned();
        let mut form = vec![("client_id", device_helpers::AZURE_CLI), ("token", rt.as_str())];
        if let Some(h) = hint {
            form.push(("token_type_hint", h));
        }
        // A public client names itself with client_id (RFC 7009 section 2.1).
        let (st, h, b) = post_form(&s, &format!("/{tenant}/oauth2/v2.0/revoke"), &form).await;
        assert_eq!(st, 200, "{b}");
        assert_eq!(h.get("cache-control").unwrap(), "no-store");
        let (st, b) = refresh_status(&s, &tenant, &rt).await;
        assert_eq!(
            (st, b["error"].as_str()),
            (400, Some("invalid_grant")),
            "hint {hint:?}: {b}"
        );
        assert!(
            feed_sids(&s, &tenant).await.contains(&sid),
            "the family's sid is published"
        );
        assert_eq!(
            userinfo_status(&s, &tenant, &at).await,
            401,
            "the family's access tokens are refused at once"
        );
    }
}

#[tokio::test]
async fn a_confidential_client_revokes_its_refresh_token_and_a_wrong_hint_still_finds_an_access_token() {
    use auth_helpers::*;
    let s = start();
    let (tenant, _, _) = first(&s);
    device_helpers::user(&s, "ada@contoso.com");
    let (client, secret) = web_app(&s, REDIRECT);
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let (_, a) = sign_in_and_consent(
        &s,
        &tenant,
        &client,
        "ada@contoso.com",
        &[("code_challenge", CHALLENGE), ("code_challenge_method", "S256")],
    )
    .await;
    let (st, _, t) = post_form(
        &s,
        &format!("/{tenant}/oauth2/v2.0/token"),
        &[
            ("grant_type", "authorization_code"),
            ("client_id", &client),
            ("client_secret", &secret),
            ("code", &a["code"]),
            ("redirect_uri", REDIRECT),
            ("code_verifier", VERIFIER),
        ],
    )
    .await;
    assert_eq!(st, 200, "{t}");
    let at = t["access_token"].as_str().unwrap();
    let rt = t["refresh_token"].as_str().unwrap();
    let revoke = |token: &str, hint: &str| {
        let form = [
            ("client_id", client.as_str()),
            ("client_secret", secret.as_str()),
            ("token", token),
            ("token_type_hint", hint),
        ]
        .map(|(k, v)| (k, v.to_owned()));
        let path = format!("/{tenant}/oauth2/v2.0/revoke");
        let s = &s;
        async move {
            let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
            post_form(s, &path, &form).await.0
        }
    };
    // Another client's credentials: refused, and the refresh token keeps working.
    let other = s.admin(&["sp", "create-for-rbac", "-n", "other"]);
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let (st, h, b) = post_form(
        &s,
        &format!("/{tenant}/oauth2/v2.0/revoke"),
        &[
            ("client_id", other["appId"].as_str().unwrap()),
            ("client_secret", other["password"].as_str().unwrap()),
            ("token", rt),
            ("token_type_hint", "refresh_token"),
        ],
    )
    .await;
    assert_entra_error(st, &h, &b, 400, "unauthorized_client", 70000);
    assert!(feed_sids(&s, &tenant).await.is_empty(), "nothing was revoked");

    // The access token, with the wrong hint.
    assert_eq!(revoke(at, "refresh_token").await, 200);
    let uti = auth_helpers::b64_claims(at)["uti"].clone();
    let entries = feed(&s, &tenant, 0).await["entries"].clone();
    assert!(
        entries
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["type"] == "uti" && e["value"] == uti),
        "{entries}"
    );
    // The refresh token, with the right hint: the family ends.
    assert_eq!(revoke(rt, "refresh_token").await, 200);
    let (st, _, b) = post_form(
        &s,
        &format!("/{tenant}/oauth2/v2.0/token"),
        &[
            ("grant_type", "refresh_token"),
            ("client_id", &client),
            ("client_secret", &secret),
            ("refresh_token", rt),
        ],
    )
    .await;
    assert_eq!((st, b["error"].as_str()), (400, Some("invalid_grant")), "{b}");
    let sid = auth_helpers::b64_claims(at)["sid"].as_str().unwrap().to_owned();
    assert!(feed_sids(&s, &tenant).await.contains(&sid));
}

#[tokio::test]
async fn revoking_another_clients_access_token_is_refused_and_it_keeps_working() {
    let s = start();
    let (tenant, app, secret) = first(&s);
    let (at, _) = cli_tokens(&s, &tenant, "ada@contoso.com").await;
    let (st, h, b) = post_form(
        &s,
        &format!("/{tenant}/oauth2/v2.0/revoke"),
        &[("client_id", &app), ("client_secret", &secret), ("token", &at)],
    )
    .await;
    assert_entra_error(st, &h, &b, 400, "unauthorized_client", 70000);
    assert_eq!(userinfo_status(&s, &tenant, &at).await, 200);
    assert_eq!(feed(&s, &tenant, 0).await["entries"], serde_json::json!([]));
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
