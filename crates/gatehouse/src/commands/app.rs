//! `gatehouse app create|list|show|delete`, `app role grant|revoke` (`app credential` is in
//! `credential.rs`, `app consent` in `app_consent.rs`).

use anyhow::Result;
use clap::{Args, Subcommand};
use gatehouse_core::admin::apps::NewApp;
use gatehouse_core::admin::Admin;
use gatehouse_core::model::Tenant;
use serde_json::json;

use super::explain;
use crate::config::StoreArgs;
use crate::context::Ctx;
use crate::output::{print, Output};

const COLUMNS: &[&str] = &["appId", "displayName", "publicClient", "identifierUris"];

/// Options shared by app verbs: where the data is, which tenant, how to print.
#[derive(Args)]
pub struct Scope {
    #[command(flatten)]
    pub(crate) store: StoreArgs,
    /// Tenant GUID or name (default: the tenant named 'default').
    #[arg(long)]
    pub(crate) tenant: Option<String>,
    #[arg(long, short, value_enum, default_value_t)]
    pub(crate) output: Output,
}

impl Scope {
    /// The admin operations on this scope's database, and its tenant.
    pub(crate) async fn open(&self) -> Result<(Admin, Tenant)> {
        let admin = Ctx::open(&self.store).await?.admin();
        let tenant = admin.tenant(self.tenant.as_deref()).await.map_err(explain)?;
        Ok((admin, tenant))
    }
}

#[derive(Subcommand)]
pub enum AppCmd {
    /// Register an application (and its service principal).
    #[command(
        after_help = "Examples:\n  gatehouse app create --name billing-worker\n  gatehouse app create --name spa --public --redirect-uri http://localhost:3000/callback"
    )]
    Create(Create),
    /// List applications of a tenant.
    #[command(after_help = "Example:\n  gatehouse app list --tenant contoso --output table")]
    List(Scope),
    /// Show an application (by appId or display name).
    #[command(after_help = "Example:\n  gatehouse app show billing-worker")]
    Show(Named),
    /// Delete an application, its service principal, secrets and role assignments.
    #[command(after_help = "Example:\n  gatehouse app delete 3f0c...-appid")]
    Delete(Named),
    /// Client secrets and certificates of an application.
    #[command(subcommand)]
    Credential(super::credential::CredentialCmd),
    /// App roles of an API granted to an application (the `roles` claim).
    #[command(subcommand)]
    Role(RoleCmd),
    /// Tenant-wide (administrator) consent to an API's delegated scopes.
    #[command(subcommand)]
    Consent(super::app_consent::ConsentCmd),
}

#[derive(Args)]
pub struct Create {
    /// Display name.
    #[arg(long)]
    name: String,
    /// A public client (no secrets; for user sign-in flows).
    #[arg(long)]
    public: bool,
    /// Allowed redirect URI (repeatable), matched exactly.
    #[arg(long = "redirect-uri")]
    redirect_uris: Vec<String>,
    #[command(flatten)]
    scope: Scope,
}

#[derive(Args)]
pub struct Named {
    /// appId (GUID) or display name.
    app: String,
    #[command(flatten)]
    scope: Scope,
}

#[derive(Subcommand)]
pub enum RoleCmd {
    /// Grant an app role of an API to an application.
    #[command(
        after_help = "Example:\n  gatehouse app role grant --app billing-worker --api api://orders --role Orders.Read"
    )]
    Grant(RoleArgs),
    /// Revoke a granted app role.
    #[command(
        after_help = "Example:\n  gatehouse app role revoke --app billing-worker --api api://orders --role Orders.Read"
    )]
    Revoke(RoleArgs),
}

#[derive(Args)]
pub struct RoleArgs {
    /// The application receiving the role (appId or display name).
    #[arg(long)]
    app: String,
    /// The API declaring the role (appId, identifier URI or display name; "Microsoft Graph" or
    /// https://graph.microsoft.com for Graph's application permissions such as
    /// Application.ReadWrite.All).
    #[arg(long)]
    api: String,
    /// The role's value (or id).
    #[arg(long)]
    role: String,
    #[command(flatten)]
    scope: Scope,
}

impl AppCmd {
    pub async fn run(self) -> Result<()> {
        match self {
            Self::Create(c) => {
                let (admin, tenant) = c.scope.open().await?;
                let new = NewApp {
                    display_name: c.name,
                    public_client: c.public,
                    redirect_uris: c.redirect_uris,
                    ..NewApp::default()
                };
                let (app, sp) = admin.create_app(&tenant, new).await.map_err(explain)?;
                let mut v = serde_json::to_value(&app)?;
                v["servicePrincipalId"] = json!(sp.id);
                print(c.scope.output, &v, COLUMNS);
            }
            Self::List(s) => {
                let (admin, tenant) = s.open().await?;
                let apps = admin.list_apps(&tenant).await.map_err(explain)?;
                print(s.output, &serde_json::to_value(&apps)?, COLUMNS);
            }
            Self::Show(n) => {
                let (admin, tenant) = n.scope.open().await?;
                let app = admin.app(&tenant, &n.app).await.map_err(explain)?;
                print(n.scope.output, &serde_json::to_value(&app)?, COLUMNS);
            }
            Self::Delete(n) => {
                let (admin, tenant) = n.scope.open().await?;
                let app = admin.delete_app(&tenant, &n.app).await.map_err(explain)?;
                print(
                    n.scope.output,
                    &json!({"deleted": app.app_id, "displayName": app.display_name}),
                    &[],
                );
            }
            Self::Credential(c) => c.run().await?,
            Self::Role(r) => r.run().await?,
            Self::Consent(c) => c.run().await?,
        }
        Ok(())
    }
}

impl RoleCmd {
    async fn run(self) -> Result<()> {
        let (grant, a) = match self {
            Self::Grant(a) => (true, a),
            Self::Revoke(a) => (false, a),
        };
        let (admin, tenant) = a.scope.open().await?;
        let app = admin.app(&tenant, &a.app).await.map_err(explain)?;
        // Microsoft Graph is built in: its app roles are Graph's application permissions.
        let graph = gatehouse_core::issuance::resources::well_known(&a.api)
            .is_some_and(|r| r.app_id == gatehouse_core::issuance::resources::GRAPH_APP_ID)
            || a.api.eq_ignore_ascii_case("Microsoft Graph");
        if graph {
            let v = if grant {
                let role = admin
                    .grant_graph_permission(&tenant, &app, &a.role)
                    .await
                    .map_err(explain)?;
                json!({"appId": app.app_id, "api": gatehouse_core::issuance::resources::GRAPH_APP_ID, "role": role})
            } else {
                admin
                    .revoke_graph_permission(&tenant, &app, &a.role)
                    .await
                    .map_err(explain)?;
                json!({"revoked": a.role, "appId": app.app_id, "api": gatehouse_core::issuance::resources::GRAPH_APP_ID})
            };
            print(a.scope.output, &v, &[]);
            return Ok(());
        }
        let api = admin.app(&tenant, &a.api).await.map_err(explain)?;
        if grant {
            let assignment = admin.grant_role(&tenant, &app, &api, &a.role).await.map_err(explain)?;
            let mut v = serde_json::to_value(&assignment)?;
            v["role"] = json!(a.role);
            print(a.scope.output, &v, &[]);
        } else {
            admin.revoke_role(&tenant, &app, &api, &a.role).await.map_err(explain)?;
            print(
                a.scope.output,
                &json!({"revoked": a.role, "appId": app.app_id, "api": api.app_id}),
                &[],
            );
        }
        Ok(())
    }
}
