//! `gatehouse proxy`: a reverse proxy that applies the guard before forwarding to a plain-HTTP
//! upstream. It strips every incoming `X-Gatehouse-*` header and passes the verified identity as
//! `X-Gatehouse-Tenant`, `-Object-Id`, `-App-Id`, `-Scopes`, `-Roles` and `-Credential`.
//! Requirements are per path prefix ([`RouteRule`], longest prefix wins), defaulting to
//! `require_scopes` / `require_roles`. Connections are served by `gatehouse-listener` with
//! [`ProxyConfig::connections`] as limits (`serve.rs`); every answer the proxy makes itself is
//! the guard's JSON error body.
//!
//! ```no_run
//! # async fn run() -> Result<(), gatehouse_guard::proxy::ProxyError> {
//! use gatehouse_guard::proxy::{BoundProxy, ProxyConfig};
//! let mut config = ProxyConfig::from_toml_str(r#"
//!     [[route]]
//!     prefix = "/admin"
//!     require_roles = ["Admin"]
//! "#)?;
//! config.upstream = "http://127.0.0.1:9000".into();
//! config.issuers = vec!["https://127.0.0.1:8443/72f988bf-86f1-41af-91ab-2d7cd011db47/v2.0".into()];
//! config.audiences = vec!["api://my-api".into()];
//! let proxy = BoundProxy::bind(config).await?;
//! println!("listening on http://{}", proxy.local_addr());
//! proxy.run(async { let _ = tokio::signal::ctrl_c().await; }).await
//! # }
//! ```

mod file;
mod forward;
mod routes;
mod serve;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use gatehouse_listener::{Limits, LimitsError};
use thiserror::Error;

pub use routes::RouteRule;

use crate::config::{ConfigError, GuardConfig, MissingTokenStatus, RevocationSettings, DEFAULT_CACHE_CAPACITY};
use crate::guard::Guard;
use crate::requirement::Requirement;
use forward::ProxyState;
use routes::RouteTable;

/// Everything the proxy needs. Build it from flags, or start from [`ProxyConfig::from_toml_str`]
/// and override with flags.
#[derive(Debug, Clone)]
pub struct ProxyConfig {
    /// Address to listen on (default `127.0.0.1:8080`; port 0 picks a free one).
    pub listen: SocketAddr,
    /// Upstream base URL, `http://host:port[/base-path]`.
    pub upstream: String,
    /// Accepted issuers (see [`crate::GuardConfigBuilder::issuer`]).
    pub issuers: Vec<String>,
    /// Accepted audiences.
    pub audiences: Vec<String>,
    /// Accepted tenants (default: the issuers' tenants).
    pub tenants: Vec<String>,
    /// PEM bytes of the CA that signs the issuer's HTTPS certificate (the `--ca-file` content).
    pub ca_pem: Option<Vec<u8>>,
    /// Scopes required where no route matches.
    pub require_scopes: Vec<String>,
    /// Roles required where no route matches.
    pub require_roles: Vec<String>,
    /// Require `X-Tenant-ID` equal to the token's `tid`.
    pub tenant_header: bool,
    /// Names `X-Tenant-ID` may carry instead of the GUID: (name, tenant GUID).
    pub tenant_names: Vec<(String, String)>,
    /// Look other names up in the issuer's discovery documents.
    pub discover_tenant_names: bool,
    /// Answer 403 instead of 401 when no token is presented.
    pub missing_token_forbidden: bool,
    /// RFC 9728 resource metadata URL for `WWW-Authenticate`.
    pub resource_metadata: Option<String>,
    /// Revocation feed server base URL (feed off when `None`).
    pub revocation_server: Option<String>,
    /// Accept API tokens on routes that allow them, introspected at the revocation server as
    /// this confidential client (its `Debug` never shows the secret).
    pub api_tokens: Option<crate::opaque::OpaqueSettings>,
    /// Accept API tokens where no route rule matches (routes opt in with `allow_api_tokens`).
    pub allow_api_tokens: bool,
    /// Accept personal access tokens where no route rule matches (routes opt in with
    /// `allow_pats`); checked with the same `api_tokens` client.
    pub allow_pats: bool,
    /// Keys encrypted access tokens are decrypted with (`--decryption-key FILE`).
    pub decryption_keys: Vec<Arc<gatehouse_keys::jwe::DecryptionKey>>,
    /// Per-prefix requirements.
    pub routes: Vec<RouteRule>,
    /// Entries of the verified-token cache (default 50 000; 0 turns it off).
    pub cache_capacity: usize,
    /// Allow `http://` issuers (tests only).
    pub allow_insecure_http_for_tests: bool,
    /// Connection limits (timeouts, the connection cap); `tls_handshake_timeout` is unused
    /// (the proxy serves plain HTTP).
    pub connections: Limits,
}

impl Default for ProxyConfig {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            upstream: String::new(),
            issuers: Vec::new(),
            audiences: Vec::new(),
            tenants: Vec::new(),
            ca_pem: None,
            require_scopes: Vec::new(),
            require_roles: Vec::new(),
            tenant_header: false,
            tenant_names: Vec::new(),
            discover_tenant_names: false,
            missing_token_forbidden: false,
            resource_metadata: None,
            revocation_server: None,
            api_tokens: None,
            allow_api_tokens: false,
            allow_pats: false,
            decryption_keys: Vec::new(),
            routes: Vec::new(),
            cache_capacity: DEFAULT_CACHE_CAPACITY,
            allow_insecure_http_for_tests: false,
            connections: Limits::default(),
        }
    }
}

/// A proxy failure.
#[derive(Debug, Error)]
pub enum ProxyError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("routes file: {0}")]
    Toml(String),
    #[error("connection limits: {0}")]
    Limits(#[from] LimitsError),
    #[error("upstream {0:?} must be an http:// URL without query or fragment")]
    Upstream(String),
    #[error("route prefix {0:?} must start with '/', be canonical and appear once")]
    RoutePrefix(String),
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        #[source]
        source: std::io::Error,
    },
    #[error("proxy server failed: {0}")]
    Serve(#[source] std::io::Error),
}

impl ProxyConfig {
    fn guard_config(&self) -> Result<GuardConfig, ConfigError> {
        let mut b = GuardConfig::builder()
            .tenant_header(self.tenant_header)
            .discover_tenant_names(self.discover_tenant_names)
            .allow_insecure_http_for_tests(self.allow_insecure_http_for_tests)
            .cache_capacity(self.cache_capacity)
            .missing_token_status(if self.missing_token_forbidden {
                MissingTokenStatus::Forbidden
            } else {
                MissingTokenStatus::Unauthorized
            });
        for i in &self.issuers {
            b = b.issuer(i.clone());
        }
        for a in &self.audiences {
            b = b.audience(a.clone());
        }
        for t in &self.tenants {
            b = b.tenant(t.clone());
        }
        for (name, guid) in &self.tenant_names {
            b = b.tenant_name(name.clone(), guid.clone());
        }
        if let Some(pem) = &self.ca_pem {
            b = b.ca_pem(pem.clone());
        }
        if let Some(url) = &self.resource_metadata {
            b = b.resource_metadata(url.clone());
        }
        if let Some(server) = &self.revocation_server {
            b = b.revocation(RevocationSettings::new(server.clone()));
        }
        if let Some(o) = &self.api_tokens {
            b = b.api_tokens(o.client_id.clone(), o.client_secret.clone());
        }
        b = b.decryption_keys(self.decryption_keys.iter().cloned());
        b.build()
    }
}

/// A proxy bound to its listening socket, not yet serving.
#[derive(Debug)]
pub struct BoundProxy {
    listener: tokio::net::TcpListener,
    local_addr: SocketAddr,
    state: Arc<ProxyState>,
    limits: Limits,
}

impl BoundProxy {
    /// Checks the configuration, builds the guard and binds the listener. Must run inside a
    /// Tokio runtime.
    pub async fn bind(config: ProxyConfig) -> Result<BoundProxy, ProxyError> {
        config.connections.check()?;
        let guard = Guard::new(config.guard_config()?)?;
        let mut default = Requirement::default()
            .with_scopes(config.require_scopes.iter().cloned())
            .with_roles(config.require_roles.iter().cloned());
        if config.allow_api_tokens {
            default = default.allow_api_tokens();
        }
        if config.allow_pats {
            default = default.allow_pats();
        }
        let routes = RouteTable::new(&config.routes, default)?;
        let state = Arc::new(ProxyState::new(guard, routes, &config.upstream)?);
        let listener = tokio::net::TcpListener::bind(config.listen)
            .await
            .map_err(|source| ProxyError::Bind {
                addr: config.listen,
                source,
            })?;
        let local_addr = listener.local_addr().map_err(ProxyError::Serve)?;
        Ok(BoundProxy {
            listener,
            local_addr,
            state,
            limits: config.connections,
        })
    }

    /// The bound address (learn the port after binding to port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Loads the issuers' keys now; returns `(issuer, reason)` for those that failed. Optional:
    /// keys are otherwise loaded on the first request.
    pub async fn refresh_keys(&self) -> Vec<(String, String)> {
        self.state.guard.refresh_keys().await
    }

    /// Loads the issuers' keys and polls the revocation feed once, so the first requests are not
    /// the ones to wait (or, for a feed not yet reached, to be refused). Returns one line per
    /// part that could not be loaded; the proxy still serves and retries on its own.
    pub async fn warm_up(&self) -> Vec<String> {
        let mut problems: Vec<String> = self
            .refresh_keys()
            .await
            .into_iter()
            .map(|(issuer, reason)| format!("signing keys of {issuer}: {reason}"))
            .collect();
        if let Some(feed) = self.state.guard.revocation_feed() {
            if let Err(e) = feed.poll_now().await {
                problems.push(e.to_string());
            }
        }
        problems
    }

    /// Serves until `shutdown` completes, then drains in-flight requests (at most 10 s).
    pub async fn run<F>(self, shutdown: F) -> Result<(), ProxyError>
    where
        F: Future<Output = ()> + Send + 'static,
    {
        let app = forward::router(self.state);
        serve::serve(self.listener, app, self.limits, shutdown)
            .await
            .map_err(ProxyError::Serve)
    }
}

/// Binds and serves until `shutdown` completes.
pub async fn run_proxy<F>(config: ProxyConfig, shutdown: F) -> Result<(), ProxyError>
where
    F: Future<Output = ()> + Send + 'static,
{
    BoundProxy::bind(config).await?.run(shutdown).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_file_parses_and_refuses_typos() {
        let cfg = ProxyConfig::from_toml_str(
            r#"
            audience = "api://x"
            require_scopes = ["read"]
            [[route]]
            prefix = "/admin"
            require_roles = ["Admin"]
            require_scopes = []
            [[route]]
            prefix = "/code"
            require_scopes = ["code_write"]
            mode = "scopes_or_roles"
            "#,
        )
        .unwrap();
        assert_eq!(cfg.audiences, vec!["api://x"]);
        assert_eq!(cfg.routes.len(), 2);
        assert_eq!(cfg.routes[0].require_roles, vec!["Admin"]);
        assert_eq!(cfg.routes[1].mode, crate::RequirementMode::ScopesOrRoles);
        let typo = ProxyConfig::from_toml_str("[[route]]\nprefix = \"/a\"\nrequire_role = [\"Admin\"]\n");
        assert!(matches!(typo, Err(ProxyError::Toml(_))));
        let bad_prefix = ProxyConfig::from_toml_str("[[route]]\nprefix = \"/a/../b\"\n");
        assert!(matches!(bad_prefix, Err(ProxyError::RoutePrefix(_))));
        let bad_status = ProxyConfig::from_toml_str("missing_token_status = 500\n");
        assert!(matches!(bad_status, Err(ProxyError::Toml(_))));
        assert_eq!(cfg.cache_capacity, crate::config::DEFAULT_CACHE_CAPACITY);
        let mut sized = ProxyConfig::from_toml_str("cache_capacity = 50000\n").unwrap();
        assert_eq!(sized.cache_capacity, 50_000);
        sized.issuers = vec!["https://h/72f988bf-86f1-41af-91ab-2d7cd011db47/v2.0".into()];
        sized.audiences = vec!["api://x".into()];
        assert_eq!(sized.guard_config().unwrap().cache_capacity, 50_000);
        assert!(ProxyConfig::from_toml_str("cache_capacity = -1\n").is_err());
    }

    #[test]
    fn tenant_names_come_from_the_file_and_reach_the_guard() {
        let tid = "72f988bf-86f1-41af-91ab-2d7cd011db47";
        let mut cfg = ProxyConfig::from_toml_str(&format!(
            "tenant_header = true\ndiscover_tenant_names = true\ntenant_names = {{ Contoso = \"{tid}\" }}\n"
        ))
        .unwrap();
        assert_eq!(cfg.tenant_names, vec![("Contoso".to_string(), tid.to_string())]);
        cfg.issuers = vec![format!("https://h/{tid}/v2.0")];
        cfg.audiences = vec!["api://x".into()];
        let guard = cfg.guard_config().unwrap();
        assert_eq!(guard.tenant_names(), &[("contoso".to_string(), tid.to_string())]);
        assert!(guard.discover_tenant_names());
        cfg.tenant_names = vec![("a/b".into(), tid.into())];
        assert!(matches!(cfg.guard_config(), Err(ConfigError::TenantName(_))));
    }

    #[test]
    fn connection_limits_come_from_the_connections_table() {
        let cfg = ProxyConfig::from_toml_str("[connections]\nidle_timeout_seconds = 5\nmax_connections = 9\n").unwrap();
        assert_eq!(cfg.connections.idle_timeout, std::time::Duration::from_secs(5));
        assert_eq!(cfg.connections.max_connections, 9);
        assert_eq!(
            cfg.connections.header_read_timeout,
            Limits::default().header_read_timeout
        );
        let zero = ProxyConfig::from_toml_str("[connections]\nheader_read_timeout_seconds = 0\n");
        assert!(
            matches!(&zero, Err(ProxyError::Limits(e)) if e.key == "header_read_timeout_seconds"),
            "{zero:?}"
        );
        let tls = ProxyConfig::from_toml_str("[connections]\ntls_handshake_timeout_seconds = 5\n");
        assert!(matches!(tls, Err(ProxyError::Toml(_))));
        let typo = ProxyConfig::from_toml_str("[connections]\nidle_timeout = 5\n");
        assert!(matches!(typo, Err(ProxyError::Toml(_))));
    }
}
