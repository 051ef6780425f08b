//! The server on PostgreSQL, and several replicas sharing one database.

mod common;
use common::*;
use gatehouse_testkit::pg::ScratchDb;
use gatehouse_testkit::{Server, ServerOptions};

const DEV: &str = "https://apps.azureiotcentral.com/.default";

fn replica(db: &ScratchDb, kek: &str) -> Server {
    Server::start(
        bin(),
        ServerOptions {
            database_url: Some(db.url.clone()),
            env: vec![("GATEHOUSE_KEK".into(), kek.into())],
            ..Default::default()
        },
    )
}

#[tokio::test]
async fn migrate_then_serve_on_postgres() {
    let db = ScratchDb::create().await;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let out = std::process::Command::new(bin())
        .args(["migrate", "--database-url", &db.url, "--data-dir"])
        .arg(&data)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    // The same data folder: it holds the key-encryption key `migrate` recorded in the database.
    let s = Server::start(
        bin(),
        ServerOptions {
            database_url: Some(db.url.clone()),
            data_dir: Some(data.clone()),
            ..Default::default()
        },
    );
    let (tenant, app, secret) = first(&s);
    let (st, _, b) = cc(&s, &tenant, &app, &secret, DEV).await;
    assert_eq!(st, 200, "{b}");
    verify(
        &s,
        &tenant,
        b["access_token"].as_str().unwrap(),
        "https://apps.azureiotcentral.com",
    )
    .await;
}

#[tokio::test]
async fn secret_removed_through_one_replica_is_refused_by_the_other_within_one_second() {
    let db = ScratchDb::create().await;
    let (_, kek) = gatehouse_keys::Kek::generate().unwrap();
    let a = replica(&db, &kek);
    let b = replica(&db, &kek);
    let (tenant, _, _) = first(&a);
    assert!(
        b.first_start.is_none(),
        "the second replica finds the database initialized"
    );
    let sp = a.admin(&["sp", "create-for-rbac", "-n", "shared"]);
    let (app, secret) = (sp["appId"].as_str().unwrap(), sp["password"].as_str().unwrap());
    for s in [&a, &b] {
        let (st, _, body) = cc(s, &tenant, app, secret, DEV).await;
        assert_eq!(st, 200, "{body}");
    }
    // Both replicas sign with the same tenant keys: a token of one verifies with the other's JWKS.
    let (_, _, body) = cc(&a, &tenant, app, secret, DEV).await;
    verify(
        &b,
        &tenant,
        body["access_token"].as_str().unwrap(),
        "https://apps.azureiotcentral.com",
    )
    .await;

    let key_id = a.admin(&["app", "credential", "list", "--app", app])[0]["keyId"]
        .as_str()
        .unwrap()
        .to_owned();
    a.admin(&["app", "credential", "remove", "--app", app, "--key-id", &key_id]);
    tokio::time::sleep(std::time::Duration::from_millis(1000)).await;
    for s in [&a, &b] {
        let (st, h, body) = cc(s, &tenant, app, secret, DEV).await;
        assert_entra_error(st, &h, &body, 401, "invalid_client", 7000215);
    }
}

#[tokio::test]
async fn failed_attempts_are_counted_across_replicas() {
    let db = ScratchDb::create().await;
    let (_, kek) = gatehouse_keys::Kek::generate().unwrap();
    let a = replica(&db, &kek);
    let b = replica(&db, &kek);
    let (tenant, app, secret) = first(&a);
    for _ in 0..20 {
        let (st, _, _) = cc(&a, &tenant, &app, "abc~wrong", DEV).await;
        assert_eq!(st, 401);
    }
    tokio::time::sleep(std::time::Duration::from_millis(1000)).await;
    let (st, h, body) = cc(&b, &tenant, &app, &secret, DEV).await;
    assert_entra_error(st, &h, &body, 429, "temporarily_unavailable", 50053);
}
