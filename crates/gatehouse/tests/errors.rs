//! Every refusal of the token endpoint: Entra's error shape, the right status and code, never a
//! 500, never a panic.

mod common;
use common::*;

const DEV: &str = "https://apps.azureiotcentral.com/.default";

#[tokio::test]
async fn unknown_tenant_is_90002() {
    let s = start();
    let (_, app, secret) = first(&s);
    let (st, h, b) = cc(&s, "nosuchtenant", &app, &secret, DEV).await;
    assert_entra_error(st, &h, &b, 400, "invalid_request", 90002);
    let r = s
        .client()
        .get(format!(
            "{}/nosuchtenant/v2.0/.well-known/openid-configuration",
            s.base_url
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
}

#[tokio::test]
async fn common_tenant_cannot_issue_client_credentials() {
    let s = start();
    let (_, app, secret) = first(&s);
    let (st, h, b) = cc(&s, "common", &app, &secret, DEV).await;
    assert_entra_error(st, &h, &b, 400, "invalid_request", 50059);
}

#[tokio::test]
async fn unknown_client_is_700016() {
    let s = start();
    let (tenant, _, secret) = first(&s);
    let (st, h, b) = cc(&s, &tenant, "00000000-0000-0000-0000-000000000001", &secret, DEV).await;
    assert_entra_error(st, &h, &b, 400, "unauthorized_client", 700016);
}

#[tokio::test]
async fn wrong_secret_is_7000215_and_missing_secret_7000218() {
    let s = start();
    let (tenant, app, _) = first(&s);
    let (st, h, b) = cc(&s, &tenant, &app, "abc~not-the-secret", DEV).await;
    assert_entra_error(st, &h, &b, 401, "invalid_client", 7000215);
    let (st, h, b) = post_form(
        &s,
        &format!("/{tenant}/oauth2/v2.0/token"),
        &[
            ("grant_type", "client_credentials"),
            ("client_id", &app),
            ("scope", DEV),
        ],
    )
    .await;
    assert_entra_error(st, &h, &b, 401, "invalid_client", 7000218);
}

#[tokio::test]
async fn expired_secret_is_7000222() {
    let s = start();
    let (tenant, app, _) = first(&s);
    let shown = s.admin(&["app", "show", &app]);
    let object_id = shown["id"].as_str().unwrap().to_owned();
    // Write an already-expired secret straight into the server's database.
    let store = gatehouse_store::open_data_dir(&s.data_dir)
        .await
        .unwrap()
        .with_actor(gatehouse_core::model::Actor::operator());
    let (text, hash) = gatehouse_core::secret::generate();
    let now = gatehouse_core::model::now();
    let expired = gatehouse_core::model::ClientSecret {
        key_id: uuid::Uuid::new_v4().to_string(),
        application_id: object_id,
        display_name: "old".into(),
        hint: gatehouse_core::secret::hint(&text),
        secret_hash: hash,
        start: now - 7200,
        end: now - 60,
    };
    store.add_secret(&tenant, &expired).await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let (st, h, b) = cc(&s, &tenant, &app, &text, DEV).await;
    assert_entra_error(st, &h, &b, 401, "invalid_client", 7000222);
}

#[tokio::test]
async fn unknown_resource_is_500011() {
    let s = start();
    let (tenant, app, secret) = first(&s);
    let (st, h, b) = cc(&s, &tenant, &app, &secret, "https://evil.example/.default").await;
    assert_entra_error(st, &h, &b, 400, "invalid_resource", 500011);
    let (st, h, b) = post_form(
        &s,
        &format!("/{tenant}/oauth2/token"),
        &[
            ("grant_type", "client_credentials"),
            ("client_id", &app),
            ("client_secret", &secret),
            ("resource", "api://nothing"),
        ],
    )
    .await;
    assert_entra_error(st, &h, &b, 400, "invalid_resource", 500011);
}

#[tokio::test]
async fn scope_errors() {
    let s = start();
    let (tenant, app, secret) = first(&s);
    let (st, h, b) = cc(&s, &tenant, &app, &secret, "https://apps.azureiotcentral.com/read").await;
    assert_entra_error(st, &h, &b, 400, "invalid_scope", 1002012);
    let (st, h, b) = cc(&s, &tenant, &app, &secret, "a/.default b/.default").await;
    assert_entra_error(st, &h, &b, 400, "invalid_scope", 70011);
    let (st, h, b) = post_form(
        &s,
        &format!("/{tenant}/oauth2/v2.0/token"),
        &[
            ("grant_type", "client_credentials"),
            ("client_id", &app),
            ("client_secret", &secret),
        ],
    )
    .await;
    assert_entra_error(st, &h, &b, 400, "invalid_request", 900144);
}

#[tokio::test]
async fn unsupported_and_missing_grant_type() {
    let s = start();
    let (tenant, app, secret) = first(&s);
    let (st, h, b) = post_form(
        &s,
        &format!("/{tenant}/oauth2/v2.0/token"),
        &[
            ("grant_type", "password"),
            ("client_id", &app),
            ("client_secret", &secret),
        ],
    )
    .await;
    assert_entra_error(st, &h, &b, 400, "unsupported_grant_type", 70003);
    let (st, h, b) = post_form(&s, &format!("/{tenant}/oauth2/v2.0/token"), &[("client_id", &app)]).await;
    assert_entra_error(st, &h, &b, 400, "invalid_request", 900144);
    assert!(b["error_description"].as_str().unwrap().contains("'grant_type'"));
}

#[tokio::test]
async fn repeated_parameter_is_refused() {
    let s = start();
    let (tenant, app, secret) = first(&s);
    let body = format!(
        "grant_type=client_credentials&client_id={app}&client_secret={secret}&scope=x%2F.default&scope=y%2F.default"
    );
    let r = s
        .client()
        .post(format!("{}/{tenant}/oauth2/v2.0/token", s.base_url))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .unwrap();
    let (st, h) = (r.status().as_u16(), r.headers().clone());
    let b = r.json().await.unwrap();
    assert_entra_error(st, &h, &b, 400, "invalid_request", 9002313);
    assert!(b["error_description"].as_str().unwrap().contains("'scope' is repeated"));
}

#[tokio::test]
async fn wrong_content_type_oversized_and_non_utf8_bodies() {
    let s = start();
    let (tenant, _, _) = first(&s);
    let url = format!("{}/{tenant}/oauth2/v2.0/token", s.base_url);
    let c = s.client();

    let r = c
        .post(&url)
        .header("content-type", "application/json")
        .body(r#"{"grant_type":"client_credentials"}"#)
        .send()
        .await
        .unwrap();
    let (st, h) = (r.status().as_u16(), r.headers().clone());
    assert_entra_error(st, &h, &r.json().await.unwrap(), 400, "invalid_request", 9002313);

    let r = c.post(&url).body("grant_type=client_credentials").send().await.unwrap();
    let (st, h) = (r.status().as_u16(), r.headers().clone());
    assert_entra_error(st, &h, &r.json().await.unwrap(), 400, "invalid_request", 9002313);

    let big = format!("grant_type=client_credentials&pad={}", "a".repeat(200_000));
    let r = c
        .post(&url)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(big)
        .send()
        .await
        .unwrap();
    let (st, h) = (r.status().as_u16(), r.headers().clone());
    assert_entra_error(st, &h, &r.json().await.unwrap(), 413, "invalid_request", 9002313);

    let r = c
        .post(&url)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(b"grant_type=client_credentials&client_id=%FF%FE\xff".to_vec())
        .send()
        .await
        .unwrap();
    let (st, h) = (r.status().as_u16(), r.headers().clone());
    assert_entra_error(st, &h, &r.json().await.unwrap(), 400, "invalid_request", 9002313);
}

#[tokio::test]
async fn two_client_authentications_are_refused() {
    let s = start();
    let (tenant, app, secret) = first(&s);
    let r = s
        .client()
        .post(format!("{}/{tenant}/oauth2/v2.0/token", s.base_url))
        .basic_auth(&app, Some(&secret))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_secret", secret.as_str()),
            ("scope", DEV),
        ])
        .send()
        .await
        .unwrap();
    let (st, h) = (r.status().as_u16(), r.headers().clone());
    assert_entra_error(st, &h, &r.json().await.unwrap(), 400, "invalid_request", 9002313);
}

#[tokio::test]
async fn unknown_path_and_wrong_method_answer_in_the_same_shape() {
    let s = start();
    let (tenant, _, _) = first(&s);
    let r = s
        .client()
        .get(format!("{}/nothing/here", s.base_url))
        .send()
        .await
        .unwrap();
    let (st, h) = (r.status().as_u16(), r.headers().clone());
    assert_entra_error(st, &h, &r.json().await.unwrap(), 404, "not_found", 9002313);
    let r = s
        .client()
        .get(format!("{}/{tenant}/oauth2/v2.0/token", s.base_url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 405);
}

#[tokio::test]
async fn correlation_id_is_echoed() {
    let s = start();
    let (tenant, app, _) = first(&s);
    let cid = "1b4e28ba-2fa1-11d2-883f-0016d3cca427";
    let r = s
        .client()
        .post(format!("{}/{tenant}/oauth2/v2.0/token", s.base_url))
        .header("client-request-id", cid)
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", app.as_str()),
            ("client_secret", "x~wrong"),
            ("scope", DEV),
        ])
        .send()
        .await
        .unwrap();
    let b: serde_json::Value = r.json().await.unwrap();
    assert_eq!(b["correlation_id"], cid);
}

#[tokio::test]
async fn garbage_never_causes_a_server_error() {
    let s = start();
    let (tenant, app, _) = first(&s);
    let url = format!("{}/{tenant}/oauth2/v2.0/token", s.base_url);
    let bodies: Vec<Vec<u8>> = vec![
        b"".to_vec(),
        b"&&&===".to_vec(),
        b"grant_type=%".to_vec(),
        b"grant_type=client_credentials&scope=%2F.default".to_vec(),
        format!("grant_type=client_credentials&client_id={app}&client_secret=%00&scope=%20").into_bytes(),
        format!(
            "grant_type=client_credentials&client_id={}&client_secret=x",
            "z".repeat(5000)
        )
        .into_bytes(),
        (0u8..=255).collect(),
    ];
    for body in bodies {
        let r = s
            .client()
            .post(&url)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body.clone())
            .send()
            .await
            .unwrap();
        assert!(
            r.status().is_client_error(),
            "{:?} -> {}",
            String::from_utf8_lossy(&body),
            r.status()
        );
    }
    let r = s
        .client()
        .post(&url)
        .header("content-type", "application/x-www-form-urlencoded")
        .header("authorization", "Basic ???")
        .body("grant_type=client_credentials")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
}
