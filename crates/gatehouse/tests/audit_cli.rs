//! `gatehouse audit verify|list|export` against the real binary's database: intact after real
//! changes (CLI and Graph), and, after an intruder edits, deletes or reorders entries directly
//! in the database (SQLite and PostgreSQL), refused with exit status 1 and the entry named.

mod common;

use common::*;
use gatehouse_testkit::pg::ScratchDb;
use gatehouse_testkit::{tamper, Server, ServerOptions};

fn verify(s: &Server) -> (bool, String) {
    let out = s.admin_raw(&["audit", "verify"]);
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

fn url(s: &Server) -> String {
    s.database_url
        .clone()
        .unwrap_or_else(|| format!("sqlite://{}", s.data_dir.join("gatehouse.sqlite").display()))
}

async fn audit_verify_names_what_was_tampered(options: ServerOptions) {
    let s = Server::start(bin(), options);
    for name in ["one", "two", "three"] {
        s.admin(&["app", "create", "--name", name]);
    }
    let (ok, text) = verify(&s);
    assert!(ok, "a clean log verifies: {text}");
    assert!(text.contains("intact"), "{text}");
    let listed = s.admin(&["audit", "list", "--action", "application.create"]);
    // The first start made its own application first; ours are the last three.
    let all = listed.as_array().unwrap();
    assert_eq!(all.len(), 4, "{listed}");
    let entries = &all[1..];
    assert_eq!(entries[0]["actor"]["type"], "operator");
    assert_eq!(entries[0]["target"]["name"], "one");
    let seq = |i: usize| entries[i]["seq"].as_i64().unwrap();

    // Export writes JSON lines, one per entry.
    let mut export = std::process::Command::new(bin());
    export
        .args(["audit", "export", "--action", "application.", "--data-dir"])
        .arg(&s.data_dir)
        .env_remove("GATEHOUSE_DATABASE_URL");
    if let Some(url) = &s.database_url {
        export.args(["--database-url", url]);
    }
    let out = export.output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 4);
    assert_eq!(lines[3]["target"]["name"], "three");

    // Edited.
    let db = url(&s);
    tamper::run(
        &db,
        &[&format!(
            "UPDATE audit_log SET target_name = 'forged' WHERE seq = {}",
            seq(1)
        )],
    )
    .await;
    let (ok, text) = verify(&s);
    assert!(!ok, "{text}");
    assert!(
        text.contains(&format!("entry {} was edited or moved", seq(1))),
        "{text}"
    );
    tamper::run(
        &db,
        &[&format!(
            "UPDATE audit_log SET target_name = 'two' WHERE seq = {}",
            seq(1)
        )],
    )
    .await;
    assert!(verify(&s).0, "restored, it verifies again");

    // Reordered.
    tamper::run(
        &db,
        &[
            &format!("UPDATE audit_log SET seq = 100000 WHERE seq = {}", seq(0)),
            &format!("UPDATE audit_log SET seq = {} WHERE seq = {}", seq(0), seq(1)),
            &format!("UPDATE audit_log SET seq = {} WHERE seq = 100000", seq(1)),
        ],
    )
    .await;
    let (ok, text) = verify(&s);
    assert!(
        !ok && text.contains(&format!("entry {} was edited or moved", seq(0))),
        "{text}"
    );

    // Deleted.
    tamper::run(&db, &[&format!("DELETE FROM audit_log WHERE seq = {}", seq(2))]).await;
    let (ok, text) = verify(&s);
    assert!(!ok, "{text}");
    assert!(text.contains("does NOT verify"), "{text}");
}

#[tokio::test]
async fn audit_verify_names_what_was_tampered_on_sqlite() {
    audit_verify_names_what_was_tampered(ServerOptions::default()).await;
}

#[tokio::test]
async fn audit_verify_names_what_was_tampered_on_postgres() {
    let db = ScratchDb::create().await;
    audit_verify_names_what_was_tampered(ServerOptions {
        database_url: Some(db.url.clone()),
        ..Default::default()
    })
    .await;
}
