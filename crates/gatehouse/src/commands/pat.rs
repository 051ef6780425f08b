//! `gatehouse pat create|list|extend|revoke`: the signed-in user's personal access tokens,
//! through the server's PAT API (`/_apis/tokens/pats`, Azure DevOps' shapes). A client verb:
//! it acts as the account `gatehouse login` stored, with a token for the Azure DevOps resource
//! got silently from that sign-in (client_http::silent), and asks the server over HTTPS.

use anyhow::{anyhow, bail, Result};
use clap::{Args, Subcommand};
use reqwest::Method;
use serde_json::{json, Value};

use super::client_http::{now, silent, Http};
use super::client_output::OutputArg;
use super::client_profile::{ConfigDir, LOGIN_FIRST, SERVICE_PRINCIPAL};

/// The Azure DevOps resource; `.default` of it gives a user token with `user_impersonation`.
pub const DEVOPS_SCOPE: &str = "499b84ac-1321-427f-aa17-267ca6975798/.default";
const API: &str = "/_apis/tokens/pats?api-version=7.1-preview.1";
const COLUMNS: &[&str] = &["displayName", "authorizationId", "scope", "validTo"];

#[derive(Subcommand)]
pub enum PatCmd {
    /// Create a personal access token; its text is printed this once.
    #[command(
        after_help = "Example:\n  gatehouse pat create --name build-bot --scope \"vso.code_write vso.work\" --days 30\nScopes are Azure DevOps' (vso.code, vso.code_write, vso.code_manage, vso.code_full, vso.build,\nvso.work_write, ..., app_token = full access); a PAT gets at most what you hold, for at most a year."
    )]
    Create(CreateArgs),
    /// List your personal access tokens (never their text).
    #[command(after_help = "Examples:\n  gatehouse pat list --output table\n  gatehouse pat list --filter all")]
    List(ListArgs),
    /// Extend a personal access token (and optionally rename or re-scope it).
    #[command(
        after_help = "Example:\n  gatehouse pat extend --id 0190c3e2-... --days 90\nThe new expiry counts from now, at most 365 days. The id is authorizationId in 'gatehouse pat list'."
    )]
    Extend(ExtendArgs),
    /// Revoke a personal access token at once.
    #[command(after_help = "Example:\n  gatehouse pat revoke --id 0190c3e2-...")]
    Revoke(RevokeArgs),
}

#[derive(Args)]
pub struct Who {
    /// Act as your account in this tenant (id, or the name given to login); default: the default account.
    #[arg(long, short = 't', value_name = "TENANT")]
    tenant: Option<String>,
}

#[derive(Args)]
pub struct CreateArgs {
    /// The PAT's display name.
    #[arg(long, short = 'n', value_name = "NAME")]
    name: String,
    /// Space-separated scopes.
    #[arg(long, value_name = "SCOPES")]
    scope: String,
    /// Days until it expires (1 to 365; default 30).
    #[arg(long, value_name = "DAYS", value_parser = clap::value_parser!(i64).range(1..=365))]
    days: Option<i64>,
    #[command(flatten)]
    who: Who,
    #[command(flatten)]
    output: OutputArg,
}

#[derive(Args)]
pub struct ListArgs {
    /// Which PATs: active (default), expired, revoked or all.
    #[arg(long, value_name = "WHICH", value_parser = ["active", "expired", "revoked", "all"])]
    filter: Option<String>,
    #[command(flatten)]
    who: Who,
    #[command(flatten)]
    output: OutputArg,
}

#[derive(Args)]
pub struct ExtendArgs {
    /// The PAT's authorizationId.
    #[arg(long, value_name = "ID")]
    id: String,
    /// Days from now until it expires (1 to 365).
    #[arg(long, value_name = "DAYS", value_parser = clap::value_parser!(i64).range(1..=365))]
    days: i64,
    /// A new display name.
    #[arg(long, short = 'n', value_name = "NAME")]
    name: Option<String>,
    /// New space-separated scopes.
    #[arg(long, value_name = "SCOPES")]
    scope: Option<String>,
    #[command(flatten)]
    who: Who,
    #[command(flatten)]
    output: OutputArg,
}

#[derive(Args)]
pub struct RevokeArgs {
    /// The PAT's authorizationId.
    #[arg(long, value_name = "ID")]
    id: String,
    #[command(flatten)]
    who: Who,
}

/// The server and a DevOps token of the signed-in user.
async fn session(who: &Who) -> Result<(Http, String)> {
    let config = ConfigDir::locate()?;
    let _lock = config.lock().await?;
    let profile = config.read_profile()?;
    let mut tokens = config.read_tokens()?;
    let account = match &who.tenant {
        Some(t) => super::account::for_tenant(&profile, &tokens, t)?,
        None => profile.find(None)?.clone(),
    };
    let identity = tokens
        .of(&account)
        .ok_or_else(|| anyhow!("no credentials are stored for '{}': {LOGIN_FIRST}", account.user.name))?;
    if identity.kind == SERVICE_PRINCIPAL {
        bail!("personal access tokens belong to users: sign in as a user with 'gatehouse login --use-device-code'");
    }
    let before = identity.clone();
    let token = silent(identity, DEVOPS_SCOPE).await?;
    let http = Http::new(&identity.server, identity.ca_file.as_deref())?;
    if *identity != before {
        config.write_tokens(&tokens)?;
    }
    Ok((http, token.access_token))
}

/// The body of a 2xx answer, or the refusal in words.
fn checked(status: u16, body: Value) -> Result<Value> {
    if let Some(e) = body["patTokenError"].as_str().filter(|e| *e != "none") {
        let hint = match e {
            "accessDenied" => " (a scope you do not hold: ask an administrator, or ask for less)",
            "invalidScope" => " (see 'gatehouse pat create --help' for the scope names)",
            "invalidValidTo" => " (at most 365 days from now)",
            "authorizationNotFound" => " (see 'gatehouse pat list --filter all' for the ids)",
            _ => "",
        };
        bail!("the server refused: {e}{hint}");
    }
    if !(200..300).contains(&status) {
        let why = body["message"].as_str().unwrap_or("no Azure DevOps error body");
        bail!("the PAT API answered HTTP {status}: {why}");
    }
    Ok(body)
}

fn valid_to(days: i64) -> String {
    gatehouse_protocol::timefmt::iso8601(now() + days * 86400)
}

impl PatCmd {
    pub async fn run(self) -> Result<()> {
        match self {
            Self::Create(a) => {
                let (http, t) = session(&a.who).await?;
                let body = json!({"displayName": a.name, "scope": a.scope, "validTo": valid_to(a.days.unwrap_or(30)), "allOrgs": false});
                let (status, answer) = http.json(Method::POST, API, &t, Some(&body)).await?;
                let answer = checked(status, answer)?;
                eprintln!("Copy the token now: it is shown this once.");
                a.output.print(&answer["patToken"], &[]);
            }
            Self::List(a) => {
                let (http, t) = session(&a.who).await?;
                let filter = a.filter.as_deref().unwrap_or("active");
                let mut all = Vec::new();
                let mut cont: Option<String> = None;
                loop {
                    let mut path = format!("{API}&displayFilterOption={filter}&$top=100");
                    if let Some(c) = &cont {
                        path.push_str(&format!("&continuationToken={c}"));
                    }
                    let (status, answer) = http.json(Method::GET, &path, &t, None).await?;
                    let answer = checked(status, answer)?;
                    all.extend(answer["patTokens"].as_array().cloned().unwrap_or_default());
                    match answer["continuationToken"].as_str().filter(|c| !c.is_empty()) {
                        Some(c) => cont = Some(c.to_owned()),
                        None => break,
                    }
                }
                for p in &mut all {
                    if let Some(o) = p.as_object_mut() {
                        o.remove("token");
                    }
                }
                a.output.print(&Value::Array(all), COLUMNS);
            }
            Self::Extend(a) => {
                let (http, t) = session(&a.who).await?;
                let mut body = json!({"authorizationId": a.id, "validTo": valid_to(a.days)});
                if let Some(n) = a.name {
                    body["displayName"] = json!(n);
                }
                if let Some(s) = a.scope {
                    body["scope"] = json!(s);
                }
                let (status, answer) = http.json(Method::PUT, API, &t, Some(&body)).await?;
                let mut p = checked(status, answer)?["patToken"].clone();
                if let Some(o) = p.as_object_mut() {
                    o.remove("token");
                }
                a.output.print(&p, &[]);
            }
            Self::Revoke(a) => {
                let (http, t) = session(&a.who).await?;
                let path = format!("{API}&authorizationId={}", a.id.trim());
                let (status, answer) = http.json(Method::DELETE, &path, &t, None).await?;
                checked(status, answer)?;
                eprintln!("Revoked {}.", a.id.trim());
            }
        }
        Ok(())
    }
}
