//! The first start's service principal and administrator manage the directory through the
//! Graph door of the real binary: the SP's Graph token (scope `{base}/graph//.default`) carries
//! every Graph application permission and can write; the administrator holds
//! "Global Administrator".

mod common;

use serde_json::{json, Value};

#[tokio::test]
async fn the_first_start_can_manage_everything_through_graph() {
    let s = common::start();
    let (tenant, app_id, secret) = common::first(&s);
    let scope = format!("{}/graph//.default", s.base_url);
    let (status, _, body) = common::post_form(
        &s,
        &format!("/{tenant}/oauth2/v2.0/token"),
        &[
            ("grant_type", "client_credentials"),
            ("client_id", &app_id),
            ("client_secret", &secret),
            ("scope", &scope),
        ],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let token = body["access_token"].as_str().unwrap().to_owned();
    let graph = format!("{}/graph/v1.0", s.base_url);
    let client = s.client();

    let users: Value = client
        .get(format!("{graph}/users?$filter=startswith(userPrincipalName,'admin@')"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(users["value"][0]["userPrincipalName"], "admin@default", "{users}");

    let r = client
        .post(format!("{graph}/groups"))
        .bearer_auth(&token)
        .json(&json!({"displayName": "first", "mailNickname": "first", "mailEnabled": false, "securityEnabled": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);

    let admin = s.admin(&["user", "update", "--id", "admin@default"]);
    assert_eq!(admin["directoryRoles"], json!(["Global Administrator"]), "{admin}");
}
