//! Conformance cases for access-token formats of APIs and opaque-token records: an audited
//! upsert naming the API in the change feed, first-writer-wins without `replace`, lookup by key
//! id, the row going with its application, records by hash, and purge of expired records.

use gatehouse_core::model::{ActorKind, ApiTokenFormat, ReferenceRecord, TokenFormat};
use gatehouse_core::store::{ChangeKind, StoreError};

use super::{app, with_tenant, Fixture};

fn encrypted(tenant: &str, app_id: &str, kid: &str, sealed: Option<Vec<u8>>) -> ApiTokenFormat {
    ApiTokenFormat {
        tenant_id: tenant.into(),
        app_id: app_id.into(),
        format: TokenFormat::Encrypted,
        key_id: Some(kid.into()),
        public_key: Some(vec![0x30, 1, 2, 3]),
        sealed_private_key: sealed,
        updated_at: 7,
    }
}

pub async fn token_formats_round_trip_audited_and_follow_their_api(f: Fixture) {
    let s = f.store.as_ref();
    let t = with_tenant(s, "formats").await;
    let (a, sp) = app(&t, "orders", &["api://orders"]);
    s.create_application(&a, &sp).await.unwrap();
    assert_eq!(s.token_format(&t.id, &a.app_id).await.unwrap(), None);

    let before = s.change_seq().await.unwrap();
    let first = encrypted(&t.id, &a.app_id, "kid-1", Some(vec![9, 9]));
    assert!(s.put_token_format(&first, true).await.unwrap());
    assert_eq!(s.token_format(&t.id, &a.app_id).await.unwrap(), Some(first.clone()));
    let changes = s.changes_since(before, 10).await.unwrap();
    assert_eq!(
        changes.iter().map(|c| (c.kind, c.key.as_str())).collect::<Vec<_>>(),
        vec![(ChangeKind::App, a.app_id.as_str())],
        "a format change names the API, so caches drop it"
    );
    let audit = s.audit_chain(0, 1000).await.unwrap();
    let last = audit.last().unwrap();
    assert_eq!(last.action, "tokenFormat.set");
    assert_eq!(last.target_id, a.app_id);
    assert_eq!(last.actor.kind, ActorKind::Operator);

    // Without `replace` the first writer wins (and nothing is audited or announced).
    let seq = s.change_seq().await.unwrap();
    let audited = s.audit_count().await.unwrap();
    let second = encrypted(&t.id, &a.app_id, "kid-2", None);
    assert!(!s.put_token_format(&second, false).await.unwrap());
    assert_eq!(s.token_format(&t.id, &a.app_id).await.unwrap(), Some(first.clone()));
    assert_eq!(s.change_seq().await.unwrap(), seq);
    assert_eq!(s.audit_count().await.unwrap(), audited);
    // With it, the row is replaced: now opaque, the key gone.
    let opaque = ApiTokenFormat {
        format: TokenFormat::Opaque,
        key_id: None,
        public_key: None,
        sealed_private_key: None,
        ..first.clone()
    };
    assert!(s.put_token_format(&opaque, true).await.unwrap());
    assert_eq!(s.token_format(&t.id, &a.app_id).await.unwrap(), Some(opaque));

    // By key id, within the tenant only.
    let builtin = encrypted(&t.id, "0f2e5ab4-6d4e-4c63-9f55-7e0c3c5a1d01", "kid-dc", Some(vec![1]));
    assert!(s.put_token_format(&builtin, false).await.unwrap());
    assert_eq!(
        s.token_format_by_key_id(&t.id, "kid-dc").await.unwrap(),
        Some(builtin.clone())
    );
    let other = with_tenant(s, "formats-other").await;
    assert_eq!(s.token_format_by_key_id(&other.id, "kid-dc").await.unwrap(), None);
    assert_eq!(s.token_format(&other.id, &builtin.app_id).await.unwrap(), None);

    // Deleting the API deletes its format; a handle without an actor cannot write one.
    assert!(s.delete_application(&t.id, &a.app_id).await.unwrap());
    assert_eq!(s.token_format(&t.id, &a.app_id).await.unwrap(), None);
    let anonymous = gatehouse_store::open(&f.reopen_url).await.unwrap();
    assert!(matches!(
        anonymous.put_token_format(&first, true).await,
        Err(StoreError::Unaudited(_))
    ));
}

pub async fn reference_tokens_are_found_by_hash_and_purged_when_expired(f: Fixture) {
    let s = f.store.as_ref();
    let t = with_tenant(s, "references").await;
    let record = |byte: u8, exp: i64| ReferenceRecord {
        token_hash: [byte; 32],
        tenant_id: t.id.clone(),
        uti: format!("uti-{byte}"),
        claims: format!(r#"{{"uti":"uti-{byte}","exp":{exp}}}"#),
        expires_at: exp,
    };
    s.insert_reference_token(&record(1, 100)).await.unwrap();
    s.insert_reference_token(&record(2, 1000)).await.unwrap();
    assert!(matches!(
        s.insert_reference_token(&record(2, 1000)).await,
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(s.reference_token(&[1; 32]).await.unwrap(), Some(record(1, 100)));
    assert_eq!(s.reference_token(&[3; 32]).await.unwrap(), None);
    // Issuance-time state, like refresh tokens: written without an actor.
    let anonymous = gatehouse_store::open(&f.reopen_url).await.unwrap();
    anonymous.insert_reference_token(&record(4, 1000)).await.unwrap();

    let report = s.purge(500, None).await.unwrap();
    assert_eq!(report.reference_tokens, 1);
    assert_eq!(s.reference_token(&[1; 32]).await.unwrap(), None);
    assert_eq!(s.reference_token(&[2; 32]).await.unwrap(), Some(record(2, 1000)));
}
