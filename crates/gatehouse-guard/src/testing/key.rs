//! [`TestKey`]: RSA-2048 and P-256 signing keys for tests, made with aws-lc-rs, with their
//! public JWK and PEM; tokens signed with `jsonwebtoken`.

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rsa::{KeyPair as RsaKeyPair, KeySize};
use aws_lc_rs::signature::{EcdsaKeyPair, KeyPair, RsaPublicKeyComponents, ECDSA_P256_SHA256_FIXED_SIGNING};
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{json, Value};

/// A signing key for tests, with its public JWK.
pub struct TestKey {
    kid: String,
    alg: Algorithm,
    encoding: EncodingKey,
    jwk: Value,
    public_pem: String,
    public_der: Vec<u8>,
}

impl std::fmt::Debug for TestKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestKey")
            .field("kid", &self.kid)
            .field("alg", &self.alg)
            .finish()
    }
}

fn pem(label: &str, der: &[u8]) -> String {
    let body = STANDARD.encode(der);
    let lines: Vec<&str> = body
        .as_bytes()
        .chunks(64)
        .map(|c| std::str::from_utf8(c).unwrap_or(""))
        .collect();
    format!("-----BEGIN {label}-----\n{}\n-----END {label}-----\n", lines.join("\n"))
}

impl TestKey {
    /// A fresh RSA-2048 key for RS256.
    pub fn rsa(kid: &str) -> TestKey {
        let pair = RsaKeyPair::generate(KeySize::Rsa2048).expect("RSA key generation");
        let private = pair.as_der().expect("PKCS#8 encoding");
        let encoding = EncodingKey::from_rsa_pem(pem("PRIVATE KEY", private.as_ref()).as_bytes())
            .expect("jsonwebtoken reads the PKCS#8 PEM");
        let components = RsaPublicKeyComponents::<Vec<u8>>::from(pair.public_key());
        let public_der = pair.public_key().as_der().expect("SPKI").as_ref().to_vec();
        TestKey {
            kid: kid.to_string(),
            alg: Algorithm::RS256,
            encoding,
            jwk: json!({
                "kty": "RSA", "use": "sig", "kid": kid, "alg": "RS256",
                "n": URL_SAFE_NO_PAD.encode(&components.n),
                "e": URL_SAFE_NO_PAD.encode(&components.e),
            }),
            public_pem: pem("PUBLIC KEY", &public_der),
            public_der,
        }
    }

    /// A fresh P-256 key for ES256.
    pub fn ec(kid: &str) -> TestKey {
        let pair = EcdsaKeyPair::generate(&ECDSA_P256_SHA256_FIXED_SIGNING).expect("EC key generation");
        let private = pair.to_pkcs8v1().expect("PKCS#8 encoding");
        let encoding = EncodingKey::from_ec_pem(pem("PRIVATE KEY", private.as_ref()).as_bytes())
            .expect("jsonwebtoken reads the PKCS#8 PEM");
        let point = pair.public_key().as_ref().to_vec();
        let public_der = pair.public_key().as_der().expect("SPKI").as_ref().to_vec();
        TestKey {
            kid: kid.to_string(),
            alg: Algorithm::ES256,
            encoding,
            jwk: json!({
                "kty": "EC", "use": "sig", "kid": kid, "alg": "ES256", "crv": "P-256",
                "x": URL_SAFE_NO_PAD.encode(&point[1..33]),
                "y": URL_SAFE_NO_PAD.encode(&point[33..65]),
            }),
            public_pem: pem("PUBLIC KEY", &public_der),
            public_der,
        }
    }

    /// Key id.
    pub fn kid(&self) -> &str {
        &self.kid
    }
    /// Public JWK (with `kid` and `alg`).
    pub fn jwk(&self) -> Value {
        self.jwk.clone()
    }
    /// Public key as SPKI PEM text (what an attacker would use as an HMAC secret).
    pub fn public_key_pem(&self) -> &str {
        &self.public_pem
    }
    /// Public key as SPKI DER.
    pub fn public_key_der(&self) -> &[u8] {
        &self.public_der
    }

    /// Signs `claims` with header `{"typ":"JWT","alg":..,"kid":..}`.
    pub fn sign(&self, claims: &Value) -> String {
        let mut header = Header::new(self.alg);
        header.kid = Some(self.kid.clone());
        self.sign_with_header(&header, claims)
    }

    /// Signs `claims` with `header` (its `alg` must be this key's).
    pub fn sign_with_header(&self, header: &Header, claims: &Value) -> String {
        jsonwebtoken::encode(header, claims, &self.encoding).expect("signing")
    }
}
