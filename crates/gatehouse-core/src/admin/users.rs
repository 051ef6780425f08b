//! `gatehouse user create|list|show|update|delete` (the verbs and flags of `az ad user`).

use super::Admin;
use crate::browser::sign_in::{normalize_upn, MAX_UPN};
use crate::error::{Error, Object};
use crate::model::{new_guid, now, Tenant, User};
use crate::password;

#[derive(Debug, Clone, Default)]
pub struct NewUser {
    pub user_principal_name: String,
    pub display_name: String,
    pub password: String,
    pub account_enabled: bool,
    /// The next password sign-in must set a new password first.
    pub password_change_required: bool,
}

/// What `user update` changes; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct UserChanges {
    pub display_name: Option<String>,
    pub password: Option<String>,
    pub account_enabled: Option<bool>,
    /// `None` with a new password clears the flag (the user chose, or was given, a password).
    pub password_change_required: Option<bool>,
}

/// A user principal name: `name@domain`, printable, no spaces.
pub fn validate_upn(upn: &str) -> Result<String, Error> {
    let upn = normalize_upn(upn);
    let ok = upn.len() <= MAX_UPN
        && upn
            .split_once('@')
            .is_some_and(|(a, b)| !a.is_empty() && !b.is_empty() && !b.contains('@'))
        && upn.chars().all(|c| c.is_alphanumeric() || "._-+'@".contains(c));
    if ok {
        Ok(upn)
    } else {
        Err(Error::Invalid(format!(
            "User principal name '{upn}' is not valid: use name@domain with letters, digits and . _ - + ' (e.g. ada@contoso.com)."
        )))
    }
}

fn validate_display_name(name: &str) -> Result<String, Error> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 256 {
        return Err(Error::Invalid(
            "The user's display name must have 1 to 256 characters.".into(),
        ));
    }
    Ok(name.to_owned())
}

impl Admin {
    pub async fn create_user(&self, tenant: &Tenant, new: NewUser) -> Result<User, Error> {
        let upn = validate_upn(&new.user_principal_name)?;
        let display_name = validate_display_name(&new.display_name)?;
        password::validate(&new.password)?;
        if self.store.user_by_upn(&tenant.id, &upn).await?.is_some() {
            return Err(Error::Conflict {
                object: Object::User,
                name: upn,
            });
        }
        let user = User {
            id: new_guid(),
            tenant_id: tenant.id.clone(),
            user_principal_name: upn,
            display_name,
            password_hash: password::hash(new.password).await?,
            account_enabled: new.account_enabled,
            password_change_required: new.password_change_required,
            created_at: now(),
        };
        self.store.create_user(&user).await?;
        Ok(user)
    }

    /// A user by object id or user principal name.
    pub async fn user(&self, tenant: &Tenant, which: &str) -> Result<User, Error> {
        let found = match self.store.user_by_id(&tenant.id, &which.to_ascii_lowercase()).await? {
            Some(u) => Some(u),
            None => self.store.user_by_upn(&tenant.id, &normalize_upn(which)).await?,
        };
        found.ok_or_else(|| Error::NotFound {
            object: Object::User,
            name: which.to_owned(),
        })
    }

    /// The sign-in log of a tenant, newest first (`upn` narrows it to one name as typed).
    pub async fn sign_ins(
        &self,
        tenant: &Tenant,
        upn: Option<&str>,
        limit: i64,
    ) -> Result<Vec<crate::model::SignInEvent>, Error> {
        let upn = upn.map(crate::browser::sign_in::normalize_upn);
        Ok(self
            .store
            .sign_ins(&tenant.id, upn.as_deref(), limit.clamp(1, 10_000))
            .await?)
    }

    pub async fn list_users(&self, tenant: &Tenant) -> Result<Vec<User>, Error> {
        Ok(self.store.list_users(&tenant.id).await?)
    }

    pub async fn update_user(&self, tenant: &Tenant, which: &str, changes: UserChanges) -> Result<User, Error> {
        let mut user = self.user(tenant, which).await?;
        if let Some(name) = changes.display_name {
            user.display_name = validate_display_name(&name)?;
        }
        if let Some(pw) = changes.password {
            password::validate(&pw)?;
            user.password_hash = password::hash(pw).await?;
            user.password_change_required = false;
        }
        if let Some(required) = changes.password_change_required {
            user.password_change_required = required;
        }
        if let Some(enabled) = changes.account_enabled {
            user.account_enabled = enabled;
        }
        self.store.update_user(&user).await?;
        Ok(user)
    }

    /// Deletes a user; their refresh-token families stop working at once. One unit of work:
    /// the user, the revoked families and their revocation-feed entries commit together.
    pub async fn delete_user(&self, tenant: &Tenant, which: &str) -> Result<User, Error> {
        let user = self.user(tenant, which).await?;
        let mut uow = self.store.begin().await?;
        // The user's PATs go with the row (ON DELETE CASCADE); guards that cached one drop it
        // on this `credential` revocation.
        let pats = uow.live_pats_of_user(&tenant.id, &user.id, crate::model::now()).await?;
        let revoked = uow.delete_user(&tenant.id, &user.id).await?.unwrap_or_default();
        for (authorization_id, valid_to) in pats {
            uow.revoke(
                &tenant.id,
                crate::model::RevocationKind::Credential,
                &authorization_id,
                valid_to,
            )
            .await?;
        }
        // Guards refuse the access tokens of the user's families within their polling bound.
        for (family, expires_at) in revoked {
            uow.revoke(&tenant.id, crate::model::RevocationKind::Sid, &family, expires_at)
                .await?;
        }
        uow.commit().await?;
        // Its memberships go too (a later user never inherits them: ids are never reused).
        self.store.remove_from_all_groups(&tenant.id, &user.id).await?;
        Ok(user)
    }
}
