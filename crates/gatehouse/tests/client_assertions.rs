//! Certificate credentials end to end: `gatehouse app credential add --create-cert|--cert`, then
//! client assertions (RS256 + x5t, PS256 + x5t#S256) at the v2 and v1 token endpoints, and every
//! refusal with Entra's code: replayed jti, wrong audience, expired, not yet valid, too long,
//! unregistered, removed and expired certificates, alg none/HS256, iss != sub, a secret beside
//! an assertion; bad assertions count toward the client's lockout. The replay test runs on
//! SQLite and PostgreSQL.

mod common;
use common::*;

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{RsaKeyPair, RSA_PKCS1_SHA256, RSA_PSS_SHA256};
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine;
use gatehouse_testkit::pg::ScratchDb;
use gatehouse_testkit::{Server, ServerOptions};
use serde_json::{json, Value};

const TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
const DEV: &str = "https://apps.azureiotcentral.com/.default";

/// A registered client with its certificate's private key.
struct CertClient {
    app_id: String,
    key_id: String,
    key: RsaKeyPair,
    der: Vec<u8>,
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

fn sha(alg: &'static aws_lc_rs::digest::Algorithm, der: &[u8]) -> String {
    B64.encode(aws_lc_rs::digest::digest(alg, der).as_ref())
}

impl CertClient {
    fn x5t(&self) -> String {
        sha(&aws_lc_rs::digest::SHA1_FOR_LEGACY_USE_ONLY, &self.der)
    }
    fn x5t_s256(&self) -> String {
        sha(&aws_lc_rs::digest::SHA256, &self.der)
    }

    /// Claims as MSAL makes them, for this client and audience.
    fn claims(&self, aud: &str) -> Value {
        let t = now();
        json!({"aud": aud, "iss": self.app_id, "sub": self.app_id, "exp": t + 600, "iat": t,
               "jti": uuid::Uuid::new_v4().to_string()})
    }

    /// A compact JWS over `header` and `claims`, RS256 or PS256 by the header's `alg`.
    fn sign(&self, header: &Value, claims: &Value) -> String {
        let input = format!(
            "{}.{}",
            B64.encode(serde_json::to_vec(header).unwrap()),
            B64.encode(serde_json::to_vec(claims).unwrap())
        );
        let mut sig = vec![0; self.key.public_modulus_len()];
        let padding: &'static dyn aws_lc_rs::signature::RsaEncoding = if header["alg"] == "PS256" {
            &RSA_PSS_SHA256
        } else {
            &RSA_PKCS1_SHA256
        };
        self.key
            .sign(padding, &SystemRandom::new(), input.as_bytes(), &mut sig)
            .unwrap();
        format!("{input}.{}", B64.encode(sig))
    }

    fn rs256(&self, claims: &Value) -> String {
        self.sign(&json!({"alg": "RS256", "typ": "JWT", "x5t": self.x5t()}), claims)
    }
}

/// Reads the key and certificate of a PEM file written by `--create-cert` / `--cert-out`.
fn read_pem(path: &std::path::Path) -> (RsaKeyPair, Vec<u8>) {
    let bytes = std::fs::read(path).unwrap();
    let mut key = None;
    let mut cert = None;
    for item in rustls_pemfile::read_all(&mut bytes.as_slice()) {
        match item.unwrap() {
            rustls_pemfile::Item::Pkcs8Key(k) => key = Some(RsaKeyPair::from_pkcs8(k.secret_pkcs8_der()).unwrap()),
            rustls_pemfile::Item::X509Certificate(c) => cert = Some(c.to_vec()),
            _ => {}
        }
    }
    (key.expect("a PKCS#8 key"), cert.expect("a certificate"))
}

/// A new app with a `--create-cert` certificate.
fn cert_client(s: &Server, name: &str) -> (CertClient, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let app = s.admin(&["app", "create", "--name", name]);
    let app_id = app["appId"].as_str().unwrap().to_owned();
    let out = dir.path().join("cert.pem");
    let added = s.admin(&[
        "app",
        "credential",
        "add",
        "--app",
        &app_id,
        "--create-cert",
        "--cert-out",
        out.to_str().unwrap(),
    ]);
    assert!(
        added.get("privateKeyPem").is_none(),
        "written to the file, not printed: {added}"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&out).unwrap().permissions().mode() & 0o777, 0o600);
    }
    let (key, der) = read_pem(&out);
    let client = CertClient {
        app_id,
        key_id: added["keyId"].as_str().unwrap().to_owned(),
        key,
        der,
    };
    assert_eq!(added["thumbprintSha256"].as_str().unwrap().len(), 64);
    (client, dir)
}

fn v2(tenant: &str) -> String {
    format!("/{tenant}/oauth2/v2.0/token")
}

async fn with_assertion(
    s: &Server,
    tenant: &str,
    c: &CertClient,
    assertion: &str,
) -> (u16, reqwest::header::HeaderMap, Value) {
    post_form(
        s,
        &v2(tenant),
        &[
            ("grant_type", "client_credentials"),
            ("client_id", &c.app_id),
            ("client_assertion_type", TYPE),
            ("client_assertion", assertion),
            ("scope", DEV),
        ],
    )
    .await
}

#[tokio::test]
async fn a_good_assertion_gets_a_token_on_v2_and_v1() {
    let s = start();
    let (tenant, _, _) = first(&s);
    let (c, _dir) = cert_client(&s, "cert-worker");
    let aud = format!("{}{}", s.base_url, v2(&tenant));

    // RS256 with x5t (azure-identity's CertificateCredential).
    let (st, _, b) = with_assertion(&s, &tenant, &c, &c.rs256(&c.claims(&aud))).await;
    assert_eq!(st, 200, "{b}");
    let claims = verify(
        &s,
        &tenant,
        b["access_token"].as_str().unwrap(),
        "https://apps.azureiotcentral.com",
    )
    .await;
    assert_eq!(claims["azp"], c.app_id.as_str());
    assert_eq!(claims["azpacr"], "2", "authenticated with a certificate");

    // PS256 with x5t#S256 (msal with public_certificate), the tenant named by name, no client_id.
    let aud_by_name = format!("{}/default/oauth2/v2.0/token", s.base_url);
    let header = json!({"alg": "PS256", "typ": "JWT", "x5t#S256": c.x5t_s256()});
    let assertion = c.sign(&header, &c.claims(&aud_by_name));
    let (st, _, b) = post_form(
        &s,
        "/default/oauth2/v2.0/token",
        &[
            ("grant_type", "client_credentials"),
            ("client_assertion_type", TYPE),
            ("client_assertion", &assertion),
            ("scope", DEV),
        ],
    )
    .await;
    assert_eq!(st, 200, "{b}");

    // v1, with a kid equal to the SHA-1 thumbprint in hex.
    let aud_v1 = format!("{}/{tenant}/oauth2/token", s.base_url);
    let kid: String = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA1_FOR_LEGACY_USE_ONLY, &c.der)
        .as_ref()
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect();
    let assertion = c.sign(&json!({"alg": "RS256", "kid": kid}), &c.claims(&aud_v1));
    let (st, _, b) = post_form(
        &s,
        &format!("/{tenant}/oauth2/token"),
        &[
            ("grant_type", "client_credentials"),
            ("client_id", &c.app_id),
            ("client_assertion_type", TYPE),
            ("client_assertion", &assertion),
            ("resource", "https://apps.azureiotcentral.com"),
        ],
    )
    .await;
    assert_eq!(st, 200, "{b}");
    assert!(b["expires_in"].is_string(), "v1 shape: {b}");

    for path in [
        format!("/{tenant}/v2.0/.well-known/openid-configuration"),
        format!("/{tenant}/.well-known/openid-configuration"),
        format!("/.well-known/oauth-authorization-server/{tenant}/v2.0"),
    ] {
        let doc: Value = s
            .client()
            .get(format!("{}{path}", s.base_url))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let methods = doc["token_endpoint_auth_methods_supported"].as_array().unwrap();
        assert!(methods.contains(&json!("private_key_jwt")), "{path}: {doc}");
        assert_eq!(
            doc["token_endpoint_auth_signing_alg_values_supported"],
            json!(["RS256", "PS256"])
        );
    }
}

#[tokio::test]
async fn bad_assertions_are_refused_with_entra_codes() {
    let s = start();
    let (tenant, other_app, other_secret) = first(&s);
    let (c, _dir) = cert_client(&s, "cert-refusals");
    let aud = format!("{}{}", s.base_url, v2(&tenant));
    let t = now();
    let with = |patch: Value| {
        let mut claims = c.claims(&aud);
        for (k, v) in patch.as_object().unwrap() {
            claims[k] = v.clone();
        }
        claims
    };

    let cases: Vec<(&str, String, u64)> = vec![
        (
            "wrong audience",
            c.rs256(&with(json!({"aud": "https://elsewhere.example/token"}))),
            700023,
        ),
        (
            "other tenant's endpoint",
            c.rs256(&with(
                json!({"aud": format!("{}/organizations/oauth2/v2.0/token", s.base_url)}),
            )),
            700023,
        ),
        (
            "expired",
            c.rs256(&with(json!({"exp": t - 600, "iat": t - 1200}))),
            700024,
        ),
        (
            "not yet valid",
            c.rs256(&with(json!({"nbf": t + 900, "exp": t + 1200}))),
            700024,
        ),
        ("too long", c.rs256(&with(json!({"exp": t + 86_400}))), 700024),
        ("iss != sub", c.rs256(&with(json!({"iss": other_app}))), 700021),
        (
            "sub is another client",
            c.rs256(&with(json!({"iss": other_app, "sub": other_app}))),
            700021,
        ),
        (
            "exp as a string",
            c.rs256(&with(json!({"exp": (t + 600).to_string()}))),
            50027,
        ),
        ("no jti", c.rs256(&with(json!({"jti": null}))), 50027),
        (
            "unregistered certificate",
            c.sign(&json!({"alg": "RS256", "x5t": B64.encode([9u8; 20])}), &c.claims(&aud)),
            700027,
        ),
        (
            "alg none",
            format!(
                "{}.{}.",
                B64.encode(br#"{"alg":"none"}"#),
                B64.encode(c.claims(&aud).to_string())
            ),
            50027,
        ),
        ("not a JWT", "abc".to_owned(), 50027),
    ];
    for (what, assertion, code) in cases {
        let (st, h, b) = with_assertion(&s, &tenant, &c, &assertion).await;
        assert_entra_error(st, &h, &b, 401, "invalid_client", code);
        assert!(!b.to_string().contains("access_token"), "{what}");
    }

    // HS256 keyed with the certificate's public bytes (algorithm confusion).
    let hs_input = format!(
        "{}.{}",
        B64.encode(br#"{"alg":"HS256","typ":"JWT"}"#),
        B64.encode(c.claims(&aud).to_string())
    );
    let mac = aws_lc_rs::hmac::sign(
        &aws_lc_rs::hmac::Key::new(aws_lc_rs::hmac::HMAC_SHA256, &c.der),
        hs_input.as_bytes(),
    );
    let hs = format!("{hs_input}.{}", B64.encode(mac.as_ref()));
    let (st, h, b) = with_assertion(&s, &tenant, &c, &hs).await;
    assert_entra_error(st, &h, &b, 401, "invalid_client", 50027);

    // A signature by another key under this certificate's thumbprint.
    let (other, _d2) = cert_client(&s, "cert-other");
    let forged = other.sign(&json!({"alg": "RS256", "x5t": c.x5t()}), &c.claims(&aud));
    let (st, h, b) = with_assertion(&s, &tenant, &c, &forged).await;
    assert_entra_error(st, &h, &b, 401, "invalid_client", 700027);

    // A secret and an assertion together.
    let (st, h, b) = post_form(
        &s,
        &v2(&tenant),
        &[
            ("grant_type", "client_credentials"),
            ("client_id", &c.app_id),
            ("client_secret", &other_secret),
            ("client_assertion_type", TYPE),
            ("client_assertion", &c.rs256(&c.claims(&aud))),
            ("scope", DEV),
        ],
    )
    .await;
    assert_entra_error(st, &h, &b, 400, "invalid_request", 9002313);

    // The request's client_id must be the assertion's subject.
    let (st, _, b) = post_form(
        &s,
        &v2(&tenant),
        &[
            ("grant_type", "client_credentials"),
            ("client_id", &other_app),
            ("client_assertion_type", TYPE),
            ("client_assertion", &c.rs256(&c.claims(&aud))),
            ("scope", DEV),
        ],
    )
    .await;
    assert_eq!(st, 401, "{b}");
    assert!([700021, 700027].contains(&b["error_codes"][0].as_u64().unwrap()), "{b}");

    // An unknown client named by the assertion's subject.
    let mut stranger = c.claims(&aud);
    let unknown = uuid::Uuid::new_v4().to_string();
    stranger["iss"] = json!(unknown);
    stranger["sub"] = json!(unknown);
    let (st, h, b) = post_form(
        &s,
        &v2(&tenant),
        &[
            ("grant_type", "client_credentials"),
            ("client_assertion_type", TYPE),
            ("client_assertion", &c.rs256(&stranger)),
            ("scope", DEV),
        ],
    )
    .await;
    assert_entra_error(st, &h, &b, 400, "unauthorized_client", 700016);
}

/// The one-use rule of `jti`, on one backend.
async fn replayed_assertion_is_refused(s: &Server) {
    let (tenant, _, _) = first(s);
    let (c, _dir) = cert_client(s, "cert-replay");
    let aud = format!("{}{}", s.base_url, v2(&tenant));
    let assertion = c.rs256(&c.claims(&aud));
    let (st, _, b) = with_assertion(s, &tenant, &c, &assertion).await;
    assert_eq!(st, 200, "{b}");
    let (st, h, b) = with_assertion(s, &tenant, &c, &assertion).await;
    assert_entra_error(st, &h, &b, 401, "invalid_client", 50027);
    assert!(b["error_description"].as_str().unwrap().contains("jti"), "{b}");
    // A fresh jti works again.
    let (st, _, b) = with_assertion(s, &tenant, &c, &c.rs256(&c.claims(&aud))).await;
    assert_eq!(st, 200, "{b}");
}

#[tokio::test]
async fn a_replayed_assertion_is_refused_on_sqlite() {
    replayed_assertion_is_refused(&start()).await;
}

#[tokio::test]
async fn a_replayed_assertion_is_refused_on_postgres() {
    let db = ScratchDb::create().await;
    let s = Server::start(
        bin(),
        ServerOptions {
            database_url: Some(db.url.clone()),
            ..Default::default()
        },
    );
    replayed_assertion_is_refused(&s).await;
}

/// Polls (up to 5 s) until a fresh assertion is refused, returning the refusal.
async fn refused_soon(s: &Server, tenant: &str, c: &CertClient) -> (u16, reqwest::header::HeaderMap, Value) {
    let aud = format!("{}{}", s.base_url, v2(tenant));
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    loop {
        let r = with_assertion(s, tenant, c, &c.rs256(&c.claims(&aud))).await;
        if r.0 != 200 || std::time::Instant::now() > deadline {
            return r;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn a_removed_certificate_is_refused() {
    let s = start();
    let (tenant, _, _) = first(&s);
    let (c, _dir) = cert_client(&s, "cert-removed");
    let aud = format!("{}{}", s.base_url, v2(&tenant));
    let (st, _, b) = with_assertion(&s, &tenant, &c, &c.rs256(&c.claims(&aud))).await;
    assert_eq!(st, 200, "{b}");
    let removed = s.admin(&["app", "credential", "remove", "--app", &c.app_id, "--key-id", &c.key_id]);
    assert_eq!(removed["removed"], c.key_id.as_str());
    let (st, h, b) = refused_soon(&s, &tenant, &c).await;
    assert_entra_error(st, &h, &b, 401, "invalid_client", 700027);
}

/// A self-signed certificate (PEM) valid from `start` for `seconds`, and its key.
fn short_cert(name: &str, start: time::OffsetDateTime, seconds: i64) -> (String, RsaKeyPair, Vec<u8>) {
    use rcgen::{CertificateParams, DnType, KeyPair, RsaKeySize, PKCS_RSA_SHA256};
    let key = KeyPair::generate_rsa_for(&PKCS_RSA_SHA256, RsaKeySize::_2048).unwrap();
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params.distinguished_name.push(DnType::CommonName, name);
    params.not_before = start;
    params.not_after = start + time::Duration::seconds(seconds);
    let cert = params.self_signed(&key).unwrap();
    let signer = RsaKeyPair::from_pkcs8(&key.serialize_der()).unwrap();
    (cert.pem(), signer, cert.der().to_vec())
}

#[tokio::test]
async fn an_expired_certificate_is_refused_and_list_marks_expiry() {
    let s = start();
    let (tenant, _, _) = first(&s);
    let dir = tempfile::tempdir().unwrap();
    let app = s.admin(&["app", "create", "--name", "cert-expiry"]);
    let app_id = app["appId"].as_str().unwrap().to_owned();
    let now_utc = time::OffsetDateTime::now_utc();

    // Registration refuses an expired certificate and a private key, saying what to do.
    let (old_pem, _, _) = short_cert("old", now_utc - time::Duration::days(30), 86_400);
    let old = dir.path().join("old.pem");
    std::fs::write(&old, &old_pem).unwrap();
    let out = s.admin_raw(&[
        "app",
        "credential",
        "add",
        "--app",
        &app_id,
        "--cert",
        old.to_str().unwrap(),
    ]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("expired") && err.contains("--create-cert"), "{err}");
    let keyfile = dir.path().join("key.pem");
    std::fs::write(
        &keyfile,
        "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
    )
    .unwrap();
    let out = s.admin_raw(&[
        "app",
        "credential",
        "add",
        "--app",
        &app_id,
        "--cert",
        keyfile.to_str().unwrap(),
    ]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("private key") && err.contains("openssl x509"), "{err}");

    // One that ends in a few seconds: accepted while valid, refused once it has ended.
    let (pem, key, der) = short_cert("short", now_utc - time::Duration::minutes(1), 70);
    let short = dir.path().join("short.pem");
    std::fs::write(&short, &pem).unwrap();
    let added = s.admin(&[
        "app",
        "credential",
        "add",
        "--app",
        &app_id,
        "--cert",
        short.to_str().unwrap(),
    ]);
    let c = CertClient {
        app_id: app_id.clone(),
        key_id: added["keyId"].as_str().unwrap().to_owned(),
        key,
        der,
    };
    s.admin(&["app", "credential", "add", "--app", &app_id, "--years", "1"]);
    let listed = s.admin(&["app", "credential", "list", "--app", &app_id]);
    let listed = listed.as_array().unwrap();
    assert_eq!(listed.len(), 2, "{listed:?}");
    let cert_row = listed.iter().find(|v| v["type"] == "AsymmetricX509Cert").unwrap();
    assert_eq!(cert_row["status"], "expiring", "ends within 30 days: {cert_row}");
    let secret_row = listed.iter().find(|v| v["type"] == "Password").unwrap();
    assert_eq!(secret_row["status"], "ok");

    let aud = format!("{}{}", s.base_url, v2(&tenant));
    let (st, _, b) = with_assertion(&s, &tenant, &c, &c.rs256(&c.claims(&aud))).await;
    assert_eq!(st, 200, "{b}");
    // Poll until the certificate's notAfter (about 10 s from now) has passed.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(90);
    let refused = loop {
        let r = with_assertion(&s, &tenant, &c, &c.rs256(&c.claims(&aud))).await;
        if r.0 != 200 || std::time::Instant::now() > deadline {
            break r;
        }
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    };
    let (st, h, b) = refused;
    assert_entra_error(st, &h, &b, 401, "invalid_client", 700027);
    assert!(b["error_description"].as_str().unwrap().contains("expired"), "{b}");
    let listed = s.admin(&["app", "credential", "list", "--app", &app_id]);
    let cert_row = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["type"] == "AsymmetricX509Cert")
        .unwrap()
        .clone();
    assert_eq!(cert_row["status"], "expired");
}

#[tokio::test]
async fn bad_assertions_lock_the_client_like_bad_secrets() {
    let s = start();
    let (tenant, _, _) = first(&s);
    let (c, _dir) = cert_client(&s, "cert-lockout");
    let aud = format!("{}{}", s.base_url, v2(&tenant));
    let wrong = c.rs256(&{
        let mut claims = c.claims(&aud);
        claims["aud"] = json!("https://elsewhere.example/");
        claims
    });
    let mut locked = false;
    for _ in 0..40 {
        let (st, _, _) = with_assertion(&s, &tenant, &c, &wrong).await;
        if st == 429 {
            locked = true;
            break;
        }
        assert_eq!(st, 401);
    }
    assert!(locked, "repeated bad assertions lock the client");
    let (st, h, b) = with_assertion(&s, &tenant, &c, &c.rs256(&c.claims(&aud))).await;
    assert_entra_error(st, &h, &b, 429, "temporarily_unavailable", 50053);
}
