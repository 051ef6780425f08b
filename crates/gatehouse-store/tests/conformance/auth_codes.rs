//! Conformance cases for authorization codes, signed-in sessions and consents.

use gatehouse_core::model::{AuthCode, RefreshFamily, RefreshToken, SignInSession};
use gatehouse_core::StoreError;

use super::{with_tenant, Fixture};

fn code(tenant_id: &str, byte: u8, expires_at: i64) -> AuthCode {
    AuthCode {
        code_hash: [byte; 32],
        tenant_id: tenant_id.into(),
        client_id: "c1".into(),
        user_id: "u1".into(),
        redirect_uri: "http://localhost:3000/cb".into(),
        scope: "api://x/read openid offline_access".into(),
        code_challenge: Some("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM".into()),
        nonce: None,
        sid: uuid::Uuid::new_v4().to_string(),
        used: false,
        created_at: 100,
        expires_at,
    }
}

fn family_of(c: &AuthCode, byte: u8) -> (RefreshFamily, RefreshToken) {
    (
        RefreshFamily {
            id: c.sid.clone(),
            tenant_id: c.tenant_id.clone(),
            client_id: c.client_id.clone(),
            user_id: c.user_id.clone(),
            scope: c.scope.clone(),
            created_at: 150,
            expires_at: 10_000,
            revoked: false,
        },
        RefreshToken {
            token_hash: [byte; 32],
            family_id: c.sid.clone(),
            used: false,
            created_at: 150,
        },
    )
}

pub async fn auth_codes_are_redeemed_once_with_their_family(f: Fixture) {
    let s = f.store.as_ref();
    let t = with_tenant(s, "codes").await;
    let c = code(&t.id, 1, 400);
    s.create_auth_code(&c).await.unwrap();
    assert!(matches!(s.create_auth_code(&c).await, Err(StoreError::Conflict(_))));
    assert_eq!(s.auth_code_by_hash(&[1; 32]).await.unwrap(), Some(c.clone()));
    assert_eq!(s.auth_code_by_hash(&[2; 32]).await.unwrap(), None);
    let mut plain = code(&t.id, 2, 400);
    plain.code_challenge = None;
    plain.nonce = Some("n-0S6_WzA2Mj".into());
    s.create_auth_code(&plain).await.unwrap();
    assert_eq!(
        f.reopen().await.auth_code_by_hash(&[2; 32]).await.unwrap(),
        Some(plain.clone()),
        "optional fields round-trip"
    );

    assert!(
        !s.redeem_auth_code(&[1; 32], 400, None).await.unwrap(),
        "an expired code is not redeemed"
    );
    let mut tasks = Vec::new();
    for i in 0..10u8 {
        let st = f.store.clone();
        let c = c.clone();
        tasks.push(tokio::spawn(async move {
            let (fam, rt) = family_of(&c, 50 + i);
            st.redeem_auth_code(&[1; 32], 200, Some((&fam, &rt))).await.unwrap()
        }));
    }
    let mut wins = 0;
    for task in tasks {
        wins += task.await.unwrap() as usize;
    }
    assert_eq!(wins, 1, "N parallel redemptions of one code: exactly one wins");
    assert!(s.auth_code_by_hash(&[1; 32]).await.unwrap().unwrap().used);
    let mut families = 0;
    for i in 0..10u8 {
        if let Some((_, fam)) = s.refresh_token_by_hash(&[50 + i; 32]).await.unwrap() {
            assert_eq!(fam.id, c.sid, "the family id is the code's sid");
            families += 1;
        }
    }
    assert_eq!(families, 1, "only the winner's refresh family is stored");

    assert!(
        s.redeem_auth_code(&[2; 32], 200, None).await.unwrap(),
        "a code without offline_access starts no family"
    );
    assert!(!s.redeem_auth_code(&[2; 32], 200, None).await.unwrap());
}

pub async fn sessions_and_consents_round_trip(f: Fixture) {
    let s = f.store.as_ref();
    let t = with_tenant(s, "sessions").await;
    let session = SignInSession {
        id_hash: [7; 32],
        tenant_id: t.id.clone(),
        user_id: "u1".into(),
        created_at: 10,
        expires_at: 1000,
    };
    s.create_session(&session).await.unwrap();
    assert_eq!(s.session_by_hash(&[7; 32]).await.unwrap(), Some(session.clone()));
    assert_eq!(s.session_by_hash(&[8; 32]).await.unwrap(), None);

    assert!(s.consented_scopes(&t.id, "u1", "c1").await.unwrap().is_empty());
    let first = vec!["api://x/read".to_owned(), "openid".to_owned()];
    s.grant_consent(&t.id, "u1", "c1", &first, 20).await.unwrap();
    let more = vec!["api://x/write".to_owned(), "openid".to_owned()];
    s.grant_consent(&t.id, "u1", "c1", &more, 30).await.unwrap();
    assert_eq!(
        f.reopen().await.consented_scopes(&t.id, "u1", "c1").await.unwrap(),
        vec!["api://x/read", "api://x/write", "openid"],
        "consent accumulates, each item once"
    );
    assert!(
        s.consented_scopes(&t.id, "u1", "c2").await.unwrap().is_empty(),
        "per client"
    );
    assert!(
        s.consented_scopes(&t.id, "u2", "c1").await.unwrap().is_empty(),
        "per user"
    );
}
