//! `gatehouse subscription create|list|show|delete`: the subscriptions the ARM front door
//! serves. A new subscription can name its first Owner (a user, by UPN or object id, or a
//! service principal, by appId or object id); without one only the ARM role assignments made
//! later give access.

use anyhow::{Context, Result};
use clap::{Args, Subcommand};
use gatehouse_core::admin::rbac::NewAssignment;
use gatehouse_core::model::{RbacScope, Subscription, Tenant};
use gatehouse_core::rbac::builtin;
use serde_json::{json, Value};

use super::explain;
use crate::config::StoreArgs;
use crate::context::Ctx;
use crate::output::{print, Output};

const COLUMNS: &[&str] = &["subscriptionId", "displayName", "tenantId", "state"];

/// Options shared by subscription verbs: where the data is, which tenant, how to print.
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

#[derive(Subcommand)]
pub enum SubscriptionCmd {
    /// Create a subscription in a tenant, optionally with its first Owner.
    #[command(
        after_help = "Examples:\n  gatehouse subscription create --name Production --owner admin@default\n  gatehouse subscription create --name CI --id 6f1c2a4e-0000-4000-8000-000000000001 --owner 0c6a...(appId)"
    )]
    Create(Create),
    /// List the subscriptions of a tenant.
    #[command(after_help = "Example:\n  gatehouse subscription list --output table")]
    List(Scope),
    /// Show one subscription (by id or display name).
    #[command(after_help = "Example:\n  gatehouse subscription show Production")]
    Show(Which),
    /// Delete a subscription with its resource groups and role assignments.
    #[command(after_help = "Example:\n  gatehouse subscription delete Production")]
    Delete(Which),
}

#[derive(Args)]
pub struct Create {
    /// Display name (1 to 64 characters).
    #[arg(long)]
    name: String,
    /// The subscription id (a GUID); a new one by default.
    #[arg(long)]
    id: Option<String>,
    /// Make this principal the subscription's Owner: a user (UPN or object id) or a service
    /// principal (appId or object id).
    #[arg(long, value_name = "PRINCIPAL")]
    owner: Option<String>,
    #[command(flatten)]
    scope: Scope,
}

#[derive(Args)]
pub struct Which {
    /// Subscription id or display name.
    subscription: String,
    #[command(flatten)]
    scope: Scope,
}

fn to_json(s: &Subscription) -> Value {
    json!({
        "id": format!("/subscriptions/{}", s.id),
        "subscriptionId": s.id,
        "displayName": s.display_name,
        "tenantId": s.tenant_id,
        "state": "Enabled",
    })
}

async fn open(scope: &Scope) -> Result<(Ctx, Tenant)> {
    let ctx = Ctx::open(&scope.store).await?;
    let tenant = ctx.admin().tenant(scope.tenant.as_deref()).await.map_err(explain)?;
    Ok((ctx, tenant))
}

impl SubscriptionCmd {
    pub async fn run(self) -> Result<()> {
        match self {
            Self::Create(c) => {
                let (ctx, tenant) = open(&c.scope).await?;
                let owner = match &c.owner {
                    Some(o) => Some(ctx.admin().resolve_principal(&tenant, o).await.map_err(explain)?.0),
                    None => None,
                };
                let s = ctx
                    .admin()
                    .create_subscription(&tenant, &c.name, c.id.as_deref())
                    .await
                    .map_err(explain)?;
                if let Some(owner) = owner {
                    ctx.admin()
                        .create_role_assignment(
                            &tenant,
                            NewAssignment {
                                id: gatehouse_core::model::new_guid(),
                                scope: RbacScope::subscription(&s.id),
                                role_definition_id: builtin::OWNER.into(),
                                principal_id: owner,
                                principal_type: None,
                                description: Some("gatehouse subscription create --owner".into()),
                                created_by: None,
                            },
                        )
                        .await
                        .map_err(explain)
                        .context("the subscription was created, but its Owner could not be assigned")?;
                }
                print(c.scope.output, &to_json(&s), COLUMNS);
            }
            Self::List(scope) => {
                let (ctx, tenant) = open(&scope).await?;
                let list = ctx.admin().subscriptions(&tenant).await.map_err(explain)?;
                let v: Vec<Value> = list.iter().map(to_json).collect();
                print(scope.output, &Value::Array(v), COLUMNS);
            }
            Self::Show(w) => {
                let (ctx, tenant) = open(&w.scope).await?;
                let s = ctx
                    .admin()
                    .subscription(&tenant, &w.subscription)
                    .await
                    .map_err(explain)?;
                print(w.scope.output, &to_json(&s), COLUMNS);
            }
            Self::Delete(w) => {
                let (ctx, tenant) = open(&w.scope).await?;
                let s = ctx
                    .admin()
                    .delete_subscription(&tenant, &w.subscription)
                    .await
                    .map_err(explain)?;
                print(w.scope.output, &to_json(&s), COLUMNS);
            }
        }
        Ok(())
    }
}
