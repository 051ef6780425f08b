//! Custom roles: a tenant's own roles made of the door's permissions ([`roles::ALL`]).
//!
//! Creating, replacing or deleting one needs `roles.manage` at the root and, as for every
//! grant, every permission the role carries held at the root (no escalation: a role can never
//! name more than its author could do). Ids are the caller's choice, never a built-in id;
//! display names are unique in the tenant (case-insensitive, built-in names included) because
//! the CLI and the API-token page name roles by either. A role held by API tokens or users
//! cannot be deleted; changing its permissions changes what its holders may do from the next
//! request on, as IoT Central's do.

use super::roles::{self, Role, MANAGE_ROLES};
use super::{bad_id, refused, valid_id, Actor, Iotc};
use crate::error::{Error, Object};
use crate::model::{now, CustomRole};
use crate::store::Removal;

/// A PUT of `/api/roles/{id}` (or `gatehouse role create`).
#[derive(Debug, Clone)]
pub struct NewRole {
    pub display_name: String,
    /// Held at organizations (and the root) rather than at the root only.
    pub organization_role: bool,
    /// Permission names, each one of [`roles::ALL`].
    pub permissions: Vec<String>,
}

fn not_found(id: &str) -> Error {
    Error::NotFound {
        object: Object::Role,
        name: id.to_owned(),
    }
}

/// The permissions named, in the table's order; an unknown name is refused with the list.
fn permissions(names: &[String]) -> Result<Vec<&'static str>, Error> {
    if names.is_empty() {
        return Err(Error::Invalid(format!(
            "A role needs at least one permission, among: {}.",
            roles::ALL.join(", ")
        )));
    }
    for n in names {
        if roles::permission(n.trim()).is_none() {
            return Err(Error::Invalid(format!(
                "Unknown permission '{}'. Permissions are: {}.",
                n.chars().take(64).collect::<String>(),
                roles::ALL.join(", ")
            )));
        }
    }
    Ok(roles::ALL
        .iter()
        .copied()
        .filter(|p| names.iter().any(|n| n.trim() == *p))
        .collect())
}

impl Iotc {
    /// Creates or replaces custom role `id`; `true` when it was created.
    pub async fn put_role(&self, who: &Actor, id: &str, new: NewRole) -> Result<(Role, bool), Error> {
        if !valid_id(id) {
            return Err(bad_id("role"));
        }
        let id = id.to_ascii_lowercase();
        if roles::built_in_role(&id).is_some() {
            return Err(Error::Invalid(format!(
                "'{id}' is a built-in role: built-in roles cannot be changed. Give the custom role another id."
            )));
        }
        let name = new.display_name.trim();
        if name.is_empty() || name.chars().count() > 100 || name.chars().any(char::is_control) {
            return Err(Error::Invalid(
                "A role's displayName must have 1 to 100 printable characters.".into(),
            ));
        }
        let permissions = permissions(&new.permissions)?;
        let rules = self.rules(&who.tenant_id).await?;
        Self::authorize(who, &rules, MANAGE_ROLES, None)?;
        if let Some(p) = permissions.iter().find(|p| !rules.may(&who.roles, p, None)) {
            return Err(refused(who, &format!("create a role with permission {p}"), None));
        }
        let existing = rules.roles().find(|r| r.id == id.as_str());
        if let Some(other) = rules
            .roles()
            .find(|r| r.id != id.as_str() && r.display_name.eq_ignore_ascii_case(name))
        {
            return Err(Error::Conflict {
                object: Object::Role,
                name: format!("{name} (the name of role {})", other.id),
            });
        }
        let role = CustomRole {
            tenant_id: who.tenant_id.clone(),
            id: id.clone(),
            display_name: name.to_owned(),
            organization_role: new.organization_role,
            permissions: permissions.iter().map(|p| (*p).to_owned()).collect(),
            created_at: now(),
        };
        if existing.is_some_and(|r| r.organization_role && !role.organization_role) {
            // Holders at organizations would keep a role that may no longer be held there.
            let holders = self.holders_at_organizations(&who.tenant_id, &id).await?;
            if holders > 0 {
                return Err(Error::Invalid(format!(
                    "Role '{id}' is held at organizations by {holders} users or API tokens: it must stay an organization role."
                )));
            }
        }
        let mut uow = self.writer(who).await?.begin().await?;
        let created = uow.put_iotc_role(&role).await.map_err(|e| match e {
            crate::StoreError::Conflict(_) => Error::Conflict {
                object: Object::Role,
                name: name.to_owned(),
            },
            other => other.into(),
        })?;
        uow.commit().await?;
        Ok((Role::custom(&role), created))
    }

    /// Deletes custom role `id`; refused while API tokens or users hold it.
    pub async fn delete_role(&self, who: &Actor, id: &str) -> Result<(), Error> {
        let id = id.to_ascii_lowercase();
        if roles::built_in_role(&id).is_some() {
            return Err(Error::Invalid(format!(
                "'{id}' is a built-in role: it cannot be deleted."
            )));
        }
        let rules = self.rules(&who.tenant_id).await?;
        Self::authorize(who, &rules, MANAGE_ROLES, None)?;
        let mut uow = self.writer(who).await?.begin().await?;
        match uow.delete_iotc_role(&who.tenant_id, &id).await? {
            Removal::Removed => {}
            Removal::Missing => return Err(not_found(&id)),
            Removal::InUse(_) => {
                return Err(Error::InUse {
                    object: Object::Role,
                    name: id,
                })
            }
        }
        uow.commit().await?;
        Ok(())
    }

    /// How many users and API tokens hold role `id` at an organization.
    async fn holders_at_organizations(&self, tenant_id: &str, id: &str) -> Result<usize, Error> {
        let at_org = |held: &[crate::model::RoleRef]| held.iter().any(|r| r.role == id && r.organization.is_some());
        let users = self.store.iotc_users(tenant_id).await?;
        let tokens = self.store.api_tokens(tenant_id).await?;
        Ok(users.iter().filter(|u| at_org(&u.roles)).count() + tokens.iter().filter(|t| at_org(&t.roles)).count())
    }
}
