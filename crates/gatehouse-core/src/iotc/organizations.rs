//! Organizations: a tree per tenant under the root (the tenant itself). Creating one needs
//! `organizations.manage` at its parent; renaming or moving one needs it at the organization
//! (and at the new parent); deleting one needs it at its parent and is refused (`InUse`) while
//! it has children or an API token or a user holds a role in it.

use super::roles::{MANAGE_ORGANIZATIONS, VIEW};
use super::{bad_id, valid_id, Actor, Iotc};
use crate::error::{Error, Object};
use crate::model::{now, Organization};
use crate::store::Removal;

/// What a PATCH changes (`parent: Some(None)` moves it under the root).
#[derive(Debug, Clone, Default)]
pub struct OrganizationPatch {
    pub display_name: Option<String>,
    pub parent: Option<Option<String>>,
}

fn not_found(id: &str) -> Error {
    Error::NotFound {
        object: Object::Organization,
        name: id.to_owned(),
    }
}

fn display_name(name: &str) -> Result<String, Error> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 256 {
        return Err(Error::Invalid(
            "The organization's displayName must have 1 to 256 characters.".into(),
        ));
    }
    Ok(name.to_owned())
}

impl Iotc {
    /// Creates organization `id` (PUT of a new id).
    pub async fn create_organization(
        &self,
        who: &Actor,
        id: &str,
        name: &str,
        parent: Option<&str>,
    ) -> Result<Organization, Error> {
        if !valid_id(id) {
            return Err(bad_id("organization"));
        }
        let id = id.to_ascii_lowercase();
        let parent = parent.map(str::to_ascii_lowercase);
        let rules = self.rules(&who.tenant_id).await?;
        if let Some(p) = &parent {
            if !rules.tree.contains(p) {
                return Err(not_found(p));
            }
        }
        Self::authorize(who, &rules, MANAGE_ORGANIZATIONS, parent.as_deref())?;
        if rules.tree.contains(&id) {
            return Err(Error::Conflict {
                object: Object::Organization,
                name: id,
            });
        }
        let org = Organization {
            tenant_id: who.tenant_id.clone(),
            id,
            display_name: display_name(name)?,
            parent,
            created_at: now(),
        };
        let mut uow = self.writer(who).await?.begin().await?;
        uow.create_organization(&org).await?;
        uow.commit().await?;
        Ok(org)
    }

    /// One organization the caller can see.
    pub async fn organization(&self, who: &Actor, id: &str) -> Result<Organization, Error> {
        let id = id.to_ascii_lowercase();
        let org = self
            .store
            .organization(&who.tenant_id, &id)
            .await?
            .ok_or_else(|| not_found(&id))?;
        let rules = self.rules(&who.tenant_id).await?;
        Self::authorize(who, &rules, VIEW, Some(&id))?;
        Ok(org)
    }

    /// The organizations the caller can see, oldest first.
    pub async fn organizations(&self, who: &Actor) -> Result<Vec<Organization>, Error> {
        let orgs = self.store.organizations(&who.tenant_id).await?;
        let custom = self.store.iotc_roles(&who.tenant_id).await?;
        let rules = super::roles::Rules::new(&orgs, &custom);
        if !rules.may_somewhere(&who.roles, VIEW) {
            return Err(super::refused(who, VIEW, None));
        }
        Ok(orgs
            .into_iter()
            .filter(|o| rules.may(&who.roles, VIEW, Some(&o.id)))
            .collect())
    }

    /// Renames or moves an organization (never under itself or one of its descendants).
    pub async fn update_organization(
        &self,
        who: &Actor,
        id: &str,
        patch: OrganizationPatch,
    ) -> Result<Organization, Error> {
        let id = id.to_ascii_lowercase();
        let mut org = self
            .store
            .organization(&who.tenant_id, &id)
            .await?
            .ok_or_else(|| not_found(&id))?;
        let rules = self.rules(&who.tenant_id).await?;
        Self::authorize(who, &rules, MANAGE_ORGANIZATIONS, Some(&id))?;
        if let Some(name) = patch.display_name {
            org.display_name = display_name(&name)?;
        }
        if let Some(parent) = patch.parent {
            let parent = parent.map(|p| p.to_ascii_lowercase());
            if let Some(p) = &parent {
                if !rules.tree.contains(p) {
                    return Err(not_found(p));
                }
                if rules.tree.covers(Some(&id), Some(p)) {
                    return Err(Error::Invalid(
                        "An organization cannot move under itself or one of its descendants.".into(),
                    ));
                }
            }
            Self::authorize(who, &rules, MANAGE_ORGANIZATIONS, parent.as_deref())?;
            org.parent = parent;
        }
        let mut uow = self.writer(who).await?.begin().await?;
        uow.update_organization(&org).await?;
        uow.commit().await?;
        Ok(org)
    }

    /// Deletes an organization nothing uses.
    pub async fn delete_organization(&self, who: &Actor, id: &str) -> Result<(), Error> {
        let id = id.to_ascii_lowercase();
        let org = self
            .store
            .organization(&who.tenant_id, &id)
            .await?
            .ok_or_else(|| not_found(&id))?;
        let rules = self.rules(&who.tenant_id).await?;
        Self::authorize(who, &rules, MANAGE_ORGANIZATIONS, org.parent.as_deref())?;
        // The use check is the delete's own, in its transaction: a token or user naming the
        // organization, or a child created meanwhile, cannot slip in between.
        let mut uow = self.writer(who).await?.begin().await?;
        match uow.delete_organization(&who.tenant_id, &id).await? {
            Removal::Removed => {}
            Removal::Missing => return Err(not_found(&id)),
            Removal::InUse(_) => {
                return Err(Error::InUse {
                    object: Object::Organization,
                    name: id,
                })
            }
        }
        uow.commit().await?;
        Ok(())
    }
}
