//! `X-Tenant-ID` by name (seed 003: "tenancy name in X-Tenant-ID"). The header may carry the
//! tenant's GUID or its name; a name is turned into the GUID it stands for, which is then
//! compared with the verified token's `tid` exactly like a GUID. A name is known when the API
//! author configured it ([`crate::GuardConfigBuilder::tenant_name`]) or, with
//! [`crate::GuardConfigBuilder::discover_tenant_names`], when the issuer's discovery document
//! `{issuer base}/{name}/v2.0/.well-known/openid-configuration` names an issuer
//! `{issuer base}/{guid}/v2.0` under the same base. Discovered answers are cached in a bounded
//! cache (positive for an hour, negative for a minute), fetches are few at a time, and a name
//! nobody knows is refused. Only a request whose token already verified gets this far, so an
//! anonymous caller cannot make the guard fetch anything.

use std::sync::Arc;
use std::time::Duration;

use gatehouse_protocol::discovery::ProviderMetadata;
use moka::sync::Cache;
use tokio::sync::Semaphore;

use crate::config::is_guid;
use crate::fetch::{FetchError, Fetcher};

/// Names cached at most (each side).
pub(crate) const NAME_CACHE_ENTRIES: u64 = 10_000;
const KNOWN_FOR: Duration = Duration::from_secs(3600);
const UNKNOWN_FOR: Duration = Duration::from_secs(60);
/// Discovery fetches in flight at once.
const FETCHES_AT_ONCE: usize = 4;

/// Whether `name` may be a tenant name: 1 to 64 ASCII letters, digits, `-`, `.` or `_`.
pub(crate) fn valid_name(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_'))
}

/// What a name stands for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Resolved {
    /// The tenant GUID (lowercase).
    Tenant(String),
    /// No tenant of that name.
    Unknown,
    /// The issuer could not be asked (the answer is not cached).
    Unavailable(String),
}

struct Discovery {
    fetcher: Fetcher,
    /// Issuer bases (no trailing slash) whose discovery may name tenants.
    bases: Vec<String>,
    known: Cache<String, String>,
    unknown: Cache<String, ()>,
    fetches: Semaphore,
}

/// The names the guard knows and how it learns more.
pub(crate) struct TenantNames {
    /// (lowercase name, lowercase GUID), as configured.
    configured: Vec<(String, String)>,
    discovery: Option<Arc<Discovery>>,
}

impl TenantNames {
    pub(crate) fn new(configured: Vec<(String, String)>, discover: Option<(Fetcher, Vec<String>)>) -> Self {
        let discovery = discover.map(|(fetcher, bases)| {
            Arc::new(Discovery {
                fetcher,
                bases,
                known: Cache::builder()
                    .max_capacity(NAME_CACHE_ENTRIES)
                    .time_to_live(KNOWN_FOR)
                    .build(),
                unknown: Cache::builder()
                    .max_capacity(NAME_CACHE_ENTRIES)
                    .time_to_live(UNKNOWN_FOR)
                    .build(),
                fetches: Semaphore::new(FETCHES_AT_ONCE),
            })
        });
        Self { configured, discovery }
    }

    /// The tenant `name` stands for (not a GUID: the caller checks that first).
    pub(crate) async fn resolve(&self, name: &str) -> Resolved {
        if !valid_name(name) {
            return Resolved::Unknown;
        }
        let name = name.to_ascii_lowercase();
        if let Some((_, guid)) = self.configured.iter().find(|(n, _)| *n == name) {
            return Resolved::Tenant(guid.clone());
        }
        match &self.discovery {
            Some(d) => d.resolve(name).await,
            None => Resolved::Unknown,
        }
    }
}

impl Discovery {
    async fn resolve(&self, name: String) -> Resolved {
        if let Some(guid) = self.known.get(&name) {
            return Resolved::Tenant(guid);
        }
        if self.unknown.get(&name).is_some() {
            return Resolved::Unknown;
        }
        let Ok(_permit) = self.fetches.acquire().await else {
            return Resolved::Unavailable("tenant name discovery closed".into());
        };
        // Another request may have learnt it while this one waited.
        if let Some(guid) = self.known.get(&name) {
            return Resolved::Tenant(guid);
        }
        let mut last_problem = None;
        for base in &self.bases {
            let url = format!("{base}/{name}/v2.0/.well-known/openid-configuration");
            match self.fetcher.get_json::<ProviderMetadata>(&url).await {
                Ok(doc) => {
                    if let Some(guid) = tenant_of_issuer(base, &doc.issuer) {
                        self.known.insert(name, guid.clone());
                        return Resolved::Tenant(guid);
                    }
                    tracing::warn!(%url, issuer = %doc.issuer, "discovery names no tenant of this issuer");
                }
                // The issuer answered: it knows no tenant of that name.
                Err(FetchError::Status { status, .. }) if (400..500).contains(&status) => {}
                Err(e) => last_problem = Some(e.to_string()),
            }
        }
        match last_problem {
            Some(problem) => Resolved::Unavailable(problem),
            None => {
                self.unknown.insert(name, ());
                Resolved::Unknown
            }
        }
    }
}

/// `{base}/{guid}/v2.0` -> the lowercase GUID; anything else (another host, not a GUID) -> None.
fn tenant_of_issuer(base: &str, issuer: &str) -> Option<String> {
    let guid = issuer.strip_prefix(base)?.strip_prefix('/')?.strip_suffix("/v2.0")?;
    is_guid(guid).then(|| guid.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    const TID: &str = "72f988bf-86f1-41af-91ab-2d7cd011db47";

    #[test]
    fn names_are_short_plain_ascii() {
        assert!(valid_name("contoso") && valid_name("contoso.onmicrosoft.com") && valid_name("a-b_c"));
        assert!(!valid_name("") && !valid_name(&"a".repeat(65)) && !valid_name("a/b") && !valid_name("ä"));
    }

    #[test]
    fn the_tenant_is_read_from_an_issuer_under_the_same_base_only() {
        let base = "https://127.0.0.1:8443";
        assert_eq!(
            tenant_of_issuer(base, &format!("{base}/{TID}/v2.0")).as_deref(),
            Some(TID)
        );
        let upper = TID.to_ascii_uppercase();
        assert_eq!(
            tenant_of_issuer(base, &format!("{base}/{upper}/v2.0")).as_deref(),
            Some(TID)
        );
        assert_eq!(
            tenant_of_issuer(base, &format!("https://evil.example/{TID}/v2.0")),
            None
        );
        assert_eq!(tenant_of_issuer(base, &format!("{base}:1/{TID}/v2.0")), None);
        assert_eq!(tenant_of_issuer(base, &format!("{base}/contoso/v2.0")), None);
        assert_eq!(tenant_of_issuer(base, &format!("{base}/{TID}/")), None);
    }

    #[tokio::test]
    async fn configured_names_resolve_case_insensitively_and_others_are_unknown() {
        let names = TenantNames::new(vec![("contoso".into(), TID.into())], None);
        assert_eq!(names.resolve("Contoso").await, Resolved::Tenant(TID.into()));
        assert_eq!(names.resolve("fabrikam").await, Resolved::Unknown);
        assert_eq!(names.resolve("../etc").await, Resolved::Unknown);
    }
}
