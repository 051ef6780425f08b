//! `gatehouse proxy`: the guard in front of any HTTP API (gatehouse-guard's proxy).

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::Args;
use gatehouse_guard::proxy::{BoundProxy, ProxyConfig};

use crate::config::{explain_limit, ProxyConnectionArgs};

/// Protect any HTTP API: a reverse proxy that accepts only Gatehouse tokens and passes the
/// verified caller upstream in X-Gatehouse-* headers.
#[derive(Args)]
#[command(
    after_help = "Example:\n  gatehouse proxy --listen 127.0.0.1:8080 --upstream http://127.0.0.1:9000 \\\n    --issuer https://127.0.0.1:8443/<tenant-id>/v2.0 --audience api://orders \\\n    --ca-file gatehouse-data/tls/ca.pem --require-role Orders.Read\nX-Tenant-ID by name: --tenant-header --tenant contoso=<tenant-id> (or --discover-tenant-names).\nEncrypted tokens: --decryption-key orders-key.pem (the key printed by gatehouse api encryption-key create).\nOpaque tokens: --api-token-client-id <the API appId> with GATEHOUSE_PROXY_API_TOKEN_CLIENT_SECRET (introspection).\nPer-path rules: --routes routes.toml with [[route]] prefix = \"/admin\" require_roles = [\"Admin\"]."
)]
pub struct Proxy {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080", value_name = "IP:PORT")]
    listen: SocketAddr,
    /// The API to protect (http://host:port[/base]).
    #[arg(long, value_name = "URL")]
    upstream: Option<String>,
    /// Accepted issuer (repeatable): https://HOST/{tenant-id}/v2.0 or the v1 form https://HOST/{tenant-id}/.
    #[arg(long = "issuer", value_name = "URL")]
    issuers: Vec<String>,
    /// Accepted audience (repeatable), e.g. api://orders.
    #[arg(long = "audience", value_name = "RESOURCE")]
    audiences: Vec<String>,
    /// Accepted tenant id (repeatable; default: the issuers' tenants). NAME=GUID also lets
    /// X-Tenant-ID name that tenant by NAME (e.g. --tenant contoso=72f988bf-...).
    #[arg(long = "tenant", value_name = "GUID|NAME=GUID")]
    tenants: Vec<String>,
    /// Let X-Tenant-ID carry a tenant name not given with --tenant NAME=GUID: its GUID is read
    /// from the issuer's discovery document for that name (cached).
    #[arg(long)]
    discover_tenant_names: bool,
    /// CA certificate (PEM) that signs the issuer's HTTPS certificate.
    #[arg(long, value_name = "PEM")]
    ca_file: Option<PathBuf>,
    /// Scope every request needs where no route rule matches (repeatable).
    #[arg(long = "require-scope", value_name = "SCOPE")]
    require_scopes: Vec<String>,
    /// App role every request needs where no route rule matches (repeatable).
    #[arg(long = "require-role", value_name = "ROLE")]
    require_roles: Vec<String>,
    /// Require X-Tenant-ID equal to the token's tenant.
    #[arg(long)]
    tenant_header: bool,
    /// Answer 403 (not 401) when no token is presented.
    #[arg(long)]
    missing_token_403: bool,
    /// TOML file with per-path-prefix rules (and any of the settings above).
    #[arg(long, value_name = "FILE")]
    routes: Option<PathBuf>,
    /// Accept API tokens (Authorization: SharedAccessSignature ...) where no route rule matches
    /// (route rules opt in with allow_api_tokens = true). Needs --api-token-client-id and the
    /// revocation feed.
    #[arg(long)]
    allow_api_tokens: bool,
    /// Accept personal access tokens (Authorization: Bearer gthpat_... or Basic base64(:gthpat_...))
    /// where no route rule matches (route rules opt in with allow_pats = true). Checked with the
    /// same --api-token-client-id at the introspection endpoint; needs the revocation feed.
    #[arg(long)]
    allow_pats: bool,
    /// The confidential client (appId, of the tokens' tenant) the proxy checks API tokens as,
    /// at the issuer's introspection endpoint; its secret comes from
    /// GATEHOUSE_PROXY_API_TOKEN_CLIENT_SECRET (never a flag: command lines are visible).
    #[arg(long, value_name = "APPID", env = "GATEHOUSE_PROXY_API_TOKEN_CLIENT_ID")]
    api_token_client_id: Option<String>,
    /// Accept encrypted access tokens (JWE) decrypted with this private key (PKCS#8 PEM, as
    /// `gatehouse api encryption-key create` prints it). Repeatable.
    #[arg(long = "decryption-key", value_name = "FILE")]
    decryption_keys: Vec<std::path::PathBuf>,
    /// Do not poll the issuer's revocation feed.
    #[arg(long)]
    no_revocation: bool,
    /// Entries of the verified-token cache (default 50000, about 1 KB each when full; 0 turns it
    /// off). Size it to the number of distinct live tokens the API sees.
    #[arg(long, value_name = "N")]
    cache_capacity: Option<usize>,
    #[command(flatten)]
    connections: ProxyConnectionArgs,
}

impl Proxy {
    pub async fn run(self) -> Result<()> {
        let mut config = match &self.routes {
            Some(path) => {
                let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
                ProxyConfig::from_toml_str(&text)
                    .with_context(|| format!("{} is not a valid routes file (see docs/GUARD.md)", path.display()))?
            }
            None => ProxyConfig::default(),
        };
        config.listen = self.listen;
        config.connections = self
            .connections
            .to_limits_file()
            .apply(&config.connections)
            .map_err(|e| explain_limit(e, "GATEHOUSE_PROXY_", "the routes file"))?;
        if let Some(u) = self.upstream {
            config.upstream = u;
        }
        anyhow::ensure!(
            !config.upstream.is_empty(),
            "give the API to protect with --upstream http://HOST:PORT"
        );
        config.issuers.extend(self.issuers);
        config.audiences.extend(self.audiences);
        for t in self.tenants {
            match t.split_once('=') {
                Some((name, guid)) => {
                    config.tenant_names.push((name.to_owned(), guid.to_owned()));
                    config.tenants.push(guid.to_owned());
                }
                None => config.tenants.push(t),
            }
        }
        config.discover_tenant_names |= self.discover_tenant_names;
        anyhow::ensure!(
            !config.issuers.is_empty(),
            "give at least one --issuer (https://HOST/{{tenant-id}}/v2.0)"
        );
        anyhow::ensure!(
            !config.audiences.is_empty(),
            "give at least one --audience (the resource your API answers to, e.g. api://orders)"
        );
        if let Some(ca) = &self.ca_file {
            config.ca_pem = Some(std::fs::read(ca).with_context(|| format!("reading the CA file {}", ca.display()))?);
        }
        config.require_scopes.extend(self.require_scopes);
        config.require_roles.extend(self.require_roles);
        config.tenant_header |= self.tenant_header;
        if let Some(entries) = self.cache_capacity {
            config.cache_capacity = entries;
        }
        config.missing_token_forbidden |= self.missing_token_403;
        if self.no_revocation {
            config.revocation_server = None;
        } else if config.revocation_server.is_none() {
            config.revocation_server = issuer_origin(&config.issuers[0]);
        }
        for path in &self.decryption_keys {
            let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
            let key = gatehouse_keys::jwe::DecryptionKey::from_pem(&text)
                .map_err(|e| anyhow::anyhow!("{} is not an RSA private key (PKCS#8 PEM): {e}", path.display()))?;
            config.decryption_keys.push(std::sync::Arc::new(key));
        }
        config.allow_api_tokens |= self.allow_api_tokens;
        config.allow_pats |= self.allow_pats;
        if let Some(client_id) = self.api_token_client_id {
            let client_secret = std::env::var("GATEHOUSE_PROXY_API_TOKEN_CLIENT_SECRET").map_err(|_| {
                anyhow::anyhow!(
                    "--api-token-client-id needs the client's secret in GATEHOUSE_PROXY_API_TOKEN_CLIENT_SECRET"
                )
            })?;
            config.api_tokens = Some(gatehouse_guard::opaque::OpaqueSettings {
                client_id,
                client_secret,
            });
        }
        let routes_allow = config.routes.iter().any(|r| r.allow_api_tokens);
        anyhow::ensure!(
            !(config.allow_api_tokens || routes_allow) || config.api_tokens.is_some(),
            "API tokens are allowed but the proxy cannot check them: give --api-token-client-id APPID and GATEHOUSE_PROXY_API_TOKEN_CLIENT_SECRET"
        );
        let routes_allow_pats = config.routes.iter().any(|r| r.allow_pats);
        anyhow::ensure!(
            !(config.allow_pats || routes_allow_pats) || config.api_tokens.is_some(),
            "personal access tokens are allowed but the proxy cannot check them: give --api-token-client-id APPID and GATEHOUSE_PROXY_API_TOKEN_CLIENT_SECRET"
        );
        anyhow::ensure!(
            config.api_tokens.is_none() || config.revocation_server.is_some(),
            "API tokens need the revocation feed (a deleted token must reach the proxy): drop --no-revocation"
        );
        let proxy = BoundProxy::bind(config).await?;
        for problem in proxy.warm_up().await {
            eprintln!("warning: {problem}; the proxy retries on its own (check --issuer and --ca-file)");
        }
        println!("Gatehouse proxy listening on http://{}", proxy.local_addr());
        use std::io::Write;
        std::io::stdout().flush().ok();
        proxy
            .run(async {
                super::serve::shutdown_signal().await;
            })
            .await?;
        Ok(())
    }
}

/// `https://host:port/tenant/v2.0` -> `https://host:port`, where the revocation feed lives.
fn issuer_origin(issuer: &str) -> Option<String> {
    let (scheme, rest) = issuer.split_once("://")?;
    let host = rest.split('/').next()?;
    (!host.is_empty()).then(|| format!("{scheme}://{host}"))
}

#[cfg(test)]
mod tests {
    #[test]
    fn origin_of_issuer() {
        assert_eq!(
            super::issuer_origin("https://127.0.0.1:8443/t/v2.0").as_deref(),
            Some("https://127.0.0.1:8443")
        );
        assert_eq!(super::issuer_origin("nonsense"), None);
    }
}
