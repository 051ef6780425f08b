//! Consent: what a user allowed a client to do, recorded per (user, client) as scope items
//! (`{resource}/{permission}`, `{resource}/.default`, and the OIDC scopes), and asked again only
//! for items not granted yet. The built-in clients need no consent (every resource counts as
//! consented for them). An administrator's consent for a whole tenant is stored the same way
//! under the user id [`TENANT_WIDE`], and counts for every user.

use gatehouse_protocol::scope::Delegated;

use crate::error::Error;
use crate::issuance::directory::ClientEntry;
use crate::model::{now, Tenant, User};
use crate::store::SessionStore;
use crate::Gatehouse;

/// The user id under which tenant-wide (administrator) consent is stored.
pub const TENANT_WIDE: &str = "*";

/// How consent items name a resource: lower-case, no trailing `/`.
pub fn resource_key(resource: &str) -> String {
    resource.trim_end_matches('/').to_lowercase()
}

/// The scope items of a request, as consent stores them (resource lower-case, no trailing `/`).
pub fn items(scope: &Delegated) -> Vec<String> {
    let resource = resource_key(&scope.resource);
    let mut out: Vec<String> = if scope.default {
        vec![format!("{resource}/.default")]
    } else {
        scope.names.iter().map(|n| format!("{resource}/{n}")).collect()
    };
    out.extend(scope.oidc.iter().cloned());
    out
}

/// What a page shows a person for a request's scopes.
pub fn describe(scope: &Delegated) -> Vec<String> {
    let mut out = if scope.default {
        vec![format!("{} (all permissions granted to the app)", scope.resource)]
    } else {
        scope.names.clone()
    };
    out.extend(scope.oidc.iter().map(|o| oidc_label(o).to_owned()));
    out
}

fn oidc_label(scope: &str) -> &'static str {
    match scope {
        "openid" => "Sign you in",
        "profile" => "View your basic profile",
        "email" => "View your email address",
        "offline_access" => "Maintain access to data you have given it access to",
        _ => "OpenID Connect",
    }
}

/// Every item consented for `client`: by `user`, and tenant-wide by an administrator.
pub async fn consented(
    store: &dyn SessionStore,
    tenant: &Tenant,
    user: &User,
    client: &ClientEntry,
) -> Result<Vec<String>, Error> {
    let client_id = client.app.app_id.to_ascii_lowercase();
    let mut granted = store.consented_scopes(&tenant.id, &user.id, &client_id).await?;
    granted.extend(store.consented_scopes(&tenant.id, TENANT_WIDE, &client_id).await?);
    Ok(granted)
}

impl Gatehouse {
    /// The items of `scope` that `user` has not consented to for `client` (none for built-ins).
    pub async fn missing_consent(
        &self,
        tenant: &Tenant,
        user: &User,
        client: &ClientEntry,
        scope: &Delegated,
    ) -> Result<Vec<String>, Error> {
        if client.first_party {
            return Ok(Vec::new());
        }
        let granted = self.consented(tenant, user, client).await?;
        // `.default` asks for what was consented: any permission of the resource will do.
        let prefix = format!("{}/", resource_key(&scope.resource));
        let has_resource = granted.iter().any(|g| g.starts_with(&prefix));
        Ok(items(scope)
            .into_iter()
            .filter(|i| !granted.contains(i))
            .filter(|i| !(scope.default && has_resource && i.starts_with(&prefix)))
            .collect())
    }

    /// Every item consented for `client`: by `user`, and tenant-wide by an administrator.
    pub async fn consented(&self, tenant: &Tenant, user: &User, client: &ClientEntry) -> Result<Vec<String>, Error> {
        consented(self.store().as_ref(), tenant, user, client).await
    }

    /// Records that `user` consented to `scope` for `client`.
    pub async fn record_consent(
        &self,
        tenant: &Tenant,
        user: &User,
        client: &ClientEntry,
        scope: &Delegated,
    ) -> Result<(), Error> {
        let client_id = client.app.app_id.to_ascii_lowercase();
        self.store()
            .with_actor(crate::model::Actor::for_user(user))
            .grant_consent(&tenant.id, &user.id, &client_id, &items(scope), now())
            .await?;
        tracing::info!(tenant = %tenant.id, user = %user.id, client = %client_id, "consent granted");
        Ok(())
    }
}
