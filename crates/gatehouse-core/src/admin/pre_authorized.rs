//! `gatehouse api pre-authorize add|list|remove`: the client applications an API pre-authorizes
//! (Entra's `api.preAuthorizedApplications`). A pre-authorized application may get tokens for
//! the API on a user's behalf (on-behalf-of, token exchange) for the permissions listed,
//! without the user's or an administrator's consent.

use super::Admin;
use crate::error::{Error, Object};
use crate::issuance::resources::Resource;
use crate::model::{now, PreAuthorized, Tenant};

impl Admin {
    /// Pre-authorizes the client `client` for `scopes` of the API `api` (replacing what it
    /// had): permission names the API declares, `.default` for all of them, `offline_access`
    /// for refresh tokens.
    pub async fn pre_authorize(
        &self,
        tenant: &Tenant,
        api: &str,
        client: &str,
        scopes: &[String],
    ) -> Result<PreAuthorized, Error> {
        let api = self.app(tenant, api).await?;
        let client = self.app(tenant, client).await?;
        if scopes.is_empty() {
            return Err(Error::Invalid(
                "Name at least one scope (or .default) to pre-authorize.".into(),
            ));
        }
        let resource = Resource {
            app_id: api.app_id.clone(),
            object_id: Some(api.id.clone()),
            display_name: api.display_name.clone(),
            scopes: api.oauth2_permission_scopes.clone(),
        };
        let names: Vec<String> = scopes
            .iter()
            .filter(|s| !matches!(s.as_str(), ".default" | "offline_access"))
            .cloned()
            .collect();
        let valid = |s: &String| !s.is_empty() && s.len() <= 120 && s.bytes().all(|b| (0x21..0x7f).contains(&b));
        let declared = crate::issuance::scopes::expand(&resource, &api.app_id, &names);
        if !names.iter().all(valid) || declared.is_err() {
            return Err(Error::Invalid(format!(
                "The API '{}' does not declare every scope in '{}'.",
                api.display_name,
                scopes.join(" ")
            )));
        }
        let mut kept: Vec<String> = Vec::new();
        for s in scopes {
            if !kept.iter().any(|k| k.eq_ignore_ascii_case(s)) {
                kept.push(s.clone());
            }
        }
        let entry = PreAuthorized {
            tenant_id: tenant.id.clone(),
            api_app_id: api.app_id.to_ascii_lowercase(),
            client_app_id: client.app_id.to_ascii_lowercase(),
            scopes: kept,
        };
        self.store.set_pre_authorized(&entry, now()).await?;
        tracing::info!(tenant = %tenant.id, api = %entry.api_app_id, client = %entry.client_app_id, "client application pre-authorized");
        Ok(entry)
    }

    /// The client applications `api` pre-authorizes.
    pub async fn pre_authorized_apps(&self, tenant: &Tenant, api: &str) -> Result<Vec<PreAuthorized>, Error> {
        let api = self.app(tenant, api).await?;
        Ok(self
            .store
            .list_pre_authorized(&tenant.id, &api.app_id.to_ascii_lowercase())
            .await?)
    }

    /// Withdraws the pre-authorization of `client` by `api`; the next on-behalf-of request
    /// needs consent again (tokens already issued stay valid until they expire).
    pub async fn remove_pre_authorization(&self, tenant: &Tenant, api: &str, client: &str) -> Result<(), Error> {
        let api = self.app(tenant, api).await?;
        let client = self.app(tenant, client).await?;
        let removed = self
            .store
            .remove_pre_authorized(
                &tenant.id,
                &api.app_id.to_ascii_lowercase(),
                &client.app_id.to_ascii_lowercase(),
            )
            .await?;
        if !removed {
            return Err(Error::NotFound {
                object: Object::PreAuthorization,
                name: client.app_id,
            });
        }
        Ok(())
    }
}
