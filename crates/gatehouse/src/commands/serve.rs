//! `gatehouse serve`: the HTTPS server, and the getting-started text of the first start (on
//! standard output, or with `--quiet-bootstrap` in a 0600 file in the data folder).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result};
use clap::Args;
use gatehouse_core::admin::FirstStart;
use gatehouse_core::issuance::throttle::ThrottlePolicy;
use gatehouse_core::maintenance::{self, Retention};
use gatehouse_core::Gatehouse;

use crate::config::{RetentionArgs, RotationArgs, ServeConnectionArgs, Sources, StoreArgs};
use crate::context::Ctx;
use crate::setup;

/// How often every process checks the database for changes (the one-second promise).
const FOLLOW_EVERY: Duration = Duration::from_millis(250);
/// The first purge runs this long after the start, so a start is not slowed by it.
const PURGE_FIRST_AFTER: Duration = Duration::from_secs(30);

/// Run the HTTPS server.
#[derive(Args)]
#[command(
    after_help = "Examples:\n  gatehouse serve                                   # https://127.0.0.1:8443, data in ./gatehouse-data\n  gatehouse serve --listen 0.0.0.0:443 --public-url https://login.example.com \\\n      --database-url postgres://gatehouse@db/gatehouse --tls-cert cert.pem --tls-key key.pem"
)]
pub struct Serve {
    #[command(flatten)]
    store: StoreArgs,
    /// Address to listen on (port 0 picks a free port).
    #[arg(long, env = "GATEHOUSE_LISTEN", value_name = "IP:PORT")]
    listen: Option<String>,
    /// The https URL clients use to reach this server (issuer base). Default: https://LISTEN.
    #[arg(long, env = "GATEHOUSE_PUBLIC_URL", value_name = "URL")]
    public_url: Option<String>,
    /// Server certificate chain (PEM). Default: the local CA's certificate in the data folder.
    #[arg(long, env = "GATEHOUSE_TLS_CERT", value_name = "PEM")]
    tls_cert: Option<PathBuf>,
    /// Server private key (PEM).
    #[arg(long, env = "GATEHOUSE_TLS_KEY", value_name = "PEM")]
    tls_key: Option<PathBuf>,
    #[command(flatten)]
    retention: RetentionArgs,
    /// A load balancer or reverse proxy (IP or CIDR) whose X-Forwarded-For names the caller;
    /// repeat it, or give a comma-separated list. Default: none (the TCP peer is the caller).
    #[arg(
        long = "trusted-proxy",
        env = "GATEHOUSE_TRUSTED_PROXIES",
        value_name = "CIDR",
        value_delimiter = ','
    )]
    trusted_proxies: Vec<String>,
    /// Minutes between purges of expired rows; 0 turns the timer off. Default 60.
    #[arg(long, env = "GATEHOUSE_PURGE_INTERVAL_MINUTES", value_name = "MINUTES")]
    purge_interval_minutes: Option<u64>,
    #[command(flatten)]
    rotation: RotationArgs,
    /// Write the first start's one-time secrets (service principal secret, administrator
    /// password) to DATA_DIR/getting-started.txt (0600) instead of standard output, and print
    /// only where they are. For servers whose output a log system collects. Default false.
    #[arg(
        long,
        env = "GATEHOUSE_QUIET_BOOTSTRAP",
        value_name = "BOOL",
        num_args = 0..=1,
        require_equals = true,
        default_missing_value = "true",
        value_parser = clap::builder::BoolishValueParser::new()
    )]
    quiet_bootstrap: Option<bool>,
    /// Seconds a TLS handshake may take after the connection was accepted. Default 10.
    #[arg(long, env = "GATEHOUSE_TLS_HANDSHAKE_TIMEOUT_SECONDS", value_name = "SECONDS")]
    tls_handshake_timeout_seconds: Option<u64>,
    #[command(flatten)]
    connections: ServeConnectionArgs,
}

impl Serve {
    pub async fn run(self) -> Result<()> {
        let mut sources = Sources::from_store_args(&self.store)?;
        sources.listen = self.listen;
        sources.public_url = self.public_url;
        sources.tls_cert = self.tls_cert;
        sources.tls_key = self.tls_key;
        sources.sign_in_log_retention_days = self.retention.sign_in_log_retention_days;
        sources.purge_interval_minutes = self.purge_interval_minutes;
        sources.rotation = self.rotation;
        sources.trusted_proxies = self.trusted_proxies;
        sources.quiet_bootstrap = self.quiet_bootstrap;
        sources.connections = self.connections.to_limits_file();
        sources.connections.tls_handshake_timeout_seconds = self.tls_handshake_timeout_seconds;
        let settings = sources.resolve()?;

        eprintln!("Opening the database...");
        let keeps_files = settings.tls.is_none() || settings.quiet_bootstrap;
        let ctx = Ctx::open_using(settings.clone(), keeps_files).await?;

        let (cert, key, ca) = match &settings.tls {
            Some((c, k)) => (c.clone(), k.clone(), None),
            None => {
                let files = setup::ensure_local_tls(&settings.data_dir)?;
                (files.cert, files.key, Some(files.ca))
            }
        };
        let tls = gatehouse_server::tls::server_config(&cert, &key)?;

        let listener = std::net::TcpListener::bind(settings.listen)
            .with_context(|| format!("cannot listen on {} (in use? pass --listen IP:PORT)", settings.listen))?;
        let bound = listener.local_addr()?;
        let base = settings.public_url.clone().unwrap_or_else(|| default_public_url(bound));
        // Only now, with the port taken: a start that fails earlier does not use up the one
        // showing of the first start's secrets.
        let first = ctx.admin().bootstrap().await.map_err(super::explain)?;

        let gh = Arc::new(Gatehouse::new(
            ctx.store.clone(),
            ctx.kek.clone(),
            &base,
            ThrottlePolicy::default(),
        ));
        tokio::spawn(gh.clone().follow_changes(FOLLOW_EVERY));
        if let Some(every) = settings.purge_every {
            tokio::spawn(purge_periodically(ctx.store.clone(), settings.retention, every));
        }
        tokio::spawn(rotate_keys_periodically(
            ctx.store.clone(),
            ctx.kek.clone(),
            settings.rotation,
        ));
        let app = gatehouse_server::router_with(
            gh,
            gatehouse_server::RouterOptions {
                trusted_proxies: gatehouse_server::client_addr::TrustedProxies::new(settings.trusted_proxies.clone()),
            },
        )
        .with_context(|| format!("the public URL {base} cannot name the tenants' issuers"))?;

        if let Some(first) = &first {
            let text = getting_started(first, &base, ca.as_deref());
            if settings.quiet_bootstrap {
                let path = setup::write_getting_started(&settings.data_dir, &text).with_context(|| {
                    format!(
                        "writing the first start's one-time secrets; set new ones with `gatehouse user update --id {} --password NEW` and `gatehouse app credential add --app {}`",
                        first.admin_upn, first.app_id
                    )
                })?;
                println!(
                    "\nGatehouse is set up. The one-time secrets (service principal secret, administrator password)\nare in {} (readable only by you): read them, then delete the file.\n",
                    path.display()
                );
            } else {
                println!("{text}");
            }
        }
        println!("Gatehouse listening on {base} ({} database)", ctx.store.backend());
        use std::io::Write;
        std::io::stdout().flush().ok();

        gatehouse_server::serve::serve_tls(listener, tls, app, settings.connections.clone(), shutdown_signal()).await?;
        eprintln!("Gatehouse stopped");
        Ok(())
    }
}

/// Removes expired rows every `every`, the first time shortly after the start. Several
/// replicas may do this at once: the deletes are idempotent.
async fn purge_periodically(store: Arc<dyn gatehouse_core::Store>, retention: Retention, every: Duration) {
    tokio::time::sleep(PURGE_FIRST_AFTER.min(every)).await;
    let mut ticks = tokio::time::interval(every);
    loop {
        ticks.tick().await;
        match maintenance::purge_expired(store.as_ref(), retention).await {
            Ok(report) if report.total() > 0 => tracing::info!(?report, "purged expired rows"),
            Ok(_) => {}
            Err(error) => tracing::warn!(%error, "purging expired rows failed; retrying at the next interval"),
        }
    }
}

/// Performs the scheduled signing-key rotations, checking a quarter of the interval apart (at
/// least every second, at most every minute). Replicas racing to rotate the same key add one
/// key: the store's write is conditional on the key's generation.
async fn rotate_keys_periodically(
    store: Arc<dyn gatehouse_core::Store>,
    kek: Arc<gatehouse_keys::Kek>,
    policy: gatehouse_core::issuance::rotation::RotationPolicy,
) {
    let Some(interval) = policy.interval else {
        return;
    };
    let store = store.with_actor(gatehouse_core::model::Actor::system("key rotation"));
    let mut ticks = tokio::time::interval(Duration::from_secs((interval / 4).clamp(1, 60) as u64));
    loop {
        ticks.tick().await;
        let now = gatehouse_core::model::now();
        match gatehouse_core::issuance::rotation::rotate_due(store.as_ref(), &kek, &policy, now).await {
            Ok(added) => {
                for k in added {
                    tracing::info!(tenant = %k.tenant_id, kid = %k.kid, alg = %k.alg, activates_at = k.activates_at, "signing key rotated");
                }
            }
            Err(error) => tracing::warn!(%error, "scheduled key rotation failed; retrying at the next check"),
        }
    }
}

fn default_public_url(bound: SocketAddr) -> String {
    let host = match bound.ip() {
        ip if ip.is_unspecified() => "127.0.0.1".to_owned(),
        std::net::IpAddr::V6(ip) => format!("[{ip}]"),
        ip => ip.to_string(),
    };
    format!("https://{host}:{}", bound.port())
}

/// Resolves on Ctrl-C or SIGTERM (what `docker stop`, systemd and Kubernetes send).
pub(crate) async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}

/// The getting-started block: shown once, it holds the service principal's secret and the
/// administrator's one-time password.
fn getting_started(f: &FirstStart, base: &str, ca: Option<&std::path::Path>) -> String {
    let t = &f.tenant.id;
    let ca_text = ca
        .map(|p| p.display().to_string())
        .unwrap_or_else(|| "(your own certificate)".into());
    let ca_arg = ca.map(|p| format!("--cacert {} ", p.display())).unwrap_or_default();
    let ca_env = ca
        .map(|p| format!("REQUESTS_CA_BUNDLE={} ", p.display()))
        .unwrap_or_default();
    format!(
        r#"
Gatehouse is set up. This is shown once: keep the secret and the password now.

  Tenant id:        {t}   (name: {name})
  CA to trust:      {ca_text}
  Service principal "{sp}"
    appId:          {app}
    secret:         {secret}
  Administrator (a user; this password works once: the first sign-in asks for a
  new one; an administrator can set one with gatehouse user update --id {admin} --password NEW)
    sign-in name:   {admin}
    password:       {admin_password}
  Subscription "Default subscription" (both above are its Owners)
    subscriptionId: {subscription}

Get a token with curl:
  curl {ca_arg}-d grant_type=client_credentials -d client_id={app} --data-urlencode 'client_secret={secret}' --data-urlencode 'scope=https://devcenter.azure.com/.default' {base}/{t}/oauth2/v2.0/token

With Python azure-identity:
  {ca_env}python -c "from azure.identity import ClientSecretCredential as C; print(C('{t}', '{app}', '{secret}', authority='{base}', disable_instance_discovery=True).get_token('https://devcenter.azure.com/.default').token)"

With the Azure CLI:
  export {ca_env}AZURE_CORE_INSTANCE_DISCOVERY=false
  az cloud register -n Gatehouse --endpoint-resource-manager {base}/ && az cloud set -n Gatehouse
  az login --service-principal -u {app} -p '{secret}' --tenant {t}
  az group create -n my-group -l westeurope
  az account get-access-token --resource https://devcenter.azure.com
"#,
        name = f.tenant.name,
        sp = f.display_name,
        app = f.app_id,
        secret = f.secret,
        admin = f.admin_upn,
        admin_password = f.admin_password,
        subscription = f.subscription_id,
    )
}
