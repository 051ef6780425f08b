//! Conformance cases for the sign-in log.

use gatehouse_core::model::SignInEvent;

use super::Fixture;

fn event(tenant: &str, upn: &str, at: i64, success: bool) -> SignInEvent {
    SignInEvent {
        id: uuid::Uuid::new_v4().to_string(),
        tenant_id: tenant.into(),
        at,
        user_principal_name: upn.into(),
        user_id: success.then(|| "u1".to_owned()),
        success,
        result: if success { "ok" } else { "invalid_credentials" }.into(),
        source: Some("127.0.0.1".into()),
    }
}

pub async fn sign_in_log_round_trip(f: Fixture) {
    let s = f.store.as_ref();
    let a = event("t1", "ada@x", 10, false);
    let b = event("t1", "ada@x", 20, true);
    let c = event("t1", "bob@x", 15, false);
    let other = event("t2", "ada@x", 30, true);
    for e in [&a, &b, &c, &other] {
        s.record_sign_in(e).await.unwrap();
    }
    assert_eq!(
        s.sign_ins("t1", None, 10).await.unwrap(),
        vec![b.clone(), c.clone(), a.clone()],
        "newest first, one tenant"
    );
    assert_eq!(
        s.sign_ins("t1", Some("ada@x"), 10).await.unwrap(),
        vec![b.clone(), a.clone()]
    );
    assert_eq!(s.sign_ins("t1", None, 1).await.unwrap(), vec![b]);
    let mut no_source = event("t3", "x@x", 1, false);
    no_source.source = None;
    s.record_sign_in(&no_source).await.unwrap();
    assert_eq!(f.reopen().await.sign_ins("t3", None, 5).await.unwrap(), vec![no_source]);
}
