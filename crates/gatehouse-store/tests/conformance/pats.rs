//! Conformance cases for personal access tokens: round trip by hash and by id, paging and
//! filters, update and revoke only while not revoked, last use written at most once per
//! interval, entitlements, and the PATs (and entitlement) deleted with their user in the same
//! transaction.

use gatehouse_core::model::{PatFilter, PersonalAccessToken, User};
use gatehouse_core::StoreError;

use super::{with_tenant, Fixture};

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

fn pat(u: &User, n: u8, valid_to: i64) -> PersonalAccessToken {
    PersonalAccessToken {
        // UUID v7 sorts by creation; a fixed prefix per n keeps the order of the test explicit.
        authorization_id: format!("0190{n:04x}-0000-7000-8000-{:012x}", n as u64),
        tenant_id: u.tenant_id.clone(),
        user_id: u.id.clone(),
        display_name: format!("pat {n}"),
        scopes: vec!["vso.code".into(), "vso.work_write".into()],
        token_hash: [n; 32],
        valid_from: 100,
        valid_to,
        revoked_at: None,
        last_used_at: None,
    }
}

async fn create(f: &Fixture, p: &PersonalAccessToken) {
    let mut uow = f.store.begin().await.unwrap();
    uow.create_pat(p).await.unwrap();
    uow.commit().await.unwrap();
}

pub async fn pats_round_trip_page_and_filter(f: Fixture) {
    let s = f.store.as_ref();
    let t = with_tenant(s, "pats").await;
    let ada = user(&t.id, "ada@pats");
    let bob = user(&t.id, "bob@pats");
    s.create_user(&ada).await.unwrap();
    s.create_user(&bob).await.unwrap();
    let (a1, a2, a3) = (pat(&ada, 1, 1000), pat(&ada, 2, 150), pat(&ada, 3, 1000));
    let b1 = pat(&bob, 4, 1000);
    for p in [&a1, &a2, &a3, &b1] {
        create(&f, p).await;
    }

    let found = s.pat_by_hash(&[1; 32]).await.unwrap().unwrap();
    assert_eq!(found.pat, a1);
    assert_eq!(found.user_principal_name, "ada@pats");
    assert!(found.account_enabled);
    assert!(s.pat_by_hash(&[9; 32]).await.unwrap().is_none());
    assert_eq!(
        s.pat_by_id(&t.id, &ada.id, &a1.authorization_id).await.unwrap(),
        Some(a1.clone())
    );
    // Another user's PAT is not found by id.
    assert_eq!(s.pat_by_id(&t.id, &bob.id, &a1.authorization_id).await.unwrap(), None);

    // A hash is unique: a second PAT with the same hash is a conflict.
    let mut dup = pat(&ada, 5, 1000);
    dup.token_hash = [1; 32];
    let mut uow = f.store.begin().await.unwrap();
    assert!(matches!(uow.create_pat(&dup).await, Err(StoreError::Conflict(_))));
    drop(uow);
    // A PAT of a user who does not exist is refused.
    let mut ghost = pat(&user(&t.id, "ghost@pats"), 6, 1000);
    ghost.token_hash = [6; 32];
    let mut uow = f.store.begin().await.unwrap();
    assert!(matches!(uow.create_pat(&ghost).await, Err(StoreError::NotFound(_))));
    drop(uow);

    // Paging: by authorization id, after the last one seen.
    let ids = |v: Vec<PersonalAccessToken>| v.into_iter().map(|p| p.authorization_id).collect::<Vec<_>>();
    let all = s.list_pats(&t.id, &ada.id, PatFilter::All, 200, None, 2).await.unwrap();
    assert_eq!(ids(all), vec![a1.authorization_id.clone(), a2.authorization_id.clone()]);
    let next = s
        .list_pats(&t.id, &ada.id, PatFilter::All, 200, Some(&a2.authorization_id), 2)
        .await
        .unwrap();
    assert_eq!(ids(next), vec![a3.authorization_id.clone()]);
    // Filters at now = 200: a2 expired at 150.
    let active = s
        .list_pats(&t.id, &ada.id, PatFilter::Active, 200, None, 10)
        .await
        .unwrap();
    assert_eq!(
        ids(active),
        vec![a1.authorization_id.clone(), a3.authorization_id.clone()]
    );
    let expired = s
        .list_pats(&t.id, &ada.id, PatFilter::Expired, 200, None, 10)
        .await
        .unwrap();
    assert_eq!(ids(expired), vec![a2.authorization_id.clone()]);

    // Update and revoke.
    let mut renamed = a1.clone();
    renamed.display_name = "renamed".into();
    renamed.scopes = vec!["vso.code_full".into()];
    renamed.valid_to = 5000;
    let mut uow = f.store.begin().await.unwrap();
    assert!(uow.update_pat(&renamed).await.unwrap());
    uow.commit().await.unwrap();
    assert_eq!(
        s.pat_by_id(&t.id, &ada.id, &a1.authorization_id).await.unwrap(),
        Some(renamed.clone())
    );

    let mut uow = f.store.begin().await.unwrap();
    assert!(
        !uow.revoke_pat(&t.id, &bob.id, &a1.authorization_id, 300).await.unwrap(),
        "not bob's"
    );
    assert!(uow.revoke_pat(&t.id, &ada.id, &a1.authorization_id, 300).await.unwrap());
    assert!(
        !uow.revoke_pat(&t.id, &ada.id, &a1.authorization_id, 301).await.unwrap(),
        "once"
    );
    assert!(!uow.update_pat(&renamed).await.unwrap(), "a revoked PAT is not updated");
    uow.commit().await.unwrap();
    let revoked = s
        .pat_by_id(&t.id, &ada.id, &a1.authorization_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(revoked.revoked_at, Some(300));
    let listed = s
        .list_pats(&t.id, &ada.id, PatFilter::Revoked, 400, None, 10)
        .await
        .unwrap();
    assert_eq!(ids(listed), vec![a1.authorization_id.clone()]);
    let active = s
        .list_pats(&t.id, &ada.id, PatFilter::Active, 400, None, 10)
        .await
        .unwrap();
    assert_eq!(ids(active), vec![a3.authorization_id.clone()]);
}

pub async fn pat_use_is_recorded_at_most_once_per_interval(f: Fixture) {
    let s = f.store.as_ref();
    let t = with_tenant(s, "pat-use").await;
    let ada = user(&t.id, "ada@use");
    s.create_user(&ada).await.unwrap();
    let p = pat(&ada, 1, 10_000);
    create(&f, &p).await;
    assert!(s.record_pat_use(&p.authorization_id, 1000, 60).await.unwrap());
    assert!(!s.record_pat_use(&p.authorization_id, 1030, 60).await.unwrap());
    let back = s.pat_by_id(&t.id, &ada.id, &p.authorization_id).await.unwrap().unwrap();
    assert_eq!(back.last_used_at, Some(1000));
    assert!(s.record_pat_use(&p.authorization_id, 1060, 60).await.unwrap());
    let back = s.pat_by_id(&t.id, &ada.id, &p.authorization_id).await.unwrap().unwrap();
    assert_eq!(back.last_used_at, Some(1060));
}

pub async fn pats_and_entitlements_die_with_their_user(f: Fixture) {
    let s = f.store.as_ref();
    let t = with_tenant(s, "pat-cascade").await;
    let ada = user(&t.id, "ada@cascade");
    let bob = user(&t.id, "bob@cascade");
    s.create_user(&ada).await.unwrap();
    s.create_user(&bob).await.unwrap();
    let (live, old) = (pat(&ada, 1, 10_000), pat(&ada, 2, 50));
    let theirs = pat(&bob, 3, 10_000);
    for p in [&live, &old, &theirs] {
        create(&f, p).await;
    }
    assert_eq!(s.pat_entitlement(&t.id, &ada.id).await.unwrap(), None);
    let mut uow = f.store.begin().await.unwrap();
    uow.set_pat_entitlement(&t.id, &ada.id, Some(&["vso.code".to_owned()]))
        .await
        .unwrap();
    uow.set_pat_entitlement(
        &t.id,
        &ada.id,
        Some(&["vso.code_write".to_owned(), "vso.work".to_owned()]),
    )
    .await
    .unwrap();
    uow.commit().await.unwrap();
    assert_eq!(
        s.pat_entitlement(&t.id, &ada.id).await.unwrap(),
        Some(vec!["vso.code_write".to_owned(), "vso.work".to_owned()])
    );

    // Rolled back: nothing goes.
    let mut uow = f.store.begin().await.unwrap();
    assert_eq!(
        uow.live_pats_of_user(&t.id, &ada.id, 100).await.unwrap(),
        vec![(live.authorization_id.clone(), 10_000)]
    );
    uow.delete_user(&t.id, &ada.id).await.unwrap().unwrap();
    drop(uow);
    assert!(s.pat_by_hash(&[1; 32]).await.unwrap().is_some());

    let mut uow = f.store.begin().await.unwrap();
    uow.delete_user(&t.id, &ada.id).await.unwrap().unwrap();
    uow.commit().await.unwrap();
    assert!(s.pat_by_hash(&[1; 32]).await.unwrap().is_none());
    assert!(s.pat_by_hash(&[2; 32]).await.unwrap().is_none());
    assert_eq!(s.pat_entitlement(&t.id, &ada.id).await.unwrap(), None);
    assert!(s
        .list_pats(&t.id, &ada.id, PatFilter::All, 0, None, 10)
        .await
        .unwrap()
        .is_empty());
    // Bob's PAT stays.
    assert!(s.pat_by_hash(&[3; 32]).await.unwrap().is_some());

    // A disabled user's PAT is found with account_enabled false (check refuses it).
    let mut off = bob.clone();
    off.account_enabled = false;
    s.update_user(&off).await.unwrap();
    assert!(!s.pat_by_hash(&[3; 32]).await.unwrap().unwrap().account_enabled);
}
