//! `gatehouse api pre-authorize add|list|remove`: the client applications an API pre-authorizes
//! (Entra's `api.preAuthorizedApplications`), so that they may call it on a user's behalf
//! (on-behalf-of, token exchange) without asking for consent.

use anyhow::Result;
use clap::{Args, Subcommand};
use serde_json::{json, Value};

use super::app::Scope;
use super::explain;
use crate::output::print;

#[derive(Subcommand)]
pub enum PreAuthorizeCmd {
    /// Pre-authorize a client application for delegated scopes of the API (replaces its list).
    #[command(
        after_help = "Example:\n  gatehouse api pre-authorize add --api api://orders --client middle-tier --scope Orders.Read --scope offline_access\n\nThe client (a confidential application) may then exchange a user's token for one of this\nAPI (on-behalf-of or RFC 8693 token exchange) for these scopes without the user's or an\nadministrator's consent. `.default` stands for every scope the API declares;\n`offline_access` lets it get refresh tokens."
    )]
    Add(AddArgs),
    /// List the client applications the API pre-authorizes.
    #[command(after_help = "Example:\n  gatehouse api pre-authorize list --api api://orders --output json")]
    List(ApiOnly),
    /// Withdraw a client application's pre-authorization.
    #[command(
        after_help = "Example:\n  gatehouse api pre-authorize remove --api api://orders --client middle-tier\n\nIts next on-behalf-of request needs consent; tokens already issued stay valid until they expire."
    )]
    Remove(ClientArgs),
}

#[derive(Args)]
pub struct ApiOnly {
    /// The API (appId, identifier URI or display name).
    #[arg(long)]
    api: String,
    #[command(flatten)]
    scope: Scope,
}

#[derive(Args)]
pub struct ClientArgs {
    /// The API (appId, identifier URI or display name).
    #[arg(long)]
    api: String,
    /// The client application pre-authorized (appId or display name).
    #[arg(long)]
    client: String,
    #[command(flatten)]
    scope: Scope,
}

#[derive(Args)]
pub struct AddArgs {
    /// The API (appId, identifier URI or display name).
    #[arg(long)]
    api: String,
    /// The client application to pre-authorize (appId or display name).
    #[arg(long)]
    client: String,
    /// A delegated scope the API declares (repeatable), `.default` for all, `offline_access`.
    #[arg(long = "scope", required = true, num_args = 1..)]
    scopes: Vec<String>,
    #[command(flatten)]
    scope: Scope,
}

impl PreAuthorizeCmd {
    pub async fn run(self) -> Result<()> {
        match self {
            Self::Add(a) => {
                let (admin, tenant) = a.scope.open().await?;
                let p = admin
                    .pre_authorize(&tenant, &a.api, &a.client, &a.scopes)
                    .await
                    .map_err(explain)?;
                print(a.scope.output, &entry(&p), &[]);
            }
            Self::List(a) => {
                let (admin, tenant) = a.scope.open().await?;
                let rows: Vec<Value> = admin
                    .pre_authorized_apps(&tenant, &a.api)
                    .await
                    .map_err(explain)?
                    .iter()
                    .map(entry)
                    .collect();
                print(a.scope.output, &Value::Array(rows), &["appId", "scopes"]);
            }
            Self::Remove(a) => {
                let (admin, tenant) = a.scope.open().await?;
                admin
                    .remove_pre_authorization(&tenant, &a.api, &a.client)
                    .await
                    .map_err(explain)?;
                print(
                    a.scope.output,
                    &json!({"api": a.api, "client": a.client, "removed": true}),
                    &[],
                );
            }
        }
        Ok(())
    }
}

/// Graph's `preAuthorizedApplications` entry shape, with the API named.
fn entry(p: &gatehouse_core::model::PreAuthorized) -> Value {
    json!({"api": p.api_app_id, "appId": p.client_app_id, "scopes": p.scopes.join(" ")})
}
