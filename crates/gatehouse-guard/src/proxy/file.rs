//! The routes file of `gatehouse proxy` ([`ProxyConfig::from_toml_str`]): per-prefix rules and
//! any of the proxy's settings, unknown keys refused.

use std::collections::BTreeMap;
use std::net::SocketAddr;

use gatehouse_listener::LimitsFile;
use serde::Deserialize;

use super::routes::RouteTable;
use super::{ProxyConfig, ProxyError, RouteRule};
use crate::requirement::Requirement;

#[derive(Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl OneOrMany {
    fn into_vec(self) -> Vec<String> {
        match self {
            OneOrMany::One(s) => vec![s],
            OneOrMany::Many(v) => v,
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ProxyFile {
    listen: Option<SocketAddr>,
    upstream: Option<String>,
    issuer: Option<OneOrMany>,
    audience: Option<OneOrMany>,
    tenants: Option<Vec<String>>,
    /// `name = "tenant GUID"` pairs `X-Tenant-ID` may use.
    tenant_names: Option<BTreeMap<String, String>>,
    discover_tenant_names: Option<bool>,
    require_scopes: Option<Vec<String>>,
    require_roles: Option<Vec<String>>,
    tenant_header: Option<bool>,
    missing_token_status: Option<u16>,
    resource_metadata: Option<String>,
    revocation_server: Option<String>,
    api_token_client_id: Option<String>,
    api_token_client_secret: Option<String>,
    cache_capacity: Option<usize>,
    allow_api_tokens: Option<bool>,
    allow_pats: Option<bool>,
    #[serde(default)]
    route: Vec<RouteRule>,
    connections: Option<LimitsFile>,
}

impl ProxyConfig {
    /// Parses a routes file: any number of `[[route]]` tables (`prefix`, `require_roles`,
    /// `require_scopes`, optional `mode`), and optionally the top-level keys `listen`,
    /// `upstream`, `issuer`, `audience` (string or list), `tenants`, `tenant_names` (a table of `name = "GUID"`),
    /// `discover_tenant_names`, `require_scopes`,
    /// `require_roles`, `tenant_header`, `missing_token_status` (401 or 403),
    /// `resource_metadata`, `revocation_server`, `cache_capacity`, and a `[connections]` table of
    /// connection limits (the keys of [`LimitsFile`], except `tls_handshake_timeout_seconds`).
    /// Unknown keys are refused (a misspelt `require_role` must not silently drop a requirement).
    /// Other fields keep their defaults.
    pub fn from_toml_str(text: &str) -> Result<ProxyConfig, ProxyError> {
        let file: ProxyFile = toml::from_str(text).map_err(|e| ProxyError::Toml(e.to_string()))?;
        let mut config = ProxyConfig::default();
        if let Some(v) = file.listen {
            config.listen = v;
        }
        config.upstream = file.upstream.unwrap_or_default();
        config.issuers = file.issuer.map(OneOrMany::into_vec).unwrap_or_default();
        config.audiences = file.audience.map(OneOrMany::into_vec).unwrap_or_default();
        config.tenants = file.tenants.unwrap_or_default();
        config.tenant_names = file.tenant_names.unwrap_or_default().into_iter().collect();
        config.discover_tenant_names = file.discover_tenant_names.unwrap_or(false);
        config.require_scopes = file.require_scopes.unwrap_or_default();
        config.require_roles = file.require_roles.unwrap_or_default();
        config.tenant_header = file.tenant_header.unwrap_or(false);
        config.missing_token_forbidden = match file.missing_token_status {
            None | Some(401) => false,
            Some(403) => true,
            Some(other) => {
                return Err(ProxyError::Toml(format!(
                    "missing_token_status must be 401 or 403, not {other}"
                )))
            }
        };
        config.resource_metadata = file.resource_metadata;
        config.revocation_server = file.revocation_server;
        config.allow_api_tokens = file.allow_api_tokens.unwrap_or(false);
        config.allow_pats = file.allow_pats.unwrap_or(false);
        match (file.api_token_client_id, file.api_token_client_secret) {
            (Some(client_id), Some(client_secret)) => {
                config.api_tokens = Some(crate::opaque::OpaqueSettings {
                    client_id,
                    client_secret,
                })
            }
            (None, None) => {}
            _ => {
                return Err(ProxyError::Toml(
                    "give both api_token_client_id and api_token_client_secret, or neither".into(),
                ))
            }
        }
        if let Some(entries) = file.cache_capacity {
            config.cache_capacity = entries;
        }
        if let Some(limits) = file.connections {
            if limits.tls_handshake_timeout_seconds.is_some() {
                return Err(ProxyError::Toml(
                    "connections.tls_handshake_timeout_seconds does not apply: the proxy serves plain HTTP".into(),
                ));
            }
            config.connections = limits.apply(&config.connections)?;
        }
        // Check the prefixes now so a bad file fails at load time.
        RouteTable::new(&file.route, Requirement::default())?;
        config.routes = file.route;
        Ok(config)
    }
}
