//! The PAT lifecycle and the check of a presented PAT.

use std::sync::Arc;
use std::time::Duration;

use gatehouse_protocol::pat::{Pat, ALPHABET, BODY_LEN};

use super::scopes;
use crate::error::Error;
use crate::model::{PatFilter, PatRefusal, PersonalAccessToken, RevocationKind, UnixTime};
use crate::secret;
use crate::store::Store;

/// The longest a PAT may live: one year from the moment it is created or updated.
pub const MAX_LIFETIME: i64 = 365 * 24 * 3600;
/// The lifetime of a PAT created without `validTo` (Azure DevOps' default: 30 days).
pub const DEFAULT_LIFETIME: i64 = 30 * 24 * 3600;
/// A list page holds this many PATs unless the caller asks for fewer.
pub const DEFAULT_PAGE: i64 = 20;
/// The largest page a caller may ask for.
pub const MAX_PAGE: i64 = 100;
/// Last use is written at most once per PAT per this many seconds.
pub const USE_RECORD_INTERVAL: i64 = 60;
const MAX_DISPLAY_NAME: usize = 256;

/// The signed-in user acting on their own PATs (from a user token of the DevOps resource, or
/// a browser session).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatCaller {
    pub tenant_id: String,
    pub user_id: String,
    /// The client address of the request, for the audit log.
    pub origin: Option<String>,
}

/// What a create request carries.
#[derive(Debug, Clone, Default)]
pub struct NewPat {
    pub display_name: Option<String>,
    /// Space-separated scope names.
    pub scope: Option<String>,
    /// `None`: [`DEFAULT_LIFETIME`] from now.
    pub valid_to: Option<UnixTime>,
}

/// What an update request carries; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct PatUpdate {
    pub authorization_id: String,
    pub display_name: Option<String>,
    pub scope: Option<String>,
    pub valid_to: Option<UnixTime>,
}

/// A new PAT and its text, which exists only in this answer.
#[derive(Debug)]
pub struct Created {
    pub pat: PersonalAccessToken,
    pub token: Pat,
}

/// One page of a list, and the token for the next page when there may be one.
#[derive(Debug)]
pub struct PatPage {
    pub pats: Vec<PersonalAccessToken>,
    pub continuation: Option<String>,
}

/// Who a valid PAT acts for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatPrincipal {
    pub tenant_id: String,
    pub user_id: String,
    pub user_principal_name: String,
    /// Every scope the PAT's scopes imply, sorted.
    pub scopes: Vec<String>,
    /// `validTo`, seconds since the epoch.
    pub exp: UnixTime,
    pub authorization_id: String,
}

/// The PAT operations; writes go through one unit of work each.
pub struct Pats {
    store: Arc<dyn Store>,
    /// PATs whose use this process recorded less than [`USE_RECORD_INTERVAL`] ago.
    recently_recorded: moka::sync::Cache<String, ()>,
}

fn refused(r: PatRefusal) -> Error {
    Error::PatRefused(r)
}

impl Pats {
    pub fn new(store: Arc<dyn Store>) -> Self {
        Self {
            store,
            recently_recorded: moka::sync::Cache::builder()
                .max_capacity(100_000)
                .time_to_live(Duration::from_secs(USE_RECORD_INTERVAL as u64))
                .build(),
        }
    }

    /// What `user_id` may put in PATs: the administrator's entitlement, or the default (every
    /// family's highest level: everything but full access).
    pub async fn entitlement(&self, tenant_id: &str, user_id: &str) -> Result<Vec<String>, Error> {
        Ok(self
            .store
            .pat_entitlement(tenant_id, user_id)
            .await?
            .unwrap_or_else(scopes::default_entitlement))
    }

    /// Sets (`Some`) or clears (`None`) what a user may put in PATs, audited as `who` (the
    /// operator). PATs already made keep their scopes: an entitlement narrows what new and
    /// updated PATs may hold.
    pub async fn set_entitlement(
        &self,
        who: crate::model::Actor,
        tenant_id: &str,
        user_id: &str,
        scope: Option<&str>,
    ) -> Result<Option<Vec<String>>, Error> {
        let parsed = scope
            .map(scopes::parse)
            .transpose()
            .map_err(|_| refused(PatRefusal::InvalidScope))?;
        if self.store.user_by_id(tenant_id, user_id).await?.is_none() {
            return Err(Error::NotFound {
                object: crate::error::Object::User,
                name: user_id.to_owned(),
            });
        }
        let mut uow = self.store.with_actor(who).begin().await?;
        uow.set_pat_entitlement(tenant_id, user_id, parsed.as_deref()).await?;
        uow.commit().await?;
        Ok(parsed)
    }

    /// The caller, who must exist and be enabled to manage PATs: a store handle whose changes
    /// are audited as them.
    async fn require_enabled(&self, who: &PatCaller) -> Result<Arc<dyn Store>, Error> {
        match self.store.user_by_id(&who.tenant_id, &who.user_id).await? {
            Some(u) if u.account_enabled => {
                let actor = crate::model::Actor::for_user(&u).from_origin(who.origin.clone());
                Ok(self.store.with_actor(actor))
            }
            _ => Err(refused(PatRefusal::AccessDenied)),
        }
    }

    fn display_name(name: Option<&str>) -> Result<String, Error> {
        let name = name.map(str::trim).unwrap_or("");
        if name.is_empty() {
            return Err(refused(PatRefusal::DisplayNameRequired));
        }
        if name.chars().count() > MAX_DISPLAY_NAME || name.chars().any(char::is_control) {
            return Err(refused(PatRefusal::InvalidDisplayName));
        }
        Ok(name.to_owned())
    }

    fn valid_to(valid_to: UnixTime, now: UnixTime) -> Result<UnixTime, Error> {
        if valid_to <= now || valid_to > now + MAX_LIFETIME {
            return Err(refused(PatRefusal::InvalidValidTo));
        }
        Ok(valid_to)
    }

    /// Scopes parsed and checked against what the user holds.
    async fn allowed_scopes(&self, who: &PatCaller, scope: Option<&str>) -> Result<Vec<String>, Error> {
        let wanted = scopes::parse(scope.unwrap_or("")).map_err(|_| refused(PatRefusal::InvalidScope))?;
        let held = self.entitlement(&who.tenant_id, &who.user_id).await?;
        if scopes::first_not_implied(&held, &wanted).is_some() {
            return Err(refused(PatRefusal::AccessDenied));
        }
        Ok(wanted)
    }

    /// Creates a PAT for the caller. The token text is in the answer only.
    pub async fn create(&self, who: &PatCaller, new: NewPat, now: UnixTime) -> Result<Created, Error> {
        let display_name = Self::display_name(new.display_name.as_deref())?;
        let valid_to = Self::valid_to(new.valid_to.unwrap_or(now + DEFAULT_LIFETIME), now)?;
        let store = self.require_enabled(who).await?;
        let scopes = self.allowed_scopes(who, new.scope.as_deref()).await?;
        let token = Pat::from_body(&secret::random_from(ALPHABET, BODY_LEN))
            .map_err(|_| Error::Internal("a drawn PAT body has the wrong shape".into()))?;
        let pat = PersonalAccessToken {
            authorization_id: uuid::Uuid::now_v7().to_string(),
            tenant_id: who.tenant_id.clone(),
            user_id: who.user_id.clone(),
            display_name,
            scopes,
            token_hash: secret::sha256(token.expose().as_bytes()),
            valid_from: now,
            valid_to,
            revoked_at: None,
            last_used_at: None,
        };
        let mut uow = store.begin().await?;
        uow.create_pat(&pat).await?;
        uow.commit().await?;
        Ok(Created { pat, token })
    }

    fn authorization_id(id: &str) -> Result<String, Error> {
        uuid::Uuid::parse_str(id.trim())
            .map(|u| u.to_string())
            .map_err(|_| refused(PatRefusal::InvalidAuthorizationId))
    }

    /// One of the caller's PATs (revoked ones too).
    pub async fn get(&self, who: &PatCaller, authorization_id: &str) -> Result<PersonalAccessToken, Error> {
        let id = Self::authorization_id(authorization_id)?;
        self.store
            .pat_by_id(&who.tenant_id, &who.user_id, &id)
            .await?
            .ok_or(refused(PatRefusal::AuthorizationNotFound))
    }

    /// A page of the caller's PATs. `continuation` is the previous page's token (opaque to
    /// callers); `top` at most [`MAX_PAGE`], [`DEFAULT_PAGE`] when absent.
    pub async fn list(
        &self,
        who: &PatCaller,
        filter: PatFilter,
        continuation: Option<&str>,
        top: Option<i64>,
        now: UnixTime,
    ) -> Result<PatPage, Error> {
        let limit = match top {
            None => DEFAULT_PAGE,
            Some(n) if (1..=MAX_PAGE).contains(&n) => n,
            Some(_) => return Err(Error::Invalid(format!("$top must be between 1 and {MAX_PAGE}"))),
        };
        let after = match continuation.filter(|c| !c.is_empty()) {
            None => None,
            Some(c) => Some(
                Self::authorization_id(c).map_err(|_| Error::Invalid("the continuationToken is not valid".into()))?,
            ),
        };
        let mut pats = self
            .store
            .list_pats(&who.tenant_id, &who.user_id, filter, now, after.as_deref(), limit + 1)
            .await?;
        let continuation = if pats.len() as i64 > limit {
            pats.truncate(limit as usize);
            pats.last().map(|p| p.authorization_id.clone())
        } else {
            None
        };
        Ok(PatPage { pats, continuation })
    }

    /// Renames, re-scopes or extends one of the caller's PATs that is not revoked. The new
    /// `validTo` is capped like a new PAT's: at most one year from now.
    pub async fn update(
        &self,
        who: &PatCaller,
        update: PatUpdate,
        now: UnixTime,
    ) -> Result<PersonalAccessToken, Error> {
        let mut pat = self.get(who, &update.authorization_id).await?;
        if pat.revoked_at.is_some() {
            return Err(refused(PatRefusal::AuthorizationNotFound));
        }
        if update.display_name.is_some() {
            pat.display_name = Self::display_name(update.display_name.as_deref())?;
        }
        if let Some(v) = update.valid_to {
            pat.valid_to = Self::valid_to(v, now)?;
        }
        let store = self.require_enabled(who).await?;
        if update.scope.is_some() {
            pat.scopes = self.allowed_scopes(who, update.scope.as_deref()).await?;
        }
        let mut uow = store.begin().await?;
        if !uow.update_pat(&pat).await? {
            return Err(refused(PatRefusal::AuthorizationNotFound));
        }
        uow.commit().await?;
        Ok(pat)
    }

    /// Revokes one of the caller's PATs at once, and publishes a `credential` revocation
    /// (value: the authorization id) so guards that cached it drop it within their bound.
    pub async fn revoke(&self, who: &PatCaller, authorization_id: &str, now: UnixTime) -> Result<(), Error> {
        let pat = self.get(who, authorization_id).await?;
        // A disabled user may still revoke their PATs: audited as them all the same.
        let actor = match self.store.user_by_id(&who.tenant_id, &who.user_id).await? {
            Some(u) => crate::model::Actor::for_user(&u),
            None => crate::model::Actor::new(crate::model::ActorKind::User, &who.user_id, &who.user_id),
        };
        let mut uow = self
            .store
            .with_actor(actor.from_origin(who.origin.clone()))
            .begin()
            .await?;
        if !uow
            .revoke_pat(&who.tenant_id, &who.user_id, &pat.authorization_id, now)
            .await?
        {
            return Err(refused(PatRefusal::AuthorizationNotFound));
        }
        uow.revoke(
            &who.tenant_id,
            RevocationKind::Credential,
            &pat.authorization_id,
            pat.valid_to.max(now),
        )
        .await?;
        Ok(uow.commit().await?)
    }

    /// Checks a presented PAT: shape and checksum (no database for garbage), then the stored
    /// hash (compared in constant time), not revoked, inside its validity, its user enabled.
    /// Records the use (at most one write per PAT per [`USE_RECORD_INTERVAL`]). Every refusal
    /// is the same `BearerInvalid` so a caller learns nothing about why.
    pub async fn check(&self, text: &str, now: UnixTime) -> Result<PatPrincipal, Error> {
        const REFUSED: Error = Error::BearerInvalid("personal access token not valid");
        let pat = Pat::parse(text).map_err(|_| REFUSED)?;
        let hash = secret::sha256(pat.expose().as_bytes());
        let found = self.store.pat_by_hash(&hash).await?.ok_or(REFUSED)?;
        if !secret::hashes_equal(&found.pat.token_hash, &hash) || !found.pat.is_active(now) || !found.account_enabled {
            return Err(REFUSED);
        }
        let p = found.pat;
        if self.recently_recorded.get(&p.authorization_id).is_none() {
            self.recently_recorded.insert(p.authorization_id.clone(), ());
            if let Err(e) = self
                .store
                .record_pat_use(&p.authorization_id, now, USE_RECORD_INTERVAL)
                .await
            {
                // Last use is bookkeeping: a PAT that is valid still works while it cannot be written.
                tracing::warn!(error = %e, "cannot record a personal access token's use");
            }
        }
        Ok(PatPrincipal {
            tenant_id: p.tenant_id,
            user_id: p.user_id,
            user_principal_name: found.user_principal_name,
            scopes: scopes::expand(&p.scopes),
            exp: p.valid_to,
            authorization_id: p.authorization_id,
        })
    }
}
