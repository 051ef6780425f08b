//! `gatehouse sp create-for-rbac`: as `az ad sp create-for-rbac`, an application, its service
//! principal and a fresh secret (or, with `--create-cert`, a fresh self-signed certificate whose
//! private key goes to a new 0600 file, `fileWithCertAndPrivateKey`) in one step.

use anyhow::Result;
use clap::{Args, Subcommand};
use gatehouse_core::admin::apps::NewApp;
use gatehouse_core::Error;
use serde_json::json;

use super::credential::create_self_signed;
use super::explain;
use crate::config::StoreArgs;
use crate::context::Ctx;
use crate::output::{print, Output};

#[derive(Subcommand)]
pub enum SpCmd {
    /// Create (or reset) a service principal and print {appId, displayName, password, tenant}.
    #[command(
        name = "create-for-rbac",
        after_help = "Examples:\n  gatehouse sp create-for-rbac -n my-ci --output json\n  gatehouse sp create-for-rbac -n my-ci --create-cert --cert-out my-ci.pem\nAn existing application of that name gets a new credential and loses its old ones, as with az.\nWith --create-cert the private key and certificate go to a new file (mode 0600; by default\n~/tmpXXXXXXXX.pem, as az does), named in fileWithCertAndPrivateKey; the key is not stored."
    )]
    CreateForRbac(CreateForRbac),
}

#[derive(Args)]
pub struct CreateForRbac {
    /// Display name of the service principal.
    #[arg(short = 'n', long = "name")]
    name: String,
    #[arg(long)]
    tenant: Option<String>,
    /// Make a self-signed RSA-2048 certificate instead of a secret.
    #[arg(long)]
    create_cert: bool,
    /// With --create-cert: the new file for its private key and certificate (PEM, 0600).
    #[arg(long, value_name = "FILE", requires = "create_cert")]
    cert_out: Option<std::path::PathBuf>,
    /// With --create-cert: validity in years (1 to 10).
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(i64).range(1..=10))]
    years: i64,
    #[command(flatten)]
    store: StoreArgs,
    #[arg(long, short, value_enum, default_value = "json")]
    output: Output,
}

impl SpCmd {
    pub async fn run(self) -> Result<()> {
        let Self::CreateForRbac(c) = self;
        let ctx = Ctx::open(&c.store).await?;
        let admin = ctx.admin();
        let tenant = admin.tenant(c.tenant.as_deref()).await.map_err(explain)?;
        let app = match admin.app(&tenant, &c.name).await {
            Ok(app) => {
                for old in admin.list_credentials(&app).await.map_err(explain)? {
                    admin
                        .remove_credential(&tenant, &app, old.key_id())
                        .await
                        .map_err(explain)?;
                }
                app
            }
            Err(Error::NotFound { .. }) => {
                admin
                    .create_app(
                        &tenant,
                        NewApp {
                            display_name: c.name.clone(),
                            ..NewApp::default()
                        },
                    )
                    .await
                    .map_err(explain)?
                    .0
            }
            Err(e) => return Err(explain(e)),
        };
        let v = if c.create_cert {
            let out = match &c.cert_out {
                Some(p) => p.clone(),
                None => default_cert_file()?,
            };
            if out.exists() {
                anyhow::bail!("{} exists: give --cert-out a new file name", out.display());
            }
            let (key_pem, cert_pem, der) = create_self_signed(&app.display_name, c.years)?;
            // The key file first: a certificate is never registered without its key kept.
            crate::setup::write_private(&out, format!("{key_pem}{cert_pem}").as_bytes())?;
            if let Err(e) = admin.add_certificate(&tenant, &app, &der, Some("rbac")).await {
                let _ = std::fs::remove_file(&out);
                return Err(explain(e));
            }
            json!({
                "appId": app.app_id,
                "displayName": app.display_name,
                "fileWithCertAndPrivateKey": out.display().to_string(),
                "password": null,
                "tenant": tenant.id,
            })
        } else {
            let secret = admin
                .add_secret(&tenant, &app, Some("rbac"), None)
                .await
                .map_err(explain)?;
            json!({"appId": app.app_id, "displayName": app.display_name, "password": secret.text, "tenant": tenant.id})
        };
        print(c.output, &v, &[]);
        Ok(())
    }
}

/// As az: `~/tmpXXXXXXXX.pem` (the current folder when there is no home).
fn default_cert_file() -> Result<std::path::PathBuf> {
    let home = std::env::var_os("HOME")
        .map(std::path::PathBuf::from)
        .unwrap_or_default();
    let name = format!("tmp{}.pem", &uuid::Uuid::new_v4().simple().to_string()[..8]);
    Ok(home.join(name))
}
