//! `gatehouse api create`: a resource API, an application with identifier URIs, app roles and
//! delegated permissions (scopes); `gatehouse app consent grant`: tenant-wide admin consent.

use super::apps::NewApp;
use super::Admin;
use crate::error::Error;
use crate::model::{new_guid, now, AppRole, Application, Tenant};

impl Admin {
    /// Creates an API. Without identifier URIs it gets `api://{appId}`, as the Entra portal does.
    pub async fn create_api(
        &self,
        tenant: &Tenant,
        name: &str,
        identifier_uris: Vec<String>,
        roles: Vec<String>,
        scopes: Vec<String>,
    ) -> Result<Application, Error> {
        let scopes = crate::issuance::scopes::parse_declarations(&scopes)?;
        let mut app_roles: Vec<AppRole> = Vec::new();
        for value in roles {
            let ok = !value.is_empty() && value.len() <= 120 && value.bytes().all(|b| (0x21..0x7f).contains(&b));
            if !ok {
                return Err(Error::Invalid(format!(
                    "App role '{value}' is not valid: 1-120 printable characters, no spaces."
                )));
            }
            if !app_roles.iter().any(|r| r.value == value) {
                app_roles.push(AppRole {
                    id: new_guid(),
                    display_name: value.clone(),
                    value,
                });
            }
        }
        let identifier_uris = if identifier_uris.is_empty() {
            vec!["api://{appId}".to_owned()]
        } else {
            identifier_uris
        };
        let (app, _sp) = self
            .create_app(
                tenant,
                NewApp {
                    display_name: name.to_owned(),
                    identifier_uris,
                    app_roles,
                    scopes,
                    ..NewApp::default()
                },
            )
            .await?;
        Ok(app)
    }
}

impl Admin {
    /// Consents, for every user of the tenant, to `scopes` of `api` for the client `app`
    /// (`.default` for all of them). Returns the consent items recorded.
    pub async fn grant_admin_consent(
        &self,
        tenant: &Tenant,
        app: &str,
        api: &str,
        scopes: &[String],
    ) -> Result<Vec<String>, Error> {
        let client = self.app(tenant, app).await?;
        // Clients name a resource by any of its identifiers: consent is recorded for each.
        let (identifiers, declared) = match crate::issuance::resources::well_known(api) {
            Some(r) => (vec![api.to_owned()], r.scopes),
            None => {
                let found = self.app(tenant, api).await?;
                let mut ids = found.identifier_uris.clone();
                ids.push(found.app_id.clone());
                (ids, found.oauth2_permission_scopes)
            }
        };
        if scopes.is_empty() {
            return Err(Error::Invalid("Name at least one scope (or .default).".into()));
        }
        let resource = crate::issuance::resources::Resource {
            app_id: String::new(),
            object_id: None,
            display_name: String::new(),
            scopes: declared,
        };
        let names: Vec<String> = scopes.iter().filter(|s| *s != ".default").cloned().collect();
        crate::issuance::scopes::expand(&resource, api, &names).map_err(|_| {
            Error::Invalid(format!(
                "The API '{api}' does not declare every scope in '{}'.",
                scopes.join(" ")
            ))
        })?;
        // Sign-in itself (the OIDC scopes) is part of an administrator's consent, as in Entra.
        let items: Vec<String> = identifiers
            .iter()
            .map(|i| crate::browser::consent::resource_key(i))
            .flat_map(|key| scopes.iter().map(move |s| format!("{key}/{s}")))
            .chain(gatehouse_protocol::scope::OIDC_SCOPES.iter().map(|s| s.to_string()))
            .collect();
        self.store
            .grant_consent(
                &tenant.id,
                crate::browser::consent::TENANT_WIDE,
                &client.app_id.to_ascii_lowercase(),
                &items,
                now(),
            )
            .await?;
        Ok(items)
    }

    /// The tenant-wide consent items recorded for the client `app`.
    pub async fn admin_consent(&self, tenant: &Tenant, app: &str) -> Result<Vec<String>, Error> {
        let client = self.app(tenant, app).await?;
        Ok(self
            .store
            .consented_scopes(
                &tenant.id,
                crate::browser::consent::TENANT_WIDE,
                &client.app_id.to_ascii_lowercase(),
            )
            .await?)
    }

    /// Withdraws the tenant-wide consent for the client `app` and signs every user of the tenant
    /// out of it: its refresh families are revoked and their `sid`s published, so guards refuse
    /// their access tokens too. Users who consented themselves are not asked again at their next
    /// sign-in; the others are. Returns how many families were revoked. One unit of work: the
    /// consent, the families and their revocation-feed entries commit together.
    pub async fn revoke_admin_consent(&self, tenant: &Tenant, app: &str) -> Result<usize, Error> {
        let client = self.app(tenant, app).await?;
        let client_id = client.app_id.to_ascii_lowercase();
        let mut uow = self.store.begin().await?;
        let families = uow.revoke_tenant_consent(&tenant.id, &client_id).await?;
        let until = now() + crate::issuance::grants::delegated::FAMILY_LIFETIME;
        for sid in &families {
            uow.revoke(&tenant.id, crate::model::RevocationKind::Sid, sid, until)
                .await?;
        }
        uow.commit().await?;
        tracing::info!(tenant = %tenant.id, client = %client_id, families = families.len(), "admin consent revoked");
        Ok(families.len())
    }
}
