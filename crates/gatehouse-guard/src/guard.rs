//! [`Guard`]: one configured checker shared by every route of an API. It reads the
//! `Authorization` header, runs the credential verifiers, consults the verified cache and the
//! revocation check, enforces `X-Tenant-ID`, and checks a route's [`Requirement`].
//!
//! By default the JWT verifier fetches each issuer's JWKS over HTTPS and revocation is the
//! polled feed; [`GuardBuilder::key_provider`] and [`GuardBuilder::revocation_check`] replace
//! them with sources the host fills itself (the server checking its own tokens).

use std::sync::Arc;

use axum::response::Response;
use http::HeaderMap;

use crate::authorization::parse_authorization;
use crate::cache::VerifiedCache;
use crate::caller::{Caller, CredentialKind};
use crate::config::{is_guid, ConfigError, GuardConfig};
use crate::encrypted::EncryptedVerifier;
use crate::fetch::{shared as fetcher, Fetcher};
use crate::jwt::{unix_now, JwtVerifier, KeyProvider};
use crate::layer::GuardLayer;
use crate::opaque::{OpaqueVerifier, Shape};
use crate::requirement::Requirement;
use crate::response::{ChallengeSettings, Rejection};
use crate::revocation::{RevocationCheck, RevocationFeed, RevocationStatus};
use crate::tenant_names::{Resolved, TenantNames};
use crate::verifier::{CredentialError, CredentialVerifier, PresentedCredential};

/// Name of the tenant header.
pub const TENANT_HEADER: &str = "x-tenant-id";

struct GuardInner {
    verifiers: Vec<Arc<dyn CredentialVerifier>>,
    jwt: Option<Arc<JwtVerifier>>,
    cache: VerifiedCache,
    /// The built-in polled feed, when configured (called directly: no boxing per request).
    feed: Option<RevocationFeed>,
    /// A revocation check plugged in by the host.
    revocation: Option<Arc<dyn RevocationCheck>>,
    challenge: ChallengeSettings,
    tenant_header: bool,
    /// Names `X-Tenant-ID` may carry instead of a GUID.
    names: TenantNames,
    skew: u64,
}

/// The guard. Cheap to clone; build one per API and share it between routes.
#[derive(Clone)]
pub struct Guard {
    inner: Arc<GuardInner>,
}

impl std::fmt::Debug for Guard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Guard")
            .field("verifiers", &self.inner.verifiers.len())
            .field("tenant_header", &self.inner.tenant_header)
            .finish_non_exhaustive()
    }
}

/// Builder of a [`Guard`] with extra credential verifiers.
pub struct GuardBuilder {
    config: GuardConfig,
    extra: Vec<Arc<dyn CredentialVerifier>>,
    with_jwt: bool,
    keys: Option<Arc<dyn KeyProvider>>,
    revocation: Option<Arc<dyn RevocationCheck>>,
}

impl GuardBuilder {
    /// Registers a verifier after the built-in JWT verifier.
    pub fn verifier(mut self, verifier: Arc<dyn CredentialVerifier>) -> Self {
        self.extra.push(verifier);
        self
    }

    /// Leaves out the built-in JWT verifier (for APIs that accept only other kinds).
    pub fn without_jwt(mut self) -> Self {
        self.with_jwt = false;
        self
    }

    /// Takes the JWT verifier's keys from `keys` instead of fetching each issuer's JWKS (no
    /// HTTP fetch at all for keys). Required with
    /// [`crate::GuardConfigBuilder::any_tenant_issuer`].
    pub fn key_provider(mut self, keys: Arc<dyn KeyProvider>) -> Self {
        self.keys = Some(keys);
        self
    }

    /// Checks revocation with `check` (e.g. a host reading its own store, which refuses a
    /// revoked token at once). Do not also configure the polled feed.
    pub fn revocation_check(mut self, check: Arc<dyn RevocationCheck>) -> Self {
        self.revocation = Some(check);
        self
    }

    /// Builds the guard. Inside a Tokio runtime this also starts the revocation poller.
    pub fn build(self) -> Result<Guard, ConfigError> {
        let config = self.config;
        if self.revocation.is_some() && config.revocation.is_some() {
            return Err(ConfigError::TwoRevocationSources);
        }
        if self.with_jwt && self.keys.is_none() && config.issuer_base.is_some() {
            return Err(ConfigError::IssuerBaseWithoutKeyProvider);
        }
        // The HTTP client is built only when something is fetched.
        let mut http: Option<Fetcher> = None;
        let jwt = match (self.with_jwt, self.keys) {
            (false, _) => None,
            (true, Some(keys)) => Some(Arc::new(JwtVerifier::new(&config, keys))),
            (true, None) => Some(Arc::new(JwtVerifier::with_jwks(&config, &fetcher(&config, &mut http)?))),
        };
        let mut verifiers: Vec<Arc<dyn CredentialVerifier>> = Vec::new();
        if let Some(jwt) = &jwt {
            let keys = config.decryption_keys.clone();
            verifiers.extend([
                Arc::new(EncryptedVerifier::new(keys, jwt.clone())) as _,
                jwt.clone() as _,
            ]);
        }
        verifiers.extend(self.extra);
        let feed = match &config.revocation {
            Some(settings) => Some(RevocationFeed::new(
                settings,
                fetcher(&config, &mut http)?,
                config.clock_skew,
            )),
            None => None,
        };
        if let (Some(settings), Some(feed), Some(r)) = (&config.api_tokens, &feed, &config.revocation) {
            verifiers.push(Arc::new(OpaqueVerifier::new(
                vec![Shape::Sas, Shape::BearerPat, Shape::BasicPat, Shape::BearerReference],
                settings.clone(),
                fetcher(&config, &mut http)?,
                feed.clone(),
                (r.server_base.clone(), config.audiences.clone()),
            )));
        }
        let discover = if config.discover_tenant_names {
            let mut bases: Vec<String> = Vec::new();
            for base in config
                .issuers
                .iter()
                .map(|i| i.base())
                .chain(config.issuer_base.as_deref())
            {
                if !bases.iter().any(|b| b == base) {
                    bases.push(base.to_owned());
                }
            }
            Some((fetcher(&config, &mut http)?, bases))
        } else {
            None
        };
        let names = TenantNames::new(config.tenant_names.clone(), discover);
        let guard = Guard {
            inner: Arc::new(GuardInner {
                verifiers,
                jwt,
                cache: VerifiedCache::new(config.cache_capacity),
                feed,
                revocation: self.revocation,
                challenge: ChallengeSettings {
                    realm: config.realm.clone(),
                    resource_metadata: config.resource_metadata.clone(),
                    missing_token_status: config.missing_token_status,
                },
                tenant_header: config.tenant_header,
                names,
                skew: config.clock_skew.as_secs(),
            }),
        };
        if let Some(feed) = &guard.inner.feed {
            feed.ensure_started();
        }
        Ok(guard)
    }
}

impl Guard {
    /// A guard accepting Gatehouse JWTs as configured.
    pub fn new(config: GuardConfig) -> Result<Guard, ConfigError> {
        Self::builder(config).build()
    }

    /// A builder, to register more credential verifiers.
    pub fn builder(config: GuardConfig) -> GuardBuilder {
        GuardBuilder {
            config,
            extra: Vec::new(),
            with_jwt: true,
            keys: None,
            revocation: None,
        }
    }

    /// A tower layer enforcing `requirement` (use with axum's `route_layer`).
    pub fn layer(&self, requirement: Requirement) -> GuardLayer {
        GuardLayer::new(self.clone(), requirement)
    }

    /// The revocation feed, when configured.
    pub fn revocation_feed(&self) -> Option<&RevocationFeed> {
        self.inner.feed.as_ref()
    }

    /// The built-in JWT verifier, unless left out with [`GuardBuilder::without_jwt`].
    pub fn jwt_verifier(&self) -> Option<&Arc<JwtVerifier>> {
        self.inner.jwt.as_ref()
    }

    /// Loads the issuers' signing keys now, so the first request does not wait for them.
    /// Returns `(issuer, reason)` for every issuer whose keys could not be loaded.
    pub async fn refresh_keys(&self) -> Vec<(String, String)> {
        match &self.inner.jwt {
            Some(jwt) => jwt.refresh_keys().await,
            None => Vec::new(),
        }
    }

    /// Authenticates the request (credential, revocation, `X-Tenant-ID`) and checks
    /// `requirement`.
    pub async fn check(&self, headers: &HeaderMap, requirement: &Requirement) -> Result<Caller, Rejection> {
        let caller = self.authenticate(headers).await?;
        match caller.kind() {
            CredentialKind::Pat if !requirement.accepts_pats() => {
                return Err(Rejection::InvalidToken {
                    description: "personal access tokens are not accepted here",
                    detail: "pat on a route without allow_pats".into(),
                })
            }
            CredentialKind::ApiToken if !requirement.accepts_api_tokens() => {
                return Err(Rejection::InvalidToken {
                    description: "API tokens are not accepted here",
                    detail: "api_token on a route without allow_api_tokens".into(),
                })
            }
            _ => {}
        }
        requirement
            .check(&caller)
            .map_err(|missing| Rejection::InsufficientScope { missing })?;
        Ok(caller)
    }

    /// Authenticates the request without a route requirement.
    pub async fn authenticate(&self, headers: &HeaderMap) -> Result<Caller, Rejection> {
        let inner = &self.inner;
        if let Some(feed) = &inner.feed {
            feed.ensure_started();
        }
        let mut values = headers.get_all(http::header::AUTHORIZATION).iter();
        let Some(value) = values.next() else {
            return Err(Rejection::MissingCredential);
        };
        if values.next().is_some() {
            return Err(Rejection::InvalidRequest {
                description: "more than one Authorization header",
            });
        }
        let auth = parse_authorization(value.as_bytes()).map_err(|_| Rejection::InvalidRequest {
            description: "malformed Authorization header",
        })?;
        let candidates: Vec<&Arc<dyn CredentialVerifier>> = inner
            .verifiers
            .iter()
            .filter(|v| v.schemes().iter().any(|s| auth.scheme_is(s)))
            .collect();
        if candidates.is_empty() {
            // RFC 6750 §3.1: an unsupported scheme is answered like a missing token.
            return Err(Rejection::MissingCredential);
        }
        let now = unix_now();
        let key = VerifiedCache::key(auth.scheme(), auth.credentials());
        let caller = match inner.cache.get(&key, now) {
            Some(caller) => caller,
            None => {
                let presented = PresentedCredential {
                    scheme: auth.scheme(),
                    value: auth.credentials(),
                };
                let (caller, cacheable, bound) = run_verifiers(&candidates, presented).await?;
                if cacheable {
                    if let Some(exp) = caller.expires_at() {
                        let until = match bound {
                            Some(b) => exp.min(now.saturating_add(b.as_secs())),
                            None => exp.saturating_add(inner.skew),
                        };
                        inner.cache.insert(key, caller.clone(), until, now);
                    }
                }
                caller
            }
        };
        self.check_revocation(&caller).await?;
        if inner.tenant_header {
            check_tenant_header(headers, &caller, &inner.names).await?;
        }
        Ok(caller)
    }

    /// The answer to a rejection (status, `WWW-Authenticate`, JSON body with a trace id).
    pub fn reject(&self, rejection: &Rejection) -> Response {
        self.inner.challenge.respond(rejection)
    }

    async fn check_revocation(&self, caller: &Caller) -> Result<(), Rejection> {
        let inner = &self.inner;
        let status = match (&inner.feed, &inner.revocation) {
            (Some(feed), _) => feed.check_caller(caller).await,
            (None, Some(check)) => check.status(caller).await,
            (None, None) => return Ok(()),
        };
        match status {
            RevocationStatus::NotRevoked => Ok(()),
            RevocationStatus::Revoked => Err(Rejection::InvalidToken {
                description: "token revoked",
                detail: format!("sid {:?} or uti {:?} revoked", caller.session_id(), caller.token_id()),
            }),
            RevocationStatus::Unknown => Err(Rejection::Unavailable {
                description: "token revocation status unavailable",
                detail: match inner.feed {
                    Some(_) => "revocation feed stale; refusing token with sid (fail closed)".into(),
                    None => "revocation check could not tell (fail closed)".into(),
                },
            }),
        }
    }
}

async fn run_verifiers(
    candidates: &[&Arc<dyn CredentialVerifier>],
    presented: PresentedCredential<'_>,
) -> Result<(Caller, bool, Option<std::time::Duration>), Rejection> {
    for verifier in candidates {
        match verifier.verify(presented).await {
            Ok(Some(caller)) => return Ok((caller, verifier.cacheable(), verifier.cache_bound())),
            Ok(None) => continue,
            Err(CredentialError::Invalid { description, detail }) => {
                return Err(Rejection::InvalidToken { description, detail })
            }
            Err(CredentialError::Unavailable { description, detail }) => {
                return Err(Rejection::Unavailable { description, detail })
            }
        }
    }
    Err(Rejection::InvalidToken {
        description: "token format not recognised",
        detail: format!("no verifier accepted a {} credential", presented.scheme),
    })
}

/// `X-Tenant-ID` must be present once and name the token's tenant: its GUID, or a name the guard
/// knows (configured, or discovered from the issuer) standing for the token's `tid`. The header
/// is only ever compared with the verified token; it never selects or grants anything.
async fn check_tenant_header(headers: &HeaderMap, caller: &Caller, names: &TenantNames) -> Result<(), Rejection> {
    let mut values = headers.get_all(TENANT_HEADER).iter();
    let (Some(value), None) = (values.next(), values.next()) else {
        return Err(Rejection::InvalidRequest {
            description: "exactly one X-Tenant-ID header is required",
        });
    };
    let text = value.to_str().unwrap_or("");
    let tenant = if is_guid(text) {
        text.to_ascii_lowercase()
    } else {
        match names.resolve(text).await {
            Resolved::Tenant(guid) => guid,
            Resolved::Unknown => {
                return Err(Rejection::InvalidRequest {
                    description: "X-Tenant-ID must be a tenant GUID or a known tenant name",
                })
            }
            Resolved::Unavailable(detail) => {
                return Err(Rejection::Unavailable {
                    description: "the tenant named in X-Tenant-ID could not be looked up",
                    detail,
                })
            }
        }
    };
    if !tenant.eq_ignore_ascii_case(caller.tenant_id()) {
        return Err(Rejection::InvalidToken {
            description: "token not valid for the tenant in X-Tenant-ID",
            detail: format!("X-Tenant-ID {text} ({tenant}) but tid {}", caller.tenant_id()),
        });
    }
    Ok(())
}
