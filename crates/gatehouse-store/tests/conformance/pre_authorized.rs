//! Conformance cases for the client applications an API pre-authorizes.

use gatehouse_core::model::PreAuthorized;
use gatehouse_core::store::StoreError;

use super::{with_tenant, Fixture};

fn entry(tenant_id: &str, api: &str, client: &str, scopes: &[&str]) -> PreAuthorized {
    PreAuthorized {
        tenant_id: tenant_id.into(),
        api_app_id: api.into(),
        client_app_id: client.into(),
        scopes: scopes.iter().map(|s| s.to_string()).collect(),
    }
}

pub async fn pre_authorizations_round_trip_per_tenant_and_are_audited(f: Fixture) {
    let s = f.store.as_ref();
    let t = with_tenant(s, "preauth").await;
    let other = with_tenant(s, "elsewhere").await;
    assert_eq!(s.pre_authorized(&t.id, "api-b", "middle").await.unwrap(), None);
    s.set_pre_authorized(&entry(&t.id, "api-b", "middle", &["read", "write"]), 10)
        .await
        .unwrap();
    s.set_pre_authorized(&entry(&t.id, "api-b", "another", &[".default"]), 11)
        .await
        .unwrap();
    assert_eq!(
        s.pre_authorized(&t.id, "api-b", "middle").await.unwrap(),
        Some(vec!["read".to_owned(), "write".to_owned()])
    );
    assert_eq!(
        s.pre_authorized(&other.id, "api-b", "middle").await.unwrap(),
        None,
        "per tenant"
    );
    assert_eq!(s.pre_authorized(&t.id, "api-c", "middle").await.unwrap(), None);
    // Setting again replaces the list.
    s.set_pre_authorized(&entry(&t.id, "api-b", "middle", &["read"]), 12)
        .await
        .unwrap();
    let listed = f.reopen().await.list_pre_authorized(&t.id, "api-b").await.unwrap();
    assert_eq!(
        listed,
        vec![
            entry(&t.id, "api-b", "another", &[".default"]),
            entry(&t.id, "api-b", "middle", &["read"])
        ]
    );
    assert!(s.remove_pre_authorized(&t.id, "api-b", "middle").await.unwrap());
    assert!(!s.remove_pre_authorized(&t.id, "api-b", "middle").await.unwrap());
    assert_eq!(s.pre_authorized(&t.id, "api-b", "middle").await.unwrap(), None);

    let actions: Vec<String> = s
        .audit_chain(0, 10_000)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .filter(|a| a.starts_with("api."))
        .collect();
    assert_eq!(
        actions,
        vec![
            "api.preAuthorize",
            "api.preAuthorize",
            "api.preAuthorize",
            "api.preAuthorizeRemove"
        ]
    );
    // Without an actor nothing changes.
    let anonymous = gatehouse_store::open(&f.reopen_url).await.unwrap();
    let refused = anonymous
        .set_pre_authorized(&entry(&t.id, "api-b", "mallory", &["read"]), 13)
        .await;
    assert!(matches!(refused, Err(StoreError::Unaudited(_))), "{refused:?}");
    assert_eq!(s.pre_authorized(&t.id, "api-b", "mallory").await.unwrap(), None);
    let refused = anonymous.remove_pre_authorized(&t.id, "api-b", "another").await;
    assert!(matches!(refused, Err(StoreError::Unaudited(_))), "{refused:?}");
    assert!(s.pre_authorized(&t.id, "api-b", "another").await.unwrap().is_some());
}
