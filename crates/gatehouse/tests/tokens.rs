//! Client-credentials tokens through the real binary over HTTPS.

mod common;
use common::*;
use serde_json::Value;

#[tokio::test]
async fn v2_token_has_entra_v2_claims_and_verifies() {
    let s = start();
    let (tenant, app, secret) = first(&s);
    let (status, headers, body) = cc(&s, &tenant, &app, &secret, "https://apps.azureiotcentral.com/.default").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(headers.get("cache-control").unwrap(), "no-store");
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 3600);
    assert_eq!(body["scope"], "https://apps.azureiotcentral.com/.default");
    let claims = verify(
        &s,
        &tenant,
        body["access_token"].as_str().unwrap(),
        "https://apps.azureiotcentral.com",
    )
    .await;
    assert_eq!(claims["iss"], format!("{}/{tenant}/v2.0", s.base_url));
    assert_eq!(claims["tid"], tenant);
    assert_eq!(claims["azp"], app);
    assert_eq!(claims["azpacr"], "1");
    assert_eq!(claims["ver"], "2.0");
    assert_eq!(claims["idtyp"], "app");
    assert_eq!(claims["oid"], claims["sub"]);
    assert!(claims["uti"].as_str().unwrap().len() >= 16);
    assert_eq!(claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(), 3600);
    assert_eq!(claims["nbf"], claims["iat"]);
}

#[tokio::test]
async fn v1_token_answers_strings_and_v1_claims() {
    let s = start();
    let (tenant, app, secret) = first(&s);
    let (status, _, body) = post_form(
        &s,
        &format!("/{tenant}/oauth2/token"),
        &[
            ("grant_type", "client_credentials"),
            ("client_id", &app),
            ("client_secret", &secret),
            ("resource", "https://management.core.windows.net/"),
        ],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["expires_in"], "3600");
    assert!(body["expires_on"].as_str().unwrap().parse::<i64>().is_ok());
    assert!(body["not_before"].as_str().unwrap().parse::<i64>().is_ok());
    assert_eq!(body["resource"], "https://management.core.windows.net/");
    let claims = verify(
        &s,
        &tenant,
        body["access_token"].as_str().unwrap(),
        "https://management.core.windows.net/",
    )
    .await;
    assert_eq!(claims["ver"], "1.0");
    assert_eq!(claims["iss"], format!("{}/{tenant}/", s.base_url));
    assert_eq!(claims["appid"], app);
    assert!(claims.get("azp").is_none());
}

#[tokio::test]
async fn basic_auth_tenant_name_and_every_known_resource() {
    let s = start();
    let (tenant, app, secret) = first(&s);
    let scopes = [
        (
            "https://management.core.windows.net//.default",
            "https://management.core.windows.net/",
        ),
        ("https://management.azure.com/.default", "https://management.azure.com"),
        ("https://graph.microsoft.com/.default", "https://graph.microsoft.com"),
        (
            "https://apps.azureiotcentral.com/.default",
            "https://apps.azureiotcentral.com",
        ),
        (
            "499b84ac-1321-427f-aa17-267ca6975798/.default",
            "499b84ac-1321-427f-aa17-267ca6975798",
        ),
    ];
    for (scope, aud) in scopes {
        let r = s
            .client()
            .post(format!("{}/default/oauth2/v2.0/token", s.base_url))
            .basic_auth(&app, Some(&secret))
            .form(&[("grant_type", "client_credentials"), ("scope", scope)])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{scope}");
        let body: Value = r.json().await.unwrap();
        let claims = verify(&s, &tenant, body["access_token"].as_str().unwrap(), aud).await;
        assert_eq!(claims["aud"], aud);
    }
}

#[tokio::test]
async fn registered_api_and_granted_role_appear_in_token() {
    let s = start();
    let (tenant, _, _) = first(&s);
    let api = s.admin(&[
        "api",
        "create",
        "--name",
        "orders",
        "--identifier-uri",
        "api://orders",
        "--app-role",
        "Orders.Read",
        "--app-role",
        "Orders.Write",
    ]);
    assert_eq!(api["identifierUris"][0], "api://orders");
    let sp = s.admin(&["sp", "create-for-rbac", "-n", "worker"]);
    let app = sp["appId"].as_str().unwrap();
    let secret = sp["password"].as_str().unwrap();
    assert_eq!(sp["tenant"], tenant);
    s.admin(&[
        "app",
        "role",
        "grant",
        "--app",
        app,
        "--api",
        "api://orders",
        "--role",
        "Orders.Read",
    ]);
    // The server follows changes within a second.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let (status, _, body) = cc(&s, &tenant, app, secret, "api://orders/.default").await;
    assert_eq!(status, 200, "{body}");
    let claims = verify(&s, &tenant, body["access_token"].as_str().unwrap(), "api://orders").await;
    assert_eq!(claims["roles"], serde_json::json!(["Orders.Read"]));
    // An API without identifier URIs is named api://{appId}.
    let bare = s.admin(&["api", "create", "--name", "bare"]);
    let bare_id = bare["appId"].as_str().unwrap();
    assert_eq!(bare["identifierUris"][0], format!("api://{bare_id}"));
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let (status, _, body) = cc(&s, &tenant, app, secret, &format!("api://{bare_id}/.default")).await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test]
async fn es256_tenant_with_custom_lifetime() {
    let s = start();
    let t = s.admin(&[
        "tenant",
        "create",
        "--name",
        "contoso",
        "--signing-alg",
        "ES256",
        "--token-lifetime",
        "600",
    ]);
    let tid = t["id"].as_str().unwrap();
    let sp = s.admin(&["sp", "create-for-rbac", "-n", "es", "--tenant", "contoso"]);
    let (status, _, body) = cc(
        &s,
        "contoso",
        sp["appId"].as_str().unwrap(),
        sp["password"].as_str().unwrap(),
        "https://apps.azureiotcentral.com/.default",
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["expires_in"], 600);
    let token = body["access_token"].as_str().unwrap();
    assert_eq!(
        jsonwebtoken::decode_header(token).unwrap().alg,
        jsonwebtoken::Algorithm::ES256
    );
    let claims = verify(&s, tid, token, "https://apps.azureiotcentral.com").await;
    assert_eq!(claims["tid"], tid);
    // Discovery by name names the GUID everywhere.
    let doc: Value = s
        .client()
        .get(format!("{}/contoso/v2.0/.well-known/openid-configuration", s.base_url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(doc["issuer"], format!("{}/{tid}/v2.0", s.base_url));
    assert_eq!(doc["token_endpoint"], format!("{}/{tid}/oauth2/v2.0/token", s.base_url));
    assert_eq!(
        doc["id_token_signing_alg_values_supported"],
        serde_json::json!(["ES256"])
    );
    // Bounds of the lifetime are enforced with a clear message.
    let out = s.admin_raw(&["tenant", "create", "--name", "toolong", "--token-lifetime", "90000"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("between 300"));
}

#[tokio::test]
async fn discovery_documents_jwks_and_instance_discovery() {
    let s = start();
    let (tenant, _, _) = first(&s);
    let get = |path: String| {
        let c = s.client();
        let url = format!("{}{path}", s.base_url);
        async move {
            let r = c.get(url).send().await.unwrap();
            assert_eq!(r.status(), 200);
            r.json::<Value>().await.unwrap()
        }
    };
    let v1 = get(format!("/{tenant}/.well-known/openid-configuration")).await;
    assert_eq!(v1["issuer"], format!("{}/{tenant}/", s.base_url));
    assert_eq!(v1["token_endpoint"], format!("{}/{tenant}/oauth2/token", s.base_url));
    let rfc = get(format!("/.well-known/oauth-authorization-server/{tenant}/v2.0")).await;
    assert_eq!(rfc["issuer"], format!("{}/{tenant}/v2.0", s.base_url));
    let jwks = get(format!("/{tenant}/discovery/v2.0/keys")).await;
    let algs: Vec<&str> = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["alg"].as_str().unwrap())
        .collect();
    assert!(algs.contains(&"RS256") && algs.contains(&"ES256"));
    for k in jwks["keys"].as_array().unwrap() {
        assert!(
            k.get("d").is_none() && k.get("p").is_none(),
            "no private parts in the JWKS"
        );
    }
    let inst = get(format!(
        "/common/discovery/instance?api-version=1.1&authorization_endpoint={}/{tenant}/oauth2/v2.0/authorize",
        s.base_url
    ))
    .await;
    assert_eq!(
        inst["tenant_discovery_endpoint"],
        format!("{}/{tenant}/v2.0/.well-known/openid-configuration", s.base_url)
    );
    // MSAL drops the port from the authority it sends.
    let inst = get(format!(
        "/common/discovery/instance?authorization_endpoint=https://127.0.0.1/{tenant}/oauth2/v2.0/authorize"
    ))
    .await;
    assert_eq!(
        inst["tenant_discovery_endpoint"],
        format!("{}/{tenant}/v2.0/.well-known/openid-configuration", s.base_url)
    );
}

#[tokio::test]
async fn restart_reuses_everything_and_prints_no_secret() {
    let mut s = start();
    let (tenant, app, secret) = first(&s);
    let jwks_before: Value = s
        .client()
        .get(format!("{}/{tenant}/discovery/v2.0/keys", s.base_url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let data = s.data_dir.clone();
    s.stop();
    let again = gatehouse_testkit::Server::start(
        bin(),
        gatehouse_testkit::ServerOptions {
            data_dir: Some(data),
            ..Default::default()
        },
    );
    assert!(
        again.first_start.is_none(),
        "a later start prints no secret:\n{}",
        again.output()
    );
    assert!(!again.output().contains(&secret));
    let jwks_after: Value = again
        .client()
        .get(format!("{}/{tenant}/discovery/v2.0/keys", again.base_url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        jwks_before["keys"].as_array().unwrap().len(),
        jwks_after["keys"].as_array().unwrap().len()
    );
    let (status, _, body) = cc(
        &again,
        &tenant,
        &app,
        &secret,
        "https://apps.azureiotcentral.com/.default",
    )
    .await;
    assert_eq!(status, 200, "{body}");
}
