//! Checks of single configuration values: issuer URLs (v1 and v2 forms), tenant GUIDs, URLs and
//! values that go into `WWW-Authenticate` quoted strings.

use gatehouse_protocol::claims::issuer;
use gatehouse_protocol::discovery::Dialect;
use url::Url;

use super::{ConfigError, Issuer, IssuerVersion};

pub(super) fn push_unique(list: &mut Vec<String>, value: String) {
    if !list.contains(&value) {
        list.push(value);
    }
}

/// A hyphenated GUID, returned in lowercase.
pub(super) fn parse_guid(text: &str) -> Result<String, ConfigError> {
    if is_guid(text) {
        Ok(text.to_ascii_lowercase())
    } else {
        Err(ConfigError::TenantNotGuid(text.to_string()))
    }
}

/// Whether `text` is a hyphenated GUID (`8-4-4-4-12` hex digits).
pub(crate) fn is_guid(text: &str) -> bool {
    text.len() == 36 && uuid::Uuid::try_parse(text).is_ok()
}

/// Whether `text` is a hyphenated GUID in lowercase (the form Gatehouse issues).
pub(crate) fn is_lower_guid(text: &str) -> bool {
    is_guid(text) && !text.bytes().any(|b| b.is_ascii_uppercase())
}

pub(super) fn parse_issuer(raw: &str, insecure: bool) -> Result<Issuer, ConfigError> {
    let url = check_url("issuer", raw, insecure).map_err(|e| match e {
        ConfigError::BadUrl { value, .. } => ConfigError::IssuerUrl(value),
        ConfigError::InsecureUrl(v) => ConfigError::InsecureUrl(v),
        other => other,
    })?;
    if url.query().is_some() || url.fragment().is_some() {
        return Err(ConfigError::IssuerShape(raw.to_string()));
    }
    let path = url.path();
    let (prefix, tenant, version) = if let Some(rest) = path.strip_suffix("/v2.0") {
        let (prefix, tenant) = rest.rsplit_once('/').unwrap_or(("", rest));
        (prefix, tenant, IssuerVersion::V2)
    } else if let Some(rest) = path.strip_suffix('/') {
        let (prefix, tenant) = rest.rsplit_once('/').unwrap_or(("", rest));
        (prefix, tenant, IssuerVersion::V1)
    } else {
        return Err(ConfigError::IssuerShape(raw.to_string()));
    };
    if !is_guid(tenant) {
        return Err(ConfigError::IssuerShape(raw.to_string()));
    }
    let tenant_id = tenant.to_ascii_lowercase();
    let base = format!("{}{prefix}", url.origin().ascii_serialization());
    Ok(Issuer::new(&base, tenant_id, version))
}

impl Issuer {
    /// The base the issuer is formed under (`https://host:port[/prefix]`, no trailing slash).
    pub fn base(&self) -> &str {
        let suffix_len = match self.version {
            IssuerVersion::V2 => self.tenant_id.len() + "//v2.0".len(),
            IssuerVersion::V1 => self.tenant_id.len() + "//".len(),
        };
        &self.url[..self.url.len().saturating_sub(suffix_len)]
    }

    /// The issuer of `tenant_id` (lowercase GUID) under `base` (no trailing slash), formatted
    /// as Gatehouse mints it.
    pub(crate) fn new(base: &str, tenant_id: String, version: IssuerVersion) -> Issuer {
        let dialect = match version {
            IssuerVersion::V2 => Dialect::V2,
            IssuerVersion::V1 => Dialect::V1,
        };
        let url = issuer(base, &tenant_id, dialect);
        let discovery_url = format!("{}/.well-known/openid-configuration", url.trim_end_matches('/'));
        Issuer {
            url,
            tenant_id,
            version,
            discovery_url,
        }
    }
}

/// The base of [`super::GuardConfigBuilder::any_tenant_issuer`]: an https (or, for tests, http)
/// URL without credentials, query, fragment or trailing slash, returned normalised.
pub(super) fn check_issuer_base(raw: &str, insecure: bool) -> Result<String, ConfigError> {
    let bad = || ConfigError::IssuerBase(raw.to_string());
    let url = check_url("issuer base", raw, insecure).map_err(|_| bad())?;
    if url.query().is_some() || url.fragment().is_some() || raw.ends_with('/') {
        return Err(bad());
    }
    let path = url.path().trim_end_matches('/');
    Ok(format!("{}{path}", url.origin().ascii_serialization()))
}

pub(super) fn check_url(what: &'static str, raw: &str, insecure: bool) -> Result<Url, ConfigError> {
    let bad = || ConfigError::BadUrl {
        what,
        value: raw.to_string(),
    };
    let url = Url::parse(raw).map_err(|_| bad())?;
    if !url.username().is_empty() || url.password().is_some() || url.host_str().is_none() {
        return Err(bad());
    }
    match url.scheme() {
        "https" => Ok(url),
        "http" if insecure => Ok(url),
        "http" => Err(ConfigError::InsecureUrl(raw.to_string())),
        _ => Err(bad()),
    }
}

pub(super) fn check_quotable(what: &'static str, value: &str) -> Result<(), ConfigError> {
    if value.is_empty()
        || !value
            .bytes()
            .all(|b| (0x20..=0x7e).contains(&b) && b != b'"' && b != b'\\')
    {
        return Err(ConfigError::UnquotableValue(what));
    }
    Ok(())
}
