//! Groups: create, list, show, delete, and their members (users, service principals, groups).

use super::directory::DirectoryObject;
use super::Admin;
use crate::error::{Error, Object};
use crate::model::{new_guid, now, Group, GroupMember, MemberKind, Tenant};

#[derive(Debug, Clone, Default)]
pub struct NewGroup {
    pub display_name: String,
    pub mail_nickname: String,
    pub description: Option<String>,
    pub security_enabled: bool,
    pub mail_enabled: bool,
}

fn not_found(id: &str) -> Error {
    Error::NotFound {
        object: Object::Group,
        name: id.to_owned(),
    }
}

impl Admin {
    pub async fn create_group(&self, tenant: &Tenant, new: NewGroup) -> Result<Group, Error> {
        let display_name = new.display_name.trim().to_owned();
        if display_name.is_empty() || display_name.chars().count() > 256 {
            return Err(Error::Invalid(
                "The group's display name must have 1 to 256 characters.".into(),
            ));
        }
        let nick = new.mail_nickname.trim().to_owned();
        if nick.is_empty()
            || nick.len() > 64
            || !nick
                .chars()
                .all(|c| c.is_ascii_graphic() && !"@()\\[]\";:<>,".contains(c))
        {
            return Err(Error::Invalid(
                "The group's mail nickname must have 1 to 64 printable ASCII characters without @ ( ) \\ [ ] \" ; : < > , or spaces.".into(),
            ));
        }
        if new.description.as_ref().is_some_and(|d| d.chars().count() > 1024) {
            return Err(Error::Invalid(
                "The group's description may have at most 1024 characters.".into(),
            ));
        }
        let group = Group {
            id: new_guid(),
            tenant_id: tenant.id.clone(),
            display_name,
            mail_nickname: nick,
            description: new.description,
            security_enabled: new.security_enabled,
            mail_enabled: new.mail_enabled,
            created_at: now(),
        };
        self.store.create_group(&group).await?;
        Ok(group)
    }

    pub async fn group(&self, tenant: &Tenant, id: &str) -> Result<Group, Error> {
        self.store
            .group_by_id(&tenant.id, &id.to_ascii_lowercase())
            .await?
            .ok_or_else(|| not_found(id))
    }

    pub async fn list_groups(&self, tenant: &Tenant) -> Result<Vec<Group>, Error> {
        Ok(self.store.list_groups(&tenant.id).await?)
    }

    pub async fn delete_group(&self, tenant: &Tenant, id: &str) -> Result<(), Error> {
        if self.store.delete_group(&tenant.id, &id.to_ascii_lowercase()).await? {
            Ok(())
        } else {
            Err(not_found(id))
        }
    }

    /// Adds a user, service principal or group (by object id) to a group. A group cannot
    /// contain itself; an existing member is a `Conflict`.
    pub async fn add_group_member(&self, tenant: &Tenant, group_id: &str, member_id: &str) -> Result<(), Error> {
        let group = self.group(tenant, group_id).await?;
        let member = self
            .directory_object(tenant, member_id)
            .await?
            .ok_or_else(|| Error::NotFound {
                object: Object::DirectoryObject,
                name: member_id.to_owned(),
            })?;
        let kind = match &member {
            DirectoryObject::User(_) => MemberKind::User,
            DirectoryObject::ServicePrincipal(_) => MemberKind::ServicePrincipal,
            DirectoryObject::Group(_) => MemberKind::Group,
            DirectoryObject::Application(_) => {
                return Err(Error::Invalid(
                    "An application cannot be a group member; add its service principal.".into(),
                ))
            }
        };
        if member.id() == group.id {
            return Err(Error::Invalid("A group cannot be a member of itself.".into()));
        }
        let m = GroupMember {
            group_id: group.id.clone(),
            member_id: member.id().to_owned(),
            kind,
            created_at: now(),
        };
        match self.store.add_member(&tenant.id, &m).await {
            Ok(()) => Ok(()),
            Err(crate::StoreError::Conflict(_)) => Err(Error::Conflict {
                object: Object::Group,
                name: member.id().to_owned(),
            }),
            Err(crate::StoreError::NotFound(_)) => Err(not_found(group_id)),
            Err(e) => Err(e.into()),
        }
    }

    pub async fn remove_group_member(&self, tenant: &Tenant, group_id: &str, member_id: &str) -> Result<(), Error> {
        let group = self.group(tenant, group_id).await?;
        if self
            .store
            .remove_member(&tenant.id, &group.id, &member_id.to_ascii_lowercase())
            .await?
        {
            Ok(())
        } else {
            Err(Error::NotFound {
                object: Object::DirectoryObject,
                name: member_id.to_owned(),
            })
        }
    }

    /// The direct members of a group, as directory objects (members deleted meanwhile are
    /// left out).
    pub async fn group_members(&self, tenant: &Tenant, group_id: &str) -> Result<Vec<DirectoryObject>, Error> {
        let group = self.group(tenant, group_id).await?;
        let mut out = Vec::new();
        for m in self.store.members(&tenant.id, &group.id).await? {
            if let Some(o) = self.directory_object(tenant, &m.member_id).await? {
                out.push(o);
            }
        }
        Ok(out)
    }
}
