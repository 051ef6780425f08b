//! Conformance cases for subscriptions, resource groups, custom roles and RBAC assignments:
//! round trips, case-insensitive group keys with the first case kept, key-ordered paging,
//! uniqueness of a grant per scope, deletes that take the assignments below them, and the
//! change-feed entries the RBAC cache follows.

use gatehouse_core::model::{
    PrincipalType, RbacScope, ResourceGroup, RoleAssignment, RoleDefinition, RolePermission, Subscription,
};
use gatehouse_core::store::{ChangeKind, StoreError};

use super::{app, with_tenant, Fixture};

fn subscription(tenant_id: &str) -> Subscription {
    Subscription {
        id: uuid::Uuid::new_v4().to_string(),
        tenant_id: tenant_id.into(),
        display_name: "Production".into(),
        created_at: 100,
    }
}

fn group(sub: &Subscription, name: &str) -> ResourceGroup {
    ResourceGroup {
        subscription_id: sub.id.clone(),
        name: name.into(),
        key: name.to_lowercase(),
        location: "westeurope".into(),
        tags: vec![("env".into(), "prod".into())],
        managed_by: None,
        created_at: 5,
    }
}

fn assignment(tenant_id: &str, scope: RbacScope, role: &str, principal: &str) -> RoleAssignment {
    RoleAssignment {
        id: uuid::Uuid::new_v4().to_string(),
        tenant_id: tenant_id.into(),
        scope,
        role_definition_id: role.into(),
        principal_id: principal.into(),
        principal_type: PrincipalType::ServicePrincipal,
        description: Some("test".into()),
        created_by: None,
        created_at: 7,
    }
}

pub async fn subscriptions_and_groups_round_trip(f: Fixture) {
    let s = f.store.as_ref();
    let t = with_tenant(s, "arm").await;
    let other = with_tenant(s, "arm-other").await;
    let sub = subscription(&t.id);
    let before = s.change_seq().await.unwrap();
    s.create_subscription(&sub).await.unwrap();
    let changes = s.changes_since(before, 10).await.unwrap();
    assert_eq!(
        changes.iter().map(|c| (c.kind, c.key.as_str())).collect::<Vec<_>>(),
        vec![(ChangeKind::Subscription, sub.id.as_str())]
    );
    assert!(matches!(
        s.create_subscription(&sub).await,
        Err(StoreError::Conflict(_))
    ));
    s.create_subscription(&subscription(&other.id)).await.unwrap();
    assert_eq!(s.subscription(&sub.id).await.unwrap(), Some(sub.clone()));
    assert_eq!(s.list_subscriptions(&t.id).await.unwrap(), vec![sub.clone()]);

    assert!(s.put_resource_group(&group(&sub, "Web")).await.unwrap(), "created");
    let mut changed = group(&sub, "WEB");
    changed.name = "Web".into();
    changed.tags = vec![];
    changed.managed_by = Some("x".into());
    assert!(!s.put_resource_group(&changed).await.unwrap(), "updated, not created");
    let got = s.resource_group(&sub.id, "web").await.unwrap().unwrap();
    assert_eq!(
        (got.name.as_str(), got.tags.len(), got.managed_by.as_deref()),
        ("Web", 0, Some("x"))
    );
    for n in ["b", "a", "c", "d"] {
        s.put_resource_group(&group(&sub, n)).await.unwrap();
    }
    let first = s.list_resource_groups(&sub.id, None, 2).await.unwrap();
    assert_eq!(first.iter().map(|g| g.key.as_str()).collect::<Vec<_>>(), ["a", "b"]);
    let next = s.list_resource_groups(&sub.id, Some("b"), 10).await.unwrap();
    assert_eq!(
        next.iter().map(|g| g.key.as_str()).collect::<Vec<_>>(),
        ["c", "d", "web"]
    );
    assert!(s.delete_resource_group(&sub.id, "web").await.unwrap());
    assert!(!s.delete_resource_group(&sub.id, "web").await.unwrap());
    assert!(
        !s.delete_subscription(&other.id, &sub.id).await.unwrap(),
        "another tenant cannot delete it"
    );
    assert!(s.delete_subscription(&t.id, &sub.id).await.unwrap());
    assert_eq!(s.subscription(&sub.id).await.unwrap(), None);
    assert_eq!(s.list_resource_groups(&sub.id, None, 10).await.unwrap(), vec![]);
}

pub async fn rbac_assignments_are_unique_per_scope_and_follow_deletes(f: Fixture) {
    let s = f.store.as_ref();
    let t = with_tenant(s, "rbac").await;
    let (a, sp) = app(&t, "worker", &[]);
    s.create_application(&a, &sp).await.unwrap();
    assert_eq!(
        s.principal_type(&t.id, &sp.id).await.unwrap(),
        Some(PrincipalType::ServicePrincipal)
    );
    assert_eq!(s.principal_type(&t.id, "nobody").await.unwrap(), None);
    let sub = subscription(&t.id);
    s.create_subscription(&sub).await.unwrap();
    s.put_resource_group(&group(&sub, "Team")).await.unwrap();

    let at_sub = assignment(&t.id, RbacScope::subscription(&sub.id), "reader", &sp.id);
    let at_rg = assignment(&t.id, RbacScope::resource_group(&sub.id, "Team"), "reader", &sp.id);
    let before = s.change_seq().await.unwrap();
    s.create_rbac_assignment(&at_sub).await.unwrap();
    let changes = s.changes_since(before, 10).await.unwrap();
    assert_eq!(
        changes.iter().map(|c| (c.kind, c.key.as_str())).collect::<Vec<_>>(),
        vec![(ChangeKind::RoleAssignment, sub.id.as_str())],
        "an assignment names its subscription"
    );
    s.create_rbac_assignment(&at_rg).await.unwrap();
    let mut dup = assignment(&t.id, RbacScope::resource_group(&sub.id, "TEAM"), "reader", &sp.id);
    dup.scope = RbacScope::resource_group(&sub.id, "team");
    assert!(
        matches!(s.create_rbac_assignment(&dup).await, Err(StoreError::Conflict(_))),
        "the same grant at the same scope (any case) exists once"
    );
    let mut listed = s.rbac_assignments(&sub.id).await.unwrap();
    listed.sort_by(|a, b| a.id.cmp(&b.id));
    let mut want = vec![at_sub.clone(), at_rg.clone()];
    want.sort_by(|a, b| a.id.cmp(&b.id));
    assert_eq!(listed, want);
    assert_eq!(s.rbac_assignment(&t.id, &at_rg.id).await.unwrap(), Some(at_rg.clone()));

    // Deleting the group takes the assignment at its scope, and names the subscription.
    let before = s.change_seq().await.unwrap();
    assert!(s.delete_resource_group(&sub.id, "team").await.unwrap());
    let changes = s.changes_since(before, 10).await.unwrap();
    assert_eq!(
        changes.iter().map(|c| c.kind).collect::<Vec<_>>(),
        vec![ChangeKind::RoleAssignment]
    );
    assert_eq!(s.rbac_assignments(&sub.id).await.unwrap(), vec![at_sub.clone()]);
    assert_eq!(
        s.delete_rbac_assignment(&t.id, &at_sub.id).await.unwrap(),
        Some(at_sub.clone())
    );
    assert_eq!(s.delete_rbac_assignment(&t.id, &at_sub.id).await.unwrap(), None);
    s.create_rbac_assignment(&at_sub).await.unwrap();
    assert!(s.delete_subscription(&t.id, &sub.id).await.unwrap());
    assert_eq!(
        s.rbac_assignment(&t.id, &at_sub.id).await.unwrap(),
        None,
        "the subscription took its assignments"
    );
}

pub async fn custom_roles_round_trip_with_unique_names(f: Fixture) {
    let s = f.store.as_ref();
    let t = with_tenant(s, "roles").await;
    let role = RoleDefinition {
        id: uuid::Uuid::new_v4().to_string(),
        tenant_id: Some(t.id.clone()),
        role_name: "Ops".into(),
        description: "d".into(),
        permissions: vec![RolePermission {
            actions: vec!["*/read".into()],
            ..Default::default()
        }],
        assignable_scopes: vec!["/subscriptions/x".into()],
        created_at: 3,
    };
    let before = s.change_seq().await.unwrap();
    s.put_custom_role(&role).await.unwrap();
    assert_eq!(
        s.changes_since(before, 10).await.unwrap()[0].kind,
        ChangeKind::RoleDefinition
    );
    let mut renamed = role.clone();
    renamed.role_name = "Operators".into();
    s.put_custom_role(&renamed).await.unwrap();
    assert_eq!(s.custom_roles(&t.id).await.unwrap(), vec![renamed.clone()]);
    let mut clash = role.clone();
    clash.id = uuid::Uuid::new_v4().to_string();
    clash.role_name = "OPERATORS".into();
    assert!(matches!(s.put_custom_role(&clash).await, Err(StoreError::Conflict(_))));
    assert_eq!(s.custom_role_uses(&t.id, &role.id).await.unwrap(), 0);
    assert!(s.delete_custom_role(&t.id, &role.id).await.unwrap());
    assert!(!s.delete_custom_role(&t.id, &role.id).await.unwrap());
}
