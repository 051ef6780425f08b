//! `gatehouse app credential add|list|remove`: client secrets and certificate credentials.
//! `add` makes a secret (printed once), registers a certificate (`--cert FILE`, PEM or DER), or
//! generates a self-signed one (`--create-cert`: the private key is printed or written once,
//! never stored). `list` shows both kinds with their expiry, marking those that end within 30
//! days or have ended.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use clap::Args;
use gatehouse_core::admin::certificates::{self, hex, CertificateFile, Credential};
use gatehouse_core::model::{now, ClientCertificate, ClientSecret};
use gatehouse_protocol::timefmt::iso8601;
use serde_json::{json, Value};

use super::app::Scope;
use super::explain;
use crate::output::print;

const COLUMNS: &[&str] = &[
    "keyId",
    "type",
    "displayName",
    "hint",
    "endDateTime",
    "expiresInDays",
    "soon",
    "status",
];
/// A credential ending within this many days is marked in `credential list`.
pub const EXPIRY_WARNING_DAYS: i64 = 30;

#[derive(clap::Subcommand)]
pub enum CredentialCmd {
    /// Add a client secret (printed once, stored only as a hash) or a certificate.
    #[command(after_help = "Examples:
  gatehouse app credential add --app billing-worker --display-name ci --years 1
  gatehouse app credential add --app billing-worker --display-name rollover --days 45
  gatehouse app credential add --app billing-worker --cert billing.crt
  gatehouse app credential add --app billing-worker --create-cert --cert-out billing.pem

--cert takes a PEM or DER certificate, never a private key. --create-cert makes a self-signed
RSA-2048 certificate, registers it, and prints its private key and certificate once (or writes
them to --cert-out, mode 0600); the private key is not stored.")]
    Add(CredAdd),
    /// List secrets and certificates with their expiry (never a secret or a private key).
    #[command(after_help = "Example:\n  gatehouse app credential list --app billing-worker\n\
        An app may hold several secrets and certificates at once, each with its own end date.\n\
        expiresInDays is the whole days left (negative: ended); soon is true for those ending\n\
        within 30 days or ended; status is 'expired', 'expiring' (within 30 days) or 'ok'.")]
    List(CredList),
    /// Remove a secret or a certificate; running servers refuse it within a second.
    #[command(after_help = "Example:\n  gatehouse app credential remove --app billing-worker --key-id 5b1e...")]
    Remove(CredRemove),
}

#[derive(Args)]
pub struct CredAdd {
    #[arg(long)]
    app: String,
    #[arg(long)]
    display_name: Option<String>,
    /// Lifetime in years (1 to 10) of a new secret or of a --create-cert certificate.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(i64).range(1..=10))]
    years: i64,
    /// Lifetime of a new secret in days (1 to 3650), instead of --years: for a secret that
    /// overlaps the one it replaces by a known margin.
    #[arg(long, value_parser = clap::value_parser!(i64).range(1..=3650), conflicts_with_all = ["years", "cert", "create_cert"])]
    days: Option<i64>,
    /// Register this certificate (PEM or DER; the public certificate only).
    #[arg(long, value_name = "FILE", conflicts_with = "create_cert")]
    cert: Option<PathBuf>,
    /// Generate a self-signed RSA-2048 certificate and register it.
    #[arg(long)]
    create_cert: bool,
    /// With --create-cert: write the private key and certificate (PEM) to this new file (0600)
    /// instead of printing them.
    #[arg(long, value_name = "FILE", requires = "create_cert")]
    cert_out: Option<PathBuf>,
    #[command(flatten)]
    scope: Scope,
}

#[derive(Args)]
pub struct CredList {
    #[arg(long)]
    app: String,
    #[command(flatten)]
    scope: Scope,
}

#[derive(Args)]
pub struct CredRemove {
    #[arg(long)]
    app: String,
    #[arg(long)]
    key_id: String,
    #[command(flatten)]
    scope: Scope,
}

/// `ok`, `expiring` (within [`EXPIRY_WARNING_DAYS`]) or `expired`.
pub fn status(end: i64) -> &'static str {
    let t = now();
    if end <= t {
        "expired"
    } else if end <= t + EXPIRY_WARNING_DAYS * 86_400 {
        "expiring"
    } else {
        "ok"
    }
}

/// Whole days until `end` (negative once it has passed).
pub fn days_left(end: i64) -> i64 {
    (end - now()).div_euclid(86_400)
}

pub fn secret_json(s: &ClientSecret) -> Value {
    json!({
        "keyId": s.key_id,
        "type": "Password",
        "displayName": s.display_name,
        "hint": s.hint,
        "startDateTime": iso8601(s.start),
        "endDateTime": iso8601(s.end),
        "expiresInDays": days_left(s.end),
        "soon": status(s.end) != "ok",
        "status": status(s.end),
    })
}

pub fn certificate_json(c: &ClientCertificate) -> Value {
    json!({
        "keyId": c.key_id,
        "type": "AsymmetricX509Cert",
        "displayName": c.display_name,
        "hint": "",
        "thumbprint": hex(&c.thumbprint_sha1),
        "thumbprintSha256": hex(&c.thumbprint_sha256),
        "startDateTime": iso8601(c.start),
        "endDateTime": iso8601(c.end),
        "expiresInDays": days_left(c.end),
        "soon": status(c.end) != "ok",
        "status": status(c.end),
    })
}

/// A new self-signed certificate: (key PEM, certificate PEM, certificate DER).
pub fn create_self_signed(common_name: &str, years: i64) -> Result<(String, String, Vec<u8>)> {
    use rcgen::{CertificateParams, DnType, KeyPair, RsaKeySize, PKCS_RSA_SHA256};
    let key = KeyPair::generate_rsa_for(&PKCS_RSA_SHA256, RsaKeySize::_2048).context("generating an RSA key")?;
    let mut params = CertificateParams::new(Vec::<String>::new())?;
    params.distinguished_name.push(DnType::CommonName, common_name);
    let start = time::OffsetDateTime::now_utc() - time::Duration::minutes(5);
    params.not_before = start;
    params.not_after = start + time::Duration::days(365 * years);
    let cert = params.self_signed(&key)?;
    Ok((key.serialize_pem(), cert.pem(), cert.der().to_vec()))
}

/// Reads a certificate file for registration, worded for the person at the terminal.
pub fn read_certificate(path: &Path) -> Result<Vec<u8>> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    match certificates::certificate_der(&bytes) {
        Ok(der) => Ok(der),
        Err(CertificateFile::PrivateKey) => bail!(
            "{} holds a private key: register only the certificate (its public part). Extract it with \
             'openssl x509 -in {} -out cert.pem' and pass --cert cert.pem; keep the key with the client.",
            path.display(),
            path.display()
        ),
        Err(CertificateFile::NoCertificate) => bail!(
            "{} holds no certificate: give a PEM file with a '-----BEGIN CERTIFICATE-----' block or a DER \
             certificate (or use --create-cert to make one)",
            path.display()
        ),
        Err(CertificateFile::Several) => bail!(
            "{} holds several certificates: register them one at a time, one file each",
            path.display()
        ),
    }
}

/// Words a refused certificate for the terminal: what to do next.
fn explain_certificate(e: gatehouse_core::Error) -> anyhow::Error {
    match e {
        gatehouse_core::Error::Invalid(why) if why.contains("expired") => anyhow::anyhow!(
            "{why} Renew it, or make a new one with 'gatehouse app credential add --app APP --create-cert'."
        ),
        other => explain(other),
    }
}

impl CredentialCmd {
    pub async fn run(self) -> Result<()> {
        match self {
            Self::Add(a) => a.run().await?,
            Self::List(l) => {
                let (admin, tenant) = l.scope.open().await?;
                let app = admin.app(&tenant, &l.app).await.map_err(explain)?;
                let list: Vec<Value> = admin
                    .list_credentials(&app)
                    .await
                    .map_err(explain)?
                    .iter()
                    .map(|c| match c {
                        Credential::Secret(s) => secret_json(s),
                        Credential::Certificate(c) => certificate_json(c),
                    })
                    .collect();
                let soon = list.iter().filter(|v| v["status"] != "ok").count();
                print(l.scope.output, &Value::Array(list), COLUMNS);
                if soon > 0 {
                    eprintln!(
                        "{soon} credential(s) expired or ending within {EXPIRY_WARNING_DAYS} days: add a new one \
                         ('gatehouse app credential add'), move the clients to it, then remove the old one."
                    );
                }
            }
            Self::Remove(r) => {
                let (admin, tenant) = r.scope.open().await?;
                let app = admin.app(&tenant, &r.app).await.map_err(explain)?;
                admin
                    .remove_credential(&tenant, &app, &r.key_id)
                    .await
                    .map_err(explain)?;
                print(r.scope.output, &json!({"removed": r.key_id, "appId": app.app_id}), &[]);
            }
        }
        Ok(())
    }
}

impl CredAdd {
    async fn run(self) -> Result<()> {
        let (admin, tenant) = self.scope.open().await?;
        let app = admin.app(&tenant, &self.app).await.map_err(explain)?;
        if let Some(path) = &self.cert {
            let der = read_certificate(path)?;
            let cert = admin
                .add_certificate(&tenant, &app, &der, self.display_name.as_deref())
                .await
                .map_err(explain_certificate)?;
            let mut v = certificate_json(&cert);
            v["appId"] = json!(app.app_id);
            print(self.scope.output, &v, &[]);
        } else if self.create_cert {
            if let Some(out) = &self.cert_out {
                if out.exists() {
                    bail!("{} exists: give --cert-out a new file name", out.display());
                }
            }
            let (key_pem, cert_pem, der) = create_self_signed(&app.display_name, self.years)?;
            // The key file first: a certificate is never registered without its key kept.
            if let Some(out) = &self.cert_out {
                crate::setup::write_private(out, format!("{key_pem}{cert_pem}").as_bytes())?;
            }
            let added = admin
                .add_certificate(&tenant, &app, &der, self.display_name.as_deref())
                .await;
            let cert = match added {
                Ok(c) => c,
                Err(e) => {
                    if let Some(out) = &self.cert_out {
                        let _ = std::fs::remove_file(out);
                    }
                    return Err(explain_certificate(e));
                }
            };
            let mut v = certificate_json(&cert);
            v["appId"] = json!(app.app_id);
            match &self.cert_out {
                Some(out) => v["fileWithCertAndPrivateKey"] = json!(out.display().to_string()),
                None => {
                    v["certificatePem"] = json!(cert_pem);
                    v["privateKeyPem"] = json!(key_pem);
                }
            }
            print(self.scope.output, &v, &[]);
            if self.cert_out.is_none() {
                eprintln!("This is the only time the private key is shown: store it now (it is not kept).");
            }
        } else {
            let end = now() + self.days.unwrap_or(self.years * 365) * 86_400;
            let created = admin
                .add_secret(&tenant, &app, self.display_name.as_deref(), Some(end))
                .await
                .map_err(explain)?;
            let mut v = secret_json(&created.meta);
            v["secretText"] = json!(created.text);
            v["appId"] = json!(app.app_id);
            print(
                self.scope.output,
                &v,
                &["keyId", "displayName", "hint", "startDateTime", "endDateTime"],
            );
            eprintln!("This is the only time the secret is shown: store it now.");
        }
        Ok(())
    }
}
