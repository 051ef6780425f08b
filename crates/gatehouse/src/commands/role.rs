//! `gatehouse role list|assign|create|update|delete`: IoT Central's roles (the `/api/roles`
//! door) and who holds them. `assign` acts as the installation operator: it gives a user (UPN
//! or object id) or a service principal (appId or object id) a role (name or id) at the root
//! or at an organization, adding to the roles the principal already holds. `create`, `update`
//! and `delete` manage the tenant's custom roles, made of the door's permissions.

use anyhow::Result;
use clap::{Args, Subcommand};
use gatehouse_core::iotc::custom_roles::NewRole;
use gatehouse_core::iotc::roles::Role;
use gatehouse_core::iotc::{Actor, Iotc};
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
    /// Create a custom role made of permissions.
    #[command(
        after_help = "Examples:\n  gatehouse role create token-keeper --name \"Token keeper\" --permissions view,apiTokens.read,apiTokens.manage --organization-role\n  gatehouse role create auditor --name Auditor --permissions view,auditLogs.read\nPermissions: view, operate, build, organizations.manage, users.read, users.manage,\napiTokens.read, apiTokens.manage, roles.manage, auditLogs.read."
    )]
    Create(Create),
    /// Change a custom role's name, permissions or kind (its holders get the change at once).
    #[command(after_help = "Example:\n  gatehouse role update token-keeper --permissions view,apiTokens.read")]
    Update(Update),
    /// Delete a custom role (refused while users or API tokens hold it).
    #[command(after_help = "Example:\n  gatehouse role delete token-keeper")]
    Delete(Delete),
}

#[derive(Args)]
pub struct Create {
    /// The role's id: 1 to 128 of A-Z a-z 0-9 - _ . ~ (never a built-in role's id).
    id: String,
    /// The display name, unique in the tenant.
    #[arg(long)]
    name: String,
    /// The permissions, comma-separated (see below).
    #[arg(long, value_delimiter = ',', required = true)]
    permissions: Vec<String>,
    /// An organization role (held at organizations and below) rather than an application role
    /// (held at the root only).
    #[arg(long)]
    organization_role: bool,
    #[command(flatten)]
    scope: Scope,
}

#[derive(Args)]
pub struct Update {
    /// The custom role's id or name.
    role: String,
    #[arg(long)]
    name: Option<String>,
    /// The new permissions, comma-separated (replacing the old ones).
    #[arg(long, value_delimiter = ',')]
    permissions: Option<Vec<String>>,
    /// Make it an organization role (`true`) or an application role (`false`).
    #[arg(long, value_name = "true|false")]
    organization_role: Option<bool>,
    #[command(flatten)]
    scope: Scope,
}

#[derive(Args)]
pub struct Delete {
    /// The custom role's id or name.
    role: String,
    #[command(flatten)]
    scope: Scope,
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

const ROLE_COLUMNS: &[&str] = &["id", "displayName", "type", "scope", "permissions"];
const USER_COLUMNS: &[&str] = &["id", "type", "principal", "roles"];

fn role_json(r: &Role) -> Value {
    json!({
        "id": r.id,
        "displayName": r.display_name,
        "scope": if r.organization_role { "organization" } else { "application" },
        "permissions": r.permissions.join(" "),
        "type": if r.built_in { "builtIn" } else { "custom" },
    })
}

/// The custom role named by id or display name, or a message saying where to look.
fn custom<'a>(all: &'a [Role], name: &str) -> Result<&'a Role> {
    match all.iter().find(|r| r.names(name)) {
        Some(r) if r.built_in => anyhow::bail!("'{}' is a built-in role: built-in roles cannot be changed. Create a custom role with 'gatehouse role create'.", r.display_name),
        Some(r) => Ok(r),
        None => anyhow::bail!("There is no role '{name}'. See 'gatehouse role list'."),
    }
}

fn user_json(all: &[Role], u: &IotcUser) -> Value {
    let roles: Vec<String> = u
        .roles
        .iter()
        .map(|r| {
            let name = all
                .iter()
                .find(|x| x.id == r.role.as_str())
                .map_or(r.role.as_str(), |x| &x.display_name);
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
                    .await
                    .map_err(explain)?
                    .iter()
                    .map(role_json)
                    .collect();
                print(output, &Value::Array(list), ROLE_COLUMNS);
            }
            Self::Assign(a) => {
                let (iotc, _, operator, output) = a.scope.open().await?;
                let user = iotc
                    .assign_role(&operator, &a.assignee, &a.role, a.organization.as_deref())
                    .await
                    .map_err(explain)?;
                let all = iotc.roles(&operator).await.map_err(explain)?;
                print(output, &user_json(&all, &user), USER_COLUMNS);
            }
            Self::Create(c) => {
                let (iotc, _, operator, output) = c.scope.open().await?;
                let all = iotc.roles(&operator).await.map_err(explain)?;
                if let Some(r) = all.iter().find(|r| r.id.eq_ignore_ascii_case(&c.id)) {
                    anyhow::bail!(
                        "A role with id '{}' exists already. Change it with 'gatehouse role update {}'.",
                        r.id,
                        r.id
                    );
                }
                let new = NewRole {
                    display_name: c.name,
                    organization_role: c.organization_role,
                    permissions: c.permissions,
                };
                let (role, _) = iotc.put_role(&operator, &c.id, new).await.map_err(explain)?;
                print(output, &role_json(&role), ROLE_COLUMNS);
            }
            Self::Update(u) => {
                let (iotc, _, operator, output) = u.scope.open().await?;
                let all = iotc.roles(&operator).await.map_err(explain)?;
                let old = custom(&all, &u.role)?;
                let new = NewRole {
                    display_name: u.name.unwrap_or_else(|| old.display_name.to_string()),
                    organization_role: u.organization_role.unwrap_or(old.organization_role),
                    permissions: u
                        .permissions
                        .unwrap_or_else(|| old.permissions.iter().map(|p| (*p).to_owned()).collect()),
                };
                let (role, _) = iotc.put_role(&operator, &old.id, new).await.map_err(explain)?;
                print(output, &role_json(&role), ROLE_COLUMNS);
            }
            Self::Delete(d) => {
                let (iotc, _, operator, _) = d.scope.open().await?;
                let all = iotc.roles(&operator).await.map_err(explain)?;
                let role = custom(&all, &d.role)?;
                iotc.delete_role(&operator, &role.id).await.map_err(explain)?;
                eprintln!("Deleted role '{}' ({}).", role.display_name, role.id);
            }
        }
        Ok(())
    }
}
