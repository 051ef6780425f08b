//! First start: the default tenant, a service principal with a secret, an administrator user
//! (`admin@{tenant name}`) with a random one-time password (the first sign-in must replace it),
//! and a first subscription of which both are Owners, so that `az login` then `az group create`
//! work with no other step.

use gatehouse_keys::Algorithm;

use super::apps::NewApp;
use super::rbac::NewAssignment;
use super::tenants::NewTenant;
use super::users::NewUser;
use super::{Admin, DEFAULT_TENANT};
use crate::error::Error;
use crate::model::{RbacScope, Tenant};
use crate::rbac::builtin;

/// What the first start created; printed once and never again.
#[derive(Debug, Clone)]
pub struct FirstStart {
    pub tenant: Tenant,
    pub app_id: String,
    pub display_name: String,
    pub secret: String,
    /// The administrator's sign-in name and password (random, shown once).
    pub admin_upn: String,
    pub admin_password: String,
    /// The first subscription (the service principal and the administrator are its Owners).
    pub subscription_id: String,
}

/// The first subscription's display name.
pub const FIRST_SUBSCRIPTION: &str = "Default subscription";

impl Admin {
    /// Creates the default tenant and its first service principal if the store has no tenant.
    /// Returns `None` when the store was already initialized (also when another replica won
    /// the race to initialize it).
    pub async fn bootstrap(&self) -> Result<Option<FirstStart>, Error> {
        if !self.store.list_tenants().await?.is_empty() {
            return Ok(None);
        }
        let tenant = match self
            .create_tenant(NewTenant {
                name: DEFAULT_TENANT.into(),
                display_name: Some("Default tenant".into()),
                signing_alg: Algorithm::RS256,
                token_lifetime_seconds: None,
            })
            .await
        {
            Ok(t) => t,
            Err(Error::Conflict { .. }) => return Ok(None),
            Err(e) => return Err(e),
        };
        let (app, sp) = self
            .create_app(
                &tenant,
                NewApp {
                    display_name: "gatehouse-admin-sp".into(),
                    ..NewApp::default()
                },
            )
            .await?;
        let secret = self.add_secret(&tenant, &app, Some("first start"), None).await?;
        // The first service principal manages the directory through Graph.
        self.grant_all_graph_permissions(&tenant, &sp.id).await?;
        let admin_password = crate::secret::random_token(18);
        let admin = self
            .create_user(
                &tenant,
                NewUser {
                    user_principal_name: format!("admin@{}", tenant.name),
                    display_name: "Administrator".into(),
                    password: admin_password.clone(),
                    account_enabled: true,
                    // The printed password works once: the first sign-in must replace it.
                    password_change_required: true,
                },
            )
            .await?;
        let subscription = self.create_subscription(&tenant, FIRST_SUBSCRIPTION, None).await?;
        for principal in [&sp.id, &admin.id] {
            self.create_role_assignment(
                &tenant,
                NewAssignment {
                    id: crate::model::new_guid(),
                    scope: RbacScope::subscription(&subscription.id),
                    role_definition_id: builtin::OWNER.into(),
                    principal_id: principal.clone(),
                    principal_type: None,
                    description: Some("first start".into()),
                    created_by: None,
                },
            )
            .await?;
        }
        // Both are Administrators of the IoT Central door at the root.
        crate::iotc::Iotc::new(self.store.clone())
            .bootstrap_administrators(&tenant, &[&sp.id, &admin.id])
            .await?;
        // The administrator holds the directory-administrator role (Graph writes).
        self.grant_directory_role(&tenant, &admin.id, true, super::directory_roles::GLOBAL_ADMINISTRATOR)
            .await?;
        Ok(Some(FirstStart {
            tenant,
            app_id: app.app_id,
            display_name: app.display_name,
            secret: secret.text,
            admin_upn: admin.user_principal_name,
            admin_password,
            subscription_id: subscription.id,
        }))
    }
}
