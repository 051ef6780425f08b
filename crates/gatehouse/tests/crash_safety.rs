//! Crash safety of audited changes: the server is killed with SIGKILL at random moments while
//! clients create applications and their secrets (Graph door), IoT Central API tokens and
//! personal access tokens (20 cycles, SQLite and PostgreSQL). Afterwards every acknowledged
//! secret, API token and PAT exists and works, each has its audit entry, and `gatehouse audit
//! verify` passes.

mod common;
mod device_helpers;

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::*;
use gatehouse_testkit::pg::ScratchDb;
use gatehouse_testkit::{Server, ServerOptions};
use serde_json::{json, Value};

const CYCLES: usize = 20;
const WORKERS: usize = 3;

/// What the server acknowledged: (appId, secret text), (API token id, SAS), (PAT id, PAT).
type Acked = Arc<Mutex<Vec<(String, String)>>>;

const IOTC: &str = "https://apps.azureiotcentral.com/.default";
const DEVOPS: &str = "499b84ac-1321-427f-aa17-267ca6975798/user_impersonation offline_access";

/// Creates API tokens (`PUT /api/apiTokens/{id}`) until the server goes away.
async fn api_token_worker(client: reqwest::Client, base: String, token: String, acked: Acked) {
    loop {
        let id = format!("crash-{}", uuid::Uuid::new_v4().simple());
        let Ok(r) = client
            .put(format!("{base}/api/apiTokens/{id}?api-version=2022-07-31"))
            .bearer_auth(&token)
            .json(&json!({"roles": [{"role": "ae2c9854-393b-4f97-8c42-479d70ce626e"}]}))
            .send()
            .await
        else {
            return;
        };
        if r.status() != 200 {
            return;
        }
        let Ok(v) = r.json::<Value>().await else { return };
        acked
            .lock()
            .unwrap()
            .push((id, v["token"].as_str().unwrap().to_owned()));
    }
}

/// Creates PATs (`POST /_apis/tokens/pats`) for the signed-in user until the server goes away.
async fn pat_worker(client: reqwest::Client, base: String, token: String, acked: Acked) {
    loop {
        let Ok(r) = client
            .post(format!("{base}/_apis/tokens/pats?api-version=7.1-preview.1"))
            .bearer_auth(&token)
            .json(&json!({"displayName": "crash", "scope": "vso.code", "allOrgs": false}))
            .send()
            .await
        else {
            return;
        };
        if r.status() != 200 {
            return;
        }
        let Ok(v) = r.json::<Value>().await else { return };
        let pat = &v["patToken"];
        let (Some(id), Some(text)) = (pat["authorizationId"].as_str(), pat["token"].as_str()) else {
            return;
        };
        acked.lock().unwrap().push((id.to_owned(), text.to_owned()));
    }
}

/// A fresh access token from the user's refresh token (the issuer moves with the port).
async fn refreshed(s: &Server, tenant: &str, refresh: &mut String) -> String {
    let (status, _, body) = post_form(
        s,
        &format!("/{tenant}/oauth2/v2.0/token"),
        &[
            ("grant_type", "refresh_token"),
            ("client_id", device_helpers::AZURE_CLI),
            ("refresh_token", refresh),
            ("scope", DEVOPS),
        ],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    *refresh = body["refresh_token"].as_str().unwrap().to_owned();
    body["access_token"].as_str().unwrap().to_owned()
}

async fn graph_token(s: &Server, tenant: &str, app_id: &str, secret: &str) -> String {
    let scope = format!("{}/graph//.default", s.base_url);
    graph_token_for(s, tenant, app_id, secret, &scope).await
}

async fn graph_token_for(s: &Server, tenant: &str, app_id: &str, secret: &str, scope: &str) -> String {
    let (status, _, body) = post_form(
        s,
        &format!("/{tenant}/oauth2/v2.0/token"),
        &[
            ("grant_type", "client_credentials"),
            ("client_id", app_id),
            ("client_secret", secret),
            ("scope", scope),
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
    device_helpers::user(&s, "ada@crash");
    let mut refresh = device_helpers::device_login(&s, &tenant, "ada@crash", DEVOPS).await["refresh_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let acked: Acked = Arc::default();
    let (tokens, pats): (Acked, Acked) = (Arc::default(), Arc::default());
    for cycle in 0..CYCLES {
        let token = graph_token(&s, &tenant, &app_id, &secret).await;
        let graph = format!("{}/graph/v1.0", s.base_url);
        let mut tasks: Vec<_> = (0..WORKERS)
            .map(|_| tokio::spawn(worker(s.client(), graph.clone(), token.clone(), acked.clone())))
            .collect();
        let iotc = graph_token_for(&s, &tenant, &app_id, &secret, IOTC).await;
        tasks.push(tokio::spawn(api_token_worker(
            s.client(),
            s.base_url.clone(),
            iotc,
            tokens.clone(),
        )));
        let user = refreshed(&s, &tenant, &mut refresh).await;
        tasks.push(tokio::spawn(pat_worker(
            s.client(),
            s.base_url.clone(),
            user,
            pats.clone(),
        )));
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
    // Every acknowledged API token works, and every acknowledged PAT checks, with its entry.
    let tokens = tokens.lock().unwrap().clone();
    let pats = pats.lock().unwrap().clone();
    eprintln!("{} API tokens and {} PATs acknowledged", tokens.len(), pats.len());
    assert!(
        !tokens.is_empty() && !pats.is_empty(),
        "no API token or PAT was acknowledged"
    );
    for (id, sas) in &tokens {
        let r = s
            .client()
            .get(format!("{}/api/roles?api-version=2022-07-31", s.base_url))
            .header("authorization", sas)
            .send()
            .await
            .unwrap();
        assert_eq!(
            r.status(),
            200,
            "acknowledged API token {id} does not work after a crash"
        );
    }
    let store = match &s.database_url {
        Some(url) => gatehouse_store::open(url).await.unwrap(),
        None => gatehouse_store::open_data_dir(&s.data_dir).await.unwrap(),
    };
    let checker = gatehouse_core::pats::Pats::new(store);
    for (id, text) in &pats {
        let who = checker.check(text, gatehouse_core::model::now()).await;
        assert!(
            who.is_ok(),
            "acknowledged PAT {id} does not check after a crash: {who:?}"
        );
    }
    for (action, ids) in [("apiToken.create", &tokens), ("pat.create", &pats)] {
        let listed = s.admin(&["audit", "list", "--action", action, "--top", "1000"]);
        let seen: HashSet<&str> = listed
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["target"]["id"].as_str().unwrap())
            .collect();
        for (id, _) in ids.iter().take(1000) {
            assert!(
                seen.contains(id.as_str()),
                "acknowledged {action} {id} has no audit entry"
            );
        }
    }
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
