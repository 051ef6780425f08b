//! Conformance cases for users, device codes and refresh-token families.

use gatehouse_core::model::{DeviceCode, DeviceCodeState, RefreshFamily, RefreshToken, User};
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

pub async fn users_round_trip(f: Fixture) {
    let s = f.store.as_ref();
    let t = with_tenant(s, "people").await;
    let other = with_tenant(s, "others").await;
    let ada = user(&t.id, "ada@people");
    s.create_user(&ada).await.unwrap();
    assert!(
        matches!(
            s.create_user(&user(&t.id, "ada@people")).await,
            Err(StoreError::Conflict(_))
        ),
        "UPN unique per tenant"
    );
    s.create_user(&user(&other.id, "ada@people")).await.unwrap();
    assert_eq!(s.user_by_id(&t.id, &ada.id).await.unwrap(), Some(ada.clone()));
    assert_eq!(
        s.user_by_id(&other.id, &ada.id).await.unwrap(),
        None,
        "users are per tenant"
    );
    assert_eq!(s.user_by_upn(&t.id, "ada@people").await.unwrap(), Some(ada.clone()));
    let mut changed = ada.clone();
    changed.display_name = "Ada L.".into();
    changed.account_enabled = false;
    changed.password_hash = "$argon2id$other".into();
    changed.password_change_required = true;
    s.update_user(&changed).await.unwrap();
    assert_eq!(s.list_users(&t.id).await.unwrap(), vec![changed.clone()]);
    assert_eq!(
        f.reopen().await.user_by_id(&t.id, &ada.id).await.unwrap(),
        Some(changed.clone()),
        "password_change_required round-trips"
    );
    changed.password_change_required = false;
    s.update_user(&changed).await.unwrap();
    assert_eq!(s.user_by_upn(&t.id, "ada@people").await.unwrap(), Some(changed));
    let mut bob = user(&t.id, "bob@people");
    bob.password_change_required = true;
    s.create_user(&bob).await.unwrap();
    assert_eq!(s.user_by_id(&t.id, &bob.id).await.unwrap(), Some(bob.clone()));
    assert!(s.delete_user(&t.id, &bob.id).await.unwrap().is_some());
    assert!(s.delete_user(&t.id, &ada.id).await.unwrap().is_some());
    assert!(s.delete_user(&t.id, &ada.id).await.unwrap().is_none());
    assert!(matches!(s.update_user(&ada).await, Err(StoreError::NotFound(_))));
}

fn device(tenant_id: &str, byte: u8, user_code: &str, expires_at: i64) -> DeviceCode {
    DeviceCode {
        device_code_hash: [byte; 32],
        user_code: user_code.into(),
        tenant_id: tenant_id.into(),
        client_id: "04b07795-8ddb-461a-bbee-02f9e1bf7b46".into(),
        scope: "https://management.core.windows.net//.default offline_access".into(),
        state: DeviceCodeState::Pending,
        user_id: None,
        approval_hash: None,
        interval: 5,
        last_poll_ms: 0,
        created_at: 100,
        expires_at,
    }
}

pub async fn device_codes_move_once(f: Fixture) {
    let s = f.store.as_ref();
    let t = with_tenant(s, "dev").await;
    let c = device(&t.id, 1, "ABCDEFGH", 1000);
    s.create_device_code(&c).await.unwrap();
    assert!(
        matches!(
            s.create_device_code(&device(&t.id, 2, "ABCDEFGH", 1000)).await,
            Err(StoreError::Conflict(_))
        ),
        "user codes are unique"
    );
    assert_eq!(s.device_code_by_hash(&[1; 32]).await.unwrap(), Some(c.clone()));
    assert_eq!(
        s.device_code_by_user_code(&t.id, "ABCDEFGH").await.unwrap(),
        Some(c.clone())
    );
    assert_eq!(s.device_code_by_user_code("other", "ABCDEFGH").await.unwrap(), None);
    s.record_device_poll(&[1; 32], 123_456, 10).await.unwrap();
    let polled = s.device_code_by_hash(&[1; 32]).await.unwrap().unwrap();
    assert_eq!((polled.last_poll_ms, polled.interval), (123_456, 10));

    assert!(
        !s.redeem_device_code(&[1; 32], 200).await.unwrap(),
        "a pending code cannot be redeemed"
    );
    assert!(
        !s.decide_device_code(&t.id, "ABCDEFGH", &[9; 32], true, 200)
            .await
            .unwrap(),
        "no approval without a signed-in user"
    );
    assert!(
        !s.attach_device_user(&t.id, "ABCDEFGH", "u1", &[9; 32], 1000)
            .await
            .unwrap(),
        "not after expiry"
    );
    assert!(s
        .attach_device_user(&t.id, "ABCDEFGH", "u1", &[9; 32], 200)
        .await
        .unwrap());
    assert!(
        !s.decide_device_code(&t.id, "ABCDEFGH", &[8; 32], true, 200)
            .await
            .unwrap(),
        "wrong approval token"
    );
    assert!(s
        .decide_device_code(&t.id, "ABCDEFGH", &[9; 32], true, 200)
        .await
        .unwrap());
    assert!(
        !s.decide_device_code(&t.id, "ABCDEFGH", &[9; 32], false, 200)
            .await
            .unwrap(),
        "decided once"
    );
    let approved = s.device_code_by_hash(&[1; 32]).await.unwrap().unwrap();
    assert_eq!(
        (approved.state, approved.user_id.as_deref()),
        (DeviceCodeState::Approved, Some("u1"))
    );

    let mut tasks = Vec::new();
    for _ in 0..8 {
        let s = f.store.clone();
        tasks.push(tokio::spawn(async move {
            s.redeem_device_code(&[1; 32], 200).await.unwrap()
        }));
    }
    let mut wins = 0;
    for t in tasks {
        wins += t.await.unwrap() as usize;
    }
    assert_eq!(wins, 1, "a device code is redeemed exactly once");
    assert_eq!(
        s.device_code_by_hash(&[1; 32]).await.unwrap().unwrap().state,
        DeviceCodeState::Used
    );

    let late = device(&t.id, 3, "LATECODE", 300);
    s.create_device_code(&late).await.unwrap();
    assert!(s
        .attach_device_user(&t.id, "LATECODE", "u1", &[7; 32], 200)
        .await
        .unwrap());
    assert!(s
        .decide_device_code(&t.id, "LATECODE", &[7; 32], true, 200)
        .await
        .unwrap());
    assert!(
        !s.redeem_device_code(&[3; 32], 300).await.unwrap(),
        "an expired code is not redeemed"
    );
}

fn family(tenant_id: &str, revoked: bool) -> RefreshFamily {
    RefreshFamily {
        id: uuid::Uuid::new_v4().to_string(),
        tenant_id: tenant_id.into(),
        client_id: "c".into(),
        user_id: "u".into(),
        scope: "https://graph.microsoft.com/.default openid offline_access".into(),
        created_at: 10,
        expires_at: 10_000,
        revoked,
    }
}

fn token(family: &RefreshFamily, byte: u8) -> RefreshToken {
    RefreshToken {
        token_hash: [byte; 32],
        family_id: family.id.clone(),
        used: false,
        created_at: 10,
    }
}

pub async fn refresh_tokens_rotate_once(f: Fixture) {
    let s = f.store.as_ref();
    let fam = family("t", false);
    s.create_refresh_family(&fam, &token(&fam, 1)).await.unwrap();
    assert_eq!(
        s.refresh_token_by_hash(&[1; 32]).await.unwrap(),
        Some((token(&fam, 1), fam.clone()))
    );
    assert_eq!(s.refresh_token_by_hash(&[2; 32]).await.unwrap(), None);
    assert!(s.rotate_refresh_token(&[1; 32], &token(&fam, 2)).await.unwrap());
    assert!(
        !s.rotate_refresh_token(&[1; 32], &token(&fam, 3)).await.unwrap(),
        "a used token does not rotate"
    );
    assert_eq!(
        s.refresh_token_by_hash(&[3; 32]).await.unwrap(),
        None,
        "a failed rotation stores nothing"
    );
    let (old, _) = s.refresh_token_by_hash(&[1; 32]).await.unwrap().unwrap();
    assert!(old.used);
    assert!(s.revoke_refresh_family(&fam.id).await.unwrap());
    assert!(!s.revoke_refresh_family(&fam.id).await.unwrap());
    assert!(
        !s.rotate_refresh_token(&[2; 32], &token(&fam, 4)).await.unwrap(),
        "a revoked family does not rotate"
    );
    let (_, back) = f.reopen().await.refresh_token_by_hash(&[2; 32]).await.unwrap().unwrap();
    assert!(back.revoked, "revocation survives a reopen");
}

pub async fn parallel_refreshes_of_one_token_succeed_at_most_once(f: Fixture) {
    let fam = family("t", false);
    f.store.create_refresh_family(&fam, &token(&fam, 1)).await.unwrap();
    let mut tasks = Vec::new();
    for i in 0..12u8 {
        let s = f.store.clone();
        let next = token(&fam, 100 + i);
        tasks.push(tokio::spawn(async move {
            s.rotate_refresh_token(&[1; 32], &next).await.unwrap()
        }));
    }
    let mut wins = 0;
    for t in tasks {
        wins += t.await.unwrap() as usize;
    }
    assert_eq!(wins, 1, "exactly one of N parallel rotations of one token wins");
}

pub async fn a_family_access_token_is_superseded_per_resource(f: Fixture) {
    let s = f.store.as_ref();
    let fam = family("t", false);
    s.create_refresh_family(&fam, &token(&fam, 1)).await.unwrap();
    let (arm, graph) = ("arm-app-id", "graph-app-id");
    // The first token of a resource replaces nothing.
    assert_eq!(
        s.supersede_access_token("t", &fam.id, arm, "a1", 5_000, 100)
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        s.supersede_access_token("t", &fam.id, graph, "g1", 5_000, 100)
            .await
            .unwrap(),
        None
    );
    assert!(!s.is_revoked("t", None, Some("a1")).await.unwrap());
    // The next one for the same resource publishes the one it replaces, with its expiry.
    assert_eq!(
        s.supersede_access_token("t", &fam.id, arm, "a2", 6_000, 200)
            .await
            .unwrap(),
        Some("a1".into())
    );
    assert!(s.is_revoked("t", None, Some("a1")).await.unwrap());
    assert!(
        !s.is_revoked("t", None, Some("g1")).await.unwrap(),
        "another resource is left alone"
    );
    assert!(!s.is_revoked("t", None, Some("a2")).await.unwrap());
    let feed = s.revocations_since("t", 0, 0, 100).await.unwrap();
    let a1 = feed.iter().find(|r| r.value == "a1").unwrap();
    assert_eq!((a1.kind.as_str(), a1.expires_at), ("uti", 5_000));
    // A replaced token that has already expired is not published.
    assert_eq!(
        s.supersede_access_token("t", &fam.id, arm, "a3", 9_000, 7_000)
            .await
            .unwrap(),
        None
    );
    assert!(!s.is_revoked("t", None, Some("a2")).await.unwrap());
    // Another family's tokens are its own.
    let other = family("t", false);
    s.create_refresh_family(&other, &token(&other, 2)).await.unwrap();
    assert_eq!(
        s.supersede_access_token("t", &other.id, arm, "o1", 9_000, 100)
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        f.reopen()
            .await
            .supersede_access_token("t", &fam.id, arm, "a4", 9_000, 100)
            .await
            .unwrap(),
        Some("a3".into()),
        "kept across a reopen"
    );
}

pub async fn concurrent_supersedes_publish_every_replaced_token(f: Fixture) {
    let fam = family("t", false);
    f.store.create_refresh_family(&fam, &token(&fam, 1)).await.unwrap();
    let mut tasks = Vec::new();
    for i in 0..10 {
        let (s, id) = (f.store.clone(), fam.id.clone());
        tasks.push(tokio::spawn(async move {
            s.supersede_access_token("t", &id, "r", &format!("u{i}"), 5_000, 100)
                .await
                .unwrap()
        }));
    }
    let mut replaced = Vec::new();
    for t in tasks {
        replaced.extend(t.await.unwrap());
    }
    // Ten tokens, one row: nine were replaced, each exactly once; the one left is not revoked.
    replaced.sort();
    replaced.dedup();
    assert_eq!(replaced.len(), 9, "{replaced:?}");
    let feed = f.store.revocations_since("t", 0, 0, 100).await.unwrap();
    assert_eq!(feed.len(), 9);
    let last = (0..10)
        .map(|i| format!("u{i}"))
        .find(|u| !replaced.contains(u))
        .unwrap();
    assert!(!f.store.is_revoked("t", None, Some(&last)).await.unwrap());
}
