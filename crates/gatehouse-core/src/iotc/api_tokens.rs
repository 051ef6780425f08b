//! API tokens: created with roles (each at an organization or the root) and an expiry of at
//! most one year (one year by default), shown once as
//! `SharedAccessSignature sr={tenant}&sig={secret}&skn={id}&se={expiry ms}`, stored as the
//! SHA-256 of the secret, listed and read without it, and deleted (revoked at once: the delete
//! publishes a `credential` revocation in the same unit of work, so guards drop it).
//!
//! Managing tokens needs `apiTokens.manage` (reading, `apiTokens.read`) at every organization a
//! token's roles name; minting needs, besides, every permission of each role it carries there.

use gatehouse_protocol::sas::Sas;
use time::OffsetDateTime;

use super::roles::{MANAGE_API_TOKENS, READ_API_TOKENS};
use super::{bad_id, valid_id, Actor, Iotc};
use crate::error::{Error, Object};
use crate::model::{now, ApiToken, RevocationKind, RoleRef};
use crate::secret;

/// The secret's length in random bytes (256 bits).
pub const SECRET_BYTES: usize = 32;

/// A token just created: the stored object and its text, shown this once.
pub struct CreatedToken {
    pub token: ApiToken,
    pub text: String,
}

impl std::fmt::Debug for CreatedToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CreatedToken")
            .field("token", &self.token)
            .finish_non_exhaustive()
    }
}

fn not_found(id: &str) -> Error {
    Error::NotFound {
        object: Object::ApiToken,
        name: id.to_owned(),
    }
}

/// Now in epoch milliseconds.
pub fn now_ms() -> i64 {
    (OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000) as i64
}

/// The latest expiry allowed for a token made at `now_ms`: one calendar year later (365 days
/// when the date has no twin next year, 29 February).
pub fn max_expiry_ms(now_ms: i64) -> i64 {
    let Ok(now) = OffsetDateTime::from_unix_timestamp_nanos(now_ms as i128 * 1_000_000) else {
        return now_ms;
    };
    let later = now
        .replace_year(now.year() + 1)
        .unwrap_or(now + time::Duration::days(365));
    (later.unix_timestamp_nanos() / 1_000_000) as i64
}

fn covers_all(who: &Actor, rules: &super::roles::Rules, permission: &str, roles: &[RoleRef]) -> bool {
    roles
        .iter()
        .all(|r| rules.may(&who.roles, permission, r.organization.as_deref()))
}

impl Iotc {
    /// Creates token `id` with `roles` and `expiry_ms` (`None`: one year).
    pub async fn create_api_token(
        &self,
        who: &Actor,
        id: &str,
        roles: &[RoleRef],
        expiry_ms: Option<i64>,
    ) -> Result<CreatedToken, Error> {
        if !valid_id(id) {
            return Err(bad_id("API token"));
        }
        let id = id.to_ascii_lowercase();
        let rules = self.rules(&who.tenant_id).await?;
        let roles = rules.normalize(roles);
        // A token acts in one organization (and those below it), as IoT Central's page makes it.
        if roles.windows(2).any(|w| w[0].organization != w[1].organization) {
            return Err(Error::Invalid(
                "All roles of an API token must name the same organization.".into(),
            ));
        }
        Self::check_grant(who, &rules, MANAGE_API_TOKENS, &roles)?;
        let at = now_ms();
        let max = max_expiry_ms(at);
        let expiry_ms = match expiry_ms {
            None => max,
            Some(e) if e <= at => return Err(Error::Invalid("The expiry must be in the future.".into())),
            Some(e) if e > max => {
                return Err(Error::Invalid(
                    "The expiry may be at most one year from now; leave it out for one year.".into(),
                ))
            }
            Some(e) => e,
        };
        if self.store.api_token(&who.tenant_id, &id).await?.is_some() {
            return Err(Error::Conflict {
                object: Object::ApiToken,
                name: id,
            });
        }
        let sig = secret::random_token(SECRET_BYTES);
        let token = ApiToken {
            tenant_id: who.tenant_id.clone(),
            id: id.clone(),
            roles,
            expiry_ms,
            secret_hash: secret::sha256(sig.as_bytes()),
            created_by: who.label(),
            created_at: now(),
        };
        let mut uow = self.writer(who).await?.begin().await?;
        uow.create_api_token(&token).await.map_err(|e| match e {
            crate::StoreError::Conflict(_) => Error::Conflict {
                object: Object::ApiToken,
                name: id.clone(),
            },
            other => other.into(),
        })?;
        uow.commit().await?;
        let text = Sas {
            resource: who.tenant_id.clone(),
            signature: sig,
            key_name: id,
            expiry_ms: expiry_ms as u64,
        }
        .to_header();
        Ok(CreatedToken { token, text })
    }

    /// One token (never its secret) the caller may read.
    pub async fn api_token(&self, who: &Actor, id: &str) -> Result<ApiToken, Error> {
        let id = id.to_ascii_lowercase();
        let token = self
            .store
            .api_token(&who.tenant_id, &id)
            .await?
            .ok_or_else(|| not_found(&id))?;
        let rules = self.rules(&who.tenant_id).await?;
        if !covers_all(who, &rules, READ_API_TOKENS, &token.roles) {
            return Err(super::refused(
                who,
                READ_API_TOKENS,
                token.roles[0].organization.as_deref(),
            ));
        }
        Ok(token)
    }

    /// The tokens the caller may read, by id.
    pub async fn api_tokens(&self, who: &Actor) -> Result<Vec<ApiToken>, Error> {
        let rules = self.rules(&who.tenant_id).await?;
        if !rules.may_somewhere(&who.roles, READ_API_TOKENS) {
            return Err(super::refused(who, READ_API_TOKENS, None));
        }
        let all = self.store.api_tokens(&who.tenant_id).await?;
        Ok(all
            .into_iter()
            .filter(|t| covers_all(who, &rules, READ_API_TOKENS, &t.roles))
            .collect())
    }

    /// Deletes a token and publishes its revocation, in one unit of work.
    pub async fn delete_api_token(&self, who: &Actor, id: &str) -> Result<(), Error> {
        let id = id.to_ascii_lowercase();
        let token = self
            .store
            .api_token(&who.tenant_id, &id)
            .await?
            .ok_or_else(|| not_found(&id))?;
        let rules = self.rules(&who.tenant_id).await?;
        if !covers_all(who, &rules, MANAGE_API_TOKENS, &token.roles) {
            return Err(super::refused(
                who,
                MANAGE_API_TOKENS,
                token.roles[0].organization.as_deref(),
            ));
        }
        let mut uow = self.writer(who).await?.begin().await?;
        let Some(gone) = uow.delete_api_token(&who.tenant_id, &id).await? else {
            return Err(not_found(&id));
        };
        // The entry lives as long as the token could have: a guard never needs it after that.
        let until = gone.expiry_ms.div_euclid(1000) + 1;
        uow.revoke(&who.tenant_id, RevocationKind::Credential, &id, until)
            .await?;
        uow.commit().await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_year_is_a_calendar_year() {
        // 2026-03-01T00:00:00Z -> 2027-03-01T00:00:00Z
        let t = 1_772_323_200_000;
        assert_eq!(max_expiry_ms(t) - t, 365 * 86_400_000);
        // 2027-03-01 -> 2028-03-01 crosses 29 February 2028.
        let t = 1_803_859_200_000;
        assert_eq!(max_expiry_ms(t) - t, 366 * 86_400_000);
    }
}
