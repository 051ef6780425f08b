//! The directory as Microsoft Graph shows it: objects by id of any kind, service principals on
//! their own (an application made here always gets its service principal; Graph's
//! `POST /servicePrincipals` gives it back, or makes a new one if it was deleted), and the
//! changes Graph's `PATCH /applications/{id}` can make.

use super::Admin;
use crate::error::{Error, Object};
use crate::model::{new_guid, now, AppRole, Application, Group, ServicePrincipal, Tenant, User};

/// A directory object of any kind, by object id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DirectoryObject {
    User(User),
    ServicePrincipal(ServicePrincipal),
    Group(Group),
    Application(Application),
}

impl DirectoryObject {
    pub fn id(&self) -> &str {
        match self {
            Self::User(u) => &u.id,
            Self::ServicePrincipal(s) => &s.id,
            Self::Group(g) => &g.id,
            Self::Application(a) => &a.id,
        }
    }
}

/// What an application update changes; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct AppChanges {
    pub display_name: Option<String>,
    pub identifier_uris: Option<Vec<String>>,
    pub redirect_uris: Option<Vec<String>>,
    pub app_roles: Option<Vec<AppRole>>,
}

impl Admin {
    /// The object with this id in the tenant, whatever its kind.
    pub async fn directory_object(&self, tenant: &Tenant, id: &str) -> Result<Option<DirectoryObject>, Error> {
        let id = id.to_ascii_lowercase();
        if uuid::Uuid::parse_str(&id).is_err() {
            return Ok(None);
        }
        if let Some(u) = self.store.user_by_id(&tenant.id, &id).await? {
            return Ok(Some(DirectoryObject::User(u)));
        }
        if let Some(s) = self.store.service_principal_by_id(&tenant.id, &id).await? {
            return Ok(Some(DirectoryObject::ServicePrincipal(s)));
        }
        if let Some(g) = self.store.group_by_id(&tenant.id, &id).await? {
            return Ok(Some(DirectoryObject::Group(g)));
        }
        if let Some(a) = self.store.application_by_id(&id).await? {
            if a.tenant_id == tenant.id {
                return Ok(Some(DirectoryObject::Application(a)));
            }
        }
        Ok(None)
    }

    /// An application by object id (Graph's `/applications/{id}`).
    pub async fn app_by_object_id(&self, tenant: &Tenant, id: &str) -> Result<Application, Error> {
        self.store
            .application_by_id(&id.to_ascii_lowercase())
            .await?
            .filter(|a| a.tenant_id == tenant.id)
            .ok_or_else(|| Error::NotFound {
                object: Object::Application,
                name: id.to_owned(),
            })
    }

    pub async fn update_app(
        &self,
        tenant: &Tenant,
        app: &Application,
        changes: AppChanges,
    ) -> Result<Application, Error> {
        let mut app = app.clone();
        if let Some(name) = changes.display_name {
            let name = name.trim().to_owned();
            if name.is_empty() || name.len() > 256 {
                return Err(Error::Invalid(
                    "The application's display name must have 1 to 256 characters.".into(),
                ));
            }
            app.display_name = name;
        }
        if let Some(uris) = changes.redirect_uris {
            for uri in &uris {
                if let Err(why) = crate::browser::authorize::redirect_uri::check_registrable(uri) {
                    return Err(Error::Invalid(format!(
                        "Redirect URI '{}' cannot be registered: {why}.",
                        uri.chars().take(300).collect::<String>()
                    )));
                }
            }
            app.redirect_uris = uris;
        }
        if let Some(uris) = changes.identifier_uris {
            for uri in &uris {
                if !gatehouse_protocol::scope::valid_resource(uri) {
                    return Err(Error::Invalid(format!(
                        "Identifier URI '{uri}' is not valid: no spaces, printable ASCII."
                    )));
                }
                let taken = crate::issuance::resources::well_known(uri).is_some()
                    || self
                        .store
                        .application_by_identifier_uri(&tenant.id, uri)
                        .await?
                        .is_some_and(|other| other.id != app.id);
                if taken {
                    return Err(Error::Conflict {
                        object: Object::IdentifierUri,
                        name: uri.clone(),
                    });
                }
            }
            app.identifier_uris = uris;
        }
        if let Some(roles) = changes.app_roles {
            for r in &roles {
                if r.value.is_empty() || r.value.len() > 120 || r.value.contains(char::is_whitespace) {
                    return Err(Error::Invalid(
                        "An app role's value must have 1 to 120 characters without spaces.".into(),
                    ));
                }
            }
            app.app_roles = roles;
        }
        self.store.update_application(&app).await?;
        Ok(app)
    }

    pub async fn list_service_principals(&self, tenant: &Tenant) -> Result<Vec<ServicePrincipal>, Error> {
        Ok(self.store.list_service_principals(&tenant.id).await?)
    }

    pub async fn service_principal(&self, tenant: &Tenant, id: &str) -> Result<ServicePrincipal, Error> {
        self.store
            .service_principal_by_id(&tenant.id, &id.to_ascii_lowercase())
            .await?
            .ok_or_else(|| Error::NotFound {
                object: Object::ServicePrincipal,
                name: id.to_owned(),
            })
    }

    /// The service principal of the application `app_id` (its client id): the existing one, or
    /// a new one when it was deleted. `false` in the answer: it already existed.
    pub async fn ensure_service_principal(
        &self,
        tenant: &Tenant,
        app_id: &str,
    ) -> Result<(ServicePrincipal, bool), Error> {
        let app_id = app_id.to_ascii_lowercase();
        let app = self
            .store
            .application_by_app_id(&tenant.id, &app_id)
            .await?
            .ok_or_else(|| Error::NotFound {
                object: Object::Application,
                name: app_id.clone(),
            })?;
        if let Some(sp) = self.store.service_principal_by_app_id(&tenant.id, &app_id).await? {
            return Ok((sp, false));
        }
        let sp = ServicePrincipal {
            id: new_guid(),
            tenant_id: tenant.id.clone(),
            app_id: app.app_id.clone(),
            display_name: app.display_name.clone(),
            account_enabled: true,
            created_at: now(),
        };
        self.store.create_service_principal(&sp).await?;
        Ok((sp, true))
    }

    /// Deletes a service principal (the application stays, its tokens stop) and its group
    /// memberships.
    pub async fn delete_service_principal(&self, tenant: &Tenant, id: &str) -> Result<(), Error> {
        let sp = self.service_principal(tenant, id).await?;
        if !self.store.delete_service_principal(&tenant.id, &sp.id).await? {
            return Err(Error::NotFound {
                object: Object::ServicePrincipal,
                name: id.to_owned(),
            });
        }
        self.store.remove_from_all_groups(&tenant.id, &sp.id).await?;
        Ok(())
    }
}
