//! Conformance cases for the unit of work: all or nothing, and concurrent units of work commit
//! one after the other with their change-feed and revocation numbers in commit order.

use std::time::Duration;

use gatehouse_core::model::{RefreshFamily, RefreshToken, RevocationKind, User};
use gatehouse_core::StoreError;

use super::{app, secret, with_tenant, Fixture};

fn user(tenant_id: &str, upn: &str) -> User {
    User {
        id: uuid::Uuid::new_v4().to_string(),
        tenant_id: tenant_id.into(),
        user_principal_name: upn.into(),
        display_name: "Ada".into(),
        password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into(),
        account_enabled: true,
        password_change_required: false,
        created_at: 5,
    }
}

fn family(tenant_id: &str, user_id: &str, byte: u8) -> (RefreshFamily, RefreshToken) {
    let f = RefreshFamily {
        id: uuid::Uuid::new_v4().to_string(),
        tenant_id: tenant_id.into(),
        client_id: "app-a".into(),
        user_id: user_id.into(),
        scope: "openid offline_access".into(),
        created_at: 10,
        expires_at: 10_000,
        revoked: false,
    };
    let t = RefreshToken {
        token_hash: [byte; 32],
        family_id: f.id.clone(),
        used: false,
        created_at: 10,
    };
    (f, t)
}

pub async fn a_failed_unit_of_work_leaves_nothing_behind(f: Fixture) {
    let s = f.store.as_ref();
    let t = with_tenant(s, "atomic").await;
    let (a, sp) = app(&t, "existing", &["api://taken"]);
    s.create_application(&a, &sp).await.unwrap();
    let ada = user(&t.id, "ada@atomic");
    s.create_user(&ada).await.unwrap();
    let (fam, tok) = family(&t.id, &ada.id, 7);
    s.create_refresh_family(&fam, &tok).await.unwrap();
    let revocation_before = s.revoke(&t.id, RevocationKind::Uti, "before", 1_000).await.unwrap();
    let changes_before = s.change_seq().await.unwrap();

    for how in ["a failing write", "an explicit rollback", "a drop"] {
        let mut uow = s.begin().await.unwrap();
        let (b, spb) = app(&t, "new", &["api://new"]);
        uow.create_application(&b, &spb).await.unwrap();
        uow.add_secret(&t.id, &secret(&a, 3)).await.unwrap();
        uow.create_user(&user(&t.id, "bob@atomic")).await.unwrap();
        let revoked = uow.delete_user(&t.id, &ada.id).await.unwrap().expect("ada exists");
        assert_eq!(revoked, vec![(fam.id.clone(), fam.expires_at)]);
        uow.revoke(&t.id, RevocationKind::Sid, &fam.id, fam.expires_at)
            .await
            .unwrap();
        uow.grant_consent(&t.id, "*", "app-b", &["openid".to_owned()], 5)
            .await
            .unwrap();
        match how {
            "a failing write" => {
                let (c, spc) = app(&t, "clash", &["api://taken"]);
                assert!(matches!(
                    uow.create_application(&c, &spc).await,
                    Err(StoreError::Conflict(_))
                ));
                drop(uow);
            }
            "an explicit rollback" => uow.rollback().await.unwrap(),
            _ => drop(uow),
        }

        assert_eq!(s.application_by_app_id(&t.id, &b.app_id).await.unwrap(), None, "{how}");
        assert_eq!(s.list_secrets(&a.id).await.unwrap(), vec![], "{how}");
        assert_eq!(s.user_by_upn(&t.id, "bob@atomic").await.unwrap(), None, "{how}");
        assert_eq!(s.user_by_id(&t.id, &ada.id).await.unwrap(), Some(ada.clone()), "{how}");
        let (_, still) = s.refresh_token_by_hash(&[7; 32]).await.unwrap().unwrap();
        assert!(!still.revoked, "{how}: the family is not revoked");
        assert!(
            s.consented_scopes(&t.id, "*", "app-b").await.unwrap().is_empty(),
            "{how}"
        );
        assert!(!s.is_revoked(&t.id, Some(&fam.id), None).await.unwrap(), "{how}");
        assert_eq!(
            s.change_seq().await.unwrap(),
            changes_before,
            "{how}: change counter unmoved"
        );
        assert!(
            s.changes_since(changes_before, 100).await.unwrap().is_empty(),
            "{how}: no change-feed entry"
        );
    }
    let revocation_after = s.revoke(&t.id, RevocationKind::Uti, "after", 1_000).await.unwrap();
    assert_eq!(
        revocation_after,
        revocation_before + 1,
        "no revocation number was used by the rolled-back units of work"
    );

    let mut uow = s.begin().await.unwrap();
    let revoked = uow.delete_user(&t.id, &ada.id).await.unwrap().unwrap();
    for (sid, exp) in &revoked {
        uow.revoke(&t.id, RevocationKind::Sid, sid, *exp).await.unwrap();
    }
    uow.commit().await.unwrap();
    assert_eq!(
        s.user_by_id(&t.id, &ada.id).await.unwrap(),
        None,
        "a committed unit of work stays"
    );
    assert!(s.is_revoked(&t.id, Some(&fam.id), None).await.unwrap());
}

pub async fn concurrent_units_of_work_commit_in_order(f: Fixture) {
    let s = f.store.clone();
    let t = with_tenant(s.as_ref(), "order").await;
    let before = s.change_seq().await.unwrap();

    // The first holds the revocation counter until it commits; the second must wait for it.
    let mut first = s.begin().await.unwrap();
    let (a1, sp1) = app(&t, "first", &["api://first"]);
    first.create_application(&a1, &sp1).await.unwrap();
    let r1 = first.revoke(&t.id, RevocationKind::Uti, "first", 1_000).await.unwrap();
    let (a2, sp2) = app(&t, "second", &["api://second"]);
    let (store, tenant_id, a2c, sp2c) = (s.clone(), t.id.clone(), a2.clone(), sp2.clone());
    let second = tokio::spawn(async move {
        let mut uow = store.begin().await.unwrap();
        uow.create_application(&a2c, &sp2c).await.unwrap();
        let r2 = uow
            .revoke(&tenant_id, RevocationKind::Uti, "second", 1_000)
            .await
            .unwrap();
        uow.commit().await.unwrap();
        r2
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!second.is_finished(), "the second waits while the first is open");
    first.commit().await.unwrap();
    let r2 = tokio::time::timeout(Duration::from_secs(20), second)
        .await
        .expect("the second commits once the first did")
        .unwrap();
    assert!(r1 < r2, "revocation numbers in commit order");

    let changes = s.changes_since(before, 100).await.unwrap();
    let seqs: Vec<i64> = changes.iter().map(|c| c.seq).collect();
    assert_eq!(seqs, (before + 1..=before + 4).collect::<Vec<_>>(), "dense, in order");
    let keys: Vec<&str> = changes.iter().map(|c| c.key.as_str()).collect();
    let pos = |k: &str| keys.iter().position(|x| *x == k).unwrap();
    assert!(pos(&a1.app_id) < pos(&a2.app_id), "{keys:?}");
    assert!(
        pos("api://first") < pos(&a2.app_id),
        "one unit's entries are contiguous: {keys:?}"
    );
    assert!(pos("api://first") < pos("api://second"), "{keys:?}");
    assert_eq!(s.change_seq().await.unwrap(), before + 4);
    assert!(s.application_by_app_id(&t.id, &a1.app_id).await.unwrap().is_some());
    assert!(s.application_by_app_id(&t.id, &a2.app_id).await.unwrap().is_some());
}

pub async fn many_concurrent_units_of_work_agree_on_one_order(f: Fixture) {
    let t = with_tenant(f.store.as_ref(), "many").await;
    let before = f.store.change_seq().await.unwrap();
    let mut tasks = Vec::new();
    for i in 0..8 {
        let (s, t) = (f.store.clone(), t.clone());
        tasks.push(tokio::spawn(async move {
            let uri = format!("api://app{i}");
            let (a, sp) = app(&t, &format!("app{i}"), &[uri.as_str()]);
            let mut uow = s.begin().await.unwrap();
            uow.create_application(&a, &sp).await.unwrap();
            let r = uow
                .revoke(&t.id, RevocationKind::Uti, &format!("u{i}"), 1_000)
                .await
                .unwrap();
            uow.commit().await.unwrap();
            (r, a.app_id)
        }));
    }
    let mut done = Vec::new();
    for task in tasks {
        done.push(task.await.unwrap());
    }
    done.sort();
    let changes = f.store.changes_since(before, 100).await.unwrap();
    assert_eq!(changes.len(), 16, "two entries per unit of work");
    assert_eq!(changes.last().unwrap().seq, before + 16);
    let app_order: Vec<&str> = changes
        .iter()
        .filter(|c| c.kind == gatehouse_core::store::ChangeKind::App)
        .map(|c| c.key.as_str())
        .collect();
    let by_revocation: Vec<&str> = done.iter().map(|(_, a)| a.as_str()).collect();
    assert_eq!(
        app_order, by_revocation,
        "both counters saw the units of work in the same order"
    );
}

/// A request whose client goes away while its unit of work begins is dropped at whatever await
/// it had reached. None of those points may leave a pooled connection inside a transaction
/// (with SQLite, holding the write lock): every later write on it would fail, and after a few
/// such requests every write of the server would. Found by the shared scale script, whose
/// client gives up after 2 s while first tokens wait on writes.
pub async fn a_unit_of_work_dropped_while_it_begins_leaves_the_pool_usable(f: Fixture) {
    use std::task::Poll;
    let s = f.store.as_ref();
    let t = with_tenant(s, "cancelled").await;
    for round in 0..3u64 {
        for polls in 1..8u64 {
            let mut begin = s.begin();
            for _ in 0..polls {
                let ready = std::future::poll_fn(|cx| Poll::Ready(begin.as_mut().poll(cx).is_ready())).await;
                if ready {
                    break;
                }
                // Let the connection's worker move on (run the BEGIN, answer it) before the
                // next poll or the drop.
                tokio::time::sleep(Duration::from_millis(1 + round)).await;
            }
            drop(begin);
        }
    }
    // More writes, each its own unit of work, than the pool has connections: every connection
    // is used again and none may refuse to begin.
    for i in 0..24 {
        let (a, sp) = app(&t, &format!("after-{i}"), &[]);
        tokio::time::timeout(Duration::from_secs(20), s.create_application(&a, &sp))
            .await
            .unwrap_or_else(|_| panic!("write {i} waited 20 s: a dropped unit of work kept the write lock"))
            .unwrap_or_else(|e| panic!("write {i} after dropped units of work: {e}"));
    }
}
