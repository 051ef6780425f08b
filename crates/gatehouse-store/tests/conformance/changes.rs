//! Conformance cases for the change feed: every cache-relevant write names what it changed,
//! numbers are dense and in order, nothing else appends, and the window is bounded.

use gatehouse_core::model::{AppRoleAssignment as Assignment, RevocationKind};
use gatehouse_core::store::{Change, ChangeKind};
use gatehouse_core::Store;
use gatehouse_keys::{Algorithm, Kek, KeyRecord};

use super::{app, secret, tester, with_tenant, Fixture};

/// The entries after `since` as (kind, tenant, key), checking they are numbered `since + 1..`.
async fn named(s: &dyn Store, since: &mut i64) -> Vec<(ChangeKind, String, String)> {
    let changes: Vec<Change> = s.changes_since(*since, 1000).await.unwrap();
    for (i, c) in changes.iter().enumerate() {
        assert_eq!(c.seq, *since + 1 + i as i64, "dense numbers: {changes:?}");
    }
    if let Some(last) = changes.last() {
        *since = last.seq;
    }
    assert_eq!(s.change_seq().await.unwrap(), *since, "change_seq is the newest entry");
    let mut out: Vec<_> = changes.into_iter().map(|c| (c.kind, c.tenant_id, c.key)).collect();
    out.sort_by(|a, b| (a.0.as_str(), &a.2).cmp(&(b.0.as_str(), &b.2)));
    out
}

fn e(kind: ChangeKind, tenant: &str, key: &str) -> (ChangeKind, String, String) {
    (kind, tenant.to_owned(), key.to_owned())
}

pub async fn every_cache_write_names_what_it_changed(f: Fixture) {
    use ChangeKind::*;
    let s = f.store.as_ref();
    let mut since = s.change_seq().await.unwrap();
    let t = with_tenant(s, "named").await;
    let kids: Vec<String> = s
        .keys_for_tenant(&t.id)
        .await
        .unwrap()
        .into_iter()
        .map(|k| k.kid)
        .collect();
    let mut expected = vec![e(Tenant, &t.id, "named")];
    expected.extend(kids.iter().map(|k| e(SigningKey, &t.id, k)));
    expected.sort_by(|a, b| (a.0.as_str(), &a.2).cmp(&(b.0.as_str(), &b.2)));
    assert_eq!(named(s, &mut since).await, expected, "create_tenant");

    let (api, api_sp) = app(&t, "api", &["api://one", "api://two"]);
    s.create_application(&api, &api_sp).await.unwrap();
    assert_eq!(
        named(s, &mut since).await,
        vec![
            e(App, &t.id, &api.app_id),
            e(IdentifierUri, &t.id, "api://one"),
            e(IdentifierUri, &t.id, "api://two")
        ],
        "create_application"
    );
    let (client, client_sp) = app(&t, "client", &[]);
    s.create_application(&client, &client_sp).await.unwrap();
    assert_eq!(named(s, &mut since).await, vec![e(App, &t.id, &client.app_id)]);

    let sec = secret(&client, 4);
    s.add_secret(&t.id, &sec).await.unwrap();
    assert_eq!(
        named(s, &mut since).await,
        vec![e(Secret, &t.id, &client.app_id)],
        "add_secret"
    );
    assert!(s.remove_secret(&t.id, &client.id, &sec.key_id).await.unwrap());
    assert_eq!(
        named(s, &mut since).await,
        vec![e(Secret, &t.id, &client.app_id)],
        "remove_secret"
    );
    assert!(!s.remove_secret(&t.id, &client.id, &sec.key_id).await.unwrap());
    assert_eq!(named(s, &mut since).await, vec![], "removing nothing changes nothing");

    let pair = format!("{}|{}", client_sp.id, api.id);
    let ra = Assignment {
        id: uuid::Uuid::new_v4().to_string(),
        tenant_id: t.id.clone(),
        principal_id: client_sp.id.clone(),
        resource_id: api.id.clone(),
        app_role_id: api.app_roles[0].id.clone(),
        created_at: 3,
    };
    s.add_role_assignment(&ra).await.unwrap();
    assert_eq!(
        named(s, &mut since).await,
        vec![e(AppRoleAssignment, &t.id, &pair)],
        "add_role_assignment"
    );
    assert!(s.remove_role_assignment(&t.id, &ra.id).await.unwrap());
    assert_eq!(
        named(s, &mut since).await,
        vec![e(AppRoleAssignment, &t.id, &pair)],
        "remove_role_assignment"
    );
    s.add_role_assignment(&Assignment {
        id: "again".into(),
        ..ra.clone()
    })
    .await
    .unwrap();
    named(s, &mut since).await;

    let mut renamed = api.clone();
    renamed.identifier_uris = vec!["api://two".into(), "api://three".into()];
    s.update_application(&renamed).await.unwrap();
    assert_eq!(
        named(s, &mut since).await,
        vec![
            e(App, &t.id, &api.app_id),
            e(IdentifierUri, &t.id, "api://one"),
            e(IdentifierUri, &t.id, "api://three"),
            e(IdentifierUri, &t.id, "api://two"),
        ],
        "update_application names the URIs it lost and gained"
    );

    let (kek, _) = Kek::generate().unwrap();
    let (mut key, _) = KeyRecord::generate(&kek, &t.id, Algorithm::ES256, 9).unwrap();
    key.generation = 1;
    s.add_key(&key).await.unwrap();
    assert_eq!(
        named(s, &mut since).await,
        vec![e(SigningKey, &t.id, &key.kid)],
        "add_key"
    );

    // Users, consent, sessions and revocations are in no cache.
    let items = ["openid".to_owned()];
    s.grant_consent(&t.id, "*", &client.app_id, &items, 5).await.unwrap();
    s.revoke_tenant_consent(&t.id, &client.app_id).await.unwrap();
    s.revoke(&t.id, RevocationKind::Uti, "x", 1_000).await.unwrap();
    assert_eq!(
        named(s, &mut since).await,
        vec![],
        "consent and revocations append nothing"
    );

    assert!(s.delete_application(&t.id, &api.app_id).await.unwrap());
    assert_eq!(
        named(s, &mut since).await,
        vec![
            e(App, &t.id, &api.app_id),
            e(AppRoleAssignment, &t.id, &pair),
            e(IdentifierUri, &t.id, "api://three"),
            e(IdentifierUri, &t.id, "api://two"),
        ],
        "delete_application names its URIs and the assignments it took with it"
    );
    assert!(!s.delete_application(&t.id, &api.app_id).await.unwrap());
    assert_eq!(named(s, &mut since).await, vec![]);
    assert_eq!(s.changes_since(0, 2).await.unwrap().len(), 2, "limit applies");
}

pub async fn the_change_feed_keeps_a_bounded_window(f: Fixture) {
    let small = gatehouse_store::open_with(&f.reopen_url, gatehouse_store::StoreOptions { changes_retained: 3 })
        .await
        .unwrap()
        .with_actor(tester());
    let t = with_tenant(small.as_ref(), "window").await; // 3 entries: tenant, 2 keys
    for i in 0..4 {
        let (a, sp) = app(&t, &format!("w{i}"), &[]);
        small.create_application(&a, &sp).await.unwrap();
    }
    let head = small.change_seq().await.unwrap();
    let kept = f.store.changes_since(0, 100).await.unwrap();
    assert_eq!(
        kept.iter().map(|c| c.seq).collect::<Vec<_>>(),
        vec![head - 2, head - 1, head],
        "only the newest entries are kept"
    );
    assert!(kept[0].seq > 1, "a reader at 0 sees a hole and knows it fell behind");
}
