//! `gatehouse login`: the Azure CLI's `az login` for people and CI jobs without the Azure CLI. A user signs in with the device code flow as the Azure CLI's
//! public client; a service principal with client credentials. Then ARM's subscription list
//! becomes the accounts (a tenant-level one when it is empty), stored in the config folder
//! (client_profile.rs) with the identity's refresh token or secret. `logout` is in logout.rs.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Result};
use clap::Args;
use serde_json::Value;

use super::client_http::{
    claims, normalize_server, now, tenant_hint, Http, TokenAnswer, ARM_SCOPE, AZURE_CLI, DEFAULT_SERVER, DEVICE_GRANT,
    USER_SCOPES,
};
use super::client_output::OutputArg;
use super::client_profile::{
    Account, AccountUser, CachedToken, ConfigDir, Identity, CLOUD_NAME, SERVICE_PRINCIPAL, TENANT_LEVEL, USER,
};
use crate::config::DEFAULT_DATA_DIR;

pub const ACCOUNT_COLUMNS: &[&str] = &["name", "id", "tenantId", "isDefault", "state"];

/// Sign in to a Gatehouse server and store its accounts (as `az login`).
#[derive(Args)]
#[command(
    after_help = "Examples:\n  gatehouse login --tenant contoso --use-device-code\n  gatehouse login --service-principal -u APPID -p SECRET --tenant contoso\n  GATEHOUSE_CLIENT_SECRET=SECRET gatehouse login --service-principal -u APPID --tenant contoso --server https://gatehouse.example:8443 --ca-file ca.pem\nA user opens the printed page and types the code; a service principal signs in at once. The\nsubscriptions the identity may see become its accounts (a tenant-level account if there are\nnone), stored in GATEHOUSE_CONFIG_DIR (default ~/.gatehouse, private to you). Then:\n  gatehouse account get-access-token"
)]
pub struct Login {
    /// Tenant id or name.
    #[arg(long, short = 't', default_value = "default")]
    tenant: String,
    /// The Gatehouse server's base URL.
    #[arg(long, env = "GATEHOUSE_SERVER", value_name = "URL", default_value = DEFAULT_SERVER)]
    server: String,
    /// Trust only this CA for the server's certificate (default: the data folder's tls/ca.pem if
    /// it exists, else the system's roots).
    #[arg(long, value_name = "PEM")]
    ca_file: Option<PathBuf>,
    /// Where to look for tls/ca.pem when --ca-file is not given.
    #[arg(long, env = "GATEHOUSE_DATA_DIR", value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// Sign a user in with a code typed on the server's device page (the only user sign-in; the
    /// flag is accepted as az takes it).
    #[arg(long)]
    use_device_code: bool,
    /// Sign in as a service principal (-u APPID with -p SECRET or GATEHOUSE_CLIENT_SECRET).
    #[arg(long, requires = "username")]
    service_principal: bool,
    /// With --service-principal: its appId.
    #[arg(short = 'u', long, value_name = "APPID")]
    username: Option<String>,
    /// With --service-principal: its secret. Better from GATEHOUSE_CLIENT_SECRET, which the
    /// process list does not show.
    #[arg(
        short = 'p',
        long,
        env = "GATEHOUSE_CLIENT_SECRET",
        hide_env_values = true,
        value_name = "SECRET"
    )]
    password: Option<String>,
    /// Accepted as az takes it: an identity without subscriptions always gets a tenant-level account.
    #[arg(long)]
    allow_no_subscriptions: bool,
    #[command(flatten)]
    output: OutputArg,
}

impl Login {
    pub async fn run(self) -> Result<()> {
        if self.service_principal && self.use_device_code {
            bail!("--use-device-code signs a user in; leave it out with --service-principal");
        }
        if !self.service_principal && self.username.is_some() {
            bail!("-u names a service principal: add --service-principal (a user signs in with --use-device-code, never a password on the command line)");
        }
        let config = ConfigDir::locate()?;
        let server = normalize_server(&self.server)?;
        let ca_file = self.trust()?;
        let http = Http::new(&server, ca_file.as_deref())?;
        let (mut identity, answer) = if self.service_principal {
            self.service_principal_login(&http, &server).await?
        } else {
            self.device_login(&http, &server).await?
        };
        let at = claims(&answer.access_token)?;
        let tenant_id = at["tid"]
            .as_str()
            .ok_or_else(|| anyhow!("the server's token has no tid"))?
            .to_owned();
        identity.tenant_id = tenant_id.clone();
        identity.ca_file = ca_file;
        if !tenant_id.eq_ignore_ascii_case(&self.tenant) {
            identity.tenant_name = Some(self.tenant.clone());
        }
        if identity.kind == USER {
            let id = answer
                .id_token
                .as_deref()
                .map(claims)
                .transpose()?
                .unwrap_or(Value::Null);
            let name = ["preferred_username", "upn"]
                .iter()
                .find_map(|k| id[*k].as_str().or(at[*k].as_str()))
                .ok_or_else(|| anyhow!("the server's tokens name no user (preferred_username)"))?;
            identity.user = name.to_owned();
        }
        identity.access_tokens.push(CachedToken {
            scope: ARM_SCOPE.to_owned(),
            access_token: answer.access_token.clone(),
            expires_on: now() + answer.expires_in,
        });
        let accounts = accounts(&http, &answer.access_token, &identity).await?;

        let _lock = config.lock().await?;
        let mut profile = config.read_profile()?;
        let mut tokens = config.read_tokens()?;
        tokens.put(identity);
        profile.merge(accounts.clone());
        config.write_tokens(&tokens)?;
        config.write_profile(&profile)?;
        let printed: Vec<Value> = profile
            .subscriptions
            .iter()
            .filter(|a| accounts.iter().any(|n| n.id == a.id))
            .map(|a| a.to_az("cloudName"))
            .collect();
        self.output.print(&Value::Array(printed), ACCOUNT_COLUMNS);
        Ok(())
    }

    /// `--ca-file`, else the data folder's local CA if it exists, else none (the system's roots).
    fn trust(&self) -> Result<Option<PathBuf>> {
        let path = match &self.ca_file {
            Some(p) => p.clone(),
            None => {
                let data_dir = self.data_dir.clone().unwrap_or_else(|| PathBuf::from(DEFAULT_DATA_DIR));
                let ca = data_dir.join("tls/ca.pem");
                if !ca.is_file() {
                    return Ok(None);
                }
                ca
            }
        };
        let absolute = std::path::absolute(&path).unwrap_or(path);
        if !absolute.is_file() {
            bail!(
                "--ca-file {}: no such file (give the server's CA, DATA_DIR/tls/ca.pem)",
                absolute.display()
            );
        }
        Ok(Some(absolute))
    }

    async fn service_principal_login(&self, http: &Http, server: &str) -> Result<(Identity, TokenAnswer)> {
        let app_id = self.username.clone().unwrap_or_default();
        let Some(secret) = self.password.clone().filter(|p| !p.is_empty()) else {
            bail!("a service principal needs its secret: -p SECRET, or GATEHOUSE_CLIENT_SECRET in the environment");
        };
        let answer = http
            .token(
                &self.tenant,
                &[
                    ("grant_type", "client_credentials"),
                    ("client_id", &app_id),
                    ("client_secret", &secret),
                    ("scope", ARM_SCOPE),
                    ("client_info", "1"),
                ],
            )
            .await?;
        let answer = answer.map_err(|e| {
            let next = match e.code {
                Some(7000215) => format!(
                    "check the secret (-p or GATEHOUSE_CLIENT_SECRET), or make a new one with 'gatehouse app credential add --app {app_id}'"
                ),
                Some(700016) => format!("check -u and --tenant: see 'gatehouse app list --tenant {}'", self.tenant),
                Some(90002) => tenant_hint(&e, &self.tenant).trim().trim_matches(['(', ')']).to_owned(),
                _ => "check -u, -p and --tenant".to_owned(),
            };
            anyhow!(
                "the service principal '{app_id}' could not sign in ({}); {next}",
                e.summary().trim_end_matches('.')
            )
        })?;
        let identity = Identity {
            server: server.to_owned(),
            tenant_id: String::new(),
            tenant_name: None,
            user: app_id.clone(),
            kind: SERVICE_PRINCIPAL.to_owned(),
            client_id: app_id,
            ca_file: None,
            client_secret: Some(secret),
            refresh_token: None,
            access_tokens: Vec::new(),
        };
        Ok((identity, answer))
    }

    async fn device_login(&self, http: &Http, server: &str) -> Result<(Identity, TokenAnswer)> {
        let dc = http
            .device_code(&self.tenant, &format!("{ARM_SCOPE} {USER_SCOPES}"))
            .await?;
        eprintln!("{}", dc.message);
        let again = format!("run 'gatehouse login --tenant {} --use-device-code' again", self.tenant);
        let mut interval = dc.interval;
        let mut progress = Progress::new(dc.expires_in);
        let answer = loop {
            progress.wait(Duration::from_secs(interval)).await;
            if progress.expired() {
                progress.clear();
                bail!("the code expired before the sign-in was finished: {again}");
            }
            let polled = http
                .token(
                    &self.tenant,
                    &[
                        ("grant_type", DEVICE_GRANT),
                        ("client_id", AZURE_CLI),
                        ("device_code", &dc.device_code),
                        ("client_info", "1"),
                    ],
                )
                .await;
            match polled {
                Ok(Ok(answer)) => break answer,
                Ok(Err(e)) if e.error == "authorization_pending" => {}
                Ok(Err(e)) if e.error == "slow_down" => interval += 5,
                Ok(Err(e)) => {
                    progress.clear();
                    match e.error.as_str() {
                        "authorization_declined" => {
                            bail!("the sign-in was declined on the device page: {again} to retry")
                        }
                        "expired_token" => bail!("the code expired before the sign-in was finished: {again}"),
                        _ => bail!("the server refused the sign-in ({}): {again}", e.summary()),
                    }
                }
                Err(e) => {
                    progress.clear();
                    return Err(e);
                }
            }
        };
        progress.clear();
        let identity = Identity {
            server: server.to_owned(),
            tenant_id: String::new(),
            tenant_name: None,
            user: String::new(),
            kind: USER.to_owned(),
            client_id: AZURE_CLI.to_owned(),
            ca_file: None,
            client_secret: None,
            refresh_token: answer.refresh_token.clone(),
            access_tokens: Vec::new(),
        };
        if identity.refresh_token.is_none() {
            bail!("the server gave no refresh token (offline_access): {again}");
        }
        Ok((identity, answer))
    }
}

/// The identity's subscriptions as az stores them; none: one tenant-level account.
async fn accounts(http: &Http, bearer: &str, identity: &Identity) -> Result<Vec<Account>> {
    let listed = http.subscriptions(bearer).await?;
    let account = |id: &str, name: &str, state: &str, home: Option<String>| Account {
        id: id.to_owned(),
        name: name.to_owned(),
        state: state.to_owned(),
        tenant_id: identity.tenant_id.clone(),
        home_tenant_id: home,
        is_default: false,
        user: AccountUser {
            name: identity.user.clone(),
            kind: identity.kind.clone(),
        },
        environment_name: CLOUD_NAME.to_owned(),
        server: identity.server.clone(),
    };
    let mut found: Vec<Account> = listed
        .iter()
        .filter_map(|s| {
            let id = s["subscriptionId"].as_str()?;
            let home = s["tenantId"].as_str().unwrap_or(&identity.tenant_id).to_owned();
            Some(account(
                id,
                s["displayName"].as_str().unwrap_or(id),
                s["state"].as_str().unwrap_or("Enabled"),
                Some(home),
            ))
        })
        .collect();
    if found.is_empty() {
        eprintln!(
            "No subscriptions found for {}: stored a tenant-level account (give it a role on a subscription to see one).",
            identity.user
        );
        found.push(account(&identity.tenant_id, TENANT_LEVEL, "Enabled", None));
    }
    Ok(found)
}

/// The wait for the person, shown on standard error: a ticking line on a terminal, a line a
/// minute otherwise (CI logs).
struct Progress {
    tty: bool,
    start: Instant,
    expires: Duration,
    last_line: Instant,
}

impl Progress {
    fn new(expires_in: u64) -> Self {
        let now = Instant::now();
        Self {
            tty: std::io::stderr().is_terminal(),
            start: now,
            expires: Duration::from_secs(expires_in),
            last_line: now,
        }
    }

    fn expired(&self) -> bool {
        self.start.elapsed() >= self.expires
    }

    async fn wait(&mut self, total: Duration) {
        let until = Instant::now() + total;
        while Instant::now() < until && !self.expired() {
            self.show();
            let step = until
                .saturating_duration_since(Instant::now())
                .min(Duration::from_secs(1));
            tokio::time::sleep(step).await;
        }
    }

    fn show(&mut self) {
        let waited = self.start.elapsed().as_secs();
        let left = self.expires.saturating_sub(self.start.elapsed()).as_secs();
        let clock = |s: u64| format!("{}:{:02}", s / 60, s % 60);
        if self.tty {
            let spin = ['|', '/', '-', '\\'][(waited % 4) as usize];
            eprint!(
                "\r{spin} Waiting for the sign-in on the device page... {} (the code expires in {})\x1b[K",
                clock(waited),
                clock(left)
            );
            let _ = std::io::stderr().flush();
        } else if self.last_line.elapsed() >= Duration::from_secs(60) {
            self.last_line = Instant::now();
            eprintln!(
                "Still waiting for the sign-in on the device page ({} waited, the code expires in {}).",
                clock(waited),
                clock(left)
            );
        }
    }

    fn clear(&self) {
        if self.tty {
            eprint!("\r\x1b[K");
            let _ = std::io::stderr().flush();
        }
    }
}
