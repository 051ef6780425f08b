//! Conformance cases for groups, their members and directory roles: round trips, nested
//! (and cyclic) transitive membership, tenant isolation, the change feed (`GroupMembership`
//! keyed by the group, directory roles as `{principal}|{Graph app id}`), delete cascades, and
//! service principals listed, deleted and made anew on their own.

use gatehouse_core::model::{Group, GroupMember, MemberKind, ServicePrincipal, Tenant};
use gatehouse_core::store::{ChangeKind, StoreError};
use gatehouse_core::Store;

use super::{app, with_tenant, Fixture};

fn group(t: &Tenant, name: &str, at: i64) -> Group {
    Group {
        id: uuid::Uuid::new_v4().to_string(),
        tenant_id: t.id.clone(),
        display_name: name.into(),
        mail_nickname: name.into(),
        description: Some(format!("{name} people")),
        security_enabled: true,
        mail_enabled: false,
        created_at: at,
    }
}

fn member(g: &Group, id: &str, kind: MemberKind) -> GroupMember {
    GroupMember {
        group_id: g.id.clone(),
        member_id: id.into(),
        kind,
        created_at: 5,
    }
}

async fn changes_after(s: &dyn Store, seq: i64) -> Vec<(ChangeKind, String)> {
    s.changes_since(seq, 100)
        .await
        .unwrap()
        .into_iter()
        .map(|c| (c.kind, c.key))
        .collect()
}

pub async fn groups_and_transitive_membership(f: Fixture) {
    let s = f.store.as_ref();
    let t = with_tenant(s, "groups").await;
    let other = with_tenant(s, "elsewhere").await;
    let devs = group(&t, "devs", 1);
    let all = group(&t, "all", 2);
    let ops = group(&t, "ops", 3);
    for g in [&devs, &all, &ops] {
        s.create_group(g).await.unwrap();
    }
    assert_eq!(s.group_by_id(&t.id, &devs.id).await.unwrap().as_ref(), Some(&devs));
    assert_eq!(s.group_by_id(&other.id, &devs.id).await.unwrap(), None);
    assert_eq!(
        s.list_groups(&t.id).await.unwrap(),
        vec![devs.clone(), all.clone(), ops.clone()]
    );
    assert!(s.list_groups(&other.id).await.unwrap().is_empty());

    let user = uuid::Uuid::new_v4().to_string();
    let seq = s.change_seq().await.unwrap();
    s.add_member(&t.id, &member(&devs, &user, MemberKind::User))
        .await
        .unwrap();
    assert_eq!(
        changes_after(s, seq).await,
        vec![(ChangeKind::GroupMembership, devs.id.clone())]
    );
    assert!(matches!(
        s.add_member(&t.id, &member(&devs, &user, MemberKind::User)).await,
        Err(StoreError::Conflict(_))
    ));
    // A member of a group of another tenant's id: the group is not found there.
    assert!(matches!(
        s.add_member(&other.id, &member(&devs, &user, MemberKind::User)).await,
        Err(StoreError::NotFound(_))
    ));
    // devs ⊂ all ⊂ ops ⊂ devs: a cycle ends the recursion.
    s.add_member(&t.id, &member(&all, &devs.id, MemberKind::Group))
        .await
        .unwrap();
    s.add_member(&t.id, &member(&ops, &all.id, MemberKind::Group))
        .await
        .unwrap();
    let later = GroupMember {
        created_at: 6,
        ..member(&devs, &ops.id, MemberKind::Group)
    };
    s.add_member(&t.id, &later).await.unwrap();
    let mut want = vec![devs.id.clone(), all.id.clone(), ops.id.clone()];
    want.sort();
    assert_eq!(s.transitive_groups(&t.id, &user).await.unwrap(), want);
    assert!(s.transitive_groups(&other.id, &user).await.unwrap().is_empty());
    let members = s.members(&t.id, &devs.id).await.unwrap();
    assert_eq!(members.len(), 2);
    assert_eq!(members[0].kind, MemberKind::User);

    assert!(s.remove_member(&t.id, &ops.id, &all.id).await.unwrap());
    assert!(!s.remove_member(&t.id, &ops.id, &all.id).await.unwrap());
    let mut want = vec![devs.id.clone(), all.id.clone()];
    want.sort();
    assert_eq!(s.transitive_groups(&t.id, &user).await.unwrap(), want);

    // Deleting a group drops its members and its own memberships, and names both groups.
    let seq = s.change_seq().await.unwrap();
    assert!(s.delete_group(&t.id, &devs.id).await.unwrap());
    assert!(!s.delete_group(&t.id, &devs.id).await.unwrap());
    let changed = changes_after(s, seq).await;
    assert!(
        changed.contains(&(ChangeKind::GroupMembership, devs.id.clone())),
        "{changed:?}"
    );
    assert!(
        changed.contains(&(ChangeKind::GroupMembership, all.id.clone())),
        "{changed:?}"
    );
    assert!(s.transitive_groups(&t.id, &user).await.unwrap().is_empty());
    assert!(s.members(&t.id, &all.id).await.unwrap().is_empty());

    // A deleted principal leaves every group.
    s.add_member(&t.id, &member(&all, &user, MemberKind::User))
        .await
        .unwrap();
    s.add_member(&t.id, &member(&ops, &user, MemberKind::User))
        .await
        .unwrap();
    s.remove_from_all_groups(&t.id, &user).await.unwrap();
    assert!(s.transitive_groups(&t.id, &user).await.unwrap().is_empty());
}

pub async fn directory_roles_round_trip(f: Fixture) {
    let s = f.store.as_ref();
    let t = with_tenant(s, "roles").await;
    let p = uuid::Uuid::new_v4().to_string();
    let seq = s.change_seq().await.unwrap();
    s.grant_directory_role(&t.id, &p, "User.ReadWrite.All", 1)
        .await
        .unwrap();
    s.grant_directory_role(&t.id, &p, "Directory.Read.All", 1)
        .await
        .unwrap();
    s.grant_directory_role(&t.id, &p, "Directory.Read.All", 2)
        .await
        .unwrap();
    let key = format!("{p}|{}", gatehouse_core::issuance::resources::GRAPH_APP_ID);
    assert_eq!(
        changes_after(s, seq).await,
        vec![
            (ChangeKind::AppRoleAssignment, key.clone()),
            (ChangeKind::AppRoleAssignment, key.clone())
        ]
    );
    assert_eq!(
        s.directory_roles(&t.id, &p).await.unwrap(),
        vec!["Directory.Read.All", "User.ReadWrite.All"]
    );
    assert_eq!(s.directory_roles_of_principal(&p).await.unwrap().len(), 2);
    let other = with_tenant(s, "roles-b").await;
    assert!(s.directory_roles(&other.id, &p).await.unwrap().is_empty());
    assert!(s.revoke_directory_role(&t.id, &p, "Directory.Read.All").await.unwrap());
    assert!(!s.revoke_directory_role(&t.id, &p, "Directory.Read.All").await.unwrap());
    assert_eq!(s.directory_roles(&t.id, &p).await.unwrap(), vec!["User.ReadWrite.All"]);
}

pub async fn service_principals_on_their_own(f: Fixture) {
    let s = f.store.as_ref();
    let t = with_tenant(s, "sps").await;
    let other = with_tenant(s, "sps-b").await;
    let (a, sp) = app(&t, "worker", &[]);
    s.create_application(&a, &sp).await.unwrap();
    assert_eq!(
        s.service_principal_by_id(&t.id, &sp.id).await.unwrap().as_ref(),
        Some(&sp)
    );
    assert_eq!(s.service_principal_by_id(&other.id, &sp.id).await.unwrap(), None);
    assert_eq!(s.list_service_principals(&t.id).await.unwrap(), vec![sp.clone()]);
    assert!(s.list_service_principals(&other.id).await.unwrap().is_empty());
    let seq = s.change_seq().await.unwrap();
    assert!(!s.delete_service_principal(&other.id, &sp.id).await.unwrap());
    assert!(s.delete_service_principal(&t.id, &sp.id).await.unwrap());
    assert_eq!(changes_after(s, seq).await, vec![(ChangeKind::App, a.app_id.clone())]);
    assert_eq!(s.service_principal_by_app_id(&t.id, &a.app_id).await.unwrap(), None);
    assert!(
        s.application_by_app_id(&t.id, &a.app_id).await.unwrap().is_some(),
        "the application stays"
    );
    let again = ServicePrincipal {
        id: uuid::Uuid::new_v4().to_string(),
        ..sp.clone()
    };
    s.create_service_principal(&again).await.unwrap();
    assert!(matches!(
        s.create_service_principal(&ServicePrincipal {
            id: uuid::Uuid::new_v4().to_string(),
            ..sp
        })
        .await,
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(
        s.service_principal_by_app_id(&t.id, &a.app_id).await.unwrap(),
        Some(again)
    );
}
