//! `gatehouse sp create-for-rbac`: as `az ad sp create-for-rbac`, an application, its service
//! principal and a fresh secret in one step.

use anyhow::Result;
use clap::{Args, Subcommand};
use gatehouse_core::admin::apps::NewApp;
use gatehouse_core::Error;
use serde_json::json;

use super::explain;
use crate::config::StoreArgs;
use crate::context::Ctx;
use crate::output::{print, Output};

#[derive(Subcommand)]
pub enum SpCmd {
    /// Create (or reset) a service principal and print {appId, displayName, password, tenant}.
    #[command(
        name = "create-for-rbac",
        after_help = "Example:\n  gatehouse sp create-for-rbac -n my-ci --output json\nAn existing application of that name gets a new secret and loses its old ones, as with az."
    )]
    CreateForRbac(CreateForRbac),
}

#[derive(Args)]
pub struct CreateForRbac {
    /// Display name of the service principal.
    #[arg(short = 'n', long = "name")]
    name: String,
    #[arg(long)]
    tenant: Option<String>,
    #[command(flatten)]
    store: StoreArgs,
    #[arg(long, short, value_enum, default_value = "json")]
    output: Output,
}

impl SpCmd {
    pub async fn run(self) -> Result<()> {
        let Self::CreateForRbac(c) = self;
        let ctx = Ctx::open(&c.store).await?;
        let admin = ctx.admin();
        let tenant = admin.tenant(c.tenant.as_deref()).await.map_err(explain)?;
        let app = match admin.app(&tenant, &c.name).await {
            Ok(app) => {
                for old in admin.list_secrets(&app).await.map_err(explain)? {
                    admin.remove_secret(&tenant, &app, &old.key_id).await.map_err(explain)?;
                }
                app
            }
            Err(Error::NotFound { .. }) => {
                admin
                    .create_app(
                        &tenant,
                        NewApp {
                            display_name: c.name.clone(),
                            ..NewApp::default()
                        },
                    )
                    .await
                    .map_err(explain)?
                    .0
            }
            Err(e) => return Err(explain(e)),
        };
        let secret = admin
            .add_secret(&tenant, &app, Some("rbac"), None)
            .await
            .map_err(explain)?;
        let v =
            json!({"appId": app.app_id, "displayName": app.display_name, "password": secret.text, "tenant": tenant.id});
        print(c.output, &v, &[]);
        Ok(())
    }
}
