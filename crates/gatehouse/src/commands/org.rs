//! `gatehouse org create|list|delete`: the organization tree of a tenant's IoT Central door,
//! acting as the installation operator. A delete is refused while child organizations, API
//! tokens or users use the organization.

use anyhow::Result;
use clap::{Args, Subcommand};
use gatehouse_core::model::Organization;
use serde_json::{json, Value};

use super::explain;
use super::role::Scope;
use crate::output::print;

const COLUMNS: &[&str] = &["id", "displayName", "parent"];

#[derive(Subcommand)]
pub enum OrgCmd {
    /// Create an organization under the root or under another organization.
    #[command(
        after_help = "Examples:\n  gatehouse org create --id plant-1 --name \"Plant 1\"\n  gatehouse org create --id line-a --name \"Line A\" --parent plant-1"
    )]
    Create(Create),
    /// List the organizations of a tenant.
    #[command(after_help = "Example:\n  gatehouse org list --output table")]
    List(Scope),
    /// Delete an organization nothing uses.
    #[command(after_help = "Example:\n  gatehouse org delete line-a")]
    Delete(Which),
}

#[derive(Args)]
pub struct Create {
    /// The organization's id (1 to 128 of A-Z a-z 0-9 - _ . ~).
    #[arg(long)]
    id: String,
    /// Display name.
    #[arg(long)]
    name: String,
    /// The parent organization (default: the root).
    #[arg(long)]
    parent: Option<String>,
    #[command(flatten)]
    scope: Scope,
}

#[derive(Args)]
pub struct Which {
    /// The organization's id.
    organization: String,
    #[command(flatten)]
    scope: Scope,
}

fn to_json(o: &Organization) -> Value {
    json!({"id": o.id, "displayName": o.display_name, "parent": o.parent})
}

impl OrgCmd {
    pub async fn run(self) -> Result<()> {
        match self {
            Self::Create(c) => {
                let (iotc, _, operator, output) = c.scope.open().await?;
                let o = iotc
                    .create_organization(&operator, &c.id, &c.name, c.parent.as_deref())
                    .await
                    .map_err(explain)?;
                print(output, &to_json(&o), COLUMNS);
            }
            Self::List(scope) => {
                let (iotc, _, operator, output) = scope.open().await?;
                let list = iotc.organizations(&operator).await.map_err(explain)?;
                print(output, &Value::Array(list.iter().map(to_json).collect()), COLUMNS);
            }
            Self::Delete(w) => {
                let (iotc, _, operator, output) = w.scope.open().await?;
                let o = iotc.organization(&operator, &w.organization).await.map_err(explain)?;
                iotc.delete_organization(&operator, &w.organization)
                    .await
                    .map_err(explain)?;
                print(output, &to_json(&o), COLUMNS);
            }
        }
        Ok(())
    }
}
