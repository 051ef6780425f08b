//! `gatehouse role list|assign`: IoT Central's roles (the `/api/roles` door) and who holds
//! them. `assign` acts as the installation operator: it gives a user (UPN or object id) or a
//! service principal (appId or object id) a role (name or id) at the root or at an
//! organization, adding to the roles the principal already holds.

use anyhow::Result;
use clap::{Args, Subcommand};
use gatehouse_core::iotc::{roles, Actor, Iotc};
use gatehouse_core::model::{IotcUser, Tenant};
use serde_json::{json, Value};

use super::explain;
use crate::config::StoreArgs;
use crate::context::Ctx;
use crate::output::{print, Output};

/// Options shared by role and org verbs: where the data is, which tenant, how to print.
#[derive(Args)]
pub struct Scope {
    #[command(flatten)]
    store: StoreArgs,
    /// Tenant GUID or name (default: the tenant named 'default').
    #[arg(long)]
    tenant: Option<String>,
    #[arg(long, short, value_enum, default_value_t)]
    output: Output,
}

impl Scope {
    /// The store, the tenant, and the operator of that tenant.
    pub async fn open(&self) -> Result<(Iotc, Tenant, Actor, Output)> {
        let ctx = Ctx::open(&self.store).await?;
        let tenant = ctx.admin().tenant(self.tenant.as_deref()).await.map_err(explain)?;
        let operator = Actor::operator(&tenant.id);
        Ok((Iotc::new(ctx.store.clone()), tenant, operator, self.output))
    }
}

#[derive(Subcommand)]
pub enum RoleCmd {
    /// List the roles of the IoT Central door and their permissions.
    #[command(after_help = "Example:\n  gatehouse role list --output table")]
    List(Scope),
    /// Give a user or service principal a role, at the root or at an organization.
    #[command(
        after_help = "Examples:\n  gatehouse role assign --assignee admin@default --role Administrator\n  gatehouse role assign --assignee 0c6a1f3e-...(appId) --role \"Org Operator\" --organization plant-1"
    )]
    Assign(Assign),
}

#[derive(Args)]
pub struct Assign {
    /// A user (sign-in name or object id) or a service principal (appId or object id).
    #[arg(long, value_name = "UPN|APPID|OBJECTID")]
    assignee: String,
    /// The role: a name ("Administrator", "Org Operator") or an id.
    #[arg(long, value_name = "NAME|ID")]
    role: String,
    /// The organization the role is held at (default: the root, the whole tenant).
    #[arg(long, value_name = "ORG")]
    organization: Option<String>,
    #[command(flatten)]
    scope: Scope,
}

const ROLE_COLUMNS: &[&str] = &["id", "displayName", "scope", "permissions"];
const USER_COLUMNS: &[&str] = &["id", "type", "principal", "roles"];

fn user_json(u: &IotcUser) -> Value {
    let roles: Vec<String> = u
        .roles
        .iter()
        .map(|r| {
            let name = roles::find(&r.role).map_or(r.role.as_str(), |x| x.display_name);
            match &r.organization {
                Some(o) => format!("{name} @ {o}"),
                None => name.to_owned(),
            }
        })
        .collect();
    json!({
        "id": u.id,
        "type": u.kind.as_str(),
        "principal": u.email.clone().unwrap_or_else(|| u.principal_id.clone()),
        "roles": roles.join(", "),
    })
}

impl RoleCmd {
    pub async fn run(self) -> Result<()> {
        match self {
            Self::List(scope) => {
                let (iotc, _, operator, output) = scope.open().await?;
                let list: Vec<Value> = iotc
                    .roles(&operator)
                    .map_err(explain)?
                    .iter()
                    .map(|r| {
                        json!({
                            "id": r.id,
                            "displayName": r.display_name,
                            "scope": if r.organization_role { "organization" } else { "application" },
                            "permissions": r.permissions.join(" "),
                        })
                    })
                    .collect();
                print(output, &Value::Array(list), ROLE_COLUMNS);
            }
            Self::Assign(a) => {
                let (iotc, _, operator, output) = a.scope.open().await?;
                let user = iotc
                    .assign_role(&operator, &a.assignee, &a.role, a.organization.as_deref())
                    .await
                    .map_err(explain)?;
                print(output, &user_json(&user), USER_COLUMNS);
            }
        }
        Ok(())
    }
}
