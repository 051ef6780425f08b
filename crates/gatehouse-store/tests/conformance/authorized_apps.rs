//! Conformance cases for authorized apps (consents, last use, revoking) and sign-out.

use gatehouse_core::model::{RefreshFamily, RefreshToken, SignInSession};

use super::{with_tenant, Fixture};

fn family(tenant_id: &str, user_id: &str, client_id: &str, byte: u8) -> (RefreshFamily, RefreshToken) {
    let f = RefreshFamily {
        id: uuid::Uuid::new_v4().to_string(),
        tenant_id: tenant_id.into(),
        client_id: client_id.into(),
        user_id: user_id.into(),
        scope: "api://x/.default offline_access".into(),
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

pub async fn authorized_apps_list_and_revoke(f: Fixture) {
    let s = f.store.as_ref();
    let t = with_tenant(s, "apps").await;
    let items = ["api://x/read".to_owned(), "openid".to_owned()];
    s.grant_consent(&t.id, "u", "app-a", &items, 100).await.unwrap();
    s.grant_consent(&t.id, "other", "app-a", &items, 100).await.unwrap();
    s.grant_consent(&t.id, "*", "app-a", &items, 100).await.unwrap();
    s.record_app_use(&t.id, "u", "app-a", 200).await.unwrap();
    s.record_app_use(&t.id, "u", "app-a", 230).await.unwrap(); // within a minute: not written
    s.record_app_use(&t.id, "u", "cli", 300).await.unwrap();
    s.record_app_use(&t.id, "u", "cli", 400).await.unwrap();
    let apps = s.authorized_apps(&t.id, "u").await.unwrap();
    assert_eq!(apps.len(), 2, "{apps:?}");
    assert_eq!(apps[0].client_id, "app-a");
    assert_eq!(apps[0].scopes, vec!["api://x/read", "openid"]);
    assert_eq!(apps[0].consented_at, Some(100));
    assert_eq!(apps[0].last_used_at, Some(200));
    assert_eq!(apps[1].client_id, "cli");
    assert!(apps[1].scopes.is_empty());
    assert_eq!(apps[1].last_used_at, Some(400));

    let (live, first) = family(&t.id, "u", "app-a", 1);
    let (dead, dead_first) = family(&t.id, "u", "app-a", 2);
    let (others, others_first) = family(&t.id, "other", "app-a", 3);
    let (cli, cli_first) = family(&t.id, "u", "cli", 4);
    for (fam, tok) in [
        (&live, &first),
        (&dead, &dead_first),
        (&others, &others_first),
        (&cli, &cli_first),
    ] {
        s.create_refresh_family(fam, tok).await.unwrap();
    }
    assert!(s.revoke_refresh_family(&dead.id).await.unwrap());
    assert_eq!(s.revoke_app(&t.id, "u", "app-a").await.unwrap(), vec![live.id.clone()]);
    assert!(s.revoke_app(&t.id, "u", "app-a").await.unwrap().is_empty());
    let apps = s.authorized_apps(&t.id, "u").await.unwrap();
    assert_eq!(
        apps.iter().map(|a| a.client_id.as_str()).collect::<Vec<_>>(),
        vec!["cli"]
    );
    assert!(s.refresh_token_by_hash(&[1; 32]).await.unwrap().unwrap().1.revoked);
    assert!(
        !s.refresh_token_by_hash(&[3; 32]).await.unwrap().unwrap().1.revoked,
        "other users keep theirs"
    );
    assert!(
        !s.refresh_token_by_hash(&[4; 32]).await.unwrap().unwrap().1.revoked,
        "other clients keep theirs"
    );
    assert_eq!(s.consented_scopes(&t.id, "other", "app-a").await.unwrap().len(), 2);
    assert_eq!(
        s.consented_scopes(&t.id, "*", "app-a").await.unwrap().len(),
        2,
        "admin consent stays"
    );
}

pub async fn sessions_are_deleted_once(f: Fixture) {
    let s = f.store.as_ref();
    let t = with_tenant(s, "signout").await;
    let session = SignInSession {
        id_hash: [9; 32],
        tenant_id: t.id.clone(),
        user_id: "u".into(),
        created_at: 1,
        expires_at: 1_000,
    };
    s.create_session(&session).await.unwrap();
    assert!(s.delete_session(&[9; 32]).await.unwrap());
    assert!(!s.delete_session(&[9; 32]).await.unwrap());
    assert_eq!(s.session_by_hash(&[9; 32]).await.unwrap(), None);
}

pub async fn revoking_tenant_consent_signs_every_user_out_of_the_client(f: Fixture) {
    let s = f.store.as_ref();
    let t = with_tenant(s, "tenantwide").await;
    let other = with_tenant(s, "elsewhere").await;
    let items = ["api://x/read".to_owned(), "openid".to_owned()];
    s.grant_consent(&t.id, "*", "app-a", &items, 100).await.unwrap();
    s.grant_consent(&t.id, "*", "app-b", &items, 100).await.unwrap();
    s.grant_consent(&t.id, "u1", "app-a", &items, 100).await.unwrap();
    let (fa1, ta1) = family(&t.id, "u1", "app-a", 1);
    let (fa2, ta2) = family(&t.id, "u2", "app-a", 2);
    let (fb, tb) = family(&t.id, "u1", "app-b", 3);
    let (fx, tx) = family(&other.id, "u1", "app-a", 4);
    for (fam, tok) in [(&fa1, &ta1), (&fa2, &ta2), (&fb, &tb), (&fx, &tx)] {
        s.create_refresh_family(fam, tok).await.unwrap();
    }
    let mut revoked = s.revoke_tenant_consent(&t.id, "app-a").await.unwrap();
    revoked.sort();
    let mut expected = vec![fa1.id.clone(), fa2.id.clone()];
    expected.sort();
    assert_eq!(
        revoked, expected,
        "every family of the client in the tenant, and only those"
    );
    assert!(s.consented_scopes(&t.id, "*", "app-a").await.unwrap().is_empty());
    assert_eq!(
        s.consented_scopes(&t.id, "*", "app-b").await.unwrap().len(),
        2,
        "other clients keep theirs"
    );
    assert_eq!(
        s.consented_scopes(&t.id, "u1", "app-a").await.unwrap().len(),
        2,
        "a user's own consent stays"
    );
    for (hash, live) in [([1u8; 32], false), ([2; 32], false), ([3; 32], true), ([4; 32], true)] {
        let (_, fam) = s.refresh_token_by_hash(&hash).await.unwrap().unwrap();
        assert_eq!(!fam.revoked, live, "family of token {}", hash[0]);
    }
    assert!(
        s.revoke_tenant_consent(&t.id, "app-a").await.unwrap().is_empty(),
        "revoked families are not counted twice"
    );
}
