//! Security rules of the foundation, each test named after what it protects.

mod common;
use common::*;

const DEV: &str = "https://apps.azureiotcentral.com/.default";

fn database_bytes(dir: &std::path::Path) -> Vec<u8> {
    let mut all = Vec::new();
    for name in ["gatehouse.sqlite", "gatehouse.sqlite-wal"] {
        if let Ok(b) = std::fs::read(dir.join(name)) {
            all.extend(b);
        }
    }
    all
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

#[tokio::test]
async fn client_secrets_are_stored_only_as_hashes() {
    let s = start();
    let (_, _, first_secret) = first(&s);
    let sp = s.admin(&["sp", "create-for-rbac", "-n", "hashed"]);
    let secret = sp["password"].as_str().unwrap().to_owned();
    let bytes = database_bytes(&s.data_dir);
    assert!(!bytes.is_empty());
    for text in [first_secret.as_str(), secret.as_str()] {
        assert!(!contains(&bytes, text.as_bytes()), "a secret's text is in the database");
        assert!(
            contains(&bytes, &gatehouse_core::secret::sha256(text.as_bytes())),
            "its SHA-256 is what is stored"
        );
    }
    let listed = s.admin(&["app", "credential", "list", "--app", sp["appId"].as_str().unwrap()]);
    assert!(!listed.to_string().contains(&secret), "listing never shows a secret");
}

#[tokio::test]
async fn private_keys_are_encrypted_at_rest() {
    let mut s = start();
    let (tenant, _, _) = first(&s);
    let store = gatehouse_store::open_data_dir(&s.data_dir)
        .await
        .unwrap()
        .with_actor(gatehouse_core::model::Actor::operator());
    let keys = store.keys_for_tenant(&tenant).await.unwrap();
    assert_eq!(keys.len(), 2);
    let kek = gatehouse_keys::Kek::from_base64(&std::fs::read_to_string(s.data_dir.join("kek")).unwrap()).unwrap();
    let (other, other_text) = gatehouse_keys::Kek::generate().unwrap();
    for k in &keys {
        assert!(k.load(&kek).is_ok());
        assert!(k.load(&other).is_err(), "a key opens only with its KEK");
        let pkcs8 = kek.open(&k.sealed_private, &k.kid).unwrap();
        assert!(
            !contains(&database_bytes(&s.data_dir), &pkcs8[..48]),
            "no plaintext key material in the database"
        );
    }
    // A server given the wrong KEK refuses to start, and says why.
    s.stop();
    let out = std::process::Command::new(bin())
        .args(["tenant", "list", "--data-dir"])
        .arg(&s.data_dir)
        .env("GATEHOUSE_KEK", other_text)
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("different key-encryption key"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[tokio::test]
async fn failed_client_authentication_is_rate_limited_per_client() {
    let s = start();
    let (tenant, app, secret) = first(&s);
    for i in 0..20 {
        let (st, _, b) = cc(&s, &tenant, &app, "abc~wrong", DEV).await;
        assert_eq!(st, 401, "attempt {i}: {b}");
    }
    // Locked now: even the right secret is refused, so a guesser learns nothing.
    let (st, h, b) = cc(&s, &tenant, &app, &secret, DEV).await;
    assert_entra_error(st, &h, &b, 429, "temporarily_unavailable", 50053);
    let retry: u64 = h.get("retry-after").unwrap().to_str().unwrap().parse().unwrap();
    assert!(retry > 0 && retry <= 60);
    // Another client is not affected by this client's lock.
    let other = s.admin(&["sp", "create-for-rbac", "-n", "other"]);
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let (st, _, b) = cc(
        &s,
        &tenant,
        other["appId"].as_str().unwrap(),
        other["password"].as_str().unwrap(),
        DEV,
    )
    .await;
    assert_eq!(st, 200, "{b}");
}

#[tokio::test]
async fn failed_client_authentication_is_rate_limited_per_source_address() {
    let s = start();
    let (tenant, app, secret) = first(&s);
    for i in 0..30 {
        let unknown = uuid::Uuid::new_v4().to_string();
        let (st, _, b) = cc(&s, &tenant, &unknown, "abc~guess", DEV).await;
        assert_eq!(st, 400, "attempt {i}: {b}");
    }
    let (st, h, b) = cc(&s, &tenant, &app, &secret, DEV).await;
    assert_entra_error(st, &h, &b, 429, "temporarily_unavailable", 50053);
}

#[tokio::test]
async fn a_client_of_one_tenant_gets_no_token_in_another() {
    let s = start();
    let (_, app, secret) = first(&s);
    s.admin(&["tenant", "create", "--name", "other"]);
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let (st, h, b) = cc(&s, "other", &app, &secret, DEV).await;
    assert_entra_error(st, &h, &b, 400, "unauthorized_client", 700016);
}

#[tokio::test]
async fn removed_secret_is_refused_within_one_second() {
    let s = start();
    let (tenant, _, _) = first(&s);
    let sp = s.admin(&["sp", "create-for-rbac", "-n", "short-lived"]);
    let (app, secret) = (sp["appId"].as_str().unwrap(), sp["password"].as_str().unwrap());
    let (st, _, _) = cc(&s, &tenant, app, secret, DEV).await;
    assert_eq!(st, 200);
    let listed = s.admin(&["app", "credential", "list", "--app", app]);
    let key_id = listed[0]["keyId"].as_str().unwrap();
    s.admin(&["app", "credential", "remove", "--app", app, "--key-id", key_id]);
    tokio::time::sleep(std::time::Duration::from_millis(1000)).await;
    let (st, h, b) = cc(&s, &tenant, app, secret, DEV).await;
    assert_entra_error(st, &h, &b, 401, "invalid_client", 7000215);
}
