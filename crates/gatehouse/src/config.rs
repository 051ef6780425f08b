//! Configuration, checked in two stages: [`Sources`] gathers what the flags, the `GATEHOUSE_*`
//! environment and the TOML file say (flag or environment wins over the file); [`Sources::resolve`]
//! validates it into [`Settings`], with messages that say what to change. The connection limits
//! (flags, `GATEHOUSE_*`, the `[connections]` table) are in [`limits`].

mod limits;
mod rotation;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{bail, Context, Result};
use clap::Args;
use gatehouse_core::maintenance::Retention;
use gatehouse_listener::{Limits, LimitsFile};
use ipnet::IpNet;
use serde::Deserialize;

pub use limits::{explain as explain_limit, ProxyConnectionArgs, ServeConnectionArgs};
pub use rotation::RotationArgs;

/// Options every verb that touches the database takes.
#[derive(Debug, Clone, Args)]
pub struct StoreArgs {
    /// Data folder: embedded database, key-encryption key, local TLS files.
    #[arg(long, env = "GATEHOUSE_DATA_DIR", value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// PostgreSQL URL (postgres://user@host/db); without it the embedded SQLite database is used.
    #[arg(long, env = "GATEHOUSE_DATABASE_URL", value_name = "URL")]
    pub database_url: Option<String>,
    /// TOML configuration file (see docs/CONFIGURATION.md).
    #[arg(long, env = "GATEHOUSE_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Start even when the data folder or a file in it can be read by other users (a warning
    /// instead of a refusal). Default false.
    #[arg(
        long,
        env = "GATEHOUSE_ALLOW_INSECURE_PERMISSIONS",
        value_name = "BOOL",
        num_args = 0..=1,
        require_equals = true,
        default_missing_value = "true",
        value_parser = clap::builder::BoolishValueParser::new()
    )]
    pub allow_insecure_permissions: Option<bool>,
}

/// The TOML file. Unknown keys are errors, so a typo is not silently ignored.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    pub data_dir: Option<PathBuf>,
    pub database_url: Option<String>,
    pub listen: Option<String>,
    pub public_url: Option<String>,
    pub kek: Option<String>,
    pub tls_cert: Option<PathBuf>,
    pub tls_key: Option<PathBuf>,
    pub sign_in_log_retention_days: Option<u32>,
    pub purge_interval_minutes: Option<u64>,
    pub key_pre_publication_seconds: Option<u64>,
    pub key_rotation_interval_seconds: Option<u64>,
    pub trusted_proxies: Option<Vec<String>>,
    pub allow_insecure_permissions: Option<bool>,
    pub quiet_bootstrap: Option<bool>,
    /// Connection limits (`[connections]`).
    pub connections: Option<LimitsFile>,
}

/// Stage one: everything said, nothing checked.
#[derive(Debug, Default)]
pub struct Sources {
    pub file: FileConfig,
    pub data_dir: Option<PathBuf>,
    pub database_url: Option<String>,
    pub listen: Option<String>,
    pub public_url: Option<String>,
    pub tls_cert: Option<PathBuf>,
    pub tls_key: Option<PathBuf>,
    pub sign_in_log_retention_days: Option<u32>,
    pub purge_interval_minutes: Option<u64>,
    /// Signing-key rotation flags or environment.
    pub rotation: RotationArgs,
    /// Empty: not given (the file's list, if any, applies).
    pub trusted_proxies: Vec<String>,
    pub allow_insecure_permissions: Option<bool>,
    pub quiet_bootstrap: Option<bool>,
    /// Connection limits from flags or the environment.
    pub connections: LimitsFile,
}

#[derive(Debug, Clone)]
pub enum Database {
    /// The embedded SQLite file in the data folder.
    Embedded,
    Url(String),
}

/// Stage two: validated.
#[derive(Debug, Clone)]
pub struct Settings {
    pub data_dir: PathBuf,
    pub database: Database,
    pub listen: SocketAddr,
    pub public_url: Option<String>,
    pub kek: Option<String>,
    pub tls: Option<(PathBuf, PathBuf)>,
    pub retention: Retention,
    /// How often `serve` purges expired rows; `None`: never (run `gatehouse purge` yourself).
    pub purge_every: Option<Duration>,
    /// Signing-key rotation: pre-publication delay and schedule.
    pub rotation: gatehouse_core::issuance::rotation::RotationPolicy,
    /// Proxies whose `X-Forwarded-For` names the caller.
    pub trusted_proxies: Vec<IpNet>,
    /// A data folder others can read is a warning, not a refusal.
    pub allow_insecure_permissions: bool,
    /// `serve` writes the first start's secrets to a file in the data folder, not to stdout.
    pub quiet_bootstrap: bool,
    /// Limits on every connection `serve` accepts.
    pub connections: Limits,
}

pub const DEFAULT_DATA_DIR: &str = "gatehouse-data";
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8443";
pub const DEFAULT_SIGN_IN_LOG_RETENTION_DAYS: u32 = 90;
pub const DEFAULT_PURGE_INTERVAL_MINUTES: u64 = 60;
const MAX_RETENTION_DAYS: u32 = 36_500;
const MAX_PURGE_INTERVAL_MINUTES: u64 = 7 * 24 * 60;

/// Options of the verbs that remove expired rows (`serve` on a timer, `purge` once).
#[derive(Debug, Clone, Default, Args)]
pub struct RetentionArgs {
    /// Days the sign-in log is kept; 0 keeps it forever. Default 90.
    #[arg(long, env = "GATEHOUSE_SIGN_IN_LOG_RETENTION_DAYS", value_name = "DAYS")]
    pub sign_in_log_retention_days: Option<u32>,
}

impl Sources {
    pub fn from_store_args(args: &StoreArgs) -> Result<Self> {
        let file = match &args.config {
            Some(path) => read_file(path)?,
            None => FileConfig::default(),
        };
        Ok(Self {
            file,
            data_dir: args.data_dir.clone(),
            database_url: args.database_url.clone(),
            allow_insecure_permissions: args.allow_insecure_permissions,
            ..Self::default()
        })
    }

    pub fn resolve(self) -> Result<Settings> {
        let data_dir = self
            .data_dir
            .or(self.file.data_dir)
            .unwrap_or_else(|| PathBuf::from(DEFAULT_DATA_DIR));
        let database = match self.database_url.or(self.file.database_url).filter(|u| !u.is_empty()) {
            None => Database::Embedded,
            Some(u) if u.starts_with("postgres://") || u.starts_with("postgresql://") || u.starts_with("sqlite:") => Database::Url(u),
            Some(_) => bail!("database_url must start with postgres://, postgresql:// or sqlite: (or leave it out to use the embedded database)"),
        };
        let listen_text = self
            .listen
            .or(self.file.listen)
            .unwrap_or_else(|| DEFAULT_LISTEN.to_owned());
        let listen: SocketAddr = listen_text.parse().with_context(|| {
            format!("listen address '{listen_text}' is not IP:PORT (e.g. 127.0.0.1:8443 or 0.0.0.0:443)")
        })?;
        let public_url = match self.public_url.or(self.file.public_url) {
            None => None,
            Some(u) => {
                let u = u.trim_end_matches('/').to_owned();
                let rest = u.strip_prefix("https://").with_context(|| {
                    format!("public_url '{u}' must start with https:// (Microsoft's clients refuse http)")
                })?;
                if rest.is_empty() || rest.contains('/') || rest.contains('?') || rest.contains('#') {
                    bail!("public_url '{u}' must be https://HOST[:PORT] with no path");
                }
                Some(u)
            }
        };
        let kek = std::env::var("GATEHOUSE_KEK")
            .ok()
            .filter(|k| !k.is_empty())
            .or(self.file.kek);
        let tls = match (self.tls_cert.or(self.file.tls_cert), self.tls_key.or(self.file.tls_key)) {
            (Some(c), Some(k)) => Some((c, k)),
            (None, None) => None,
            _ => bail!("give both tls_cert and tls_key (PEM files), or neither to use the local CA in the data folder"),
        };
        let days = self
            .sign_in_log_retention_days
            .or(self.file.sign_in_log_retention_days)
            .unwrap_or(DEFAULT_SIGN_IN_LOG_RETENTION_DAYS);
        if days > MAX_RETENTION_DAYS {
            bail!(
                "sign_in_log_retention_days is {days}: give at most {MAX_RETENTION_DAYS}, or 0 to keep the log forever"
            );
        }
        let retention = Retention {
            sign_in_log: (days > 0).then(|| Duration::from_secs(u64::from(days) * 24 * 3600)),
        };
        let minutes = self
            .purge_interval_minutes
            .or(self.file.purge_interval_minutes)
            .unwrap_or(DEFAULT_PURGE_INTERVAL_MINUTES);
        if minutes > MAX_PURGE_INTERVAL_MINUTES {
            bail!("purge_interval_minutes is {minutes}: give at most {MAX_PURGE_INTERVAL_MINUTES} (a week), or 0 to purge only with `gatehouse purge`");
        }
        let purge_every = (minutes > 0).then(|| Duration::from_secs(minutes * 60));
        let rotation = rotation::resolve(
            &self.rotation,
            self.file.key_pre_publication_seconds,
            self.file.key_rotation_interval_seconds,
        )?;
        let proxies = if self.trusted_proxies.is_empty() {
            self.file.trusted_proxies.unwrap_or_default()
        } else {
            self.trusted_proxies
        };
        let trusted_proxies = proxies.iter().map(|p| parse_network(p)).collect::<Result<Vec<_>>>()?;
        let allow_insecure_permissions = self
            .allow_insecure_permissions
            .or(self.file.allow_insecure_permissions)
            .unwrap_or(false);
        let quiet_bootstrap = self.quiet_bootstrap.or(self.file.quiet_bootstrap).unwrap_or(false);
        let connections = self
            .connections
            .or(self.file.connections.unwrap_or_default())
            .apply(&Limits::default())
            .map_err(|e| explain_limit(e, "GATEHOUSE_", "the configuration file"))?;
        Ok(Settings {
            data_dir,
            database,
            listen,
            public_url,
            kek,
            tls,
            retention,
            purge_every,
            rotation,
            trusted_proxies,
            allow_insecure_permissions,
            quiet_bootstrap,
            connections,
        })
    }
}

/// `10.0.0.0/8`, `2001:db8::/32`, or one address (`192.0.2.10`, `::1`).
fn parse_network(text: &str) -> Result<IpNet> {
    let text = text.trim();
    text.parse::<IpNet>()
        .or_else(|_| text.parse::<std::net::IpAddr>().map(IpNet::from))
        .map(|net| net.trunc())
        .map_err(|_| {
            anyhow::anyhow!(
                "trusted proxy '{text}' is not an IP address or network (e.g. 10.0.0.0/8, 192.0.2.10 or fd00::/8)"
            )
        })
}

fn read_file(path: &Path) -> Result<FileConfig> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading the configuration file {}", path.display()))?;
    toml::from_str(&text).with_context(|| {
        format!(
            "{} is not a valid Gatehouse configuration (see docs/CONFIGURATION.md)",
            path.display()
        )
    })
}

#[cfg(test)]
mod tests;
