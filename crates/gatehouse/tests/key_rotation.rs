//! Scheduled signing-key rotation end to end, against the real binary:
//! - a guard (gatehouse-guard, in-process, keys from the server's JWKS) validates fresh tokens
//!   continuously through two scheduled rotations with no failed request, and tokens signed by
//!   the old keys stay valid (their keys stay published until those tokens have expired);
//! - two replicas on one PostgreSQL database agree on the active key at every moment of a
//!   rotation, and racing maintenance loops add one key per rotation, not two;
//! - `gatehouse keys list|rotate` (with `--now`, and the refusal of a second pending rotation).

mod common;
use std::time::{Duration, Instant};

use common::*;
use gatehouse_guard::{Guard, GuardConfig};
use gatehouse_keys::{schedule, Algorithm};
use gatehouse_testkit::pg::ScratchDb;
use gatehouse_testkit::{Server, ServerOptions};
use serde_json::Value;

const IOTC: &str = "https://apps.azureiotcentral.com/.default";
const AUD: &str = "https://apps.azureiotcentral.com";
/// Not a timing assertion: how long a loop waits for progress before it says what it saw.
const PATIENCE: Duration = Duration::from_secs(120);

fn rotating(pre: u64, interval: u64) -> Vec<(String, String)> {
    vec![
        ("GATEHOUSE_KEY_PRE_PUBLICATION_SECONDS".into(), pre.to_string()),
        ("GATEHOUSE_KEY_ROTATION_INTERVAL_SECONDS".into(), interval.to_string()),
    ]
}

fn guard(s: &Server, tenant: &str) -> Guard {
    let config = GuardConfig::builder()
        .issuer(format!("{}/{tenant}/v2.0", s.base_url))
        .audience(AUD)
        .ca_pem(std::fs::read(s.ca_file()).unwrap())
        .jwks_max_age(Duration::from_secs(1))
        .jwks_refetch_interval(Duration::from_secs(1))
        .build()
        .unwrap();
    Guard::new(config).unwrap()
}

fn bearer(token: &str) -> http::HeaderMap {
    let mut h = http::HeaderMap::new();
    h.insert(http::header::AUTHORIZATION, format!("Bearer {token}").parse().unwrap());
    h
}

fn kid(token: &str) -> String {
    jsonwebtoken::decode_header(token).unwrap().kid.expect("kid")
}

async fn token(s: &Server, tenant: &str, app: &str, secret: &str) -> String {
    let (st, _, b) = cc(s, tenant, app, secret, IOTC).await;
    assert_eq!(st, 200, "{b}");
    b["access_token"].as_str().unwrap().to_owned()
}

async fn jwks_kids(s: &Server, tenant: &str) -> Vec<String> {
    let jwks: Value = s
        .client()
        .get(format!("{}/{tenant}/discovery/v2.0/keys", s.base_url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["kid"].as_str().unwrap().to_owned())
        .collect()
}

async fn guard_keeps_validating_through_two_rotations(s: &Server) {
    let (tenant, app, secret) = first(s);
    let g = guard(s, &tenant);
    let mut kids: Vec<String> = Vec::new();
    let mut first_key_tokens: Vec<String> = Vec::new();
    let mut failures: Vec<String> = Vec::new();
    let mut checked = 0usize;
    let started = Instant::now();
    while kids.len() < 3 {
        assert!(
            started.elapsed() < PATIENCE,
            "two scheduled rotations did not happen; signing kids seen: {kids:?}"
        );
        let t = token(s, &tenant, &app, &secret).await;
        let k = kid(&t);
        if !kids.contains(&k) {
            kids.push(k.clone());
        }
        if kids.len() == 1 && first_key_tokens.len() < 3 {
            first_key_tokens.push(t.clone());
        }
        match g.authenticate(&bearer(&t)).await {
            Ok(caller) => assert_eq!(caller.tenant_id(), tenant),
            Err(e) => failures.push(format!("token of kid {k}: {e:?}")),
        }
        checked += 1;
    }
    assert!(
        failures.is_empty(),
        "{} of {checked} validations failed during the rotations: {failures:?}",
        failures.len()
    );
    // The keys that signed came in generation order, each published before it signed.
    let keys = s.admin(&["keys", "list", "--tenant", &tenant]);
    let gen_of = |kid: &str| {
        keys.as_array()
            .unwrap()
            .iter()
            .find(|k| k["kid"] == kid)
            .unwrap_or_else(|| panic!("{kid} listed: {keys}"))["generation"]
            .as_i64()
            .unwrap()
    };
    assert_eq!(
        kids.iter().map(|k| gen_of(k)).collect::<Vec<_>>(),
        vec![0, 1, 2],
        "{keys}"
    );
    // Tokens of the first key still verify, with a guard that has cached nothing: its key is
    // still in the JWKS (it retires only when every token it signed has expired).
    let fresh = guard(s, &tenant);
    assert!(jwks_kids(s, &tenant).await.contains(&kids[0]));
    for t in &first_key_tokens {
        let caller = fresh.authenticate(&bearer(t)).await;
        assert!(caller.is_ok(), "an old key's token is still valid: {caller:?}");
    }
}

#[tokio::test]
async fn a_guard_validates_through_two_rotations_with_no_failed_request_on_sqlite() {
    let s = Server::start(
        bin(),
        ServerOptions {
            env: rotating(4, 6),
            ..Default::default()
        },
    );
    guard_keeps_validating_through_two_rotations(&s).await;
}

#[tokio::test]
async fn a_guard_validates_through_two_rotations_with_no_failed_request_on_postgres() {
    let db = ScratchDb::create().await;
    let s = Server::start(
        bin(),
        ServerOptions {
            database_url: Some(db.url.clone()),
            env: rotating(4, 6),
            ..Default::default()
        },
    );
    guard_keeps_validating_through_two_rotations(&s).await;
}

#[tokio::test]
async fn replicas_agree_on_the_active_key_at_every_moment_of_a_rotation() {
    let db = ScratchDb::create().await;
    let (_, kek) = gatehouse_keys::Kek::generate().unwrap();
    let mut env = rotating(3, 5);
    env.push(("GATEHOUSE_KEK".into(), kek.clone()));
    let a = Server::start(
        bin(),
        ServerOptions {
            database_url: Some(db.url.clone()),
            env: env.clone(),
            ..Default::default()
        },
    );
    let b = Server::start(
        bin(),
        ServerOptions {
            database_url: Some(db.url.clone()),
            env,
            ..Default::default()
        },
    );
    let (tenant, app, secret) = first(&a);
    // Samples: (seconds before the first request, after the second, kid of A, kid of B).
    let mut samples: Vec<(i64, i64, String, String)> = Vec::new();
    let started = Instant::now();
    let distinct = |samples: &[(i64, i64, String, String)]| {
        let mut k: Vec<&String> = samples.iter().flat_map(|s| [&s.2, &s.3]).collect();
        k.sort();
        k.dedup();
        k.len()
    };
    while distinct(&samples) < 3 {
        assert!(started.elapsed() < PATIENCE, "two rotations did not happen");
        let t0 = gatehouse_core::model::now();
        let ta = token(&a, &tenant, &app, &secret).await;
        let tb = token(&b, &tenant, &app, &secret).await;
        let t1 = gatehouse_core::model::now();
        samples.push((t0, t1, kid(&ta), kid(&tb)));
    }
    let store = gatehouse_store::open(&db.url).await.unwrap();
    let keys = store.keys_for_tenant(&tenant).await.unwrap();
    let mut disagreements = 0;
    for (t0, t1, ka, kb) in &samples {
        // The keys the schedule names as the signer at some moment of the sample.
        let mut allowed: Vec<&str> = (*t0..=*t1)
            .filter_map(|t| schedule::signer(&keys, Algorithm::RS256, t))
            .map(|k| k.kid.as_str())
            .collect();
        allowed.dedup();
        assert!(
            allowed.contains(&ka.as_str()),
            "replica A signed with {ka} during [{t0}, {t1}]; the schedule says {allowed:?}"
        );
        assert!(
            allowed.contains(&kb.as_str()),
            "replica B signed with {kb} during [{t0}, {t1}]; the schedule says {allowed:?}"
        );
        if allowed.len() == 1 {
            assert_eq!(ka, kb, "the replicas disagree at {t0}");
        } else if ka != kb {
            disagreements += 1;
        }
    }
    assert!(disagreements <= 2, "replicas differ only in the second a key activates");
    // Both replicas ran the schedule: each rotation added one key per algorithm, not two.
    for alg in Algorithm::all() {
        let mut of_alg: Vec<_> = keys.iter().filter(|k| k.alg == alg).collect();
        of_alg.sort_by_key(|k| k.generation);
        let generations: Vec<i64> = of_alg.iter().map(|k| k.generation).collect();
        assert_eq!(generations, (0..of_alg.len() as i64).collect::<Vec<_>>());
        for pair in of_alg.windows(2) {
            assert!(
                pair[1].created_at - pair[0].created_at >= 5,
                "{alg}: rotations one interval apart, never two at once: {generations:?}"
            );
            assert_eq!(
                pair[1].activates_at - pair[1].created_at,
                3,
                "published 3 s before it signs"
            );
        }
    }
}

async fn keys_cli(s: &Server) {
    let (tenant, app, secret) = first(s);
    let keys = s.admin(&["keys", "list"]);
    let listed = keys.as_array().unwrap();
    assert_eq!(listed.len(), 2, "{keys}");
    assert!(
        listed.iter().all(|k| k["status"] == "active" && k["retires"].is_null()),
        "{keys}"
    );
    let old = listed.iter().find(|k| k["alg"] == "RS256").unwrap()["kid"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(kid(&token(s, &tenant, &app, &secret).await), old);

    // A scheduled rotation: published now, signing in 24 h (the default pre-publication).
    let rotated = s.admin(&["keys", "rotate", "--alg", "RS256", "--tenant", &tenant]);
    let new = &rotated[0];
    assert_eq!(
        (new["alg"].as_str(), new["status"].as_str(), new["generation"].as_i64()),
        (Some("RS256"), Some("published"), Some(1))
    );
    let published = chrono::DateTime::parse_from_rfc3339(new["published"].as_str().unwrap()).unwrap();
    let activates = chrono::DateTime::parse_from_rfc3339(new["activates"].as_str().unwrap()).unwrap();
    assert_eq!((activates - published).num_seconds(), 86_400);
    let new_kid = new["kid"].as_str().unwrap().to_owned();
    let started = Instant::now();
    while !jwks_kids(s, &tenant).await.contains(&new_kid) {
        assert!(started.elapsed() < PATIENCE, "the running server publishes the new key");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        kid(&token(s, &tenant, &app, &secret).await),
        old,
        "the old key signs until the new one activates"
    );
    let listed = s.admin(&["keys", "list"]);
    let old_row = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kid"] == old.as_str())
        .unwrap()
        .clone();
    assert_eq!(old_row["status"], "active");
    assert!(
        old_row["retires"].is_string(),
        "the old key's retirement is scheduled: {old_row}"
    );

    // A second scheduled rotation would replace the waiting key before it signs: refused.
    let refused = s.admin_raw(&["keys", "rotate", "--alg", "RS256"]);
    assert!(!refused.status.success());
    let text = String::from_utf8_lossy(&refused.stderr);
    assert!(text.contains("already waiting to sign"), "{text}");
    assert_eq!(
        s.admin(&["keys", "list"]).as_array().unwrap().len(),
        3,
        "nothing written"
    );

    // An emergency rotation signs at once (within the change feed's second).
    let now = s.admin(&["keys", "rotate", "--alg", "RS256", "--now"]);
    let now_kid = now[0]["kid"].as_str().unwrap().to_owned();
    assert_eq!(now[0]["status"], "active");
    let started = Instant::now();
    while kid(&token(s, &tenant, &app, &secret).await) != now_kid {
        assert!(started.elapsed() < PATIENCE, "the emergency key signs");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let statuses: Vec<(String, String)> = s
        .admin(&["keys", "list"])
        .as_array()
        .unwrap()
        .iter()
        .filter(|k| k["alg"] == "RS256")
        .map(|k| {
            (
                k["kid"].as_str().unwrap().to_owned(),
                k["status"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        statuses,
        vec![
            (old.clone(), "inactive".into()),
            (new_kid.clone(), "published".into()),
            (now_kid.clone(), "active".into())
        ]
    );
    // The table shows the schedule's columns.
    let table = std::process::Command::new(bin())
        .args(["keys", "list", "--output", "table", "--data-dir"])
        .arg(&s.data_dir)
        .args(s.database_url.iter().flat_map(|u| ["--database-url", u.as_str()]))
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&table.stdout);
    for column in ["kid", "alg", "status", "published", "activates", "retires"] {
        assert!(text.lines().next().unwrap_or("").contains(column), "{column} in {text}");
    }
    // Bad input is refused by name.
    let bad = s.admin_raw(&["keys", "rotate", "--alg", "HS256"]);
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("HS256"));
}

#[tokio::test]
async fn keys_list_and_rotate_on_sqlite() {
    keys_cli(&start()).await;
}

#[tokio::test]
async fn keys_list_and_rotate_on_postgres() {
    let db = ScratchDb::create().await;
    let s = Server::start(
        bin(),
        ServerOptions {
            database_url: Some(db.url.clone()),
            ..Default::default()
        },
    );
    keys_cli(&s).await;
}

#[test]
fn keys_help_has_examples_and_says_what_now_costs() {
    for verb in [&["keys", "list", "--help"][..], &["keys", "rotate", "--help"]] {
        let out = std::process::Command::new(bin()).args(verb).output().unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success() && text.contains("Example"), "{verb:?}: {text}");
    }
    let out = std::process::Command::new(bin())
        .args(["keys", "rotate", "--help"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("--now") && text.contains("unknown kid"), "{text}");
}
