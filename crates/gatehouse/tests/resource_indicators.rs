//! RFC 8707 resource indicators on the v2 endpoints, through the real binary: `resource` names
//! the token's audience on `/authorize` and on `/token` (client credentials, authorization code,
//! refresh token); a bad, unknown, repeated or disagreeing `resource` is `invalid_target`.

mod auth_helpers;
mod common;
mod device_helpers;
use auth_helpers::*;
use common::*;
use device_helpers::user;

const IOTC: &str = "https://apps.azureiotcentral.com";

fn v2(tenant: &str) -> String {
    format!("/{tenant}/oauth2/v2.0/token")
}

fn invalid_target(st: u16, body: &serde_json::Value) {
    assert_eq!((st, body["error"].as_str()), (400, Some("invalid_target")), "{body}");
    assert!(
        body["error_description"].as_str().unwrap().starts_with("AADSTS"),
        "{body}"
    );
}

#[tokio::test]
async fn client_credentials_take_a_resource_and_refuse_bad_ones_with_invalid_target() {
    let s = start();
    let (tenant, app, secret) = first(&s);
    let base = [
        ("grant_type", "client_credentials"),
        ("client_id", app.as_str()),
        ("client_secret", secret.as_str()),
    ];
    let with = |extra: &[(&'static str, &'static str)]| {
        let mut f: Vec<(&str, &str)> = base.to_vec();
        f.extend_from_slice(extra);
        f
    };
    // The resource alone, or with a scope that names it.
    for extra in [
        &[("resource", IOTC)][..],
        &[
            ("resource", IOTC),
            ("scope", "https://apps.azureiotcentral.com/.default"),
        ],
        &[
            ("resource", "https://apps.azureiotcentral.com/"),
            ("scope", "https://apps.azureiotcentral.com/.default"),
        ],
    ] {
        let (st, _, b) = post_form(&s, &v2(&tenant), &with(extra)).await;
        assert_eq!(st, 200, "{extra:?}: {b}");
        let claims = verify(&s, &tenant, b["access_token"].as_str().unwrap(), extra[0].1).await;
        assert_eq!(claims["aud"], extra[0].1, "the token's audience is the resource");
    }
    // Disagreeing with the scope, not an absolute URI, a fragment, unknown, repeated.
    for extra in [
        &[("resource", IOTC), ("scope", "https://graph.microsoft.com/.default")][..],
        &[("resource", "iotcentral")],
        &[("resource", "https://apps.azureiotcentral.com/#x")],
        &[("resource", "https://unknown.example.com")],
    ] {
        let (st, _, b) = post_form(&s, &v2(&tenant), &with(extra)).await;
        invalid_target(st, &b);
    }
    let repeated = format!(
        "{}&resource={}&resource={}",
        form_urlencoded(&base),
        "https%3A%2F%2Fapps.azureiotcentral.com",
        "https%3A%2F%2Fgraph.microsoft.com"
    );
    let r = s
        .client()
        .post(format!("{}{}", s.base_url, v2(&tenant)))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(repeated)
        .send()
        .await
        .unwrap();
    let st = r.status().as_u16();
    let b: serde_json::Value = r.json().await.unwrap();
    invalid_target(st, &b);
    assert!(b["error_description"].as_str().unwrap().contains("one resource"), "{b}");
}

#[tokio::test]
async fn authorize_and_token_agree_on_the_indicated_resource() {
    let s = start();
    let (tenant, _, _) = first(&s);
    user(&s, "ada@contoso.com");
    s.admin(&[
        "api",
        "create",
        "--name",
        "code",
        "--identifier-uri",
        "api://code",
        "--scope",
        "code_read",
    ]);
    s.admin(&[
        "api",
        "create",
        "--name",
        "other",
        "--identifier-uri",
        "api://other",
        "--scope",
        "other_read",
    ]);
    let client = public_app(&s);
    // Bare permission names are the indicated resource's.
    let ask = [("scope", "code_read openid offline_access"), ("resource", "api://code")];
    let (mut b, a) = sign_in_and_consent(&s, &tenant, &client, "ada@contoso.com", &ask).await;
    let redeem_with = |code: String, resource: &'static str| {
        let client = client.clone();
        let tenant = tenant.clone();
        let s = &s;
        async move {
            post_form(
                s,
                &v2(&tenant),
                &[
                    ("grant_type", "authorization_code"),
                    ("client_id", &client),
                    ("code", &code),
                    ("redirect_uri", REDIRECT),
                    ("code_verifier", VERIFIER),
                    ("resource", resource),
                ],
            )
            .await
        }
    };
    let (st, _, tokens) = redeem_with(a["code"].clone(), "api://code").await;
    assert_eq!(st, 200, "{tokens}");
    let claims = b64_claims(tokens["access_token"].as_str().unwrap());
    assert_eq!(
        (claims["aud"].as_str(), claims["scp"].as_str()),
        (Some("api://code"), Some("code_read"))
    );

    // A code redeemed for another resource than it was issued for.
    let again = answer(&b.get(&authorize_path(&tenant, &client, &ask)).await);
    let (st, _, body) = redeem_with(again["code"].clone(), "api://other").await;
    invalid_target(st, &body);

    // Refresh: the same resource (no scope) works; a scope naming another resource is refused
    // before the refresh token is spent.
    let refresh = tokens["refresh_token"].as_str().unwrap().to_owned();
    let refresh_with = |extra: Vec<(&'static str, &'static str)>, rt: String| {
        let client = client.clone();
        let tenant = tenant.clone();
        let s = &s;
        async move {
            let mut form = vec![
                ("grant_type", "refresh_token"),
                ("client_id", client.as_str()),
                ("refresh_token", rt.as_str()),
            ];
            form.extend(extra);
            post_form(s, &v2(&tenant), &form).await
        }
    };
    let (st, _, body) = refresh_with(
        vec![("resource", "api://code"), ("scope", "api://other/other_read")],
        refresh.clone(),
    )
    .await;
    invalid_target(st, &body);
    let (st, _, body) = refresh_with(vec![("resource", "not a uri")], refresh.clone()).await;
    invalid_target(st, &body);
    let (st, _, body) = refresh_with(vec![("resource", "api://code")], refresh.clone()).await;
    assert_eq!(st, 200, "{body}");
    assert_eq!(b64_claims(body["access_token"].as_str().unwrap())["aud"], "api://code");

    // Authorize: a resource disagreeing with the scope, or not a URI, goes back to the client.
    for resource in ["https://graph.microsoft.com", "code"] {
        let page = b
            .get(&authorize_path(
                &tenant,
                &client,
                &[("scope", "api://code/code_read openid"), ("resource", resource)],
            ))
            .await;
        let a = answer(&page);
        assert_eq!(
            a.get("error").map(String::as_str),
            Some("invalid_target"),
            "{resource}: {a:?}"
        );
        assert_eq!(a.get("state").map(String::as_str), Some("st-123"));
    }
}
