//! `gatehouse app consent grant|list|revoke`: an administrator consents for every user of the
//! tenant, looks at that consent, or withdraws it.

use anyhow::Result;
use clap::{Args, Subcommand};
use serde_json::json;

use super::app::Scope;
use super::explain;
use crate::output::print;

#[derive(Subcommand)]
pub enum ConsentCmd {
    /// Consent, for every user of the tenant, to delegated scopes of an API for an application.
    #[command(
        after_help = "Example:\n  gatehouse app consent grant --app code-review --api api://code --scope code_manage --scope code_read"
    )]
    Grant(ConsentArgs),
    /// Show the tenant-wide consent recorded for an application.
    #[command(after_help = "Example:\n  gatehouse app consent list --app code-review --output json")]
    List(AppOnly),
    /// Withdraw the tenant-wide consent for an application; every user is signed out of it.
    #[command(
        after_help = "Example:\n  gatehouse app consent revoke --app code-review\n\nThe app's refresh tokens stop working at once for every user of the tenant (guards refuse\nits access tokens within their polling bound). Users who consented themselves are not asked\nagain at their next sign-in; the others see the consent page."
    )]
    Revoke(AppOnly),
}

#[derive(Args)]
pub struct AppOnly {
    /// The client application (appId or display name).
    #[arg(long)]
    app: String,
    #[command(flatten)]
    scope: Scope,
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
        match self {
            Self::Grant(a) => {
                let (admin, tenant) = a.scope.open().await?;
                let items = admin
                    .grant_admin_consent(&tenant, &a.app, &a.api, &a.scopes)
                    .await
                    .map_err(explain)?;
                print(
                    a.scope.output,
                    &json!({"app": a.app, "api": a.api, "consentType": "AllPrincipals", "scopes": items}),
                    &[],
                );
            }
            Self::List(a) => {
                let (admin, tenant) = a.scope.open().await?;
                let items = admin.admin_consent(&tenant, &a.app).await.map_err(explain)?;
                print(
                    a.scope.output,
                    &json!({"app": a.app, "consentType": "AllPrincipals", "scopes": items}),
                    &[],
                );
            }
            Self::Revoke(a) => {
                let (admin, tenant) = a.scope.open().await?;
                let signed_out = admin.revoke_admin_consent(&tenant, &a.app).await.map_err(explain)?;
                print(
                    a.scope.output,
                    &json!({"app": a.app, "consentType": "AllPrincipals", "revoked": true, "refreshFamiliesRevoked": signed_out}),
                    &[],
                );
            }
        }
        Ok(())
    }
}
