//! Conformance cases for certificate credentials and used client-assertion ids: several
//! certificates per app beside its secrets, list/remove, the change feed, delete cascades, and
//! single use of a `jti` per tenant (concurrent uses: exactly one wins; purge removes expired).

use gatehouse_core::model::{Application, ClientCertificate};
use gatehouse_core::store::{ChangeKind, StoreError};

use super::{app, secret, with_tenant, Fixture};

fn cert(app: &Application, byte: u8, end: i64) -> ClientCertificate {
    ClientCertificate {
        key_id: uuid::Uuid::new_v4().to_string(),
        application_id: app.id.clone(),
        display_name: format!("cert {byte}"),
        thumbprint_sha1: [byte; 20],
        thumbprint_sha256: [byte; 32],
        der: vec![0x30, byte, 1, 2, 3],
        public_key: vec![0x30, byte, 9],
        start: 10,
        end,
    }
}

pub async fn certificates_round_trip_beside_secrets(f: Fixture) {
    let s = f.store.as_ref();
    let t = with_tenant(s, "certs").await;
    let (a, sp) = app(&t, "worker", &[]);
    s.create_application(&a, &sp).await.unwrap();
    let (other, other_sp) = app(&t, "other", &[]);
    s.create_application(&other, &other_sp).await.unwrap();
    s.add_secret(&t.id, &secret(&a, 1)).await.unwrap();

    let one = cert(&a, 1, 100);
    let mut two = cert(&a, 2, 200);
    two.start = 20;
    let before = s.change_seq().await.unwrap();
    s.add_certificate(&t.id, &one).await.unwrap();
    let changes = s.changes_since(before, 10).await.unwrap();
    assert_eq!(
        changes.iter().map(|c| (c.kind, c.key.as_str())).collect::<Vec<_>>(),
        vec![(ChangeKind::Secret, a.app_id.as_str())],
        "adding a certificate names the app's credentials"
    );
    s.add_certificate(&t.id, &two).await.unwrap();
    assert_eq!(
        s.list_certificates(&a.id).await.unwrap(),
        vec![one.clone(), two.clone()]
    );
    assert_eq!(s.list_certificates(&other.id).await.unwrap(), vec![]);
    assert_eq!(s.list_secrets(&a.id).await.unwrap().len(), 1, "secrets stay");

    let mut same = cert(&a, 1, 100);
    same.key_id = uuid::Uuid::new_v4().to_string();
    assert!(
        matches!(s.add_certificate(&t.id, &same).await, Err(StoreError::Conflict(_))),
        "one certificate once per app"
    );
    let mut on_other = same.clone();
    on_other.application_id = other.id.clone();
    s.add_certificate(&t.id, &on_other).await.unwrap();

    assert!(
        !s.remove_certificate(&t.id, &other.id, &one.key_id).await.unwrap(),
        "another app's key id"
    );
    assert!(
        !s.remove_certificate("elsewhere", &a.id, &one.key_id).await.unwrap(),
        "another tenant"
    );
    let before = s.change_seq().await.unwrap();
    assert!(s.remove_certificate(&t.id, &a.id, &one.key_id).await.unwrap());
    assert_eq!(
        s.changes_since(before, 10).await.unwrap().len(),
        1,
        "removal is in the feed"
    );
    assert!(
        !s.remove_certificate(&t.id, &a.id, &one.key_id).await.unwrap(),
        "removed once"
    );
    assert_eq!(s.list_certificates(&a.id).await.unwrap(), vec![two]);

    assert!(s.delete_application(&t.id, &a.app_id).await.unwrap());
    assert_eq!(
        s.list_certificates(&a.id).await.unwrap(),
        vec![],
        "they go with the app"
    );
    assert_eq!(
        f.reopen().await.list_certificates(&other.id).await.unwrap(),
        vec![on_other]
    );
}

pub async fn an_assertion_id_is_used_once_per_tenant(f: Fixture) {
    let s = f.store.as_ref();
    assert!(s.use_assertion("t1", "jti-1", 500, 100).await.unwrap());
    assert!(!s.use_assertion("t1", "jti-1", 500, 101).await.unwrap(), "a replay");
    assert!(
        s.use_assertion("t2", "jti-1", 500, 101).await.unwrap(),
        "tenants do not mix"
    );
    assert!(
        s.use_assertion("t1", "jti-1", 900, 600).await.unwrap(),
        "a record past its expiry no longer blocks"
    );
    assert!(
        !s.use_assertion("t1", "jti-1", 900, 601).await.unwrap(),
        "and is taken again"
    );

    let mut tasks = Vec::new();
    for _ in 0..12 {
        let s = f.store.clone();
        tasks.push(tokio::spawn(async move {
            s.use_assertion("t1", "raced", 500, 100).await.unwrap()
        }));
    }
    let mut won = 0;
    for t in tasks {
        won += t.await.unwrap() as usize;
    }
    assert_eq!(won, 1, "of concurrent uses exactly one succeeds");

    s.use_assertion("t3", "old", 999, 1).await.unwrap();
    s.use_assertion("t3", "live", 1000, 1).await.unwrap();
    let report = s.purge(1000, None).await.unwrap();
    // t1/raced (500) and t2/jti-1 (500) and t3/old (999) expired before 1000; t1/jti-1 (900) too.
    assert_eq!(report.used_assertions, 4);
    assert!(
        !s.use_assertion("t3", "live", 2000, 1).await.unwrap(),
        "a live record survives the purge"
    );
    assert!(
        s.use_assertion("t3", "old", 2000, 1).await.unwrap(),
        "a purged one is gone"
    );
}
