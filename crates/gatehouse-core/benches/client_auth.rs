//! A client-assertion check (parse, RS256 signature with the registered certificate's key,
//! claims) next to a client-secret check (one SHA-256 and a constant-time compare per stored
//! secret), each as the token endpoint runs it once the client is in the directory cache.
//! The assertion's `jti` record (one store write) is not included.
//! Run: cargo bench -p gatehouse-core --bench client_auth

use aws_lc_rs::digest::{digest, SHA1_FOR_LEGACY_USE_ONLY, SHA256};
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::KeySize;
use aws_lc_rs::signature::{KeyPair, RsaKeyPair, RSA_PKCS1_SHA256};
use base64::{engine::general_purpose::URL_SAFE_NO_PAD as B64, Engine};
use criterion::{criterion_group, criterion_main, Criterion};
use gatehouse_core::issuance::client_assertion::Assertion;
use gatehouse_core::issuance::client_auth::check_secret;
use gatehouse_core::issuance::directory::{AppEntry, ClientEntry, SecretEntry, SpEntry};
use gatehouse_core::model::ClientCertificate;
use gatehouse_core::secret;

const APP_ID: &str = "4b3a5367-0ad2-4282-bd10-90a2c8e0ec45";
const AUDIENCE: &str = "https://127.0.0.1:8443/8eaef023-2b34-4da1-9baa-8bc8c9d6a490/oauth2/v2.0/token";
const NOW: i64 = 1_795_292_493;

fn client(secrets: Vec<SecretEntry>, certificates: Vec<ClientCertificate>) -> ClientEntry {
    ClientEntry {
        app: AppEntry {
            app_id: APP_ID.into(),
            display_name: "bench".into(),
            identifier_uris: Vec::new(),
            public_client: false,
            redirect_uris: Vec::new(),
        },
        sp: SpEntry {
            id: "24c369cd-051f-4163-bebe-fe3eaec21523".into(),
            account_enabled: true,
        },
        secrets,
        certificates,
        first_party: false,
    }
}

/// A registered certificate's key and an assertion it signed (RS256, `x5t`).
fn signed_assertion() -> (ClientCertificate, String) {
    let key = RsaKeyPair::generate(KeySize::Rsa2048).unwrap();
    let der = key.public_key().as_ref().to_vec();
    let sha1: [u8; 20] = digest(&SHA1_FOR_LEGACY_USE_ONLY, &der).as_ref().try_into().unwrap();
    let sha256: [u8; 32] = digest(&SHA256, &der).as_ref().try_into().unwrap();
    let cert = ClientCertificate {
        key_id: "5b1e0c1a-0000-4000-8000-000000000001".into(),
        application_id: "7c1f6a4e-54d1-4b8a-9a0e-2d1f1e6c2b10".into(),
        display_name: "bench".into(),
        thumbprint_sha1: sha1,
        thumbprint_sha256: sha256,
        der: der.clone(),
        public_key: der,
        start: NOW - 3600,
        end: NOW + 365 * 86_400,
    };
    let header = serde_json::json!({"alg": "RS256", "typ": "JWT", "x5t": B64.encode(sha1)});
    let claims = serde_json::json!({
        "aud": AUDIENCE, "iss": APP_ID, "sub": APP_ID,
        "jti": "0f5c2a8e-6f21-4c55-9d0b-7a3e2b1c4d5e", "nbf": NOW - 10, "exp": NOW + 590,
    });
    let input = format!("{}.{}", B64.encode(header.to_string()), B64.encode(claims.to_string()));
    let mut sig = vec![0; key.public_modulus_len()];
    key.sign(&RSA_PKCS1_SHA256, &SystemRandom::new(), input.as_bytes(), &mut sig)
        .unwrap();
    (cert, format!("{input}.{}", B64.encode(sig)))
}

fn bench(c: &mut Criterion) {
    let (text, hash) = secret::generate();
    let secrets = vec![SecretEntry {
        secret_hash: hash,
        start: 0,
        end: i64::MAX,
    }];
    let with_secret = client(secrets, Vec::new());
    check_secret(&with_secret, &text).unwrap();
    c.bench_function("client_auth/secret (sha256 + constant-time compare)", |b| {
        b.iter(|| check_secret(&with_secret, &text).unwrap())
    });

    let (cert, assertion) = signed_assertion();
    let with_cert = client(Vec::new(), vec![cert]);
    let audiences = vec![AUDIENCE.to_owned()];
    let check = || {
        Assertion::parse(&assertion)
            .unwrap()
            .verify(&with_cert.app.app_id, &with_cert.certificates, &audiences, NOW)
            .unwrap()
    };
    check();
    c.bench_function("client_auth/assertion (parse + RS256 verify + claims)", |b| {
        b.iter(check)
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
