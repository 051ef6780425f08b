//! `gatehouse api create|list|pre-authorize`: resource APIs (identifier URIs, app roles, the
//! client applications they pre-authorize).

use anyhow::Result;
use clap::{Args, Subcommand};
use serde_json::{json, Value};

use super::explain;
use crate::config::StoreArgs;
use crate::context::Ctx;
use crate::output::{print, Output};

#[derive(Subcommand)]
pub enum ApiCmd {
    /// Register a resource API that tokens can be issued for.
    #[command(
        after_help = "Example:\n  gatehouse api create --name orders --identifier-uri api://orders --app-role Orders.Read --app-role Orders.Write\n  gatehouse api create --name code --identifier-uri api://code --scope code_manage:code_write --scope code_write\n  gatehouse api create --name middle --identifier-uri api://middle --scope access --redirect-uri https://middle.example/callback\nWithout --identifier-uri the API is named api://{appId}."
    )]
    Create(Create),
    /// List the resources of a tenant: built-in (ARM, Graph, ...) and registered.
    #[command(after_help = "Example:\n  gatehouse api list --output json")]
    List(ListArgs),
    /// Client applications the API pre-authorizes (on-behalf-of without consent).
    #[command(
        subcommand,
        after_help = "Example:\n  gatehouse api pre-authorize add --api api://orders --client middle-tier --scope Orders.Read"
    )]
    PreAuthorize(super::api_pre_authorize::PreAuthorizeCmd),
}

#[derive(Args)]
pub struct Create {
    #[arg(long)]
    name: String,
    /// Identifier URI (repeatable); `{appId}` is replaced by the new appId.
    #[arg(long = "identifier-uri")]
    identifier_uris: Vec<String>,
    /// App role value (repeatable), granted with `gatehouse app role grant`.
    #[arg(long = "app-role")]
    app_roles: Vec<String>,
    /// Delegated scope (repeatable): NAME, or NAME:IMPLIED,... for a scope that includes others
    /// (`--scope code_manage:code_write --scope code_write`).
    #[arg(long = "scope")]
    scopes: Vec<String>,
    /// Redirect URI (repeatable) for an API that also signs users in (a middle-tier web API
    /// asking its users' consent to call other APIs on their behalf).
    #[arg(long = "redirect-uri")]
    redirect_uris: Vec<String>,
    #[arg(long)]
    tenant: Option<String>,
    #[command(flatten)]
    store: StoreArgs,
    #[arg(long, short, value_enum, default_value_t)]
    output: Output,
}

#[derive(Args)]
pub struct ListArgs {
    #[arg(long)]
    tenant: Option<String>,
    #[command(flatten)]
    store: StoreArgs,
    #[arg(long, short, value_enum, default_value_t)]
    output: Output,
}

impl ApiCmd {
    pub async fn run(self) -> Result<()> {
        match self {
            Self::Create(c) => {
                let ctx = Ctx::open(&c.store).await?;
                let admin = ctx.admin();
                let tenant = admin.tenant(c.tenant.as_deref()).await.map_err(explain)?;
                let mut api = admin
                    .create_api(&tenant, &c.name, c.identifier_uris, c.app_roles, c.scopes)
                    .await
                    .map_err(explain)?;
                if !c.redirect_uris.is_empty() {
                    let changes = gatehouse_core::admin::directory::AppChanges {
                        redirect_uris: Some(c.redirect_uris),
                        ..Default::default()
                    };
                    api = admin.update_app(&tenant, &api, changes).await.map_err(explain)?;
                }
                print(c.output, &serde_json::to_value(&api)?, &[]);
            }
            Self::List(l) => {
                let ctx = Ctx::open(&l.store).await?;
                let admin = ctx.admin();
                let tenant = admin.tenant(l.tenant.as_deref()).await.map_err(explain)?;
                let mut rows: Vec<Value> = gatehouse_core::issuance::resources::well_known_identifiers()
                    .map(|(name, id)| json!({"displayName": name, "identifier": id, "kind": "built-in"}))
                    .collect();
                for app in admin.list_apps(&tenant).await.map_err(explain)? {
                    for uri in &app.identifier_uris {
                        rows.push(json!({"displayName": app.display_name, "identifier": uri, "kind": "registered", "appId": app.app_id}));
                    }
                }
                print(l.output, &Value::Array(rows), &["displayName", "identifier", "kind"]);
            }
            Self::PreAuthorize(p) => p.run().await?,
        }
        Ok(())
    }
}
