//! `gatehouse app create|list|show|delete`, `app credential add|list|remove`,
//! `app role grant|list|revoke`.

use super::Admin;
use crate::error::{Error, Object};
use crate::model::{
    new_guid, now, AppRole, AppRoleAssignment, Application, ClientSecret, PermissionScope, ServicePrincipal, Tenant,
    UnixTime,
};
use crate::secret;

#[derive(Debug, Clone, Default)]
pub struct NewApp {
    pub display_name: String,
    pub public_client: bool,
    pub redirect_uris: Vec<String>,
    pub identifier_uris: Vec<String>,
    pub app_roles: Vec<AppRole>,
    pub scopes: Vec<PermissionScope>,
}

/// A secret as created: the only time its text exists outside the caller's hands.
#[derive(Debug, Clone)]
pub struct CreatedSecret {
    pub meta: ClientSecret,
    pub text: String,
}

/// Default secret lifetime, as `az ad app credential reset`: one year.
pub const DEFAULT_SECRET_YEARS: i64 = 1;
/// Longest secret lifetime accepted.
pub const MAX_SECRET_YEARS: i64 = 10;

impl Admin {
    pub async fn create_app(&self, tenant: &Tenant, new: NewApp) -> Result<(Application, ServicePrincipal), Error> {
        let display_name = new.display_name.trim().to_owned();
        if display_name.is_empty() || display_name.len() > 256 {
            return Err(Error::Invalid(
                "The application's display name must have 1 to 256 characters.".into(),
            ));
        }
        for uri in &new.redirect_uris {
            if let Err(why) = crate::browser::authorize::redirect_uri::check_registrable(uri) {
                return Err(Error::Invalid(format!(
                    "Redirect URI '{}' cannot be registered: {why}.",
                    uri.chars().take(300).collect::<String>()
                )));
            }
        }
        for uri in &new.identifier_uris {
            if !gatehouse_protocol::scope::valid_resource(uri) {
                return Err(Error::Invalid(format!(
                    "Identifier URI '{uri}' is not valid: no spaces, printable ASCII."
                )));
            }
            if crate::issuance::resources::well_known(uri).is_some() {
                return Err(Error::Conflict {
                    object: Object::IdentifierUri,
                    name: uri.clone(),
                });
            }
            if self
                .store
                .application_by_identifier_uri(&tenant.id, uri)
                .await?
                .is_some()
            {
                return Err(Error::Conflict {
                    object: Object::IdentifierUri,
                    name: uri.clone(),
                });
            }
        }
        let t = now();
        let app_id = new_guid();
        let identifier_uris = new
            .identifier_uris
            .into_iter()
            .map(|u| u.replace("{appId}", &app_id))
            .collect();
        let app = Application {
            id: new_guid(),
            tenant_id: tenant.id.clone(),
            app_id: app_id.clone(),
            display_name: display_name.clone(),
            identifier_uris,
            app_roles: new.app_roles,
            oauth2_permission_scopes: new.scopes,
            public_client: new.public_client,
            redirect_uris: new.redirect_uris,
            created_at: t,
        };
        let sp = ServicePrincipal {
            id: new_guid(),
            tenant_id: tenant.id.clone(),
            app_id,
            display_name,
            account_enabled: true,
            created_at: t,
        };
        self.store.create_application(&app, &sp).await?;
        Ok((app, sp))
    }

    /// An application by client id (GUID) or, if unique, by display name.
    pub async fn app(&self, tenant: &Tenant, which: &str) -> Result<Application, Error> {
        if let Some(app) = self
            .store
            .application_by_app_id(&tenant.id, &which.to_ascii_lowercase())
            .await?
        {
            return Ok(app);
        }
        let mut named: Vec<Application> = self
            .store
            .list_applications(&tenant.id)
            .await?
            .into_iter()
            .filter(|a| a.display_name == which || a.identifier_uris.iter().any(|u| u == which))
            .collect();
        match named.len() {
            1 => Ok(named.remove(0)),
            0 => Err(Error::NotFound {
                object: Object::Application,
                name: which.to_owned(),
            }),
            _ => Err(Error::Ambiguous {
                object: Object::Application,
                name: which.to_owned(),
            }),
        }
    }

    pub async fn list_apps(&self, tenant: &Tenant) -> Result<Vec<Application>, Error> {
        Ok(self.store.list_applications(&tenant.id).await?)
    }

    pub async fn delete_app(&self, tenant: &Tenant, which: &str) -> Result<Application, Error> {
        let app = self.app(tenant, which).await?;
        let sp = self.store.service_principal_by_app_id(&tenant.id, &app.app_id).await?;
        self.store.delete_application(&tenant.id, &app.app_id).await?;
        if let Some(sp) = sp {
            self.store.remove_from_all_groups(&tenant.id, &sp.id).await?;
        }
        Ok(app)
    }

    pub async fn add_secret(
        &self,
        tenant: &Tenant,
        app: &Application,
        display_name: Option<&str>,
        end: Option<UnixTime>,
    ) -> Result<CreatedSecret, Error> {
        if app.public_client {
            return Err(Error::Invalid("A public client cannot have secrets.".into()));
        }
        let t = now();
        let end = end.unwrap_or(t + DEFAULT_SECRET_YEARS * 365 * 86_400);
        if end > t + MAX_SECRET_YEARS * 366 * 86_400 {
            return Err(Error::Invalid(format!(
                "A secret may live at most {MAX_SECRET_YEARS} years."
            )));
        }
        let (text, hash) = secret::generate();
        let meta = ClientSecret {
            key_id: new_guid(),
            application_id: app.id.clone(),
            display_name: display_name.unwrap_or("").to_owned(),
            hint: secret::hint(&text),
            secret_hash: hash,
            start: t,
            end,
        };
        self.store.add_secret(&tenant.id, &meta).await?;
        Ok(CreatedSecret { meta, text })
    }

    pub async fn list_secrets(&self, app: &Application) -> Result<Vec<ClientSecret>, Error> {
        Ok(self.store.list_secrets(&app.id).await?)
    }

    pub async fn remove_secret(&self, tenant: &Tenant, app: &Application, key_id: &str) -> Result<(), Error> {
        if self
            .store
            .remove_secret(&tenant.id, &app.id, &key_id.to_ascii_lowercase())
            .await?
        {
            Ok(())
        } else {
            Err(Error::NotFound {
                object: Object::Secret,
                name: key_id.to_owned(),
            })
        }
    }

    /// Grants `role` (its value or id) of the resource API `api` to the application `app`.
    pub async fn grant_role(
        &self,
        tenant: &Tenant,
        app: &Application,
        api: &Application,
        role: &str,
    ) -> Result<AppRoleAssignment, Error> {
        let app_role = api
            .app_roles
            .iter()
            .find(|r| r.value == role || r.id == role)
            .ok_or_else(|| Error::NotFound {
                object: Object::AppRole,
                name: role.to_owned(),
            })?;
        let sp = self
            .store
            .service_principal_by_app_id(&tenant.id, &app.app_id)
            .await?
            .ok_or_else(|| Error::NotFound {
                object: Object::ServicePrincipal,
                name: app.app_id.clone(),
            })?;
        let existing = self.store.role_assignments(&sp.id, &api.id).await?;
        if let Some(a) = existing.into_iter().find(|a| a.app_role_id == app_role.id) {
            return Ok(a);
        }
        let assignment = AppRoleAssignment {
            id: new_guid(),
            tenant_id: tenant.id.clone(),
            principal_id: sp.id,
            resource_id: api.id.clone(),
            app_role_id: app_role.id.clone(),
            created_at: now(),
        };
        self.store.add_role_assignment(&assignment).await?;
        Ok(assignment)
    }

    pub async fn revoke_role(
        &self,
        tenant: &Tenant,
        app: &Application,
        api: &Application,
        role: &str,
    ) -> Result<(), Error> {
        let sp = self
            .store
            .service_principal_by_app_id(&tenant.id, &app.app_id)
            .await?
            .ok_or_else(|| Error::NotFound {
                object: Object::ServicePrincipal,
                name: app.app_id.clone(),
            })?;
        let role_id = api
            .app_roles
            .iter()
            .find(|r| r.value == role || r.id == role)
            .map(|r| r.id.clone());
        for a in self.store.role_assignments(&sp.id, &api.id).await? {
            if Some(&a.app_role_id) == role_id.as_ref() {
                self.store.remove_role_assignment(&tenant.id, &a.id).await?;
                return Ok(());
            }
        }
        Err(Error::NotFound {
            object: Object::AppRoleAssignment,
            name: role.to_owned(),
        })
    }
}
