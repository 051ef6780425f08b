//! The revocation feed: polling, refusal of revoked `sid`/`uti`, fail-closed when stale, and the
//! client against a hand-written feed server (paging, log restart, expiry).

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::extract::{Query, State};
use axum::routing::get;
use axum::{Json, Router};
use common::*;
use gatehouse_guard::revocation::{self, RevocationEntry, RevocationKind, RevocationPage, RevocationStatus};
use gatehouse_guard::{Guard, GuardConfig, RevocationSettings};
use http::StatusCode;
use serde_json::json;

fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs()
}

async fn with_feed(poll: Duration, staleness: Duration) -> Setup {
    Setup::with(move |b| {
        b.revocation(RevocationSettings {
            poll_interval: poll,
            max_staleness: staleness,
            ..RevocationSettings::new("http://127.0.0.1:1")
        })
    })
    .await
}

/// Rebuilds the guard of `s` with the feed pointed at its fake issuer.
fn feed_guard(s: &Setup, poll: Duration, staleness: Duration) -> Guard {
    let cfg = s
        .issuer
        .config(AUD)
        .revocation(RevocationSettings {
            poll_interval: poll,
            max_staleness: staleness,
            ..RevocationSettings::new(s.issuer.base_url())
        })
        .build()
        .unwrap();
    Guard::new(cfg).unwrap()
}

#[tokio::test]
async fn revoked_sid_is_refused_after_the_feed_polls() {
    let s = Setup::new().await;
    let guard = feed_guard(&s, Duration::from_millis(100), Duration::from_secs(60));
    let router = api(&guard);
    guard.revocation_feed().unwrap().poll_now().await.unwrap();

    let mut claims = s.claims();
    claims["sid"] = json!("family-1");
    claims["idtyp"] = json!("user");
    let token = s.rsa.sign(&claims);
    let auth = format!("Bearer {token}");
    assert_eq!(
        call(&router, "/me", &[("authorization", &auth)]).await.status,
        StatusCode::OK
    );

    s.issuer.revoke(RevocationKind::Sid, "family-1", now() + 3600);
    let polls = s.issuer.revocation_polls();
    // Wait for the background poller (not poll_now) to pick it up.
    for _ in 0..50 {
        if s.issuer.revocation_polls() >= polls + 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // The token is in the verified cache: the cache hit must still be refused.
    let a = call(&router, "/me", &[("authorization", &auth)]).await;
    assert_invalid_token(&a, "token revoked");
    // Another token of the same family is refused too; one of another family is not.
    let mut sibling = s.claims();
    sibling["sid"] = json!("family-1");
    assert_invalid_token(
        &call(
            &router,
            "/me",
            &[("authorization", &format!("Bearer {}", s.rsa.sign(&sibling)))],
        )
        .await,
        "token revoked",
    );
    sibling["sid"] = json!("family-2");
    let a = call(
        &router,
        "/me",
        &[("authorization", &format!("Bearer {}", s.rsa.sign(&sibling)))],
    )
    .await;
    assert_eq!(a.status, StatusCode::OK);
}

#[tokio::test]
async fn revoked_uti_is_refused() {
    let s = Setup::new().await;
    let guard = feed_guard(&s, Duration::from_secs(3600), Duration::from_secs(60));
    let router = api(&guard);
    let claims = s.claims();
    let token = s.rsa.sign(&claims);
    let auth = format!("Bearer {token}");
    guard.revocation_feed().unwrap().poll_now().await.unwrap();
    assert_eq!(
        call(&router, "/me", &[("authorization", &auth)]).await.status,
        StatusCode::OK
    );
    s.issuer
        .revoke(RevocationKind::Uti, claims["uti"].as_str().unwrap(), now() + 3600);
    guard.revocation_feed().unwrap().poll_now().await.unwrap();
    assert_invalid_token(
        &call(&router, "/me", &[("authorization", &auth)]).await,
        "token revoked",
    );
}

#[tokio::test]
async fn stale_feed_fails_closed_for_tokens_with_sid_only() {
    let s = Setup::new().await;
    let guard = feed_guard(&s, Duration::from_millis(50), Duration::from_millis(400));
    let router = api(&guard);
    guard.revocation_feed().unwrap().poll_now().await.unwrap();
    let mut with_sid = s.claims();
    with_sid["sid"] = json!("family-1");
    let with_sid = format!("Bearer {}", s.rsa.sign(&with_sid));
    let without_sid = format!("Bearer {}", s.token());
    assert_eq!(
        call(&router, "/me", &[("authorization", &with_sid)]).await.status,
        StatusCode::OK
    );

    s.issuer.set_down(true);
    tokio::time::sleep(Duration::from_millis(600)).await;
    let a = call(&router, "/me", &[("authorization", &with_sid)]).await;
    assert_eq!(a.status, StatusCode::SERVICE_UNAVAILABLE, "{}", a.body);
    assert_eq!(a.error(), "temporarily_unavailable");
    assert_eq!(a.description(), "token revocation status unavailable");
    assert_eq!(
        call(&router, "/me", &[("authorization", &without_sid)]).await.status,
        StatusCode::OK
    );

    s.issuer.set_down(false);
    guard.revocation_feed().unwrap().poll_now().await.unwrap();
    assert_eq!(
        call(&router, "/me", &[("authorization", &with_sid)]).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn feed_never_reached_refuses_tokens_with_sid() {
    let s = with_feed(Duration::from_millis(50), Duration::from_secs(60)).await;
    let mut claims = s.claims();
    claims["sid"] = json!("family-1");
    let a = s.get_bearer("/me", &s.rsa.sign(&claims)).await;
    assert_eq!(a.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(s.get_bearer("/me", &s.token()).await.status, StatusCode::OK);
}

#[tokio::test]
async fn first_request_after_start_catches_up_instead_of_failing_closed() {
    let s = Setup::new().await;
    // The background poller's first poll fails (the issuer is down), and it would not run again
    // for an hour: only the inline catch-up can make the feed fresh.
    s.issuer.set_down(true);
    let guard = feed_guard(&s, Duration::from_secs(3600), Duration::from_secs(60));
    let router = api(&guard);
    for _ in 0..100 {
        if s.issuer.revocation_polls() >= 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(s.issuer.revocation_polls(), 1, "the background poller tried once");
    tokio::time::sleep(revocation::CATCH_UP_EVERY + Duration::from_millis(100)).await;
    s.issuer.set_down(false);
    let mut claims = s.claims();
    claims["sid"] = json!("family-1");
    let auth = format!("Bearer {}", s.rsa.sign(&claims));
    let a = call(&router, "/me", &[("authorization", &auth)]).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    assert_eq!(s.issuer.revocation_polls(), 2, "the request polled the feed itself");
}

#[tokio::test]
async fn catch_up_polls_a_down_feed_at_most_once_per_interval() {
    let s = Setup::new().await;
    let guard = feed_guard(&s, Duration::from_secs(3600), Duration::from_millis(200));
    let router = api(&guard);
    guard.revocation_feed().unwrap().poll_now().await.unwrap();
    s.issuer.set_down(true);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let before = s.issuer.revocation_polls();
    let mut claims = s.claims();
    claims["sid"] = json!("family-1");
    let auth = format!("Bearer {}", s.rsa.sign(&claims));
    for _ in 0..20 {
        let a = call(&router, "/me", &[("authorization", &auth)]).await;
        assert_eq!(a.status, StatusCode::SERVICE_UNAVAILABLE, "{}", a.body);
    }
    let polled = s.issuer.revocation_polls() - before;
    assert!(polled <= 1, "20 refused requests polled the feed {polled} times");
}

#[derive(Default)]
struct Script {
    calls: AtomicUsize,
    seen_since: parking_lot::Mutex<Vec<u64>>,
}

/// A feed server with a fixed script: two pages (`more: true`), then a restarted log.
async fn scripted_feed(script: Arc<Script>) -> String {
    async fn handler(
        State(script): State<Arc<Script>>,
        Query(q): Query<std::collections::HashMap<String, String>>,
    ) -> Json<RevocationPage> {
        let since: u64 = q["since"].parse().unwrap();
        script.seen_since.lock().push(since);
        let n = script.calls.fetch_add(1, Ordering::SeqCst);
        let entry = |kind, value: &str, exp| RevocationEntry {
            kind,
            value: value.into(),
            exp,
        };
        let far = now() + 3600;
        Json(match n {
            0 => RevocationPage {
                seq: 2,
                entries: vec![
                    entry(RevocationKind::Sid, "s1", far),
                    entry(RevocationKind::Uti, "u-old", 5),
                ],
                more: true,
            },
            1 => RevocationPage {
                seq: 3,
                entries: vec![entry(RevocationKind::Uti, "u1", far)],
                more: false,
            },
            // Restarted log: seq lower than what the client has.
            2 => RevocationPage {
                seq: 1,
                entries: vec![],
                more: false,
            },
            _ => RevocationPage {
                seq: 1,
                entries: vec![entry(RevocationKind::Sid, "s9", far)],
                more: false,
            },
        })
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = Router::new()
        .route("/{tenant}/gatehouse/revocations", get(handler))
        .with_state(script);
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}")
}

#[tokio::test]
async fn feed_client_follows_pages_drops_expired_entries_and_reloads_after_log_restart() {
    let script = Arc::new(Script::default());
    let base = scripted_feed(script.clone()).await;
    let tenant = uuid::Uuid::new_v4().to_string();
    let cfg = GuardConfig::builder()
        .issuer(format!("http://127.0.0.1:9/{tenant}/v2.0"))
        .audience(AUD)
        .allow_insecure_http_for_tests(true)
        .revocation(RevocationSettings {
            poll_interval: Duration::from_secs(3600),
            ..RevocationSettings::new(base)
        })
        .build()
        .unwrap();
    let guard = Guard::new(cfg).unwrap();
    let feed = guard.revocation_feed().unwrap();
    feed.poll_now().await.unwrap();
    assert_eq!(feed.status(&tenant, Some("s1"), None), RevocationStatus::Revoked);
    assert_eq!(feed.status(&tenant, None, Some("u1")), RevocationStatus::Revoked);
    assert_eq!(feed.len(&tenant), 2, "the expired u-old entry is dropped");
    assert_eq!(
        feed.status(&tenant, Some("s2"), Some("u2")),
        RevocationStatus::NotRevoked
    );
    // Restart: the set is dropped and reloaded from 0.
    feed.poll_now().await.unwrap();
    assert_eq!(feed.status(&tenant, Some("s1"), None), RevocationStatus::NotRevoked);
    assert_eq!(feed.status(&tenant, Some("s9"), None), RevocationStatus::Revoked);
    // Paging went on from 2, the restart reloaded from 0. (The background poller, started with
    // the guard, runs after these on the test's single-threaded runtime and may add more.)
    let seen = script.seen_since.lock().clone();
    assert!(seen.starts_with(&[0, 2, 3, 0]), "since values sent: {seen:?}");
    // A tenant without a feed: tokens with sid are refused, without sid accepted.
    let other = uuid::Uuid::new_v4().to_string();
    assert_eq!(feed.status(&other, Some("s"), None), RevocationStatus::Unknown);
    assert_eq!(feed.status(&other, None, Some("u")), RevocationStatus::NotRevoked);
}
