//! The audit log: every change writes its entry in its own transaction, by the handle's actor;
//! a change without an actor does not happen; the chain verifies, and finds what an intruder
//! with database access edited, deleted, inserted or reordered.

use gatehouse_core::audit::{Audit, Break, Verified};
use gatehouse_core::model::{ActorKind, AuditEntry, AuditQuery, SignInEvent, User};
use gatehouse_core::store::StoreError;
use gatehouse_core::Store;
use gatehouse_testkit::tamper;

use super::{app, secret, tester, with_tenant, Fixture};

fn user(tenant_id: &str, upn: &str) -> User {
    User {
        id: uuid::Uuid::new_v4().to_string(),
        tenant_id: tenant_id.into(),
        user_principal_name: upn.into(),
        display_name: upn.into(),
        password_hash: "$argon2id$x".into(),
        account_enabled: true,
        password_change_required: false,
        created_at: 3,
    }
}

async fn chain(s: &dyn Store) -> Vec<AuditEntry> {
    s.audit_chain(0, 10_000).await.unwrap()
}

async fn verified(f: &Fixture) -> Verified {
    Audit::new(f.reopen().await).verify(|_, _| {}).await.unwrap()
}

/// Six audited changes: tenant (and its 2 keys), app, secret, user.
async fn six_changes(f: &Fixture) -> Vec<AuditEntry> {
    let s = f.store.as_ref();
    let t = with_tenant(s, "audited").await;
    let (a, sp) = app(&t, "orders", &[]);
    s.create_application(&a, &sp).await.unwrap();
    s.add_secret(&t.id, &secret(&a, 1)).await.unwrap();
    s.create_user(&user(&t.id, "ada@audited")).await.unwrap();
    chain(s).await
}

pub async fn every_change_is_audited_with_its_actor(f: Fixture) {
    let entries = six_changes(&f).await;
    let actions: Vec<&str> = entries.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        vec![
            "tenant.create",
            "signingKey.add",
            "signingKey.add",
            "application.create",
            "secret.add",
            "user.create"
        ]
    );
    for (i, e) in entries.iter().enumerate() {
        assert_eq!(e.seq, i as i64 + 1, "numbered with no gaps");
        assert_eq!(e.actor, tester());
        assert_eq!(e.result, "success");
        assert!(e.at_ms > 1_600_000_000_000, "a real UTC time in ms");
    }
    assert_eq!(entries[3].target_name, "orders");
    assert_eq!(entries[5].target_name, "ada@audited");
    let head = f.store.audit_head().await.unwrap();
    assert_eq!(head, (6, entries[5].hash));
    assert_eq!(
        verified(&f).await,
        Verified::Intact {
            entries: 6,
            head: entries[5].hash
        }
    );
}

pub async fn a_change_without_an_actor_does_not_happen(f: Fixture) {
    let t = with_tenant(f.store.as_ref(), "anon").await;
    let before = chain(f.store.as_ref()).await.len();
    let anonymous = gatehouse_store::open(&f.reopen_url).await.unwrap();
    let u = user(&t.id, "nobody@anon");
    let refused = anonymous.create_user(&u).await;
    assert!(matches!(refused, Err(StoreError::Unaudited(_))), "{refused:?}");
    assert_eq!(
        anonymous.user_by_id(&t.id, &u.id).await.unwrap(),
        None,
        "nothing was written"
    );
    let mut uow = anonymous.begin().await.unwrap();
    uow.create_user(&u).await.unwrap();
    assert!(matches!(uow.commit().await, Err(StoreError::Unaudited(_))));
    assert_eq!(anonymous.user_by_id(&t.id, &u.id).await.unwrap(), None);
    assert_eq!(chain(f.store.as_ref()).await.len(), before);
    // Reading, and token state, need no actor.
    assert!(anonymous.tenant_by_id(&t.id).await.unwrap().is_some());
}

pub async fn a_failed_change_leaves_no_audit_entry(f: Fixture) {
    let s = f.store.as_ref();
    let t = with_tenant(s, "failed").await;
    let u = user(&t.id, "ada@failed");
    s.create_user(&u).await.unwrap();
    let before = chain(s).await.len();
    assert!(matches!(s.create_user(&u).await, Err(StoreError::Conflict(_))));
    let mut uow = s.begin().await.unwrap();
    uow.create_user(&user(&t.id, "rolled@failed")).await.unwrap();
    drop(uow);
    assert_eq!(chain(s).await.len(), before, "no entry for what did not happen");
    assert!(matches!(verified(&f).await, Verified::Intact { .. }));
}

pub async fn sign_in_results_are_audited_as_the_person_who_tried(f: Fixture) {
    let s = f.store.as_ref();
    let t = with_tenant(s, "signin").await;
    let anonymous = gatehouse_store::open(&f.reopen_url).await.unwrap();
    for (success, result) in [(false, "invalid_credentials"), (true, "ok")] {
        anonymous
            .record_sign_in(&SignInEvent {
                id: uuid::Uuid::new_v4().to_string(),
                tenant_id: t.id.clone(),
                at: 5,
                user_principal_name: "ada@signin".into(),
                user_id: Some("u-1".into()),
                success,
                result: result.into(),
                source: Some("203.0.113.9".into()),
            })
            .await
            .unwrap();
    }
    let q = AuditQuery {
        action: Some("signIn.".into()),
        limit: 10,
        ..Default::default()
    };
    let got = s.audit_entries(&q).await.unwrap();
    assert_eq!(got.len(), 2);
    assert_eq!(got[0].action, "signIn.failure");
    assert_eq!(got[0].result, "invalid_credentials");
    assert_eq!(got[1].action, "signIn.success");
    assert_eq!(got[0].actor.kind, ActorKind::User);
    assert_eq!(got[0].actor.name, "ada@signin");
    assert_eq!(got[0].actor.origin.as_deref(), Some("203.0.113.9"));
}

pub async fn audit_queries_filter_by_tenant_actor_action_and_time(f: Fixture) {
    let entries = six_changes(&f).await;
    let s = f.store.as_ref();
    let tenant_id = entries[0].tenant_id.clone();
    let q = |edit: &dyn Fn(&mut AuditQuery)| {
        let mut q = AuditQuery {
            limit: 100,
            ..Default::default()
        };
        edit(&mut q);
        q
    };
    let n = |v: Vec<AuditEntry>| v.len();
    assert_eq!(
        n(s.audit_entries(&q(&|q| q.tenant_id = Some(tenant_id.clone())))
            .await
            .unwrap()),
        6
    );
    assert_eq!(
        n(s.audit_entries(&q(&|q| q.tenant_id = Some("other".into())))
            .await
            .unwrap()),
        0
    );
    assert_eq!(
        n(s.audit_entries(&q(&|q| q.actor = Some("tester@conformance".into())))
            .await
            .unwrap()),
        6
    );
    assert_eq!(
        n(s.audit_entries(&q(&|q| q.actor = Some("mallory".into())))
            .await
            .unwrap()),
        0
    );
    assert_eq!(
        n(s.audit_entries(&q(&|q| q.action = Some("signingKey.add".into())))
            .await
            .unwrap()),
        2
    );
    assert_eq!(
        n(s.audit_entries(&q(&|q| q.action = Some("application.".into())))
            .await
            .unwrap()),
        1
    );
    let at = entries[0].at_ms;
    assert_eq!(n(s.audit_entries(&q(&|q| q.to_ms = Some(at))).await.unwrap()), 0);
    assert_eq!(n(s.audit_entries(&q(&|q| q.from_ms = Some(at))).await.unwrap()), 6);
    let page = s
        .audit_entries(&q(&|q| {
            q.after_seq = 2;
            q.limit = 2;
        }))
        .await
        .unwrap();
    assert_eq!(page.iter().map(|e| e.seq).collect::<Vec<_>>(), vec![3, 4]);
}

pub async fn the_audit_table_refuses_updates_and_deletes(f: Fixture) {
    six_changes(&f).await;
    let edit = tamper::try_run(&f.reopen_url, "UPDATE audit_log SET actor_name = 'x' WHERE seq = 2").await;
    assert!(edit.unwrap_err().contains("append-only"));
    let delete = tamper::try_run(&f.reopen_url, "DELETE FROM audit_log WHERE seq = 2").await;
    assert!(delete.unwrap_err().contains("append-only"));
    assert!(matches!(verified(&f).await, Verified::Intact { entries: 6, .. }));
}

pub async fn verify_names_an_edited_entry(f: Fixture) {
    six_changes(&f).await;
    tamper::run(
        &f.reopen_url,
        &["UPDATE audit_log SET actor_name = 'someone else' WHERE seq = 4"],
    )
    .await;
    assert_eq!(verified(&f).await, Verified::Broken(Break::Altered { seq: 4 }));
}

pub async fn verify_names_a_deleted_entry(f: Fixture) {
    six_changes(&f).await;
    tamper::run(&f.reopen_url, &["DELETE FROM audit_log WHERE seq = 3"]).await;
    assert_eq!(verified(&f).await, Verified::Broken(Break::Missing { from: 3, to: 3 }));
    tamper::run(&f.reopen_url, &["DELETE FROM audit_log WHERE seq >= 5"]).await;
    let after = verified(&f).await;
    assert_eq!(
        after,
        Verified::Broken(Break::Missing { from: 3, to: 3 }),
        "the first break is named"
    );
}

pub async fn verify_finds_deleted_newest_entries(f: Fixture) {
    six_changes(&f).await;
    tamper::run(&f.reopen_url, &["DELETE FROM audit_log WHERE seq = 6"]).await;
    assert_eq!(
        verified(&f).await,
        Verified::Broken(Break::Truncated {
            last_seq: 5,
            head_seq: 6
        })
    );
}

pub async fn verify_names_reordered_entries(f: Fixture) {
    six_changes(&f).await;
    tamper::run(
        &f.reopen_url,
        &[
            "UPDATE audit_log SET seq = 1000 WHERE seq = 2",
            "UPDATE audit_log SET seq = 2 WHERE seq = 4",
            "UPDATE audit_log SET seq = 4 WHERE seq = 1000",
        ],
    )
    .await;
    assert_eq!(verified(&f).await, Verified::Broken(Break::Altered { seq: 2 }));
}

pub async fn verify_names_an_inserted_entry(f: Fixture) {
    let entries = six_changes(&f).await;
    // A forged entry 7, linked to 6 with a correct hash (the algorithm is public): only the
    // head, written in the same transaction as every real entry, says it does not belong.
    let mut forged = entries[5].clone();
    forged.seq = 7;
    forged.action = "user.delete".into();
    forged.prev_hash = entries[5].hash;
    forged.hash = gatehouse_core::audit::entry_hash(&forged);
    let hex = gatehouse_core::audit::hex;
    let blob = |h: &[u8; 32]| {
        if f.store.backend() == "sqlite" {
            format!("X'{}'", hex(h))
        } else {
            format!("'\\x{}'::bytea", hex(h))
        }
    };
    let sql = format!(
        "INSERT INTO audit_log (seq, at_ms, tenant_id, actor_kind, actor_id, actor_name, origin, action, target_kind, target_id, target_name, result, prev_hash, hash) \
         VALUES (7, {}, '{}', 'operator', 'tester', 'tester@conformance', NULL, 'user.delete', '{}', '{}', '{}', 'success', {}, {})",
        forged.at_ms,
        forged.tenant_id,
        forged.target_kind,
        forged.target_id,
        forged.target_name,
        blob(&forged.prev_hash),
        blob(&forged.hash)
    );
    tamper::run(&f.reopen_url, &[&sql]).await;
    assert_eq!(
        verified(&f).await,
        Verified::Broken(Break::PastHead { seq: 7, head_seq: 6 })
    );
}
