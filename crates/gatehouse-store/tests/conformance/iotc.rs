//! Conformance cases for IoT Central's objects: the organization tree (parents must exist,
//! ids unique per tenant, what uses an organization), API tokens (the hash round-trips, a
//! delete returns the token and commits with its `credential` revocation or not at all),
//! and the principals holding roles (found by principal, one row per principal), custom
//! roles (names unique per tenant, refused delete while held), and deletes that cannot race
//! a write starting to use what they delete.

use std::sync::Arc;

use gatehouse_core::iotc::roles::{ADMINISTRATOR, OPERATOR, ORG_OPERATOR, ORG_VIEWER};
use gatehouse_core::model::{
    ApiToken, CustomRole, IotcUser, IotcUserKind, Organization, RevocationKind, RoleRef, Tenant,
};
use gatehouse_core::store::{OrganizationUse, Removal, Store, StoreError};

use super::{with_tenant, Fixture};

fn org(t: &Tenant, id: &str, parent: Option<&str>, at: i64) -> Organization {
    Organization {
        tenant_id: t.id.clone(),
        id: id.into(),
        display_name: format!("Org {id}"),
        parent: parent.map(Into::into),
        created_at: at,
    }
}

fn at(role: &str, org: Option<&str>) -> RoleRef {
    RoleRef {
        role: role.into(),
        organization: org.map(Into::into),
    }
}

fn token(t: &Tenant, id: &str, roles: Vec<RoleRef>) -> ApiToken {
    ApiToken {
        tenant_id: t.id.clone(),
        id: id.into(),
        roles,
        expiry_ms: 1_900_000_000_123,
        secret_hash: [7u8; 32],
        created_by: "operator".into(),
        created_at: 3,
    }
}

fn user(t: &Tenant, id: &str, principal: &str, roles: Vec<RoleRef>) -> IotcUser {
    IotcUser {
        tenant_id: t.id.clone(),
        id: id.into(),
        kind: IotcUserKind::Email,
        principal_id: principal.into(),
        email: Some(format!("{id}@example.test")),
        roles,
        created_at: 4,
    }
}

pub async fn organizations_form_a_tree_and_report_their_use(f: Fixture) {
    let s = f.store.as_ref();
    let t = with_tenant(s, "iotc-orgs").await;
    let other = with_tenant(s, "iotc-other").await;
    let x = org(&t, "x", None, 1);
    let x1 = org(&t, "x1", Some("x"), 2);
    let mut uow = s.begin().await.unwrap();
    uow.create_organization(&x).await.unwrap();
    uow.create_organization(&x1).await.unwrap();
    uow.commit().await.unwrap();
    assert_eq!(s.organization(&t.id, "x1").await.unwrap().as_ref(), Some(&x1));
    assert_eq!(s.organization(&other.id, "x").await.unwrap(), None);
    assert_eq!(s.organizations(&t.id).await.unwrap(), vec![x.clone(), x1.clone()]);
    assert!(s.organizations(&other.id).await.unwrap().is_empty());

    // The same id again, and a parent that does not exist (in this tenant).
    let mut uow = s.begin().await.unwrap();
    assert!(matches!(
        uow.create_organization(&x).await,
        Err(StoreError::Conflict(_))
    ));
    drop(uow);
    let mut uow = s.begin().await.unwrap();
    assert!(uow.create_organization(&org(&other, "y", Some("x"), 3)).await.is_err());
    drop(uow);
    // Another tenant may use the same id.
    let mut uow = s.begin().await.unwrap();
    uow.create_organization(&org(&other, "x", None, 3)).await.unwrap();
    uow.commit().await.unwrap();

    let mut uow = s.begin().await.unwrap();
    uow.create_api_token(&token(&t, "tok", vec![at(ORG_OPERATOR, Some("x1"))]))
        .await
        .unwrap();
    uow.put_iotc_user(&user(
        &t,
        "u",
        "p1",
        vec![at(ORG_OPERATOR, Some("x")), at(OPERATOR, None)],
    ))
    .await
    .unwrap();
    uow.commit().await.unwrap();
    assert_eq!(
        s.organization_use(&t.id, "x").await.unwrap(),
        OrganizationUse {
            children: 1,
            api_tokens: 0,
            users: 1
        }
    );
    assert_eq!(
        s.organization_use(&t.id, "x1").await.unwrap(),
        OrganizationUse {
            children: 0,
            api_tokens: 1,
            users: 0
        }
    );
    assert_eq!(
        s.organization_use(&other.id, "x").await.unwrap(),
        OrganizationUse::default()
    );

    // Renamed and moved under the root.
    let mut moved = x1.clone();
    moved.display_name = "Moved".into();
    moved.parent = None;
    let mut uow = s.begin().await.unwrap();
    uow.update_organization(&moved).await.unwrap();
    uow.commit().await.unwrap();
    assert_eq!(s.organization(&t.id, "x1").await.unwrap(), Some(moved));
    let mut uow = s.begin().await.unwrap();
    assert!(matches!(
        uow.update_organization(&org(&t, "nope", None, 1)).await,
        Err(StoreError::NotFound(_))
    ));
    drop(uow);

    // Still named by user u: refused, with the use counted in the delete's transaction.
    let mut uow = s.begin().await.unwrap();
    assert_eq!(
        uow.delete_organization(&t.id, "x").await.unwrap(),
        Removal::InUse(OrganizationUse {
            children: 0,
            api_tokens: 0,
            users: 1
        })
    );
    drop(uow);
    // Writes naming an organization that does not exist are refused.
    let mut uow = s.begin().await.unwrap();
    assert!(matches!(
        uow.create_api_token(&token(&t, "tok2", vec![at(ORG_OPERATOR, Some("nope"))]))
            .await,
        Err(StoreError::NotFound(_))
    ));
    drop(uow);
    let mut uow = s.begin().await.unwrap();
    assert!(matches!(
        uow.put_iotc_user(&user(&t, "u2", "p2", vec![at(ORG_OPERATOR, Some("nope"))]))
            .await,
        Err(StoreError::NotFound(_))
    ));
    drop(uow);

    let mut uow = s.begin().await.unwrap();
    assert!(uow.delete_iotc_user(&t.id, "u").await.unwrap());
    assert_eq!(uow.delete_organization(&t.id, "x").await.unwrap(), Removal::Removed);
    assert_eq!(uow.delete_organization(&t.id, "x").await.unwrap(), Removal::Missing);
    uow.commit().await.unwrap();
    assert_eq!(s.organization(&t.id, "x").await.unwrap(), None);
    assert!(s.organization(&other.id, "x").await.unwrap().is_some());
}

pub async fn api_tokens_round_trip_and_die_with_their_revocation(f: Fixture) {
    let s = f.store.as_ref();
    let t = with_tenant(s, "iotc-tokens").await;
    let other = with_tenant(s, "iotc-tokens-2").await;
    let a = token(&t, "a-token", vec![at(OPERATOR, None), at(ORG_OPERATOR, Some("org"))]);
    let b = token(&t, "b-token", vec![at(OPERATOR, None)]);
    let mut uow = s.begin().await.unwrap();
    uow.create_organization(&org(&t, "org", None, 1)).await.unwrap();
    uow.create_api_token(&b).await.unwrap();
    uow.create_api_token(&a).await.unwrap();
    uow.commit().await.unwrap();
    assert_eq!(s.api_token(&t.id, "a-token").await.unwrap().as_ref(), Some(&a));
    assert_eq!(s.api_token(&other.id, "a-token").await.unwrap(), None);
    assert_eq!(s.api_tokens(&t.id).await.unwrap(), vec![a.clone(), b.clone()]);
    assert!(s.api_tokens(&other.id).await.unwrap().is_empty());
    let mut uow = s.begin().await.unwrap();
    assert!(matches!(uow.create_api_token(&a).await, Err(StoreError::Conflict(_))));
    drop(uow);

    // A delete dropped before commit leaves the token and publishes nothing.
    let since = s.revocations_since(&t.id, 0, 0, 100).await.unwrap().len();
    let mut uow = s.begin().await.unwrap();
    assert_eq!(uow.delete_api_token(&t.id, "a-token").await.unwrap(), Some(a.clone()));
    uow.revoke(&t.id, RevocationKind::Credential, "a-token", 1_900_000_001)
        .await
        .unwrap();
    drop(uow);
    assert!(s.api_token(&t.id, "a-token").await.unwrap().is_some());
    assert_eq!(s.revocations_since(&t.id, 0, 0, 100).await.unwrap().len(), since);

    let mut uow = s.begin().await.unwrap();
    assert_eq!(uow.delete_api_token(&t.id, "a-token").await.unwrap(), Some(a));
    uow.revoke(&t.id, RevocationKind::Credential, "a-token", 1_900_000_001)
        .await
        .unwrap();
    uow.commit().await.unwrap();
    assert_eq!(s.api_token(&t.id, "a-token").await.unwrap(), None);
    let feed = s.revocations_since(&t.id, 0, 0, 100).await.unwrap();
    let last = feed.last().unwrap();
    assert_eq!(
        (last.kind, last.value.as_str()),
        (RevocationKind::Credential, "a-token")
    );
    let mut uow = s.begin().await.unwrap();
    assert_eq!(uow.delete_api_token(&t.id, "a-token").await.unwrap(), None);
    assert_eq!(uow.delete_api_token(&other.id, "b-token").await.unwrap(), None);
    drop(uow);
    assert!(s.api_token(&t.id, "b-token").await.unwrap().is_some());
}

pub async fn iotc_users_are_found_by_principal_and_replaced_by_id(f: Fixture) {
    let s = f.store.as_ref();
    let t = with_tenant(s, "iotc-users").await;
    let mut sp = user(&t, "robot", "p-robot", vec![at(ADMINISTRATOR, None)]);
    sp.kind = IotcUserKind::ServicePrincipal;
    sp.email = None;
    let alice = user(&t, "alice", "p-alice", vec![at(ORG_OPERATOR, Some("x"))]);
    let mut uow = s.begin().await.unwrap();
    uow.create_organization(&org(&t, "x", None, 1)).await.unwrap();
    uow.put_iotc_user(&sp).await.unwrap();
    uow.put_iotc_user(&alice).await.unwrap();
    uow.commit().await.unwrap();
    assert_eq!(s.iotc_user(&t.id, "robot").await.unwrap().as_ref(), Some(&sp));
    assert_eq!(
        s.iotc_user_by_principal(&t.id, "p-alice").await.unwrap().as_ref(),
        Some(&alice)
    );
    assert_eq!(s.iotc_users(&t.id).await.unwrap(), vec![alice.clone(), sp.clone()]);

    // Replacing by id keeps one row; another id naming the same principal is a conflict.
    let mut changed = alice.clone();
    changed.roles = vec![at(ORG_VIEWER, None)];
    let mut uow = s.begin().await.unwrap();
    uow.put_iotc_user(&changed).await.unwrap();
    uow.commit().await.unwrap();
    assert_eq!(s.iotc_user(&t.id, "alice").await.unwrap(), Some(changed));
    let mut uow = s.begin().await.unwrap();
    assert!(matches!(
        uow.put_iotc_user(&user(&t, "alias", "p-alice", vec![])).await,
        Err(StoreError::Conflict(_))
    ));
    drop(uow);

    let mut uow = s.begin().await.unwrap();
    assert!(uow.delete_iotc_user(&t.id, "alice").await.unwrap());
    assert!(!uow.delete_iotc_user(&t.id, "alice").await.unwrap());
    uow.commit().await.unwrap();
    assert_eq!(s.iotc_user_by_principal(&t.id, "p-alice").await.unwrap(), None);
    assert_eq!(s.iotc_users(&t.id).await.unwrap(), vec![sp]);
}

fn custom(t: &Tenant, id: &str, name: &str, at: i64) -> CustomRole {
    CustomRole {
        tenant_id: t.id.clone(),
        id: id.into(),
        display_name: name.into(),
        organization_role: true,
        permissions: vec!["view".into(), "apiTokens.read".into()],
        created_at: at,
    }
}

pub async fn iotc_custom_roles_round_trip_and_refuse_delete_while_held(f: Fixture) {
    let s = f.store.as_ref();
    let t = with_tenant(s, "iotc-roles").await;
    let other = with_tenant(s, "iotc-roles-2").await;
    let keeper = custom(&t, "keeper", "Token keeper", 1);
    let auditor = custom(&t, "auditor", "Auditor", 2);
    let mut uow = s.begin().await.unwrap();
    assert!(uow.put_iotc_role(&keeper).await.unwrap(), "created");
    assert!(uow.put_iotc_role(&auditor).await.unwrap());
    uow.commit().await.unwrap();
    assert_eq!(
        s.iotc_roles(&t.id).await.unwrap(),
        vec![keeper.clone(), auditor.clone()]
    );
    assert!(s.iotc_roles(&other.id).await.unwrap().is_empty());

    // Replaced by id (created_at kept); another id with the same name, in any case, conflicts.
    let mut changed = keeper.clone();
    changed.permissions = vec!["view".into()];
    changed.organization_role = false;
    changed.created_at = 99;
    let mut uow = s.begin().await.unwrap();
    assert!(!uow.put_iotc_role(&changed).await.unwrap(), "replaced");
    uow.commit().await.unwrap();
    changed.created_at = 1;
    assert_eq!(s.iotc_roles(&t.id).await.unwrap()[0], changed);
    let mut uow = s.begin().await.unwrap();
    assert!(matches!(
        uow.put_iotc_role(&custom(&t, "keeper-2", "TOKEN KEEPER", 3)).await,
        Err(StoreError::Conflict(_))
    ));
    drop(uow);
    // The same name in another tenant is fine.
    let mut uow = s.begin().await.unwrap();
    uow.put_iotc_role(&custom(&other, "keeper", "Token keeper", 3))
        .await
        .unwrap();
    uow.commit().await.unwrap();

    // Held by a token and a user: refused; a write naming a role that does not exist too.
    let mut uow = s.begin().await.unwrap();
    uow.create_api_token(&token(&t, "tok", vec![at("keeper", None)]))
        .await
        .unwrap();
    uow.put_iotc_user(&user(&t, "u", "p1", vec![at("keeper", None)]))
        .await
        .unwrap();
    uow.commit().await.unwrap();
    let mut uow = s.begin().await.unwrap();
    assert_eq!(
        uow.delete_iotc_role(&t.id, "keeper").await.unwrap(),
        Removal::InUse(OrganizationUse {
            children: 0,
            api_tokens: 1,
            users: 1
        })
    );
    assert!(matches!(
        uow.create_api_token(&token(&t, "tok2", vec![at("nope", None)])).await,
        Err(StoreError::NotFound(_))
    ));
    drop(uow);

    let mut uow = s.begin().await.unwrap();
    assert!(uow.delete_api_token(&t.id, "tok").await.unwrap().is_some());
    assert!(uow.delete_iotc_user(&t.id, "u").await.unwrap());
    assert_eq!(uow.delete_iotc_role(&t.id, "keeper").await.unwrap(), Removal::Removed);
    assert_eq!(uow.delete_iotc_role(&t.id, "keeper").await.unwrap(), Removal::Missing);
    uow.commit().await.unwrap();
    assert_eq!(s.iotc_roles(&t.id).await.unwrap(), vec![auditor]);
    assert_eq!(s.iotc_roles(&other.id).await.unwrap().len(), 1);
}

/// One round: a token naming organization `org` and role `role` is created while the
/// organization (or the role) is deleted, each in its own unit of work, at once.
async fn race(s: Arc<dyn Store>, t: &Tenant, round: usize, delete_role: bool) -> (bool, bool) {
    let org_id = format!("race-{round}");
    let role_id = format!("race-role-{round}");
    let mut uow = s.begin().await.unwrap();
    uow.create_organization(&org(t, &org_id, None, round as i64))
        .await
        .unwrap();
    uow.put_iotc_role(&custom(t, &role_id, &format!("Race {round}"), round as i64))
        .await
        .unwrap();
    uow.commit().await.unwrap();
    let tok = token(t, &format!("race-tok-{round}"), vec![at(&role_id, Some(&org_id))]);
    let (a, b) = (s.clone(), s.clone());
    let (tenant, (oid, rid)) = (t.id.clone(), (org_id.clone(), role_id.clone()));
    let create = tokio::spawn(async move {
        let mut uow = a.begin().await.unwrap();
        match uow.create_api_token(&tok).await {
            Ok(()) => uow.commit().await.is_ok(),
            Err(StoreError::NotFound(_)) => false,
            Err(e) => panic!("creating the token: {e}"),
        }
    });
    let delete = tokio::spawn(async move {
        let mut uow = b.begin().await.unwrap();
        let removal = if delete_role {
            uow.delete_iotc_role(&tenant, &rid).await.unwrap()
        } else {
            uow.delete_organization(&tenant, &oid).await.unwrap()
        };
        removal == Removal::Removed && uow.commit().await.is_ok()
    });
    (create.await.unwrap(), delete.await.unwrap())
}

pub async fn iotc_deletes_never_race_a_write_that_starts_using_what_they_delete(f: Fixture) {
    let s = f.store.clone();
    let t = with_tenant(s.as_ref(), "iotc-race").await;
    for round in 0..20 {
        let delete_role = round % 2 == 1;
        let (created, deleted) = race(s.clone(), &t, round, delete_role).await;
        let token = s.api_token(&t.id, &format!("race-tok-{round}")).await.unwrap();
        let org = s.organization(&t.id, &format!("race-{round}")).await.unwrap();
        let role_kept = s
            .iotc_roles(&t.id)
            .await
            .unwrap()
            .iter()
            .any(|r| r.id == format!("race-role-{round}"));
        assert!(
            created != deleted,
            "round {round}: exactly one of the two wins ({created}, {deleted})"
        );
        assert_eq!(token.is_some(), created, "round {round}");
        // Never a token naming an organization or a role that is gone.
        if token.is_some() {
            assert!(
                org.is_some() && role_kept,
                "round {round}: the token names what was deleted"
            );
        }
    }
}
