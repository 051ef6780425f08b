//! RBAC role definitions (Azure's built-in roles and a tenant's custom roles) and role
//! assignments at a subscription or resource-group scope: what the ARM front door and the
//! first start write. Whether the caller may do it is decided before, by [`crate::rbac`].

use super::Admin;
use crate::error::{Error, Object};
use crate::model::{now, PrincipalType, RbacScope, RoleAssignment, RoleDefinition, RolePermission, Tenant};
use crate::rbac::builtin;
use crate::store::StoreError;

/// A role assignment to create (ARM's PUT body and the assignment's name).
#[derive(Debug, Clone)]
pub struct NewAssignment {
    /// The assignment's name: a GUID.
    pub id: String,
    pub scope: RbacScope,
    /// A role definition GUID (built-in or custom).
    pub role_definition_id: String,
    pub principal_id: String,
    /// As the caller said it; checked against the directory when given.
    pub principal_type: Option<PrincipalType>,
    pub description: Option<String>,
    pub created_by: Option<String>,
}

/// A custom role to write (ARM's PUT body and the definition's name).
#[derive(Debug, Clone)]
pub struct NewRole {
    pub id: String,
    pub role_name: String,
    pub description: String,
    pub permissions: Vec<RolePermission>,
    pub assignable_scopes: Vec<RbacScope>,
}

/// A GUID, lower-case, or an error naming what it was meant to be.
pub fn guid(value: &str, what: &str) -> Result<String, Error> {
    uuid::Uuid::parse_str(value)
        .map(|u| u.to_string())
        .map_err(|_| Error::Invalid(format!("The {what} '{value}' is not a valid GUID.")))
}

impl Admin {
    /// Every role a tenant can assign: the built-in roles, then its custom roles.
    pub async fn role_definitions(&self, tenant: &Tenant) -> Result<Vec<RoleDefinition>, Error> {
        let mut all: Vec<RoleDefinition> = builtin::roles().to_vec();
        all.extend(self.store.custom_roles(&tenant.id).await?);
        Ok(all)
    }

    /// A role by GUID, or by name (built-in or custom, case-insensitive).
    pub async fn role_definition(&self, tenant: &Tenant, which: &str) -> Result<RoleDefinition, Error> {
        let all = self.role_definitions(tenant).await?;
        all.into_iter()
            .find(|r| r.id.eq_ignore_ascii_case(which) || r.role_name.eq_ignore_ascii_case(which))
            .ok_or_else(|| Error::NotFound {
                object: Object::RoleDefinition,
                name: which.to_owned(),
            })
    }

    /// Creates or replaces a custom role of the tenant. Built-in roles cannot be written, and no
    /// custom role may take a built-in role's name.
    pub async fn put_custom_role(&self, tenant: &Tenant, role: NewRole) -> Result<RoleDefinition, Error> {
        let id = guid(&role.id, "role definition id")?;
        if builtin::by_id(&id).is_some() {
            return Err(Error::Invalid(format!(
                "The role definition '{id}' is a built-in role and cannot be changed."
            )));
        }
        let name = role.role_name.trim();
        if name.is_empty() || name.chars().count() > 128 {
            return Err(Error::Invalid("A role's name must have 1 to 128 characters.".into()));
        }
        if builtin::by_name(name).is_some() {
            return Err(Error::Conflict {
                object: Object::RoleDefinition,
                name: name.to_owned(),
            });
        }
        if role.permissions.is_empty() || role.permissions.iter().all(|p| p.actions.is_empty()) {
            return Err(Error::Invalid(
                "A role definition needs at least one permission with actions.".into(),
            ));
        }
        if role.assignable_scopes.is_empty() {
            return Err(Error::Invalid(
                "A role definition needs at least one assignable scope, such as /subscriptions/{id}.".into(),
            ));
        }
        for scope in &role.assignable_scopes {
            self.scope_of_tenant(tenant, scope).await?;
        }
        let existing = self
            .store
            .custom_roles(&tenant.id)
            .await?
            .into_iter()
            .find(|r| r.id == id);
        let def = RoleDefinition {
            id: id.clone(),
            tenant_id: Some(tenant.id.clone()),
            role_name: name.to_owned(),
            description: role.description,
            permissions: role.permissions,
            assignable_scopes: role.assignable_scopes.iter().map(RbacScope::path).collect(),
            created_at: existing.map_or_else(now, |e| e.created_at),
        };
        match self.store.put_custom_role(&def).await {
            Ok(()) => Ok(def),
            Err(StoreError::Conflict(_)) => Err(Error::Conflict {
                object: Object::RoleDefinition,
                name: name.to_owned(),
            }),
            Err(e) => Err(e.into()),
        }
    }

    /// Deletes a custom role no assignment uses; `None` when there was none.
    pub async fn delete_custom_role(&self, tenant: &Tenant, id: &str) -> Result<Option<RoleDefinition>, Error> {
        let id = id.to_ascii_lowercase();
        let Some(def) = self
            .store
            .custom_roles(&tenant.id)
            .await?
            .into_iter()
            .find(|r| r.id == id)
        else {
            return Ok(None);
        };
        if self.store.custom_role_uses(&tenant.id, &id).await? > 0 {
            return Err(Error::InUse {
                object: Object::RoleDefinition,
                name: def.role_name,
            });
        }
        self.store.delete_custom_role(&tenant.id, &id).await?;
        Ok(Some(def))
    }

    /// Checks that a scope exists in the tenant: its subscription, and its resource group.
    pub async fn scope_of_tenant(&self, tenant: &Tenant, scope: &RbacScope) -> Result<(), Error> {
        let sub = self
            .store
            .subscription(&scope.subscription_id)
            .await?
            .filter(|s| s.tenant_id == tenant.id)
            .ok_or_else(|| Error::NotFound {
                object: Object::Subscription,
                name: scope.subscription_id.clone(),
            })?;
        if let Some(rg) = &scope.resource_group {
            self.resource_group(&sub, rg).await?;
        }
        Ok(())
    }

    /// Creates a role assignment. Putting the same assignment again returns it unchanged
    /// (`false`: not created); the same principal and role at the same scope under another
    /// name is a conflict (ARM's `RoleAssignmentExists`).
    pub async fn create_role_assignment(
        &self,
        tenant: &Tenant,
        new: NewAssignment,
    ) -> Result<(RoleAssignment, bool), Error> {
        let id = guid(&new.id, "role assignment name")?;
        let role_definition_id = guid(&new.role_definition_id, "role definition id")?;
        let principal_id = guid(&new.principal_id, "principal id")?;
        self.scope_of_tenant(tenant, &new.scope).await?;
        let role = self.role_definition(tenant, &role_definition_id).await?;
        if !role.is_built_in() && !role.assignable_scopes.iter().any(|s| scope_path_covers(s, &new.scope)) {
            return Err(Error::Invalid(format!(
                "The role '{}' cannot be assigned at scope '{}': it is not within its assignable scopes.",
                role.role_name,
                new.scope.path()
            )));
        }
        let actual = self
            .store
            .principal_type(&tenant.id, &principal_id)
            .await?
            .ok_or_else(|| Error::PrincipalNotFound {
                id: principal_id.clone(),
                tenant: tenant.id.clone(),
            })?;
        if let Some(said) = new.principal_type {
            if said != actual {
                return Err(Error::Invalid(format!(
                    "The PrincipalId '{principal_id}' has type '{}', which is different from specified PrincipalType '{}'.",
                    actual.as_str(),
                    said.as_str()
                )));
            }
        }
        let assignment = RoleAssignment {
            id: id.clone(),
            tenant_id: tenant.id.clone(),
            scope: new.scope,
            role_definition_id,
            principal_id,
            principal_type: actual,
            description: new.description,
            created_by: new.created_by,
            created_at: now(),
        };
        if let Some(old) = self.store.rbac_assignment(&tenant.id, &id).await? {
            let same = old.scope.path().eq_ignore_ascii_case(&assignment.scope.path())
                && old.role_definition_id == assignment.role_definition_id
                && old.principal_id == assignment.principal_id;
            return if same {
                Ok((old, false))
            } else {
                Err(Error::Invalid(
                    "Tenant ID, application ID, principal ID, and scope are not allowed to be updated.".into(),
                ))
            };
        }
        match self.store.create_rbac_assignment(&assignment).await {
            Ok(()) => Ok((assignment, true)),
            Err(StoreError::Conflict(_)) => Err(Error::Conflict {
                object: Object::RoleAssignment,
                name: id,
            }),
            Err(e) => Err(e.into()),
        }
    }

    /// A principal named the way people name them: a user by UPN or object id, a service
    /// principal by appId or object id, a group by object id.
    pub async fn resolve_principal(&self, tenant: &Tenant, which: &str) -> Result<(String, PrincipalType), Error> {
        let key = which.to_ascii_lowercase();
        if let Ok(user) = self.user(tenant, which).await {
            return Ok((user.id, PrincipalType::User));
        }
        if let Some(sp) = self.store.service_principal_by_app_id(&tenant.id, &key).await? {
            return Ok((sp.id, PrincipalType::ServicePrincipal));
        }
        match self.store.principal_type(&tenant.id, &key).await? {
            Some(kind) => Ok((key, kind)),
            None => Err(Error::PrincipalNotFound {
                id: which.to_owned(),
                tenant: tenant.id.clone(),
            }),
        }
    }

    pub async fn role_assignment(&self, tenant: &Tenant, id: &str) -> Result<Option<RoleAssignment>, Error> {
        Ok(self.store.rbac_assignment(&tenant.id, &id.to_ascii_lowercase()).await?)
    }

    /// Removes a role assignment; `None` when there was none.
    pub async fn delete_role_assignment(&self, tenant: &Tenant, id: &str) -> Result<Option<RoleAssignment>, Error> {
        Ok(self
            .store
            .delete_rbac_assignment(&tenant.id, &id.to_ascii_lowercase())
            .await?)
    }
}

/// Whether an assignable-scope path (`/`, `/subscriptions/S`, `/subscriptions/S/resourceGroups/G`)
/// covers `scope`.
fn scope_path_covers(path: &str, scope: &RbacScope) -> bool {
    let path = path.trim_end_matches('/').to_lowercase();
    let target = scope.path().to_lowercase();
    path.is_empty() || target == path || target.starts_with(&format!("{path}/"))
}
