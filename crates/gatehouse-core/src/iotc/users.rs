//! The principals of the IoT Central door: directory users (`type: email`) and service
//! principals (`type: servicePrincipal`, by tenant and object id), each with
//! `roles: [{role, organization?}]`. Writing a user needs `users.manage` at every organization
//! its old and new roles name, and may grant only roles the caller holds there (no escalation);
//! reading needs `users.read` there.
//!
//! The CLI's `gatehouse role assign` acts as the installation operator ([`Actor::operator`]);
//! the first start makes its administrator user and service principal Administrators at the
//! root ([`Iotc::bootstrap_administrators`]).

use super::roles::{MANAGE_USERS, READ_USERS};
use super::{bad_id, valid_id, Actor, Iotc};
use crate::error::{Error, Object};
use crate::model::{now, IotcUser, IotcUserKind, RoleRef, Tenant};

/// A PUT of `/api/users/{id}`.
#[derive(Debug, Clone)]
pub struct NewIotcUser {
    pub kind: IotcUserKind,
    /// `Email` users: the sign-in name.
    pub email: Option<String>,
    /// Service principals: the tenant (must be the caller's) and the object id.
    pub tenant_id: Option<String>,
    pub object_id: Option<String>,
    pub roles: Vec<RoleRef>,
}

fn not_found(id: &str) -> Error {
    Error::NotFound {
        object: Object::User,
        name: id.to_owned(),
    }
}

fn covers_all(who: &Actor, rules: &super::roles::Rules, permission: &str, roles: &[RoleRef]) -> bool {
    roles
        .iter()
        .all(|r| rules.may(&who.roles, permission, r.organization.as_deref()))
}

impl Iotc {
    /// The directory object a new user names: `(principal id, email)`.
    async fn resolve(&self, who: &Actor, new: &NewIotcUser) -> Result<(String, Option<String>), Error> {
        let tenant = &who.tenant_id;
        let missing = |id: &str| Error::PrincipalNotFound {
            id: id.to_owned(),
            tenant: tenant.clone(),
        };
        match new.kind {
            IotcUserKind::Email => {
                let email = new
                    .email
                    .as_deref()
                    .ok_or_else(|| Error::Invalid("A user of type email needs an email.".into()))?
                    .to_ascii_lowercase();
                let user = self
                    .store
                    .user_by_upn(tenant, &email)
                    .await?
                    .ok_or_else(|| missing(&email))?;
                Ok((user.id, Some(email)))
            }
            IotcUserKind::ServicePrincipal => {
                let (Some(t), Some(oid)) = (&new.tenant_id, &new.object_id) else {
                    return Err(Error::Invalid(
                        "A user of type servicePrincipal needs a tenantId and an objectId.".into(),
                    ));
                };
                if !t.eq_ignore_ascii_case(tenant) {
                    return Err(Error::Invalid(
                        "The service principal's tenantId must be this application's tenant.".into(),
                    ));
                }
                let oid = oid.to_ascii_lowercase();
                let sp = self
                    .store
                    .service_principal_by_id(tenant, &oid)
                    .await?
                    .ok_or_else(|| missing(&oid))?;
                Ok((sp.id, None))
            }
        }
    }

    /// Creates or replaces user `id`.
    pub async fn put_user(&self, who: &Actor, id: &str, new: NewIotcUser) -> Result<IotcUser, Error> {
        if !valid_id(id) {
            return Err(bad_id("user"));
        }
        let id = id.to_ascii_lowercase();
        let rules = self.rules(&who.tenant_id).await?;
        let roles = rules.normalize(&new.roles);
        Self::check_grant(who, &rules, MANAGE_USERS, &roles)?;
        let old = self.store.iotc_user(&who.tenant_id, &id).await?;
        if let Some(old) = &old {
            if !covers_all(who, &rules, MANAGE_USERS, &old.roles) {
                return Err(super::refused(who, MANAGE_USERS, old.roles[0].organization.as_deref()));
            }
        }
        let (principal_id, email) = self.resolve(who, &new).await?;
        let user = IotcUser {
            tenant_id: who.tenant_id.clone(),
            id: id.clone(),
            kind: new.kind,
            principal_id,
            email,
            roles,
            created_at: old.map_or_else(now, |o| o.created_at),
        };
        let mut uow = self.writer(who).await?.begin().await?;
        uow.put_iotc_user(&user).await.map_err(|e| match e {
            crate::StoreError::Conflict(_) => Error::Conflict {
                object: Object::User,
                name: format!("{} (another user names the same principal)", user.principal_id),
            },
            other => other.into(),
        })?;
        uow.commit().await?;
        Ok(user)
    }

    pub async fn user(&self, who: &Actor, id: &str) -> Result<IotcUser, Error> {
        let id = id.to_ascii_lowercase();
        let user = self
            .store
            .iotc_user(&who.tenant_id, &id)
            .await?
            .ok_or_else(|| not_found(&id))?;
        let rules = self.rules(&who.tenant_id).await?;
        if !covers_all(who, &rules, READ_USERS, &user.roles) {
            return Err(super::refused(who, READ_USERS, user.roles[0].organization.as_deref()));
        }
        Ok(user)
    }

    pub async fn users(&self, who: &Actor) -> Result<Vec<IotcUser>, Error> {
        let rules = self.rules(&who.tenant_id).await?;
        if !rules.may_somewhere(&who.roles, READ_USERS) {
            return Err(super::refused(who, READ_USERS, None));
        }
        let all = self.store.iotc_users(&who.tenant_id).await?;
        Ok(all
            .into_iter()
            .filter(|u| covers_all(who, &rules, READ_USERS, &u.roles))
            .collect())
    }

    pub async fn delete_user(&self, who: &Actor, id: &str) -> Result<(), Error> {
        let user = self.user(who, id).await?;
        let rules = self.rules(&who.tenant_id).await?;
        if !covers_all(who, &rules, MANAGE_USERS, &user.roles) {
            return Err(super::refused(who, MANAGE_USERS, user.roles[0].organization.as_deref()));
        }
        let mut uow = self.writer(who).await?.begin().await?;
        if !uow.delete_iotc_user(&who.tenant_id, &user.id).await? {
            return Err(not_found(&user.id));
        }
        uow.commit().await?;
        Ok(())
    }

    /// `gatehouse role assign`: gives `assignee` (a sign-in name, an appId or an object id of a
    /// user or service principal) `role` (id or name) at `organization`, adding it to the roles
    /// the principal already holds in the door (a new user's id is the principal's object id).
    pub async fn assign_role(
        &self,
        who: &Actor,
        assignee: &str,
        role: &str,
        organization: Option<&str>,
    ) -> Result<IotcUser, Error> {
        let tenant = who.tenant_id.clone();
        let key = assignee.trim().to_ascii_lowercase();
        let (kind, principal_id, email) = if let Some(u) = self.store.user_by_upn(&tenant, &key).await? {
            (IotcUserKind::Email, u.id, Some(u.user_principal_name))
        } else if let Some(u) = self.store.user_by_id(&tenant, &key).await? {
            (IotcUserKind::Email, u.id, Some(u.user_principal_name))
        } else if let Some(sp) = self.store.service_principal_by_app_id(&tenant, &key).await? {
            (IotcUserKind::ServicePrincipal, sp.id, None)
        } else if let Some(sp) = self.store.service_principal_by_id(&tenant, &key).await? {
            (IotcUserKind::ServicePrincipal, sp.id, None)
        } else {
            return Err(Error::PrincipalNotFound { id: key, tenant });
        };
        let wanted = RoleRef {
            role: role.to_owned(),
            organization: organization.map(str::to_owned),
        };
        let existing = self.store.iotc_user_by_principal(&tenant, &principal_id).await?;
        let (id, mut roles) = match &existing {
            Some(u) => (u.id.clone(), u.roles.clone()),
            None => (principal_id.clone(), Vec::new()),
        };
        let wanted = self
            .rules(&tenant)
            .await?
            .normalize(std::slice::from_ref(&wanted))
            .remove(0);
        if !roles.contains(&wanted) {
            roles.push(wanted);
        }
        self.put_user(
            who,
            &id,
            NewIotcUser {
                kind,
                email,
                tenant_id: Some(tenant.clone()),
                object_id: Some(principal_id),
                roles,
            },
        )
        .await
    }

    /// First start: `principals` (object ids of users and service principals) become
    /// Administrators at the root.
    pub async fn bootstrap_administrators(&self, tenant: &Tenant, principals: &[&str]) -> Result<(), Error> {
        let operator = Actor::operator(&tenant.id);
        for p in principals {
            self.assign_role(&operator, p, super::roles::ADMINISTRATOR, None)
                .await?;
        }
        Ok(())
    }
}
