//! [`GuardConfigBuilder`] setters and the checks of [`GuardConfigBuilder::build`].

use std::time::Duration;

use super::values::{check_issuer_base, check_quotable, check_url, is_guid, parse_guid, parse_issuer, push_unique};
use super::{
    ConfigError, GuardConfig, GuardConfigBuilder, Issuer, MissingTokenStatus, RevocationSettings, MAX_CLOCK_SKEW,
};

impl GuardConfigBuilder {
    /// Adds an accepted issuer: `https://host/{tenant-guid}/v2.0` or the v1 form
    /// `https://host/{tenant-guid}/`. The literal `{tenantid}` in place of the GUID expands to
    /// one issuer per accepted tenant (multi-tenant APIs).
    pub fn issuer(mut self, issuer: impl Into<String>) -> Self {
        self.issuers.push(issuer.into());
        self
    }
    /// Accepts the issuer of EVERY tenant under `base`: `{base}/{tenant-guid}/v2.0` and
    /// `{base}/{tenant-guid}/` (lowercase GUID, exactly as Gatehouse mints them), each tenant's
    /// `tid` still having to equal its issuer's. For a host that serves many tenants (the server
    /// checking its own tokens): it needs a key provider that knows which tenants exist
    /// ([`crate::jwt::MemoryKeys`] or its own), since an issuer the provider holds no keys for is
    /// refused. Combine with `issuer(..)` freely; `tenant(..)` still restricts when given.
    pub fn any_tenant_issuer(mut self, base: impl Into<String>) -> Self {
        self.issuer_base = Some(base.into());
        self
    }
    /// Adds an accepted audience (`aud`), e.g. `api://{appId}`. At least one is required.
    pub fn audience(mut self, audience: impl Into<String>) -> Self {
        self.audiences.push(audience.into());
        self
    }
    /// Adds an accepted tenant GUID. Default: the tenants named by the issuers.
    pub fn tenant(mut self, tenant_id: impl Into<String>) -> Self {
        self.tenants.push(tenant_id.into());
        self
    }
    /// PEM of the CA(s) that sign the issuer's HTTPS certificate. When set, ONLY these roots are
    /// trusted for discovery, JWKS and revocation fetches. Default: the platform's roots.
    pub fn ca_pem(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.ca_pem = Some(pem.into());
        self
    }
    /// Clock skew allowed on `exp`/`nbf` (default 60 s, at most 300 s).
    pub fn clock_skew(mut self, skew: Duration) -> Self {
        self.clock_skew = skew;
        self
    }
    /// Require an `X-Tenant-ID` header equal to the token's `tid` (default off).
    pub fn tenant_header(mut self, on: bool) -> Self {
        self.tenant_header = on;
        self
    }
    /// Lets `X-Tenant-ID` name the tenant `tenant_id` by `name` (case-insensitive), as well as
    /// by its GUID (repeatable). The named GUID is still compared with the token's `tid`.
    pub fn tenant_name(mut self, name: impl Into<String>, tenant_id: impl Into<String>) -> Self {
        self.tenant_names.push((name.into(), tenant_id.into()));
        self
    }
    /// Looks up names not configured with [`Self::tenant_name`] in the issuer's discovery
    /// document (`{issuer base}/{name}/v2.0/.well-known/openid-configuration`, whose `issuer`
    /// names the GUID), cached and bounded (default off: unknown names are refused).
    pub fn discover_tenant_names(mut self, on: bool) -> Self {
        self.discover_tenant_names = on;
        self
    }
    /// Status for requests without a credential (default 401).
    pub fn missing_token_status(mut self, status: MissingTokenStatus) -> Self {
        self.missing_token_status = status;
        self
    }
    /// `realm` attribute of `WWW-Authenticate` (default none).
    pub fn realm(mut self, realm: impl Into<String>) -> Self {
        self.realm = Some(realm.into());
        self
    }
    /// RFC 9728 protected-resource metadata URL, sent as `resource_metadata="..."`.
    pub fn resource_metadata(mut self, url: impl Into<String>) -> Self {
        self.resource_metadata = Some(url.into());
        self
    }
    /// Turns the revocation feed on (default off).
    pub fn revocation(mut self, settings: RevocationSettings) -> Self {
        self.revocation = Some(settings);
        self
    }
    /// Also accepts API tokens (`Authorization: SharedAccessSignature ...`), checked once at
    /// the revocation feed's server by introspection as this confidential client (of the
    /// token's tenant) and dropped when the feed names them. Needs [`Self::revocation`].
    pub fn api_tokens(mut self, client_id: impl Into<String>, client_secret: impl Into<String>) -> Self {
        self.api_tokens = Some(crate::opaque::OpaqueSettings {
            client_id: client_id.into(),
            client_secret: client_secret.into(),
        });
        self
    }
    /// Least time between two JWKS fetches triggered by unknown `kid`s (default 30 s).
    pub fn jwks_refetch_interval(mut self, interval: Duration) -> Self {
        self.jwks_refetch_interval = interval;
        self
    }
    /// Age after which cached keys are refreshed in the background (default 1 h).
    pub fn jwks_max_age(mut self, age: Duration) -> Self {
        self.jwks_max_age = age;
        self
    }
    /// Entries in the verified-token cache (default [`super::DEFAULT_CACHE_CAPACITY`], 50 000;
    /// 0 turns the cache off). Past it, entries are evicted incrementally (least recently and
    /// least frequently used first); size it to the number of distinct live tokens the API
    /// sees (each entry is a few hundred bytes).
    pub fn cache_capacity(mut self, entries: usize) -> Self {
        self.cache_capacity = entries;
        self
    }
    /// Timeout of each discovery, JWKS and revocation request (default 5 s).
    pub fn http_timeout(mut self, timeout: Duration) -> Self {
        self.http_timeout = timeout;
        self
    }
    /// Allows `http://` issuer and feed URLs. For tests against an in-process issuer only.
    pub fn allow_insecure_http_for_tests(mut self, allow: bool) -> Self {
        self.allow_insecure_http_for_tests = allow;
        self
    }

    /// Checks every value and returns the configuration.
    pub fn build(self) -> Result<GuardConfig, ConfigError> {
        if self.issuers.is_empty() && self.issuer_base.is_none() {
            return Err(ConfigError::NoIssuer);
        }
        if self.audiences.is_empty() {
            return Err(ConfigError::NoAudience);
        }
        if self.audiences.iter().any(|a| a.is_empty()) {
            return Err(ConfigError::EmptyAudience);
        }
        if self.clock_skew > MAX_CLOCK_SKEW {
            return Err(ConfigError::ClockSkewTooLarge(self.clock_skew));
        }
        for (name, d) in [
            ("jwks_refetch_interval", self.jwks_refetch_interval),
            ("jwks_max_age", self.jwks_max_age),
            ("http_timeout", self.http_timeout),
        ] {
            if d.is_zero() {
                return Err(ConfigError::ZeroDuration(name));
            }
        }
        let insecure = self.allow_insecure_http_for_tests;
        let mut tenant_names: Vec<(String, String)> = Vec::new();
        for (name, guid) in &self.tenant_names {
            if !crate::tenant_names::valid_name(name) || is_guid(name) {
                return Err(ConfigError::TenantName(name.clone()));
            }
            let (name, guid) = (name.to_ascii_lowercase(), parse_guid(guid)?);
            match tenant_names.iter().find(|(n, _)| *n == name) {
                Some((_, g)) if *g != guid => return Err(ConfigError::TenantName(name)),
                Some(_) => {}
                None => tenant_names.push((name, guid)),
            }
        }
        let mut tenants = Vec::new();
        for t in &self.tenants {
            push_unique(&mut tenants, parse_guid(t)?);
        }
        let mut issuers: Vec<Issuer> = Vec::new();
        for raw in &self.issuers {
            let expanded: Vec<String> = if raw.contains("{tenantid}") {
                if tenants.is_empty() {
                    return Err(ConfigError::TemplateWithoutTenants(raw.clone()));
                }
                tenants.iter().map(|t| raw.replace("{tenantid}", t)).collect()
            } else {
                vec![raw.clone()]
            };
            for one in expanded {
                let issuer = parse_issuer(&one, insecure)?;
                if !issuers.iter().any(|i| i.url == issuer.url) {
                    issuers.push(issuer);
                }
            }
        }
        let issuer_base = match &self.issuer_base {
            Some(base) => Some(check_issuer_base(base, insecure)?),
            None => None,
        };
        if self.tenants.is_empty() {
            if issuer_base.is_none() {
                for i in &issuers {
                    push_unique(&mut tenants, i.tenant_id.clone());
                }
            }
        } else if let Some(i) = issuers.iter().find(|i| !tenants.contains(&i.tenant_id)) {
            return Err(ConfigError::IssuerTenantNotAccepted(i.tenant_id.clone()));
        }
        if let Some(pem) = &self.ca_pem {
            match reqwest::Certificate::from_pem_bundle(pem) {
                Ok(certs) if !certs.is_empty() => {}
                _ => return Err(ConfigError::CaPem),
            }
        }
        if let Some(realm) = &self.realm {
            check_quotable("realm", realm)?;
        }
        if let Some(url) = &self.resource_metadata {
            check_quotable("resource_metadata", url)?;
            check_url("resource_metadata", url, true)?;
        }
        let revocation = match self.revocation {
            Some(mut r) => {
                check_url("revocation server_base", &r.server_base, insecure)?;
                r.server_base = r.server_base.trim_end_matches('/').to_string();
                if r.poll_interval.is_zero() {
                    return Err(ConfigError::ZeroDuration("revocation poll_interval"));
                }
                if r.max_staleness.is_zero() {
                    return Err(ConfigError::ZeroDuration("revocation max_staleness"));
                }
                let mut feed_tenants = Vec::new();
                for t in &r.tenants {
                    push_unique(&mut feed_tenants, parse_guid(t)?);
                }
                r.tenants = if feed_tenants.is_empty() {
                    tenants.clone()
                } else {
                    feed_tenants
                };
                if r.tenants.is_empty() {
                    return Err(ConfigError::FeedWithoutTenants);
                }
                Some(r)
            }
            None => None,
        };
        if self.api_tokens.is_some() && revocation.is_none() {
            return Err(ConfigError::ApiTokensWithoutFeed);
        }
        Ok(GuardConfig {
            issuers,
            issuer_base,
            audiences: self.audiences,
            tenants,
            ca_pem: self.ca_pem,
            clock_skew: self.clock_skew,
            tenant_header: self.tenant_header,
            tenant_names,
            discover_tenant_names: self.discover_tenant_names,
            missing_token_status: self.missing_token_status,
            realm: self.realm,
            resource_metadata: self.resource_metadata,
            revocation,
            api_tokens: self.api_tokens,
            decryption_keys: self.decryption_keys,
            jwks_refetch_interval: self.jwks_refetch_interval,
            jwks_max_age: self.jwks_max_age,
            cache_capacity: self.cache_capacity,
            http_timeout: self.http_timeout,
            allow_insecure_http_for_tests: insecure,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::IssuerVersion;

    const TID: &str = "72F988BF-86F1-41AF-91AB-2D7CD011DB47";

    fn base() -> GuardConfigBuilder {
        GuardConfig::builder().audience("api://x")
    }

    #[test]
    fn tenant_names_are_checked_and_lowercased() {
        let iss = format!("https://127.0.0.1:8443/{TID}/v2.0");
        let cfg = base().issuer(&iss).tenant_name("Contoso", TID).build().unwrap();
        assert_eq!(cfg.tenant_names(), &[("contoso".to_string(), TID.to_ascii_lowercase())]);
        assert_eq!(cfg.issuers[0].base(), "https://127.0.0.1:8443");
        for bad in ["", "a/b", TID] {
            let e = base().issuer(&iss).tenant_name(bad, TID).build().unwrap_err();
            assert!(matches!(e, ConfigError::TenantName(_)), "{bad:?}: {e}");
        }
        let other = "11111111-2222-4333-8444-555555555555";
        let e = base()
            .issuer(&iss)
            .tenant_name("contoso", TID)
            .tenant_name("CONTOSO", other)
            .build()
            .unwrap_err();
        assert!(matches!(e, ConfigError::TenantName(_)), "one name, two tenants: {e}");
        assert!(base()
            .issuer(&iss)
            .tenant_name("contoso", "not-a-guid")
            .build()
            .is_err());
    }

    #[test]
    fn parses_v2_and_v1_issuers() {
        let cfg = base()
            .issuer(format!("https://127.0.0.1:8443/{TID}/v2.0"))
            .issuer(format!("https://127.0.0.1:8443/{TID}/"))
            .build()
            .unwrap();
        let lower = TID.to_ascii_lowercase();
        assert_eq!(cfg.issuers[0].url, format!("https://127.0.0.1:8443/{lower}/v2.0"));
        assert_eq!(
            cfg.issuers[0].discovery_url,
            format!("https://127.0.0.1:8443/{lower}/v2.0/.well-known/openid-configuration")
        );
        assert_eq!(cfg.issuers[1].version, IssuerVersion::V1);
        assert_eq!(
            cfg.issuers[1].discovery_url,
            format!("https://127.0.0.1:8443/{lower}/.well-known/openid-configuration")
        );
        assert_eq!(cfg.tenants, vec![lower]);
    }

    #[test]
    fn refuses_http_issuer_without_test_flag() {
        let err = base().issuer(format!("http://127.0.0.1/{TID}/v2.0")).build();
        assert!(matches!(err, Err(ConfigError::InsecureUrl(_))));
        let ok = base()
            .issuer(format!("http://127.0.0.1/{TID}/v2.0"))
            .allow_insecure_http_for_tests(true)
            .build();
        assert!(ok.is_ok());
    }

    #[test]
    fn refuses_bad_shapes_and_bounds() {
        assert!(matches!(
            base().issuer("https://h/common/v2.0").build(),
            Err(ConfigError::IssuerShape(_))
        ));
        assert!(matches!(
            base().issuer(format!("https://h/{TID}/v2.0/")).build(),
            Err(ConfigError::IssuerShape(_))
        ));
        assert!(matches!(
            base().issuer(format!("https://h/{TID}")).build(),
            Err(ConfigError::IssuerShape(_))
        ));
        assert!(matches!(
            base()
                .issuer(format!("https://h/{TID}/v2.0"))
                .clock_skew(Duration::from_secs(301))
                .build(),
            Err(ConfigError::ClockSkewTooLarge(_))
        ));
        assert!(matches!(
            GuardConfig::builder().issuer(format!("https://h/{TID}/v2.0")).build(),
            Err(ConfigError::NoAudience)
        ));
        assert!(matches!(
            base()
                .issuer(format!("https://h/{TID}/v2.0"))
                .ca_pem(b"not a pem".to_vec())
                .build(),
            Err(ConfigError::CaPem)
        ));
    }

    #[test]
    fn template_expands_per_tenant_and_tenants_must_cover_issuers() {
        let other = "0b3a4e0e-4a3c-4f32-9f5e-1d1c6b7c2a10";
        let cfg = base()
            .issuer("https://h/{tenantid}/v2.0")
            .tenant(TID)
            .tenant(other)
            .build()
            .unwrap();
        assert_eq!(cfg.issuers.len(), 2);
        assert_eq!(cfg.issuers[1].url, format!("https://h/{other}/v2.0"));
        let err = base().issuer(format!("https://h/{TID}/v2.0")).tenant(other).build();
        assert!(matches!(err, Err(ConfigError::IssuerTenantNotAccepted(_))));
    }

    #[test]
    fn any_tenant_issuer_accepts_every_tenant_and_checks_its_base() {
        let cfg = base().any_tenant_issuer("https://h:8443").build().unwrap();
        assert_eq!(cfg.issuer_base(), Some("https://h:8443"));
        assert!(cfg.issuers.is_empty() && cfg.tenants.is_empty());
        for bad in ["https://h/", "https://h?x=1", "ftp://h", "http://h", "https://u@h"] {
            assert!(
                matches!(base().any_tenant_issuer(bad).build(), Err(ConfigError::IssuerBase(_))),
                "{bad}"
            );
        }
        assert!(base().any_tenant_issuer("https://h/prefix").build().is_ok());
        let no_feed_tenants = base()
            .any_tenant_issuer("https://h")
            .revocation(RevocationSettings::new("https://h"))
            .build();
        assert!(matches!(no_feed_tenants, Err(ConfigError::FeedWithoutTenants)));
    }
}
