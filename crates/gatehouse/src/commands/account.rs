//! `gatehouse account list|set|show|get-access-token`: as `az account`, over what `gatehouse login`
//! stored (client_profile.rs). `list`, `set` and `show` ask no server; `get-access-token` answers
//! from the token cache and refreshes silently (client_http::silent).

use anyhow::{anyhow, bail, Result};
use chrono::TimeZone;
use clap::{Args, Subcommand};
use serde_json::{json, Value};

use super::client_http::{resource_scope, silent, ARM_SCOPE};
use super::client_output::OutputArg;
use super::client_profile::{Account, ConfigDir, Profile, LOGIN_FIRST};
use super::login::ACCOUNT_COLUMNS;

#[derive(Subcommand)]
pub enum AccountCmd {
    /// The accounts 'gatehouse login' stored (no server is asked).
    #[command(after_help = "Example:\n  gatehouse account list --output table")]
    List(ListArgs),
    /// Make an account the default one.
    #[command(
        after_help = "Example:\n  gatehouse account set --subscription 'Default subscription'\nThe subscription by id or name (see 'gatehouse account list')."
    )]
    Set(SetArgs),
    /// The default account, or the one named.
    #[command(after_help = "Example:\n  gatehouse account show\n  gatehouse account show --subscription 2f6e...")]
    Show(ShowArgs),
    /// An access token for a resource (ARM by default), from the cache or refreshed silently.
    #[command(
        name = "get-access-token",
        after_help = "Examples:\n  gatehouse account get-access-token\n  gatehouse account get-access-token --resource https://devcenter.azure.com --output tsv\n  TOKEN=$(gatehouse account get-access-token --query accessToken --output tsv)\nPrints az's fields: accessToken, expiresOn (local time), expires_on (epoch), subscription,\ntenant, tokenType. A cached token with more than five minutes left is reused; else a user's\nrefresh token (kept rotated) or a service principal's secret gets a new one."
    )]
    GetAccessToken(GetAccessToken),
}

#[derive(Args)]
pub struct ListArgs {
    #[command(flatten)]
    output: OutputArg,
}

#[derive(Args)]
pub struct SetArgs {
    /// Subscription id or name.
    #[arg(long, short = 's', visible_alias = "name", value_name = "ID_OR_NAME")]
    subscription: String,
}

#[derive(Args)]
pub struct ShowArgs {
    /// Subscription id or name (default: the default account).
    #[arg(long, short = 's', value_name = "ID_OR_NAME")]
    subscription: Option<String>,
    #[command(flatten)]
    output: OutputArg,
}

#[derive(Args)]
pub struct GetAccessToken {
    /// The resource (an identifier URI or appId); its scope is RESOURCE/.default.
    #[arg(long, conflicts_with = "scope", value_name = "RESOURCE")]
    resource: Option<String>,
    /// The scope(s) to ask for, as az's --scope.
    #[arg(long, num_args = 1.., value_name = "SCOPE")]
    scope: Vec<String>,
    /// The account's subscription, by id or name (default: the default account).
    #[arg(long, short = 's', conflicts_with = "tenant", value_name = "ID_OR_NAME")]
    subscription: Option<String>,
    /// A token of this tenant (id, or the name given to login), from an account in it.
    #[arg(long, short = 't', value_name = "TENANT")]
    tenant: Option<String>,
    /// Print one field only (a top-level name, as az's --query accessToken; no JMESPath).
    #[arg(long, value_name = "FIELD")]
    query: Option<String>,
    #[command(flatten)]
    output: OutputArg,
}

impl AccountCmd {
    pub async fn run(self) -> Result<()> {
        let config = ConfigDir::locate()?;
        match self {
            Self::List(a) => {
                let profile = config.read_profile()?;
                if profile.subscriptions.is_empty() {
                    eprintln!("warning: there is no account: {LOGIN_FIRST}");
                }
                let list: Vec<Value> = profile.subscriptions.iter().map(|a| a.to_az("cloudName")).collect();
                a.output.print(&Value::Array(list), ACCOUNT_COLUMNS);
            }
            Self::Set(a) => {
                let _lock = config.lock().await?;
                let mut profile = config.read_profile()?;
                profile.set_default(&a.subscription)?;
                config.write_profile(&profile)?;
            }
            Self::Show(a) => {
                let profile = config.read_profile()?;
                let account = profile.find(a.subscription.as_deref())?;
                a.output.print(&account.to_az("environmentName"), &[]);
            }
            Self::GetAccessToken(a) => a.run(&config).await?,
        }
        Ok(())
    }
}

impl GetAccessToken {
    async fn run(self, config: &ConfigDir) -> Result<()> {
        let scope = match (&self.resource, self.scope.is_empty()) {
            (Some(r), _) => resource_scope(r),
            (None, false) => self.scope.join(" "),
            (None, true) => ARM_SCOPE.to_owned(),
        };
        let _lock = config.lock().await?;
        let profile = config.read_profile()?;
        let mut tokens = config.read_tokens()?;
        let account = match &self.tenant {
            Some(t) => for_tenant(&profile, &tokens, t)?,
            None => profile.find(self.subscription.as_deref())?.clone(),
        };
        let identity = tokens.of(&account).ok_or_else(|| {
            anyhow!(
                "no credentials are stored for '{}' in tenant {}: {LOGIN_FIRST}",
                account.user.name,
                account.tenant_id
            )
        })?;
        let before = identity.clone();
        let token = silent(identity, &scope).await?;
        if *identity != before {
            config.write_tokens(&tokens)?;
        }
        let mut out = json!({
            "accessToken": token.access_token,
            "expiresOn": local_time(token.expires_on)?,
            "expires_on": token.expires_on,
            "tenant": account.tenant_id,
            "tokenType": "Bearer",
        });
        if self.tenant.is_none() {
            out["subscription"] = json!(account.id);
        }
        if let Some(field) = &self.query {
            let Some(value) = out.get(field.as_str()) else {
                bail!("--query {field}: the fields are accessToken, expiresOn, expires_on, subscription, tenant, tokenType");
            };
            out = value.clone();
        }
        self.output.print(&out, &[]);
        Ok(())
    }
}

/// An account in `tenant` (by id, or by the name login was given): the default account's user
/// first.
pub(super) fn for_tenant(profile: &Profile, tokens: &super::client_profile::Tokens, tenant: &str) -> Result<Account> {
    let ids: Vec<&str> = tokens
        .identities
        .iter()
        .filter(|i| i.tenant_name.as_deref().is_some_and(|n| n.eq_ignore_ascii_case(tenant)))
        .map(|i| i.tenant_id.as_str())
        .collect();
    let in_tenant = |a: &&Account| a.tenant_id.eq_ignore_ascii_case(tenant) || ids.contains(&a.tenant_id.as_str());
    let current = profile.find(None).ok().map(|a| a.user.name.clone());
    let mut found: Vec<&Account> = profile.subscriptions.iter().filter(in_tenant).collect();
    found.sort_by_key(|a| (Some(&a.user.name) != current.as_ref(), !a.is_default));
    match found.first() {
        Some(a) => Ok((*a).clone()),
        None if profile.subscriptions.is_empty() => bail!("there is no account: {LOGIN_FIRST}"),
        None => bail!("no account is signed in to tenant '{tenant}': run 'gatehouse login --tenant {tenant}' first"),
    }
}

/// az's `expiresOn`: local time, `YYYY-MM-DD HH:MM:SS.ffffff` (whole seconds, as az computes it).
pub fn local_time(epoch: i64) -> Result<String> {
    let t = chrono::Local
        .timestamp_opt(epoch, 0)
        .single()
        .ok_or_else(|| anyhow!("the token's expiry {epoch} is not a time"))?;
    Ok(t.format("%Y-%m-%d %H:%M:%S%.6f").to_string())
}
