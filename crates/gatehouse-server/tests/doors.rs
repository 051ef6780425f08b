//! The router in-process (`oneshot`, no socket): every OAuth route family answers, and answers
//! no handler produced (unknown paths, wrong methods) speak the dialect of the door the path
//! belongs to: OAuth/Entra, ARM, Graph or IoT Central. Every answer carries the request ids and
//! `no-store`, except the documents meant to be cached.

mod pages;

use axum::http::StatusCode;
use gatehouse_core::admin::apps::NewApp;
use pages::Fixture;
use serde_json::Value;

fn json(a: &pages::Answer) -> Value {
    serde_json::from_str(&a.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", a.body))
}

#[tokio::test]
async fn unknown_paths_answer_in_the_dialect_of_their_door() {
    let f = Fixture::new().await;

    let arm = f
        .get(
            "/subscriptions/00000000-0000-0000-0000-000000000000/providers/Microsoft.Compute/virtualMachines?api-version=2024-11-01",
            "",
        )
        .await;
    assert_eq!(arm.status, StatusCode::NOT_FOUND);
    let v = json(&arm);
    assert_eq!(v.as_object().unwrap().len(), 1, "{v}");
    assert_eq!(
        v["error"].as_object().unwrap().len(),
        2,
        "ARM: code and message only: {v}"
    );
    assert_eq!(v["error"]["code"], "InvalidResourceType");
    assert!(arm.headers.contains_key("x-ms-correlation-request-id"));

    let graph = f.get("/graph/v1.0/noSuchCollection", "").await;
    assert_eq!(graph.status, StatusCode::NOT_FOUND);
    let v = json(&graph);
    assert!(v["error"].is_object(), "the Azure CLI indexes error['code']: {v}");
    assert_eq!(v["error"]["code"], "Request_ResourceNotFound");
    assert!(v["error"]["innerError"]["request-id"].is_string());
    assert!(
        !v["error"]["message"].as_str().unwrap().contains(" does not exist "),
        "a missing route is not a missing object (create-for-rbac would retry): {v}"
    );

    let iotc = f.get("/api/devices?api-version=2022-07-31", "").await;
    assert_eq!(iotc.status, StatusCode::NOT_FOUND);
    assert_eq!(iotc.headers["x-ms-error-code"], "NotFound");
    let v = json(&iotc);
    assert!(
        v["error"]["requestId"].is_string() && v["error"]["time"].is_string(),
        "{v}"
    );

    let oauth = f.get("/contoso/no/such/thing", "").await;
    assert_eq!(oauth.status, StatusCode::NOT_FOUND);
    let v = json(&oauth);
    assert_eq!(v["error_codes"][0], 9002313);
    assert!(v["error_description"].as_str().unwrap().starts_with("AADSTS9002313: "));
}

#[tokio::test]
async fn a_wrong_method_is_405_in_the_entra_shape() {
    let f = Fixture::new().await;
    let a = f.get("/contoso/oauth2/v2.0/token", "").await;
    assert_eq!(a.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(json(&a)["error"], "invalid_request");
}

#[tokio::test]
async fn every_answer_has_request_ids_and_no_store_unless_it_is_meant_to_be_cached() {
    let f = Fixture::new().await;
    let correlation = "5d2c7c2e-64b1-4c43-b1d8-7d3c8a36b7a1";
    let a = pages::send_with(
        &f.router,
        axum::http::Request::post("/contoso/oauth2/v2.0/token")
            .header("content-type", "application/x-www-form-urlencoded")
            .header("client-request-id", correlation),
        "grant_type=client_credentials&client_id=nobody&client_secret=x&scope=https%3A%2F%2Fapps.azureiotcentral.com%2F.default",
    )
    .await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
    assert_eq!(a.headers["cache-control"], "no-store");
    assert_eq!(a.headers["pragma"], "no-cache");
    assert_eq!(a.headers["client-request-id"], correlation);
    let v = json(&a);
    assert_eq!(v["correlation_id"], correlation);
    assert_eq!(v["trace_id"], a.headers["x-ms-request-id"].to_str().unwrap());
    assert_eq!(v["error_codes"][0], 700016);

    let d = f.get("/contoso/v2.0/.well-known/openid-configuration", "").await;
    assert_eq!(d.status, StatusCode::OK);
    assert_eq!(d.headers["cache-control"], "max-age=300, public");
    assert!(d.headers.contains_key("x-ms-request-id"));
    let keys = f.get(&format!("/{}/discovery/v2.0/keys", f.tenant.id), "").await;
    assert_eq!(keys.status, StatusCode::OK);
    assert_eq!(json(&keys)["keys"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn the_oauth_route_families_answer_through_the_router() {
    let f = Fixture::new().await;
    // A confidential client gets a token.
    let (app, _) = f
        .admin
        .create_app(
            &f.tenant,
            NewApp {
                display_name: "worker".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let secret = f.admin.add_secret(&f.tenant, &app, None, None).await.unwrap();
    let t = f
        .post(
            "/contoso/oauth2/v2.0/token",
            "",
            &[
                ("grant_type", "client_credentials"),
                ("client_id", &app.app_id),
                ("client_secret", &secret.text),
                ("scope", "https://apps.azureiotcentral.com/.default"),
            ],
        )
        .await;
    assert_eq!(t.status, StatusCode::OK, "{}", t.body);
    assert_eq!(t.headers["cache-control"], "no-store");
    let token = json(&t)["access_token"].as_str().unwrap().to_owned();
    assert_eq!(token.split('.').count(), 3);

    // Device authorization for the Azure CLI.
    let dc = f
        .post(
            "/contoso/oauth2/v2.0/devicecode",
            "",
            &[
                ("client_id", "04b07795-8ddb-461a-bbee-02f9e1bf7b46"),
                ("scope", "openid"),
            ],
        )
        .await;
    assert_eq!(dc.status, StatusCode::OK, "{}", dc.body);
    assert!(json(&dc)["device_code"].is_string());

    // Revocation, and the feed shows it.
    let r = f
        .post(
            "/contoso/oauth2/v2.0/revoke",
            "",
            &[
                ("client_id", &app.app_id),
                ("client_secret", &secret.text),
                ("token", &token),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let feed = f.get("/contoso/gatehouse/revocations?since=0", "").await;
    assert_eq!(json(&feed)["entries"].as_array().unwrap().len(), 1);

    // userinfo wants a user token: the app token is refused with a Bearer challenge.
    let u = pages::send_with(
        &f.router,
        axum::http::Request::get("/contoso/openid/userinfo").header("authorization", format!("Bearer {token}")),
        "",
    )
    .await;
    assert_eq!(u.status, StatusCode::UNAUTHORIZED);
    assert!(u.headers["www-authenticate"].to_str().unwrap().starts_with("Bearer"));

    let h = f.get("/healthz", "").await;
    assert_eq!((h.status, h.body.as_str()), (StatusCode::OK, "ok"));
}
