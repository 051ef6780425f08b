//! `gatehouse keys list|rotate`: a tenant's signing keys, their schedule, and rotation on
//! request. The schedule (and the status it gives at this moment) is what every replica
//! computes too; running servers see a new key within a second (the change feed).

use anyhow::Result;
use clap::Args;
use gatehouse_core::admin::keys::KeyInfo;
use gatehouse_core::issuance::rotation::Activation;
use gatehouse_keys::Algorithm;
use gatehouse_protocol::timefmt::iso8601;
use serde_json::{json, Value};

use super::app::Scope;
use super::explain;
use crate::config::{RotationArgs, Sources};
use crate::output::print;

const COLUMNS: &[&str] = &["kid", "alg", "status", "published", "activates", "retires"];

#[derive(clap::Subcommand)]
pub enum KeysCmd {
    /// List a tenant's signing keys (never a private key) with their schedule.
    #[command(after_help = "Examples:
  gatehouse keys list
  gatehouse keys list --tenant contoso -o json

status: 'published' (in the JWKS, signing from 'activates'), 'active' (signs), 'inactive' (a newer
key signs; still in the JWKS until 'retires', when every token it signed has expired), 'retired'
(out of the JWKS).")]
    List(Scope),
    /// Rotate a tenant's signing keys: a new key is published now and signs after the
    /// pre-publication delay.
    #[command(after_help = "Examples:
  gatehouse keys rotate                         # both algorithms; the new keys sign in 24 h
  gatehouse keys rotate --tenant contoso --alg RS256
  gatehouse keys rotate --alg ES256 --now       # emergency: the new key signs at once

The old key stays in the JWKS until every token it signed has expired (its successor's
activation plus 24 h 5 min). --now skips the pre-publication delay: guards that have not
refreshed their JWKS since the rotation see an unknown kid and fetch the JWKS again (a
gatehouse-guard does so at most every 30 s by default, refusing tokens of the new key until
then), so use it only when a key must stop signing now. Running servers rotate on their own
schedule too (key_rotation_interval_seconds, default 30 days).")]
    Rotate(Rotate),
}

#[derive(Args)]
pub struct Rotate {
    #[command(flatten)]
    scope: Scope,
    /// Rotate only this algorithm's key (default: both).
    #[arg(long, value_parser = ["RS256", "ES256"])]
    alg: Option<String>,
    /// Sign with the new key at once, skipping pre-publication (see below for the cost).
    #[arg(long)]
    now: bool,
    #[command(flatten)]
    rotation: RotationArgs,
}

fn key_json(k: &KeyInfo) -> Value {
    json!({
        "kid": k.kid,
        "alg": k.alg.as_str(),
        "generation": k.generation,
        "status": k.status.as_str(),
        "published": iso8601(k.created_at),
        "activates": iso8601(k.activates_at),
        "retires": k.retires_at.map(iso8601),
    })
}

impl KeysCmd {
    pub async fn run(self) -> Result<()> {
        match self {
            Self::List(scope) => {
                let (admin, tenant) = scope.open().await?;
                let keys = admin.list_keys(&tenant).await.map_err(explain)?;
                print(
                    scope.output,
                    &Value::Array(keys.iter().map(key_json).collect()),
                    COLUMNS,
                );
            }
            Self::Rotate(r) => {
                let mut sources = Sources::from_store_args(&r.scope.store)?;
                sources.rotation = r.rotation.clone();
                let policy = sources.resolve()?.rotation;
                let (admin, tenant) = r.scope.open().await?;
                let alg = r.alg.as_deref().map(str::parse::<Algorithm>).transpose()?;
                let activation = if r.now { Activation::Now } else { Activation::Scheduled };
                let added = admin
                    .rotate_keys(&tenant, alg, activation, &policy)
                    .await
                    .map_err(explain)?;
                print(
                    r.scope.output,
                    &Value::Array(added.iter().map(key_json).collect()),
                    COLUMNS,
                );
            }
        }
        Ok(())
    }
}
