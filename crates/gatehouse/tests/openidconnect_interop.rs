//! Interop with the `openidconnect` crate: it reads our discovery document and JWKS with its own
//! strict checks (issuer equality, required fields), obtains a client-credentials token, and
//! verifies the token's signature with the key it found.

mod common;
use common::*;

use base64::Engine;
use openidconnect::core::{CoreClient, CoreJsonWebKey, CoreJwsSigningAlgorithm, CoreProviderMetadata};
use openidconnect::{ClientId, ClientSecret, IssuerUrl, JsonWebKey, OAuth2TokenResponse, Scope};

#[tokio::test]
async fn openidconnect_discovers_gets_a_token_and_verifies_it() {
    let s = start();
    let (tenant, app, secret) = first(&s);
    let client = http_client(s.client());
    let issuer = IssuerUrl::new(format!("{}/{tenant}/v2.0", s.base_url)).unwrap();
    let metadata = CoreProviderMetadata::discover_async(issuer.clone(), &client)
        .await
        .expect("discovery with openidconnect's checks");
    assert_eq!(metadata.issuer(), &issuer);
    assert!(!metadata.jwks().keys().is_empty());

    let oidc = CoreClient::from_provider_metadata(
        metadata.clone(),
        ClientId::new(app.clone()),
        Some(ClientSecret::new(secret)),
    );
    let token = oidc
        .exchange_client_credentials()
        .expect("token endpoint known")
        .add_scope(Scope::new("https://apps.azureiotcentral.com/.default".into()))
        .request_async(&client)
        .await
        .expect("client-credentials token");
    let jwt = token.access_token().secret().clone();
    let parts: Vec<&str> = jwt.split('.').collect();
    assert_eq!(parts.len(), 3);
    let header: serde_json::Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(parts[0])
            .unwrap(),
    )
    .unwrap();
    let kid = header["kid"].as_str().unwrap();
    let key: &CoreJsonWebKey = metadata
        .jwks()
        .keys()
        .iter()
        .find(|k| k.key_id().map(|id| id.as_str()) == Some(kid))
        .expect("kid published");
    let signature = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(parts[2])
        .unwrap();
    let message = format!("{}.{}", parts[0], parts[1]);
    key.verify_signature(
        &CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256,
        message.as_bytes(),
        &signature,
    )
    .expect("signature verifies");
    let mut tampered = signature.clone();
    tampered[10] ^= 1;
    assert!(key
        .verify_signature(
            &CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256,
            message.as_bytes(),
            &tampered
        )
        .is_err());
}
