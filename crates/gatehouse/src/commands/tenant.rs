//! `gatehouse tenant create|list|show`.

use anyhow::Result;
use clap::{Args, Subcommand};
use gatehouse_core::admin::tenants::NewTenant;
use gatehouse_keys::Algorithm;

use super::explain;
use crate::config::StoreArgs;
use crate::context::Ctx;
use crate::output::{print, Output};

const COLUMNS: &[&str] = &["id", "name", "displayName", "signingAlg", "tokenLifetimeSeconds"];

#[derive(Subcommand)]
pub enum TenantCmd {
    /// Create a tenant with its own signing keys.
    #[command(
        after_help = "Example:\n  gatehouse tenant create --name contoso --signing-alg ES256 --token-lifetime 1800"
    )]
    Create(Create),
    /// List tenants.
    #[command(after_help = "Example:\n  gatehouse tenant list --output json")]
    List(Common),
    /// Show one tenant (by GUID or name).
    #[command(after_help = "Example:\n  gatehouse tenant show default")]
    Show(Show),
}

#[derive(Args)]
pub struct Common {
    #[command(flatten)]
    store: StoreArgs,
    #[arg(long, short, value_enum, default_value_t)]
    output: Output,
}

#[derive(Args)]
pub struct Create {
    /// Name used in URLs instead of the GUID: letters, digits, '-', '.'.
    #[arg(long)]
    name: String,
    #[arg(long)]
    display_name: Option<String>,
    /// Algorithm of access tokens: RS256 or ES256.
    #[arg(long, default_value = "RS256", value_parser = ["RS256", "ES256"])]
    signing_alg: String,
    /// Access-token lifetime in seconds, 300 to 86400.
    #[arg(long, value_name = "SECONDS")]
    token_lifetime: Option<i64>,
    #[command(flatten)]
    common: Common,
}

#[derive(Args)]
pub struct Show {
    /// Tenant GUID or name.
    tenant: String,
    #[command(flatten)]
    common: Common,
}

impl TenantCmd {
    pub async fn run(self) -> Result<()> {
        match self {
            Self::Create(c) => {
                let ctx = Ctx::open(&c.common.store).await?;
                let alg: Algorithm = c.signing_alg.parse()?;
                let t = ctx
                    .admin()
                    .create_tenant(NewTenant {
                        name: c.name,
                        display_name: c.display_name,
                        signing_alg: alg,
                        token_lifetime_seconds: c.token_lifetime,
                    })
                    .await
                    .map_err(explain)?;
                print(c.common.output, &serde_json::to_value(&t)?, COLUMNS);
            }
            Self::List(c) => {
                let ctx = Ctx::open(&c.store).await?;
                let list = ctx.admin().list_tenants().await.map_err(explain)?;
                print(c.output, &serde_json::to_value(&list)?, COLUMNS);
            }
            Self::Show(s) => {
                let ctx = Ctx::open(&s.common.store).await?;
                let t = ctx.admin().tenant(Some(&s.tenant)).await.map_err(explain)?;
                print(s.common.output, &serde_json::to_value(&t)?, COLUMNS);
            }
        }
        Ok(())
    }
}
