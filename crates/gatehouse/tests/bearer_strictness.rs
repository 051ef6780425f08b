//! Our own endpoints check our own tokens at least as strictly as the guard (issue 7, finding 3):
//! a token signed with the tenant's real key but carrying an unsupported `crit` header, or an
//! `iss` that is not this tenant's issuer, is refused by userinfo and `me/authorizedApps`.

mod common;
mod device_helpers;
use base64::{engine::general_purpose::URL_SAFE_NO_PAD as B64, Engine};
use common::*;
use device_helpers::*;
use serde_json::{json, Value};

/// Signs `header` and `claims` with the tenant's stored key named `kid` (read from the data
/// folder as an attacker holding the key would).
async fn forge(s: &gatehouse_testkit::Server, tenant: &str, header: &Value, claims: &Value) -> String {
    let store = gatehouse_store::open_data_dir(&s.data_dir)
        .await
        .unwrap()
        .with_actor(gatehouse_core::model::Actor::operator());
    let kek = gatehouse_keys::Kek::from_base64(&std::fs::read_to_string(s.data_dir.join("kek")).unwrap()).unwrap();
    let kid = header["kid"].as_str().unwrap();
    let record = store
        .keys_for_tenant(tenant)
        .await
        .unwrap()
        .into_iter()
        .find(|k| k.kid == kid)
        .expect("the token's key is stored");
    let signer = record.load(&kek).unwrap();
    let signed = format!(
        "{}.{}",
        B64.encode(serde_json::to_vec(header).unwrap()),
        B64.encode(serde_json::to_vec(claims).unwrap())
    );
    let signature = gatehouse_keys::Signer::sign(&signer, signed.as_bytes()).unwrap();
    format!("{signed}.{}", B64.encode(signature))
}

fn part(token: &str, i: usize) -> Value {
    serde_json::from_slice(&B64.decode(token.split('.').nth(i).unwrap()).unwrap()).unwrap()
}

async fn status(s: &gatehouse_testkit::Server, url: &str, token: &str) -> u16 {
    s.client()
        .get(url)
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test]
async fn our_endpoints_refuse_tokens_with_unsupported_crit_or_a_foreign_issuer() {
    let s = start();
    let (tenant, _, _) = first(&s);
    user(&s, "ada@contoso.com");
    let t = device_login(&s, &tenant, "ada@contoso.com", "openid profile offline_access").await;
    let real = t["access_token"].as_str().unwrap();
    let (header, claims) = (part(real, 0), part(real, 1));
    let endpoints = [
        format!("{}/{tenant}/openid/userinfo", s.base_url),
        format!("{}/{tenant}/me/authorizedApps", s.base_url),
    ];

    // The forging works: the same header and claims, re-signed, are accepted.
    let resigned = forge(&s, &tenant, &header, &claims).await;
    for url in &endpoints {
        assert_eq!(status(&s, url, &resigned).await, 200, "{url}");
    }

    let mut crit = header.clone();
    crit["crit"] = json!(["exp"]);
    let with_crit = forge(&s, &tenant, &crit, &claims).await;

    let mut foreign = claims.clone();
    foreign["iss"] = json!(format!("https://evil.example/{tenant}/v2.0"));
    let foreign_iss = forge(&s, &tenant, &header, &foreign).await;

    let mut missing = claims.clone();
    missing.as_object_mut().unwrap().remove("iss");
    let no_iss = forge(&s, &tenant, &header, &missing).await;

    for (what, token) in [("crit", &with_crit), ("foreign iss", &foreign_iss), ("no iss", &no_iss)] {
        for url in &endpoints {
            let r = s.client().get(url).bearer_auth(token).send().await.unwrap();
            assert_eq!(r.status(), 401, "{what} at {url}");
            let challenge = r
                .headers()
                .get("www-authenticate")
                .unwrap()
                .to_str()
                .unwrap()
                .to_owned();
            assert!(challenge.contains("invalid_token"), "{challenge}");
        }
    }
}
