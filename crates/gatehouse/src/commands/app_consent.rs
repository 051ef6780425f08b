//! `gatehouse app consent grant`: an administrator consents for every user of the tenant.

use anyhow::Result;
use clap::{Args, Subcommand};
use serde_json::json;

use super::app::Scope;
use super::explain;
use crate::context::Ctx;
use crate::output::print;

#[derive(Subcommand)]
pub enum ConsentCmd {
    /// Consent, for every user of the tenant, to delegated scopes of an API for an application.
    #[command(
        after_help = "Example:\n  gatehouse app consent grant --app code-review --api api://code --scope code_manage --scope code_read"
    )]
    Grant(ConsentArgs),
}

#[derive(Args)]
pub struct ConsentArgs {
    /// The client application (appId or display name).
    #[arg(long)]
    app: String,
    /// The API (appId, identifier URI, display name or a built-in resource URI).
    #[arg(long)]
    api: String,
    /// A delegated scope the API declares (repeatable), or `.default` for all of them.
    #[arg(long = "scope", required = true, num_args = 1..)]
    scopes: Vec<String>,
    #[command(flatten)]
    scope: Scope,
}

impl ConsentCmd {
    pub async fn run(self) -> Result<()> {
        let Self::Grant(a) = self;
        let ctx = Ctx::open(&a.scope.store).await?;
        let admin = ctx.admin();
        let tenant = admin.tenant(a.scope.tenant.as_deref()).await.map_err(explain)?;
        let items = admin
            .grant_admin_consent(&tenant, &a.app, &a.api, &a.scopes)
            .await
            .map_err(explain)?;
        print(
            a.scope.output,
            &json!({"app": a.app, "api": a.api, "consentType": "AllPrincipals", "scopes": items}),
            &[],
        );
        Ok(())
    }
}
