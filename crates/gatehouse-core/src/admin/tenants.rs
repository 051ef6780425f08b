//! `gatehouse tenant create|list|show`.

use gatehouse_keys::{Algorithm, KeyRecord};

use super::Admin;
use crate::error::{Error, Object};
use crate::model::{new_guid, now, Tenant, DEFAULT_TOKEN_LIFETIME, MAX_TOKEN_LIFETIME, MIN_TOKEN_LIFETIME};
use crate::service::TENANT_ALIASES;

#[derive(Debug, Clone)]
pub struct NewTenant {
    pub name: String,
    pub display_name: Option<String>,
    pub signing_alg: Algorithm,
    pub token_lifetime_seconds: Option<i64>,
}

/// Tenant names go into URLs and the clients' tenant ids: letters, digits, `-`, `.`.
pub fn validate_name(name: &str) -> Result<String, Error> {
    let name = name.to_ascii_lowercase();
    let ok = !name.is_empty()
        && name.len() <= 63
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
        && !name.starts_with(['-', '.'])
        && uuid::Uuid::parse_str(&name).is_err()
        && !TENANT_ALIASES.contains(&name.as_str());
    if ok {
        Ok(name)
    } else {
        Err(Error::Invalid(format!(
            "Tenant name '{name}' is not valid: use 1-63 letters, digits, '-' or '.', not a GUID and not common/organizations/consumers."
        )))
    }
}

pub fn validate_lifetime(seconds: i64) -> Result<i64, Error> {
    if (MIN_TOKEN_LIFETIME..=MAX_TOKEN_LIFETIME).contains(&seconds) {
        Ok(seconds)
    } else {
        Err(Error::Invalid(format!(
            "Token lifetime {seconds} s is out of range: choose between {MIN_TOKEN_LIFETIME} (5 minutes) and {MAX_TOKEN_LIFETIME} (24 hours)."
        )))
    }
}

impl Admin {
    /// Creates a tenant and its signing keys (one RS256 and one ES256, both published).
    pub async fn create_tenant(&self, new: NewTenant) -> Result<Tenant, Error> {
        let name = validate_name(&new.name)?;
        let lifetime = validate_lifetime(new.token_lifetime_seconds.unwrap_or(DEFAULT_TOKEN_LIFETIME))?;
        if self.store.tenant_by_name(&name).await?.is_some() {
            return Err(Error::Conflict {
                object: Object::Tenant,
                name,
            });
        }
        let t = now();
        let tenant = Tenant {
            id: new_guid(),
            display_name: new.display_name.unwrap_or_else(|| name.clone()),
            name,
            signing_alg: new.signing_alg,
            token_lifetime_seconds: lifetime,
            created_at: t,
        };
        let mut keys = Vec::new();
        for alg in Algorithm::all() {
            keys.push(KeyRecord::generate(&self.kek, &tenant.id, alg, t)?.0);
        }
        self.store.create_tenant(&tenant, &keys).await?;
        Ok(tenant)
    }

    pub async fn list_tenants(&self) -> Result<Vec<crate::model::Tenant>, Error> {
        Ok(self.store.list_tenants().await?)
    }
}
