//! The guard fetching keys over HTTPS from an issuer whose certificate chains to a local CA given
//! as PEM bytes (what `gatehouse serve` does on first start), and refusing an untrusted one.

mod common;

use std::sync::Arc;

use axum::routing::get;
use axum::{Json, Router};
use common::*;
use gatehouse_guard::testing::TestKey;
use gatehouse_guard::{Guard, GuardConfig};
use http::StatusCode;
use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, IsCa, KeyPair};
use serde_json::json;

struct Pki {
    ca_pem: String,
    leaf_pem: String,
    leaf_key_pem: String,
}

fn make_pki() -> Pki {
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate().unwrap()).unwrap();
    let leaf_key = KeyPair::generate().unwrap();
    let leaf = CertificateParams::new(vec!["127.0.0.1".to_string(), "localhost".to_string()])
        .unwrap()
        .signed_by(&leaf_key, &ca)
        .unwrap();
    Pki {
        ca_pem: ca.pem(),
        leaf_pem: leaf.pem(),
        leaf_key_pem: leaf_key.serialize_pem(),
    }
}

/// An HTTPS issuer on 127.0.0.1:0 serving discovery and a JWKS with `key`.
async fn https_issuer(pki: &Pki, tenant: &str, key: &TestKey) -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let addr = listener.local_addr().unwrap();
    let base = format!("https://{addr}");
    let jwks = json!({"keys": [key.jwk()]});
    let discovery =
        json!({"issuer": format!("{base}/{tenant}/v2.0"), "jwks_uri": format!("{base}/{tenant}/discovery/v2.0/keys")});
    let app = Router::new()
        .route(
            &format!("/{tenant}/v2.0/.well-known/openid-configuration"),
            get(move || async move { Json(discovery) }),
        )
        .route(
            &format!("/{tenant}/discovery/v2.0/keys"),
            get(move || async move { Json(jwks) }),
        );
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let certs = vec![rustls::pki_types::CertificateDer::from(rustls_pem_der(
        &pki.leaf_pem,
        "CERTIFICATE",
    ))];
    let key = rustls::pki_types::PrivateKeyDer::Pkcs8(rustls_pem_der(&pki.leaf_key_pem, "PRIVATE KEY").into());
    let mut server_config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .unwrap();
    server_config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    let config = axum_server::tls_rustls::RustlsConfig::from_config(Arc::new(server_config));
    let server = axum_server::from_tcp_rustls(listener, config).unwrap();
    tokio::spawn(async move { server.serve(app.into_make_service()).await.unwrap() });
    base
}

fn rustls_pem_der(pem: &str, label: &str) -> Vec<u8> {
    use base64::Engine;
    let body: String = pem
        .lines()
        .skip_while(|l| !l.starts_with(&format!("-----BEGIN {label}")))
        .skip(1)
        .take_while(|l| !l.starts_with("-----END"))
        .collect();
    base64::engine::general_purpose::STANDARD.decode(body).unwrap()
}

#[tokio::test]
async fn issuer_behind_local_ca_is_trusted_only_with_its_ca_pem() {
    let pki = make_pki();
    let tenant = uuid::Uuid::new_v4().to_string();
    let key = TestKey::rsa("tls-k");
    let base = https_issuer(&pki, &tenant, &key).await;
    let issuer = format!("{base}/{tenant}/v2.0");
    let claims = json!({
        "aud": AUD, "iss": issuer, "exp": 4_000_000_000u64, "nbf": 1, "iat": 1,
        "tid": tenant, "oid": "o", "azp": "a", "ver": "2.0"
    });
    let token = key.sign(&claims);

    let trusted = Guard::new(
        GuardConfig::builder()
            .issuer(&issuer)
            .audience(AUD)
            .ca_pem(pki.ca_pem.as_bytes())
            .build()
            .unwrap(),
    )
    .unwrap();
    let a = call(&api(&trusted), "/me", &[("authorization", &format!("Bearer {token}"))]).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);

    // Another CA: the TLS handshake fails, so no keys: 503, fail closed.
    let other = make_pki();
    let untrusted = Guard::new(
        GuardConfig::builder()
            .issuer(&issuer)
            .audience(AUD)
            .ca_pem(other.ca_pem.as_bytes())
            .build()
            .unwrap(),
    )
    .unwrap();
    let a = call(
        &api(&untrusted),
        "/me",
        &[("authorization", &format!("Bearer {token}"))],
    )
    .await;
    assert_eq!(a.status, StatusCode::SERVICE_UNAVAILABLE);
}
