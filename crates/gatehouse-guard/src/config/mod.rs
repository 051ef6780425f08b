//! [`GuardConfig`] and its builder: issuers, audiences, tenants, trust, clock skew, answers,
//! revocation feed and cache settings. Every value is checked once, in [`GuardConfigBuilder::build`].

use std::time::Duration;

use thiserror::Error;

mod builder;
mod values;

pub(crate) use values::{is_guid, is_lower_guid};

/// Entries of the verified-token cache unless configured otherwise.
pub const DEFAULT_CACHE_CAPACITY: usize = 50_000;

/// Largest clock skew the guard allows.
pub const MAX_CLOCK_SKEW: Duration = Duration::from_secs(300);

/// Status answered when a request carries no credential the guard understands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MissingTokenStatus {
    /// `401 Unauthorized` with `WWW-Authenticate: Bearer` (RFC 6750, the default).
    #[default]
    Unauthorized,
    /// `403 Forbidden` (what some APIs document, e.g. seed 003's), still with `WWW-Authenticate`.
    Forbidden,
}

/// Which issuer form a configured issuer URL has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IssuerVersion {
    /// `https://host/{tid}/` (v1 endpoint tokens).
    V1,
    /// `https://host/{tid}/v2.0` (v2 endpoint tokens).
    V2,
}

/// One accepted issuer after checking.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issuer {
    /// Issuer string a token's `iss` must equal exactly.
    pub url: String,
    /// Tenant GUID (lowercase) named in the issuer; the token's `tid` must equal it.
    pub tenant_id: String,
    /// v1 or v2 form.
    pub version: IssuerVersion,
    /// `{issuer}/.well-known/openid-configuration`.
    pub discovery_url: String,
}

/// Settings of the optional revocation feed (see [`crate::revocation`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RevocationSettings {
    /// Server base URL; the feed polls `{server_base}/{tenant}/gatehouse/revocations?since=SEQ`.
    pub server_base: String,
    /// Tenants to poll; empty means every accepted tenant.
    pub tenants: Vec<String>,
    /// Time between polls (default 10 s).
    pub poll_interval: Duration,
    /// How long the feed may go without a successful poll before tokens carrying a `sid` are
    /// refused (fail closed; default 60 s).
    pub max_staleness: Duration,
}

impl RevocationSettings {
    /// Feed from `server_base` with the default interval (10 s) and staleness bound (60 s).
    pub fn new(server_base: impl Into<String>) -> Self {
        Self {
            server_base: server_base.into(),
            tenants: Vec::new(),
            poll_interval: Duration::from_secs(10),
            max_staleness: Duration::from_secs(60),
        }
    }
}

/// A configuration mistake, found when building the configuration or the guard.
#[derive(Debug, Error)]
pub enum ConfigError {
    #[error("at least one issuer is required")]
    NoIssuer,
    #[error("at least one audience is required")]
    NoAudience,
    #[error("issuer {0:?} is not a valid URL")]
    IssuerUrl(String),
    #[error("issuer {0:?} must use https (http only with allow_insecure_http_for_tests)")]
    InsecureUrl(String),
    #[error("issuer {0:?} must end in /{{tenant-guid}}/v2.0 or /{{tenant-guid}}/")]
    IssuerShape(String),
    #[error("issuer {0:?} uses {{tenantid}} but no accepted tenants are configured")]
    TemplateWithoutTenants(String),
    #[error("{0:?} is not a tenant GUID")]
    TenantNotGuid(String),
    #[error("issuer tenant {0} is not among the accepted tenants")]
    IssuerTenantNotAccepted(String),
    #[error("audience must not be empty")]
    EmptyAudience,
    #[error("clock skew {0:?} is larger than the 300 s maximum")]
    ClockSkewTooLarge(Duration),
    #[error("the CA PEM holds no usable certificate")]
    CaPem,
    #[error("{0} must be printable ASCII without quotes or backslashes")]
    UnquotableValue(&'static str),
    #[error("{what} {value:?} is not a valid URL")]
    BadUrl { what: &'static str, value: String },
    #[error("{0} must not be zero")]
    ZeroDuration(&'static str),
    #[error("could not build the HTTP client: {0}")]
    HttpClient(String),
    #[error("issuer base {0:?} must be an https URL without query, fragment or trailing slash")]
    IssuerBase(String),
    #[error("any_tenant_issuer needs a key provider (Guard::builder(..).key_provider(..)): JWKS are fetched only for listed issuers")]
    IssuerBaseWithoutKeyProvider,
    #[error("the revocation feed needs the tenants to poll: with any_tenant_issuer, list them with tenant(..) or RevocationSettings::tenants")]
    FeedWithoutTenants,
    #[error("API tokens need the revocation feed (a deleted token must reach the guard): configure revocation too")]
    ApiTokensWithoutFeed,
    #[error("both a revocation feed and a revocation check are configured; use one")]
    TwoRevocationSources,
    #[error("tenant name {0:?} must be 1 to 64 letters, digits, '-', '.' or '_', and not a GUID")]
    TenantName(String),
}

/// Checked guard configuration. Build it with [`GuardConfig::builder`].
#[derive(Debug, Clone)]
pub struct GuardConfig {
    pub(crate) issuers: Vec<Issuer>,
    pub(crate) issuer_base: Option<String>,
    pub(crate) audiences: Vec<String>,
    pub(crate) tenants: Vec<String>,
    pub(crate) ca_pem: Option<Vec<u8>>,
    pub(crate) clock_skew: Duration,
    pub(crate) tenant_header: bool,
    pub(crate) tenant_names: Vec<(String, String)>,
    pub(crate) discover_tenant_names: bool,
    pub(crate) missing_token_status: MissingTokenStatus,
    pub(crate) realm: Option<String>,
    pub(crate) resource_metadata: Option<String>,
    pub(crate) revocation: Option<RevocationSettings>,
    /// Accept API tokens, introspected as this client.
    pub(crate) api_tokens: Option<crate::opaque::OpaqueSettings>,
    /// Keys encrypted access tokens are decrypted with.
    pub(crate) decryption_keys: Vec<std::sync::Arc<gatehouse_keys::jwe::DecryptionKey>>,
    pub(crate) jwks_refetch_interval: Duration,
    pub(crate) jwks_max_age: Duration,
    pub(crate) cache_capacity: usize,
    pub(crate) http_timeout: Duration,
    pub(crate) allow_insecure_http_for_tests: bool,
}

impl GuardConfig {
    /// Starts a builder with the defaults documented on each setter.
    pub fn builder() -> GuardConfigBuilder {
        GuardConfigBuilder::default()
    }
    /// Accepted issuers (those listed; see also [`GuardConfig::issuer_base`]).
    pub fn issuers(&self) -> &[Issuer] {
        &self.issuers
    }
    /// The base under which every tenant's issuer is accepted, when set with
    /// [`GuardConfigBuilder::any_tenant_issuer`].
    pub fn issuer_base(&self) -> Option<&str> {
        self.issuer_base.as_deref()
    }
    /// Accepted audiences.
    pub fn audiences(&self) -> &[String] {
        &self.audiences
    }
    /// Accepted tenant GUIDs (lowercase). Empty with an issuer base and no `tenant(..)`: every
    /// tenant.
    pub fn tenants(&self) -> &[String] {
        &self.tenants
    }
    /// Allowed clock skew for `exp` and `nbf`.
    pub fn clock_skew(&self) -> Duration {
        self.clock_skew
    }
    /// Whether `X-Tenant-ID` is required and must equal the token's `tid`.
    pub fn tenant_header(&self) -> bool {
        self.tenant_header
    }
    /// Tenant names `X-Tenant-ID` may carry instead of the GUID: (lowercase name, lowercase GUID).
    pub fn tenant_names(&self) -> &[(String, String)] {
        &self.tenant_names
    }
    /// Whether other names are looked up in the issuer's discovery documents.
    pub fn discover_tenant_names(&self) -> bool {
        self.discover_tenant_names
    }
    /// Status for a request without a credential.
    pub fn missing_token_status(&self) -> MissingTokenStatus {
        self.missing_token_status
    }
    /// Revocation feed settings, if the feed is on.
    pub fn revocation(&self) -> Option<&RevocationSettings> {
        self.revocation.as_ref()
    }
}

/// Builder of [`GuardConfig`].
#[derive(Debug, Clone)]
pub struct GuardConfigBuilder {
    issuers: Vec<String>,
    issuer_base: Option<String>,
    audiences: Vec<String>,
    tenants: Vec<String>,
    ca_pem: Option<Vec<u8>>,
    clock_skew: Duration,
    tenant_header: bool,
    tenant_names: Vec<(String, String)>,
    discover_tenant_names: bool,
    missing_token_status: MissingTokenStatus,
    realm: Option<String>,
    resource_metadata: Option<String>,
    revocation: Option<RevocationSettings>,
    api_tokens: Option<crate::opaque::OpaqueSettings>,
    decryption_keys: Vec<std::sync::Arc<gatehouse_keys::jwe::DecryptionKey>>,
    jwks_refetch_interval: Duration,
    jwks_max_age: Duration,
    cache_capacity: usize,
    http_timeout: Duration,
    allow_insecure_http_for_tests: bool,
}

impl Default for GuardConfigBuilder {
    fn default() -> Self {
        Self {
            issuers: Vec::new(),
            issuer_base: None,
            audiences: Vec::new(),
            tenants: Vec::new(),
            ca_pem: None,
            clock_skew: Duration::from_secs(60),
            tenant_header: false,
            tenant_names: Vec::new(),
            discover_tenant_names: false,
            missing_token_status: MissingTokenStatus::Unauthorized,
            realm: None,
            resource_metadata: None,
            revocation: None,
            api_tokens: None,
            decryption_keys: Vec::new(),
            jwks_refetch_interval: Duration::from_secs(30),
            jwks_max_age: Duration::from_secs(3600),
            cache_capacity: DEFAULT_CACHE_CAPACITY,
            http_timeout: Duration::from_secs(5),
            allow_insecure_http_for_tests: false,
        }
    }
}

impl GuardConfigBuilder {
    /// Accepts encrypted access tokens (JWE, RSA-OAEP-256 + A256GCM) for this key: the API's
    /// private key (`DecryptionKey::from_pem` of what `gatehouse api encryption-key create`
    /// printed). Repeatable (key rollover); the token's `kid` picks the key.
    pub fn decryption_key(mut self, key: gatehouse_keys::jwe::DecryptionKey) -> Self {
        self.decryption_keys.push(std::sync::Arc::new(key));
        self
    }

    /// The same, for keys already shared.
    pub fn decryption_keys(
        mut self,
        keys: impl IntoIterator<Item = std::sync::Arc<gatehouse_keys::jwe::DecryptionKey>>,
    ) -> Self {
        self.decryption_keys.extend(keys);
        self
    }
}
