//! Refresh tokens end to end: rotation, reuse revoking the family (also after a restart),
//! switching resource for built-in clients, and never widening scope.

mod common;
mod device_helpers;
use common::*;
use device_helpers::*;
use gatehouse_testkit::{Server, ServerOptions};

const GRAPH: &str = "https://graph.microsoft.com/.default openid profile offline_access";

async fn refresh(
    s: &Server,
    tenant: &str,
    rt: &str,
    scope: Option<&str>,
) -> (u16, reqwest::header::HeaderMap, serde_json::Value) {
    let mut form = vec![
        ("grant_type", "refresh_token"),
        ("client_id", AZURE_CLI),
        ("refresh_token", rt),
        ("client_info", "1"),
    ];
    if let Some(sc) = scope {
        form.push(("scope", sc));
    }
    post_form(s, &format!("/{tenant}/oauth2/v2.0/token"), &form).await
}

#[tokio::test]
async fn refresh_rotates_and_may_switch_to_graph_for_the_azure_cli() {
    let s = start();
    let (tenant, _, _) = first(&s);
    let ada = user(&s, "ada@contoso.com");
    let first = device_login(&s, &tenant, "ada@contoso.com", ARM_SCOPE).await;
    let rt1 = first["refresh_token"].as_str().unwrap();
    let sid = verify(
        &s,
        &tenant,
        first["access_token"].as_str().unwrap(),
        "https://management.core.windows.net/",
    )
    .await["sid"]
        .clone();
    let (st, _, second) = refresh(&s, &tenant, rt1, Some(GRAPH)).await;
    assert_eq!(st, 200, "{second}");
    assert_eq!(second["scope"], GRAPH);
    let rt2 = second["refresh_token"].as_str().unwrap();
    assert_ne!(rt1, rt2, "every use rotates");
    let at = verify(
        &s,
        &tenant,
        second["access_token"].as_str().unwrap(),
        "https://graph.microsoft.com",
    )
    .await;
    assert_eq!(
        (&at["oid"], &at["sid"], &at["idtyp"]),
        (&ada["id"], &sid, &serde_json::json!("user"))
    );
    let (st, _, third) = refresh(&s, &tenant, rt2, None).await;
    assert_eq!(st, 200, "{third}");
    assert_eq!(third["scope"], ARM_SCOPE, "without scope, what was granted");
}

#[tokio::test]
async fn refresh_token_reuse_revokes_the_family_even_after_a_restart() {
    let mut s = start();
    let (tenant, _, _) = first(&s);
    user(&s, "ada@contoso.com");
    let first = device_login(&s, &tenant, "ada@contoso.com", ARM_SCOPE).await;
    let rt1 = first["refresh_token"].as_str().unwrap().to_owned();
    let sid = verify(
        &s,
        &tenant,
        first["access_token"].as_str().unwrap(),
        "https://management.core.windows.net/",
    )
    .await["sid"]
        .as_str()
        .unwrap()
        .to_owned();
    let (st, _, second) = refresh(&s, &tenant, &rt1, None).await;
    assert_eq!(st, 200);
    let rt2 = second["refresh_token"].as_str().unwrap().to_owned();
    // The old token again: a replay. The whole family dies, the new token with it.
    let (st, h, b) = refresh(&s, &tenant, &rt1, None).await;
    assert_entra_error(st, &h, &b, 400, "invalid_grant", 70008);
    assert!(
        feed_sids(&s, &tenant).await.contains(&sid),
        "the family's sid is published for guards"
    );
    let (st, h, b) = refresh(&s, &tenant, &rt2, None).await;
    assert_entra_error(st, &h, &b, 400, "invalid_grant", 70008);
    // Still refused after a restart on the same data.
    s.stop();
    let s2 = Server::start(
        bin(),
        ServerOptions {
            data_dir: Some(s.data_dir.clone()),
            ..Default::default()
        },
    );
    let (st, h, b) = refresh(&s2, &tenant, &rt2, None).await;
    assert_entra_error(st, &h, &b, 400, "invalid_grant", 70008);
    assert!(feed_sids(&s2, &tenant).await.contains(&sid));
}

#[tokio::test]
async fn parallel_refreshes_of_one_token_succeed_at_most_once() {
    let s = start();
    let (tenant, _, _) = first(&s);
    user(&s, "ada@contoso.com");
    let first = device_login(&s, &tenant, "ada@contoso.com", ARM_SCOPE).await;
    let rt = first["refresh_token"].as_str().unwrap().to_owned();
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let (base, t, rt, client) = (s.base_url.clone(), tenant.clone(), rt.clone(), s.client());
        tasks.push(tokio::spawn(async move {
            let body = form_urlencoded(&[
                ("grant_type", "refresh_token"),
                ("client_id", AZURE_CLI),
                ("refresh_token", &rt),
            ]);
            let r = client
                .post(format!("{base}/{t}/oauth2/v2.0/token"))
                .header("content-type", "application/x-www-form-urlencoded")
                .body(body)
                .send()
                .await
                .unwrap();
            let status = r.status().as_u16();
            (status, r.json::<serde_json::Value>().await.unwrap())
        }));
    }
    let mut winners = Vec::new();
    for t in tasks {
        let (st, body) = t.await.unwrap();
        if st == 200 {
            winners.push(body);
        } else {
            assert_eq!(body["error"], "invalid_grant", "{body}");
        }
    }
    assert!(winners.len() <= 1, "at most one of N parallel refreshes succeeds");
    for w in winners {
        let (st, _, _) = refresh(&s, &tenant, w["refresh_token"].as_str().unwrap(), None).await;
        assert_eq!(
            st, 400,
            "the replay revoked the family, the winner's new token included"
        );
    }
}

#[tokio::test]
async fn refresh_token_of_one_client_does_not_work_for_another_and_garbage_is_invalid_grant() {
    let s = start();
    let (tenant, _, _) = first(&s);
    user(&s, "ada@contoso.com");
    let first = device_login(&s, &tenant, "ada@contoso.com", ARM_SCOPE).await;
    let rt = first["refresh_token"].as_str().unwrap();
    let (st, h, b) = post_form(
        &s,
        &format!("/{tenant}/oauth2/v2.0/token"),
        &[
            ("grant_type", "refresh_token"),
            ("client_id", "1950a258-227b-4e31-a9cf-717495945fc2"),
            ("refresh_token", rt),
        ],
    )
    .await;
    assert_entra_error(st, &h, &b, 400, "invalid_grant", 70000);
    let (st, h, b) = refresh(&s, &tenant, "ghr.garbage", None).await;
    assert_entra_error(st, &h, &b, 400, "invalid_grant", 70000);
    // The first client's token still works: a foreign client's attempt did not burn it.
    let (st, _, b) = refresh(&s, &tenant, rt, None).await;
    assert_eq!(st, 200, "{b}");
}

#[tokio::test]
async fn disabled_or_deleted_user_cannot_refresh() {
    let s = start();
    let (tenant, _, _) = first(&s);
    user(&s, "ada@contoso.com");
    let first = device_login(&s, &tenant, "ada@contoso.com", ARM_SCOPE).await;
    s.admin(&[
        "user",
        "update",
        "--id",
        "ada@contoso.com",
        "--account-enabled",
        "false",
    ]);
    let (st, h, b) = refresh(&s, &tenant, first["refresh_token"].as_str().unwrap(), None).await;
    assert_entra_error(st, &h, &b, 400, "invalid_grant", 50057);
    let sid = verify(
        &s,
        &tenant,
        first["access_token"].as_str().unwrap(),
        "https://management.core.windows.net/",
    )
    .await["sid"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(!feed_sids(&s, &tenant).await.contains(&sid));
    s.admin(&["user", "delete", "--id", "ada@contoso.com"]);
    let (st, h, b) = refresh(&s, &tenant, first["refresh_token"].as_str().unwrap(), None).await;
    assert_entra_error(st, &h, &b, 400, "invalid_grant", 70008);
    assert!(
        feed_sids(&s, &tenant).await.contains(&sid),
        "a deleted user's families are published, so guards refuse their access tokens"
    );
}

#[tokio::test]
async fn userinfo_and_me_refuse_an_access_token_of_a_revoked_family_at_once() {
    let s = start();
    let (tenant, _, _) = first(&s);
    user(&s, "ada@contoso.com");
    let first = device_login(&s, &tenant, "ada@contoso.com", "openid profile offline_access").await;
    let at = first["access_token"].as_str().unwrap();
    let rt1 = first["refresh_token"].as_str().unwrap();
    let userinfo = format!("{}/{tenant}/openid/userinfo", s.base_url);
    let apps = format!("{}/{tenant}/me/authorizedApps", s.base_url);
    let status = |url: String| {
        let req = s.client().get(url).bearer_auth(at);
        async move { req.send().await.unwrap().status().as_u16() }
    };
    assert_eq!(status(userinfo.clone()).await, 200);
    assert_eq!(status(apps.clone()).await, 200);

    // A refresh for another resource (ARM) leaves this Graph token alone; the replay of the
    // used refresh token then revokes the family, and with it this token.
    let (st, _, _) = refresh(&s, &tenant, rt1, Some(ARM_SCOPE)).await;
    assert_eq!(st, 200);
    assert_eq!(status(userinfo.clone()).await, 200);
    let (st, _, _) = refresh(&s, &tenant, rt1, None).await;
    assert_eq!(st, 400, "a replay revokes the family");
    // No polling bound here: the server reads its own store.
    assert_eq!(status(userinfo).await, 401);
    assert_eq!(status(apps).await, 401);
}

/// Seed 003: a refresh "invalidates the existing access_token": the family's previous access
/// token for the same resource is refused at once by our own endpoints and published in the
/// feed by its `uti`; a refresh for another resource leaves it alone.
#[tokio::test]
async fn a_refresh_revokes_the_access_token_it_replaces_for_the_same_resource_only() {
    let s = start();
    let (tenant, _, _) = first(&s);
    user(&s, "ada@contoso.com");
    let first = device_login(&s, &tenant, "ada@contoso.com", "openid profile offline_access").await;
    let at1 = first["access_token"].as_str().unwrap().to_owned();
    let uti1 = verify(&s, &tenant, &at1, "https://graph.microsoft.com").await["uti"]
        .as_str()
        .unwrap()
        .to_owned();
    let userinfo = |token: String| {
        let req = s
            .client()
            .get(format!("{}/{tenant}/openid/userinfo", s.base_url))
            .bearer_auth(token);
        async move { req.send().await.unwrap().status().as_u16() }
    };
    assert_eq!(userinfo(at1.clone()).await, 200);

    // Another resource: the Azure CLI gets an ARM token next to its Graph token.
    let (st, _, arm) = refresh(&s, &tenant, first["refresh_token"].as_str().unwrap(), Some(ARM_SCOPE)).await;
    assert_eq!(st, 200, "{arm}");
    assert_eq!(
        userinfo(at1.clone()).await,
        200,
        "a refresh for ARM leaves the Graph token alone"
    );
    assert!(!feed_values(&s, &tenant, "uti").await.contains(&uti1));

    // The same resource again: the Graph token it replaces is refused at once.
    let (st, _, second) = refresh(&s, &tenant, arm["refresh_token"].as_str().unwrap(), Some(GRAPH)).await;
    assert_eq!(st, 200, "{second}");
    let at2 = second["access_token"].as_str().unwrap().to_owned();
    assert_eq!(userinfo(at1.clone()).await, 401, "the replaced access token is revoked");
    assert_eq!(userinfo(at2.clone()).await, 200, "its replacement works");
    assert!(
        feed_values(&s, &tenant, "uti").await.contains(&uti1),
        "published for guards"
    );
    // The ARM token of the family was not replaced by the Graph refresh.
    let arm_uti = verify(
        &s,
        &tenant,
        arm["access_token"].as_str().unwrap(),
        "https://management.core.windows.net/",
    )
    .await["uti"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(!feed_values(&s, &tenant, "uti").await.contains(&arm_uti));
}
