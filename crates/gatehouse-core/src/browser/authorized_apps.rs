//! What a signed-in user manages themselves: the apps they authorized (consent items, last use)
//! and revoking them; and what the server's own bearer checks ask of the domain (a tenant's
//! public keys, revocation, the user a verified token names) for `me/authorizedApps` and
//! userinfo. The token itself is checked by the guard's verifier in the server.
//!
//! Revoking an app removes the user's consent for it and revokes the user's refresh families of
//! that client, publishing their `sid`s in the revocation feed, so the access tokens they minted
//! are refused by guards too. Tenant-wide (administrator) consent is not the user's to revoke.

use std::sync::Arc;

use serde::Serialize;

use crate::error::Error;
use crate::issuance::grants::delegated::FAMILY_LIFETIME;
use crate::model::{now, RevocationKind, Tenant, UnixTime, User};
use crate::store::AuthorizedAppStore;
use crate::Gatehouse;

/// An app as the user sees it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AuthorizedApp {
    pub app_id: String,
    pub display_name: String,
    /// Consent items (`resource/permission` and OIDC scopes); empty for built-in clients.
    pub scopes: Vec<String>,
    pub consented_at: Option<UnixTime>,
    pub last_used_at: Option<UnixTime>,
}

impl Gatehouse {
    /// The apps `user` consented to or got tokens for.
    pub async fn authorized_apps(&self, tenant: &Tenant, user: &User) -> Result<Vec<AuthorizedApp>, Error> {
        let grants = self.store().authorized_apps(&tenant.id, &user.id).await?;
        let mut out = Vec::with_capacity(grants.len());
        for g in grants {
            let display_name = match self.directory.client(tenant, &g.client_id).await {
                Ok(c) => c.app.display_name.clone(),
                Err(Error::ClientNotFound { .. }) => "(deleted application)".to_owned(),
                Err(e) => return Err(e),
            };
            out.push(AuthorizedApp {
                app_id: g.client_id,
                display_name,
                scopes: g.scopes,
                consented_at: g.consented_at,
                last_used_at: g.last_used_at,
            });
        }
        Ok(out)
    }

    /// Revokes `app_id` for `user`: consent removed, refresh families revoked and published.
    pub async fn revoke_authorized_app(&self, tenant: &Tenant, user: &User, app_id: &str) -> Result<(), Error> {
        let app_id = app_id.to_ascii_lowercase();
        let known = self.store().authorized_apps(&tenant.id, &user.id).await?;
        if !known.iter().any(|g| g.client_id == app_id) {
            return Err(Error::AppNotAuthorized(app_id.chars().take(64).collect()));
        }
        let families = self
            .store()
            .with_actor(crate::model::Actor::for_user(user))
            .revoke_app(&tenant.id, &user.id, &app_id)
            .await?;
        let until = now() + FAMILY_LIFETIME;
        for sid in &families {
            self.store().revoke(&tenant.id, RevocationKind::Sid, sid, until).await?;
        }
        tracing::info!(tenant = %tenant.id, user = %user.id, client = %app_id, families = families.len(), "authorized app revoked");
        Ok(())
    }

    /// The public key `kid` of the tenant `tenant_id` (a GUID), for the server's own bearer
    /// checks: `None` when the tenant has no such key, `TenantNotFound` when there is no tenant.
    pub async fn tenant_public_key(
        &self,
        tenant_id: &str,
        kid: &str,
    ) -> Result<Option<gatehouse_protocol::jwk::Jwk>, Error> {
        let tenant = self.tenant(tenant_id).await?;
        if tenant.id != tenant_id {
            // Only the GUID names a tenant's issuer.
            return Err(Error::TenantNotFound(tenant_id.to_owned()));
        }
        Ok(self.keys.for_tenant(&tenant).await?.public_jwk(kid))
    }

    /// Whether the tenant's revocation feed lists the family `sid` or the token `uti`, read
    /// from the store now (not a polled copy).
    pub async fn is_revoked(&self, tenant_id: &str, sid: Option<&str>, uti: Option<&str>) -> Result<bool, Error> {
        Ok(self.store().is_revoked(tenant_id, sid, uti).await?)
    }

    /// The tenant named in the path and the enabled user a verified user token names: the
    /// token's tenant (`tid`) must be the path's tenant.
    pub async fn signed_in_user(&self, segment: &str, tid: &str, oid: &str) -> Result<(Arc<Tenant>, User), Error> {
        let tenant = self.tenant(segment).await?;
        if tenant.id != tid {
            return Err(Error::BearerInvalid("tenant"));
        }
        let user = self
            .store()
            .user_by_id(&tenant.id, oid)
            .await?
            .filter(|u| u.account_enabled)
            .ok_or(Error::BearerInvalid("user"))?;
        Ok((tenant, user))
    }
}

/// Records that a token was issued to `client_id` for `user` (failures are only logged: a
/// missed "last use" must not fail a sign-in).
pub async fn record_use(store: &dyn AuthorizedAppStore, tenant: &Tenant, user: &User, client_id: &str) {
    let client_id = client_id.to_ascii_lowercase();
    if let Err(e) = store.record_app_use(&tenant.id, &user.id, &client_id, now()).await {
        tracing::warn!(tenant = %tenant.id, error = %e, "could not record app use");
    }
}
