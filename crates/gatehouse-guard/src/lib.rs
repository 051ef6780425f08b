//! # gatehouse-guard
//!
//! Resource-server library for API authors: accepts exactly Gatehouse credentials and answers
//! per RFC 6750. A tower layer ([`GuardLayer`]) per route, an axum extractor ([`Caller`]) in the
//! handlers, and a reverse proxy ([`proxy`]) for APIs that cannot embed it.
//!
//! ```no_run
//! use axum::{routing::get, Router};
//! use gatehouse_guard::{Caller, Guard, GuardConfig, Requirement};
//!
//! # fn app() -> Result<Router, gatehouse_guard::ConfigError> {
//! let guard = Guard::new(
//!     GuardConfig::builder()
//!         .issuer("https://127.0.0.1:8443/72f988bf-86f1-41af-91ab-2d7cd011db47/v2.0")
//!         .audience("api://my-api")
//!         .ca_pem(std::fs::read("gatehouse-data/ca.pem").unwrap_or_default())
//!         .build()?,
//! )?;
//! Ok(Router::new()
//!     .route("/admin", get(|c: Caller| async move { c.object_id().to_string() }))
//!     .route_layer(guard.layer(Requirement::role("Admin"))))
//! # }
//! ```
//!
//! ## Map
//!
//! | module | owns |
//! |---|---|
//! | `config` | [`GuardConfig`] and its builder: issuers, audiences, tenants, CA, skew, answers, feed, cache |
//! | `authorization` | [`parse_authorization`]: strict `Authorization` header parser (fuzzed) |
//! | [`jwt`] | [`jwt::JwtVerifier`]: [`jwt::parse_unverified`] (fuzzed), algorithm pinning, claims (`gatehouse_protocol::claims`); keys from a [`KeyProvider`]: the JWKS fetcher (default) or [`MemoryKeys`] filled by the host |
//! | `verifier` | [`CredentialVerifier`]: the trait credential kinds implement (JWT, encrypted JWT, API tokens, PATs, opaque access tokens) |
//! | [`encrypted`] | [`encrypted::EncryptedVerifier`]: encrypted access tokens (JWE) decrypted with the configured key, then the JWT check |
//! | [`opaque`] | [`opaque::OpaqueVerifier`]: API tokens (`SharedAccessSignature`), PATs and opaque access tokens (`gthat_`) recognized by their shape, introspected once, cached within the feed's bound |
//! | `caller` | [`Caller`] (the verified identity, an axum extractor) and [`CredentialKind`] |
//! | `requirement` | [`Requirement`]: scopes and/or roles a route needs |
//! | `guard` | [`Guard`]: header -> verifiers -> cache -> revocation -> `X-Tenant-ID` -> requirement |
//! | `cache` | verified-token cache keyed by SHA-256: bounded, concurrent (moka), each entry expiring at its `exp` + skew |
//! | [`revocation`] | [`RevocationCheck`] (the seam) and [`revocation::RevocationFeed`]: polled `sid`/`uti` revocations, fail-closed rule; wire types from `gatehouse_protocol::revocation` |
//! | `layer` | [`GuardLayer`] / [`GuardService`]: the tower layer |
//! | `response` | [`Rejection`] and its RFC 6750 answer (`WWW-Authenticate`, JSON body with trace id) |
//! | `fetch` | the guard's single HTTP client (CA pinning, no redirects, size and time limits) |
//! | `tenant_names` | `X-Tenant-ID` by name: configured names, or discovered from the issuer (bounded cache) |
//! | [`proxy`] | `gatehouse proxy`: [`proxy::ProxyConfig`], [`proxy::run_proxy`], [`proxy::BoundProxy`] |
//! | `testing` | feature `test-util`: [`testing::FakeIssuer`], [`testing::TestKey`] |
//!
//! Nothing here panics on request input, and there are no global singletons: every piece of
//! state hangs off a [`Guard`] value.

mod authorization;
mod cache;
mod caller;
mod config;
pub mod encrypted;
mod fetch;
mod guard;
pub mod jwt;
mod layer;
pub mod opaque;
pub mod proxy;
mod requirement;
mod response;
pub mod revocation;
mod tenant_names;
#[cfg(feature = "test-util")]
pub mod testing;
mod verifier;

pub use authorization::{parse_authorization, Authorization, AuthorizationError, MAX_AUTHORIZATION_LEN};
pub use caller::{Caller, CallerBuilder, CallerMissing, CredentialKind};
pub use config::{
    ConfigError, GuardConfig, GuardConfigBuilder, Issuer, IssuerVersion, MissingTokenStatus, RevocationSettings,
    DEFAULT_CACHE_CAPACITY, MAX_CLOCK_SKEW,
};
pub use fetch::FetchError;
pub use guard::{Guard, GuardBuilder, TENANT_HEADER};
pub use jwt::{KeyLookup, KeyProvider, MemoryKeys, VerificationKey};
pub use layer::{GuardLayer, GuardService};
pub use requirement::{Requirement, RequirementMode};
pub use response::Rejection;
pub use revocation::{RevocationCheck, RevocationStatus};
pub use verifier::{CredentialError, CredentialVerifier, PresentedCredential};

/// `async_trait`, re-exported for implementors of [`CredentialVerifier`].
pub use async_trait::async_trait;
