//! `gatehouse user create|list|show|update|delete`: users who sign in (the flags of `az ad user`).

use anyhow::Result;
use clap::{Args, Subcommand};
use gatehouse_core::admin::users::{NewUser, UserChanges};

use super::explain;
use crate::config::StoreArgs;
use crate::context::Ctx;
use crate::output::{print, Output};

const COLUMNS: &[&str] = &["id", "userPrincipalName", "displayName", "accountEnabled"];

/// Options shared by user verbs: where the data is, which tenant, how to print.
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

#[derive(Args)]
pub struct SignIns {
    /// Only this user principal name (as typed at sign-in).
    #[arg(long)]
    user: Option<String>,
    /// How many events at most.
    #[arg(long, default_value_t = 50)]
    limit: i64,
    #[command(flatten)]
    scope: Scope,
}

#[derive(Subcommand)]
pub enum UserCmd {
    /// Create a user who can sign in (password stored as an argon2id hash).
    #[command(
        after_help = "Example:\n  gatehouse user create --user-principal-name ada@contoso.com --display-name 'Ada Lovelace' --password 'correct horse battery'"
    )]
    Create(Create),
    /// List the users of a tenant.
    #[command(after_help = "Example:\n  gatehouse user list --tenant contoso --output table")]
    List(Scope),
    /// Show a user (by object id or user principal name).
    #[command(after_help = "Example:\n  gatehouse user show --id ada@contoso.com")]
    Show(Named),
    /// Change a user's display name, password or enabled state.
    #[command(
        after_help = "Examples:\n  gatehouse user update --id ada@contoso.com --password 'new long passphrase'\n  gatehouse user update --id ada@contoso.com --account-enabled false"
    )]
    Update(Update),
    /// The sign-in log: every password check and its outcome, newest first.
    #[command(
        name = "sign-ins",
        after_help = "Examples:\n  gatehouse user sign-ins --tenant contoso\n  gatehouse user sign-ins --user ada@contoso.com --limit 20 --output json"
    )]
    SignIns(SignIns),
    /// Delete a user; their refresh tokens stop working at once.
    #[command(after_help = "Example:\n  gatehouse user delete --id ada@contoso.com")]
    Delete(Named),
    /// The scopes a user may put in personal access tokens (default: every scope but app_token).
    #[command(
        name = "pat-scopes",
        after_help = "Examples:\n  gatehouse user pat-scopes --id ada@contoso.com --scope \"vso.code_write vso.work\"\n  gatehouse user pat-scopes --id ada@contoso.com --reset\n  gatehouse user pat-scopes --id ada@contoso.com            # shows them\nImplied scopes count (vso.code_write allows vso.code); existing PATs keep theirs."
    )]
    PatScopes(PatScopes),
}

#[derive(Args)]
pub struct PatScopes {
    /// Space-separated scopes the user may grant their PATs.
    #[arg(long, conflicts_with = "reset", value_name = "SCOPES")]
    scope: Option<String>,
    /// Back to the default (every scope but app_token).
    #[arg(long)]
    reset: bool,
    #[command(flatten)]
    named: Named,
}

#[derive(Args)]
pub struct Create {
    /// name@domain, unique in the tenant (stored lower-case).
    #[arg(long)]
    user_principal_name: String,
    #[arg(long)]
    display_name: String,
    /// 8 to 256 characters. Prefer GATEHOUSE_USER_PASSWORD: process lists are readable.
    #[arg(long, env = "GATEHOUSE_USER_PASSWORD", hide_env_values = true)]
    password: String,
    /// Create the account disabled.
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set, value_name = "true|false")]
    account_enabled: bool,
    /// The next password sign-in must set a new password before it continues (as `az ad user`).
    #[arg(long, value_name = "true|false", num_args = 0..=1, default_missing_value = "true")]
    force_change_password_next_sign_in: Option<bool>,
    #[command(flatten)]
    scope: Scope,
}

#[derive(Args)]
pub struct Named {
    /// Object id or user principal name.
    #[arg(long = "id")]
    id: String,
    #[command(flatten)]
    scope: Scope,
}

#[derive(Args)]
pub struct Update {
    /// Object id or user principal name.
    #[arg(long = "id")]
    id: String,
    #[arg(long)]
    display_name: Option<String>,
    #[arg(long)]
    password: Option<String>,
    #[arg(long, value_name = "true|false")]
    account_enabled: Option<bool>,
    /// The next password sign-in must set a new password before it continues; a new
    /// --password clears it unless this is given.
    #[arg(long, value_name = "true|false", num_args = 0..=1, default_missing_value = "true")]
    force_change_password_next_sign_in: Option<bool>,
    /// Give the user a directory role: "Global Administrator" manages the directory through
    /// the Graph API (users, groups, applications, service principals).
    #[arg(long, value_name = "ROLE")]
    add_directory_role: Option<String>,
    /// Take a directory role away.
    #[arg(long, value_name = "ROLE")]
    remove_directory_role: Option<String>,
    #[command(flatten)]
    scope: Scope,
}

impl UserCmd {
    pub async fn run(self) -> Result<()> {
        match self {
            Self::Create(c) => {
                let (ctx, tenant) = open(&c.scope).await?;
                let new = NewUser {
                    user_principal_name: c.user_principal_name,
                    display_name: c.display_name,
                    password: c.password,
                    account_enabled: c.account_enabled,
                    password_change_required: c.force_change_password_next_sign_in.unwrap_or(false),
                };
                let user = ctx.admin().create_user(&tenant, new).await.map_err(explain)?;
                print(c.scope.output, &serde_json::to_value(&user)?, COLUMNS);
            }
            Self::List(s) => {
                let (ctx, tenant) = open(&s).await?;
                let users = ctx.admin().list_users(&tenant).await.map_err(explain)?;
                print(s.output, &serde_json::to_value(&users)?, COLUMNS);
            }
            Self::Show(n) => {
                let (ctx, tenant) = open(&n.scope).await?;
                let user = ctx.admin().user(&tenant, &n.id).await.map_err(explain)?;
                print(n.scope.output, &serde_json::to_value(&user)?, COLUMNS);
            }
            Self::Update(u) => {
                let (ctx, tenant) = open(&u.scope).await?;
                let changes = UserChanges {
                    display_name: u.display_name,
                    password: u.password,
                    account_enabled: u.account_enabled,
                    password_change_required: u.force_change_password_next_sign_in,
                };
                let admin = ctx.admin();
                let user = admin.update_user(&tenant, &u.id, changes).await.map_err(explain)?;
                if let Some(role) = &u.add_directory_role {
                    admin
                        .grant_directory_role(&tenant, &user.id, true, role)
                        .await
                        .map_err(explain)?;
                }
                if let Some(role) = &u.remove_directory_role {
                    admin
                        .revoke_directory_role(&tenant, &user.id, true, role)
                        .await
                        .map_err(explain)?;
                }
                let mut v = serde_json::to_value(&user)?;
                v["directoryRoles"] = serde_json::json!(
                    admin
                        .directory_access(&tenant, &user.id, true)
                        .await
                        .map_err(explain)?
                        .roles
                );
                print(u.scope.output, &v, COLUMNS);
            }
            Self::SignIns(a) => {
                let (ctx, tenant) = open(&a.scope).await?;
                let events = ctx
                    .admin()
                    .sign_ins(&tenant, a.user.as_deref(), a.limit)
                    .await
                    .map_err(explain)?;
                let mut rows = serde_json::to_value(&events)?;
                if let Some(list) = rows.as_array_mut() {
                    for e in list {
                        let at = e["at"].as_i64().unwrap_or(0);
                        e["time"] = serde_json::json!(gatehouse_protocol::timefmt::iso8601(at));
                    }
                }
                print(
                    a.scope.output,
                    &rows,
                    &["time", "userPrincipalName", "success", "result", "source"],
                );
            }
            Self::PatScopes(p) => {
                let (ctx, tenant) = open(&p.named.scope).await?;
                let user = ctx.admin().user(&tenant, &p.named.id).await.map_err(explain)?;
                let pats = gatehouse_core::pats::Pats::new(ctx.store.clone());
                if p.scope.is_some() || p.reset {
                    pats.set_entitlement(gatehouse_core::model::Actor::operator(), &tenant.id, &user.id, p.scope.as_deref())
                        .await
                        .map_err(|e| match e {
                            gatehouse_core::Error::PatRefused(_) => anyhow::anyhow!(
                                "--scope names a scope that does not exist: see 'gatehouse pat create --help' for the names"
                            ),
                            e => explain(e),
                        })?;
                }
                let held = pats.entitlement(&tenant.id, &user.id).await.map_err(explain)?;
                print(
                    p.named.scope.output,
                    &serde_json::json!({"userPrincipalName": user.user_principal_name, "patScopes": held.join(" ")}),
                    &[],
                );
            }
            Self::Delete(n) => {
                let (ctx, tenant) = open(&n.scope).await?;
                let user = ctx.admin().delete_user(&tenant, &n.id).await.map_err(explain)?;
                print(
                    n.scope.output,
                    &serde_json::json!({"deleted": user.id, "userPrincipalName": user.user_principal_name}),
                    &[],
                );
            }
        }
        Ok(())
    }
}

async fn open(scope: &Scope) -> Result<(Ctx, gatehouse_core::model::Tenant)> {
    let ctx = Ctx::open(&scope.store).await?;
    let tenant = ctx.admin().tenant(scope.tenant.as_deref()).await.map_err(explain)?;
    Ok((ctx, tenant))
}
