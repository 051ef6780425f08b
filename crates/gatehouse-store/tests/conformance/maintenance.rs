//! Conformance case for housekeeping: a purge removes what expired before the cutoff and keeps
//! everything else, on every backend.

use gatehouse_core::model::{
    AuthCode, DeviceCode, DeviceCodeState, PurgeReport, RefreshFamily, RefreshToken, RevocationKind, SignInEvent,
    SignInSession,
};

use super::{with_tenant, Fixture};

const CUTOFF: i64 = 1_000;

fn auth_code(tenant_id: &str, byte: u8, expires_at: i64) -> AuthCode {
    AuthCode {
        code_hash: [byte; 32],
        tenant_id: tenant_id.into(),
        client_id: "c1".into(),
        user_id: "u1".into(),
        redirect_uri: "http://localhost/cb".into(),
        scope: "openid".into(),
        code_challenge: None,
        nonce: None,
        sid: format!("code-sid-{byte}"),
        used: false,
        created_at: 1,
        expires_at,
    }
}

fn device_code(tenant_id: &str, byte: u8, expires_at: i64) -> DeviceCode {
    DeviceCode {
        device_code_hash: [byte; 32],
        user_code: format!("CODE{byte}"),
        tenant_id: tenant_id.into(),
        client_id: "c1".into(),
        scope: "openid".into(),
        state: DeviceCodeState::Pending,
        user_id: None,
        approval_hash: None,
        interval: 5,
        last_poll_ms: 0,
        created_at: 1,
        expires_at,
    }
}

fn family(tenant_id: &str, id: &str, byte: u8, expires_at: i64) -> (RefreshFamily, RefreshToken) {
    (
        RefreshFamily {
            id: id.into(),
            tenant_id: tenant_id.into(),
            client_id: "c1".into(),
            user_id: "u1".into(),
            scope: "openid offline_access".into(),
            created_at: 1,
            expires_at,
            revoked: false,
        },
        RefreshToken {
            token_hash: [byte; 32],
            family_id: id.into(),
            used: false,
            created_at: 1,
        },
    )
}

fn session(tenant_id: &str, byte: u8, expires_at: i64) -> SignInSession {
    SignInSession {
        id_hash: [byte; 32],
        tenant_id: tenant_id.into(),
        user_id: "u1".into(),
        created_at: 1,
        expires_at,
    }
}

fn sign_in(tenant_id: &str, upn: &str, at: i64) -> SignInEvent {
    SignInEvent {
        id: uuid::Uuid::new_v4().to_string(),
        tenant_id: tenant_id.into(),
        at,
        user_principal_name: upn.into(),
        user_id: None,
        success: false,
        result: "invalid_credentials".into(),
        source: None,
    }
}

pub async fn purge_removes_only_what_expired_before_the_cutoff(f: Fixture) {
    let s = f.store.as_ref();
    let t = with_tenant(s, "purged").await;
    let t = t.id.as_str();
    // One row of each kind just before the cutoff (goes) and one at it (stays).
    s.create_auth_code(&auth_code(t, 1, CUTOFF - 1)).await.unwrap();
    s.create_auth_code(&auth_code(t, 2, CUTOFF)).await.unwrap();
    s.create_device_code(&device_code(t, 1, CUTOFF - 1)).await.unwrap();
    s.create_device_code(&device_code(t, 2, CUTOFF)).await.unwrap();
    let (old_family, old_token) = family(t, "old", 1, CUTOFF - 1);
    let (live_family, live_token) = family(t, "live", 2, CUTOFF);
    s.create_refresh_family(&old_family, &old_token).await.unwrap();
    s.create_refresh_family(&live_family, &live_token).await.unwrap();
    s.create_session(&session(t, 1, CUTOFF - 1)).await.unwrap();
    s.create_session(&session(t, 2, CUTOFF)).await.unwrap();
    s.revoke(t, RevocationKind::Sid, "old", CUTOFF - 1).await.unwrap();
    s.revoke(t, RevocationKind::Sid, "live", CUTOFF).await.unwrap();
    // Throttle: an idle counter (window and lock both over) goes; a lock still running stays.
    s.record_failure("idle", 10, 20, 1).await.unwrap();
    s.record_failure("locked", 10, CUTOFF + 500, 1).await.unwrap();
    s.record_failure("counting", CUTOFF, 0, 5).await.unwrap();
    s.record_sign_in(&sign_in(t, "old@x", 499)).await.unwrap();
    s.record_sign_in(&sign_in(t, "new@x", 500)).await.unwrap();

    let report = s.purge(CUTOFF, Some(500)).await.unwrap();
    assert_eq!(
        report,
        PurgeReport {
            auth_codes: 1,
            device_codes: 1,
            sessions: 1,
            refresh_families: 1,
            revocations: 1,
            throttle_entries: 1,
            sign_in_events: 1,
            used_assertions: 0,
            reference_tokens: 0,
        }
    );
    assert_eq!(report.total(), 7);

    assert_eq!(s.auth_code_by_hash(&[1; 32]).await.unwrap(), None);
    assert!(s.auth_code_by_hash(&[2; 32]).await.unwrap().is_some());
    assert_eq!(s.device_code_by_hash(&[1; 32]).await.unwrap(), None);
    assert!(s.device_code_by_hash(&[2; 32]).await.unwrap().is_some());
    assert_eq!(
        s.refresh_token_by_hash(&[1; 32]).await.unwrap(),
        None,
        "tokens go with their family"
    );
    assert!(s.refresh_token_by_hash(&[2; 32]).await.unwrap().is_some());
    assert_eq!(s.session_by_hash(&[1; 32]).await.unwrap(), None);
    assert!(s.session_by_hash(&[2; 32]).await.unwrap().is_some());
    let feed = s.revocations_since(t, 0, 0, 100).await.unwrap();
    assert_eq!(feed.iter().map(|r| r.value.as_str()).collect::<Vec<_>>(), vec!["live"]);
    assert_eq!(
        s.locked_keys(CUTOFF).await.unwrap(),
        vec![("locked".to_owned(), CUTOFF + 500)],
        "a running lock survives"
    );
    assert_eq!(
        s.record_failure("counting", CUTOFF, 0, 5).await.unwrap(),
        2,
        "a counter in its window survives"
    );
    let log = s.sign_ins(t, None, 10).await.unwrap();
    assert_eq!(
        log.iter().map(|e| e.user_principal_name.as_str()).collect::<Vec<_>>(),
        vec!["new@x"]
    );

    assert_eq!(
        s.purge(CUTOFF, None).await.unwrap(),
        PurgeReport::default(),
        "a second purge finds nothing, and None keeps the sign-in log"
    );
    assert_eq!(s.sign_ins(t, None, 10).await.unwrap().len(), 1);
}
