//! What a signed-in user manages themselves: the apps they authorized (consent items, last use)
//! and revoking them, and the user a bearer access token names (for `me/authorizedApps` and
//! userinfo).
//!
//! Revoking an app removes the user's consent for it and revokes the user's refresh families of
//! that client, publishing their `sid`s in the revocation feed, so the access tokens they minted
//! are refused by guards too. Tenant-wide (administrator) consent is not the user's to revoke.

use std::sync::Arc;

use gatehouse_protocol::discovery::Dialect;
use serde::Serialize;

use crate::error::Error;
use crate::grants::delegated::FAMILY_LIFETIME;
use crate::model::{now, RevocationKind, Tenant, UnixTime, User};
use crate::Gatehouse;

/// Bounded clock skew for `nbf`.
const SKEW: i64 = 300;

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
        let families = self.store().revoke_app(&tenant.id, &user.id, &app_id).await?;
        let until = now() + FAMILY_LIFETIME;
        for sid in &families {
            self.store().revoke(&tenant.id, RevocationKind::Sid, sid, until).await?;
        }
        tracing::info!(tenant = %tenant.id, user = %user.id, client = %app_id, families = families.len(), "authorized app revoked");
        Ok(())
    }

    /// Records that a token was issued to `client_id` for `user` (failures are only logged: a
    /// missed "last use" must not fail a sign-in).
    pub async fn record_app_use(&self, tenant: &Tenant, user: &User, client_id: &str) {
        let client_id = client_id.to_ascii_lowercase();
        if let Err(e) = self
            .store()
            .record_app_use(&tenant.id, &user.id, &client_id, now())
            .await
        {
            tracing::warn!(tenant = %tenant.id, error = %e, "could not record app use");
        }
    }

    /// The tenant and enabled user named by a bearer access token this tenant issued for
    /// Microsoft Graph (as Entra's userinfo and Graph's `/me` require), with its claims. A token
    /// whose `uti` or refresh family (`sid`) is revoked is refused at once: this check reads the
    /// store, not a polled copy of the feed.
    pub async fn bearer_user(
        &self,
        segment: &str,
        authorization: Option<&str>,
    ) -> Result<(Arc<Tenant>, User, serde_json::Value), Error> {
        let token = authorization
            .and_then(|h| h.strip_prefix("Bearer ").or_else(|| h.strip_prefix("bearer ")))
            .map(str::trim)
            .filter(|t| !t.is_empty() && t.len() <= 16 * 1024)
            .ok_or(Error::BearerInvalid("missing"))?;
        let tenant = self.tenant(segment).await?;
        let keys = self.keys.for_tenant(&tenant).await?;
        let claims = keys.verified_claims(token).ok_or(Error::BearerInvalid("signature"))?;
        let int = |name: &str| claims.get(name).and_then(|v| v.as_i64());
        let text = |name: &str| claims.get(name).and_then(|v| v.as_str());
        let t = now();
        let (Some(exp), Some(nbf)) = (int("exp"), int("nbf")) else {
            return Err(Error::BearerInvalid("time claims"));
        };
        if exp <= t || nbf > t + SKEW {
            return Err(Error::BearerInvalid("expired"));
        }
        if text("tid") != Some(tenant.id.as_str()) || text("idtyp") != Some("user") {
            return Err(Error::BearerInvalid("tenant or type"));
        }
        let ours = [Dialect::V2, Dialect::V1].map(|d| crate::token::issuer(&self.base_url, &tenant.id, d));
        if !text("iss").is_some_and(|iss| ours.iter().any(|o| o == iss)) {
            return Err(Error::BearerInvalid("issuer"));
        }
        let graph = text("aud").and_then(crate::resources::well_known).map(|r| r.app_id);
        if graph.as_deref() != Some("00000003-0000-0000-c000-000000000000") {
            return Err(Error::BearerInvalid("audience"));
        }
        if self.store().is_revoked(&tenant.id, text("sid"), text("uti")).await? {
            return Err(Error::BearerInvalid("revoked"));
        }
        let oid = text("oid").ok_or(Error::BearerInvalid("oid"))?;
        let user = self
            .store()
            .user_by_id(&tenant.id, oid)
            .await?
            .filter(|u| u.account_enabled)
            .ok_or(Error::BearerInvalid("user"))?;
        Ok((tenant, user, claims))
    }
}
