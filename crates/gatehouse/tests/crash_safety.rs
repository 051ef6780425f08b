//! Crash safety of audited changes: the server is killed with SIGKILL at random moments while
//! clients create applications and their secrets through the Graph door (20 cycles, SQLite
//! and PostgreSQL). Afterwards every acknowledged object exists, every acknowledged secret
//! works, each has its audit entry, and `gatehouse audit verify` passes.

mod common;

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::*;
use gatehouse_testkit::pg::ScratchDb;
use gatehouse_testkit::{Server, ServerOptions};
use serde_json::{json, Value};

const CYCLES: usize = 20;
const WORKERS: usize = 3;

/// What the server acknowledged: (appId, secret text).
type Acked = Arc<Mutex<Vec<(String, String)>>>;

async fn graph_token(s: &Server, tenant: &str, app_id: &str, secret: &str) -> String {
    let scope = format!("{}/graph//.default", s.base_url);
    let (status, _, body) = post_form(
        s,
        &format!("/{tenant}/oauth2/v2.0/token"),
        &[
            ("grant_type", "client_credentials"),
            ("client_id", app_id),
            ("client_secret", secret),
            ("scope", &scope),
        ],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    body["access_token"].as_str().unwrap().to_owned()
}

/// Creates applications and a secret for each until the server goes away.
async fn worker(client: reqwest::Client, graph: String, token: String, acked: Acked) {
    loop {
        let name = format!("crash-{}", uuid::Uuid::new_v4().simple());
        let Ok(r) = client
            .post(format!("{graph}/applications"))
            .bearer_auth(&token)
            .json(&json!({"displayName": name}))
            .send()
            .await
        else {
            return;
        };
        if r.status() != 201 {
            return;
        }
        let Ok(app) = r.json::<Value>().await else { return };
        let (id, app_id) = (
            app["id"].as_str().unwrap().to_owned(),
            app["appId"].as_str().unwrap().to_owned(),
        );
        let Ok(r) = client
            .post(format!("{graph}/applications/{id}/addPassword"))
            .bearer_auth(&token)
            .json(&json!({"passwordCredential": {"displayName": "crash"}}))
            .send()
            .await
        else {
            return;
        };
        if r.status() != 200 {
            return;
        }
        let Ok(cred) = r.json::<Value>().await else { return };
        let text = cred["secretText"].as_str().unwrap().to_owned();
        acked.lock().unwrap().push((app_id, text));
    }
}

/// A pseudo-random delay in 80..480 ms (no seed to keep: each run kills at other moments).
fn random_delay() -> Duration {
    let n = uuid::Uuid::new_v4().as_u128() as u64;
    Duration::from_millis(80 + n % 400)
}

async fn kill_while_creating(options: ServerOptions) {
    // The data folder outlives every server of the test (it holds the KEK and, on SQLite, the
    // database).
    let dir = tempfile::tempdir().unwrap();
    let options = ServerOptions {
        data_dir: Some(dir.path().join("data")),
        ..options
    };
    let mut s = Server::start(bin(), options.clone());
    let (tenant, app_id, secret) = first(&s);
    let acked: Acked = Arc::default();
    for cycle in 0..CYCLES {
        let token = graph_token(&s, &tenant, &app_id, &secret).await;
        let graph = format!("{}/graph/v1.0", s.base_url);
        let tasks: Vec<_> = (0..WORKERS)
            .map(|_| tokio::spawn(worker(s.client(), graph.clone(), token.clone(), acked.clone())))
            .collect();
        tokio::time::sleep(random_delay()).await;
        s.stop(); // SIGKILL
        for t in tasks {
            t.await.unwrap();
        }
        assert!(
            cycle > 0 || !acked.lock().unwrap().is_empty(),
            "the first cycle acknowledged nothing: the workers did not run"
        );
        s = Server::start(bin(), options.clone());
    }
    let acked = acked.lock().unwrap().clone();
    assert!(
        acked.len() >= CYCLES,
        "too few acknowledged creations to prove anything: {}",
        acked.len()
    );
    eprintln!("{} creations acknowledged over {CYCLES} SIGKILL cycles", acked.len());

    // Every acknowledged secret works, so its application and service principal exist.
    for (app, text) in &acked {
        let (status, _, body) = cc(&s, &tenant, app, text, "https://management.azure.com/.default").await;
        assert_eq!(
            status, 200,
            "acknowledged app {app} lost its secret after a crash: {body}"
        );
    }

    // Each has its audit entries, and the chain verifies.
    let mut created = HashSet::new();
    let mut after = 0i64;
    loop {
        let page = s.admin(&[
            "audit",
            "list",
            "--action",
            "application.create",
            "--top",
            "1000",
            "--after",
            &after.to_string(),
        ]);
        let page = page.as_array().unwrap().clone();
        let Some(last) = page.last() else { break };
        after = last["seq"].as_i64().unwrap();
        created.extend(page.iter().map(|e| e["target"]["id"].as_str().unwrap().to_owned()));
    }
    for (app, _) in &acked {
        assert!(created.contains(app), "acknowledged app {app} has no audit entry");
    }
    let secrets = s.admin(&["audit", "list", "--action", "secret.add", "--top", "1000"]);
    assert!(secrets.as_array().unwrap().len() >= acked.len().min(1000));
    let verified = s.admin(&["audit", "verify"]);
    assert_eq!(verified["intact"], true, "{verified}");
    assert!(verified["entries"].as_i64().unwrap() >= 2 * acked.len() as i64);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_changes_survive_sigkill_with_their_audit_entries_on_sqlite() {
    kill_while_creating(ServerOptions::default()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_changes_survive_sigkill_with_their_audit_entries_on_postgres() {
    let db = ScratchDb::create().await;
    kill_while_creating(ServerOptions {
        database_url: Some(db.url.clone()),
        ..Default::default()
    })
    .await;
}
