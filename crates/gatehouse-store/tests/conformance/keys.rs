//! Conformance cases for signing-key rotation: a rotation adds the successor and schedules the
//! retirement of the keys before it in one audited unit of work; two processes rotating the same
//! key at once add one key (the generation is unique per tenant and algorithm).

use gatehouse_core::model::AuditQuery;
use gatehouse_keys::{schedule, Algorithm, Kek, KeyRecord, KeyStatus};

use super::{with_tenant, Fixture};

fn rotations(entries: &[gatehouse_core::model::AuditEntry]) -> usize {
    entries.iter().filter(|e| e.action == "signingKey.rotate").count()
}

async fn rotation_entries(s: &dyn gatehouse_core::Store, tenant: &str) -> usize {
    let q = AuditQuery {
        tenant_id: Some(tenant.to_owned()),
        action: Some("signingKey.rotate".into()),
        limit: 100,
        ..Default::default()
    };
    rotations(&s.audit_entries(&q).await.unwrap())
}

pub async fn a_rotation_adds_one_successor_and_schedules_the_old_keys_retirement(f: Fixture) {
    let s = f.store.as_ref();
    let t = with_tenant(s, "rotating").await;
    let (kek, _) = Kek::generate().unwrap();
    let keys = s.keys_for_tenant(&t.id).await.unwrap();
    let first = schedule::newest(&keys, Algorithm::RS256).unwrap().clone();
    assert_eq!((first.generation, first.activates_at, first.retires_at), (0, 5, None));

    let seq = s.change_seq().await.unwrap();
    let next = KeyRecord::successor(&kek, &first, 100, 200).unwrap();
    assert!(s.rotate_key(&next, 1_000).await.unwrap());
    let keys = s.keys_for_tenant(&t.id).await.unwrap();
    assert_eq!(keys.len(), 3);
    let back = keys.iter().find(|k| k.kid == next.kid).unwrap();
    assert_eq!(
        (back.generation, back.created_at, back.activates_at, back.retires_at),
        (1, 100, 200, None)
    );
    let old = keys.iter().find(|k| k.kid == first.kid).unwrap();
    assert_eq!(
        old.retires_at,
        Some(1_000),
        "the old key leaves the JWKS when its tokens have expired"
    );
    let es = keys.iter().find(|k| k.alg == Algorithm::ES256).unwrap();
    assert_eq!(es.retires_at, None, "the other algorithm's key is untouched");
    // The schedule read back from the store: published first, then active, the old key retired.
    assert_eq!(schedule::status(&keys, back, 150), KeyStatus::Published);
    assert_eq!(schedule::signer(&keys, Algorithm::RS256, 150).unwrap().kid, first.kid);
    assert_eq!(schedule::signer(&keys, Algorithm::RS256, 200).unwrap().kid, next.kid);
    assert_eq!(schedule::status(&keys, old, 1_000), KeyStatus::Retired);
    let changes = s.changes_since(seq, 10).await.unwrap();
    assert_eq!(
        changes.iter().map(|c| c.key.as_str()).collect::<Vec<_>>(),
        vec![next.kid.as_str()],
        "a rotation names the new key in the change feed"
    );
    assert_eq!(rotation_entries(s, &t.id).await, 1, "a rotation is audited");

    // The same generation again (a process that read before the rotation): nothing written.
    let late = KeyRecord::successor(&kek, &first, 101, 201).unwrap();
    assert!(!s.rotate_key(&late, 5_000).await.unwrap());
    let keys = s.keys_for_tenant(&t.id).await.unwrap();
    assert_eq!(keys.len(), 3);
    assert_eq!(
        keys.iter().find(|k| k.kid == first.kid).unwrap().retires_at,
        Some(1_000)
    );
    assert_eq!(rotation_entries(s, &t.id).await, 1, "a lost race is not audited");
    assert_eq!(s.changes_since(seq, 10).await.unwrap().len(), 1);

    // An emergency rotation over a key still waiting: every older key stops signing at the new
    // key's activation, so each retires at the earlier of its two retirement times.
    let now = KeyRecord::successor(&kek, back, 150, 150).unwrap();
    assert!(s.rotate_key(&now, 800).await.unwrap());
    let keys = s.keys_for_tenant(&t.id).await.unwrap();
    assert_eq!(keys.iter().find(|k| k.kid == next.kid).unwrap().retires_at, Some(800));
    assert_eq!(keys.iter().find(|k| k.kid == first.kid).unwrap().retires_at, Some(800));
    assert_eq!(schedule::signer(&keys, Algorithm::RS256, 150).unwrap().kid, now.kid);
}

pub async fn two_processes_rotating_at_once_add_one_key(f: Fixture) {
    let s = f.store.clone();
    let t = with_tenant(s.as_ref(), "racing").await;
    let other = f.reopen().await;
    let (kek, _) = Kek::generate().unwrap();
    let keys = s.keys_for_tenant(&t.id).await.unwrap();
    let first = schedule::newest(&keys, Algorithm::ES256).unwrap().clone();
    for round in 0..5 {
        let a = KeyRecord::successor(&kek, &first_or_newest(s.as_ref(), &t.id).await, 100 + round, 200).unwrap();
        let b = KeyRecord::successor(&kek, &first_or_newest(s.as_ref(), &t.id).await, 100 + round, 200).unwrap();
        assert_eq!(a.generation, b.generation);
        let (sa, sb) = (s.clone(), other.clone());
        let (ra, rb) = tokio::join!(
            tokio::spawn(async move { sa.rotate_key(&a, 1_000).await.unwrap() }),
            tokio::spawn(async move { sb.rotate_key(&b, 1_000).await.unwrap() }),
        );
        assert!(
            ra.unwrap() ^ rb.unwrap(),
            "round {round}: exactly one of two racing rotations adds its key"
        );
    }
    let keys = s.keys_for_tenant(&t.id).await.unwrap();
    let es: Vec<i64> = keys
        .iter()
        .filter(|k| k.alg == Algorithm::ES256)
        .map(|k| k.generation)
        .collect();
    assert_eq!(es, vec![0, 1, 2, 3, 4, 5]);
    assert_eq!(first.generation, 0);
    assert_eq!(rotation_entries(s.as_ref(), &t.id).await, 5);
}

async fn first_or_newest(s: &dyn gatehouse_core::Store, tenant: &str) -> KeyRecord {
    let keys = s.keys_for_tenant(tenant).await.unwrap();
    schedule::newest(&keys, Algorithm::ES256).unwrap().clone()
}
