//! Opaque credentials, recognized by their shape and checked once against the server.
//!
//! An API token (`SharedAccessSignature sr={tenant}&sig=...&skn={id}&se={ms}`) carries no
//! signature a guard could check offline, and the guard has no database: [`OpaqueVerifier`]
//! parses it strictly (`gatehouse_protocol::sas`: malformed or truncated text is a 401 without
//! a network call), then asks the server's RFC 7662 introspection endpoint of the token's tenant
//! (`{server}/{tenant}/oauth2/v2.0/introspect`, authenticated as a confidential client of that
//! tenant). An active answer becomes a [`Caller`] of kind [`CredentialKind::ApiToken`] with the
//! token's id (`token_id`), roles, organization and expiry; anything else is a 401.
//!
//! The guard caches a positive answer for at most the revocation feed's staleness bound and
//! never past the token's own `se` ([`CredentialVerifier::cache_bound`]); every request, cached
//! or not, is checked against the feed's `credential` entries (a deleted token is dropped), and
//! refused while the feed is stale.
//!
//! A personal access token (`gthpat_...`, `gatehouse_protocol::pat`) is presented as
//! `Bearer gthpat_...` or `Basic base64(any-user:gthpat_...)` (Azure DevOps' way). Its prefix,
//! length, alphabet and checksum are checked offline (a typo or truncation is a 401 without a
//! network call); its text names no tenant, so the guard asks the introspection endpoint of
//! each tenant it polls, in order, until one answers active. An active answer becomes a
//! [`Caller`] of kind [`CredentialKind::Pat`]: the user's object id, tenant, expanded scopes,
//! identity type `user`, and `token_id` = the PAT's authorizationId (what a `credential`
//! revocation names). A Bearer value without the prefix is not ours (`Ok(None)`): JWTs pass.
//!
//! An opaque access token (`Bearer gthat_{tenant}_...`, `gatehouse_protocol::reference`) names
//! its tenant; it is introspected there and becomes a [`Caller`] of kind
//! [`CredentialKind::OpaqueToken`] with the token's claims (its `aud` must be one of the guard's
//! audiences). It is revoked like a JWT: by its `uti` or its family's `sid` in the feed.

use std::time::Duration;

use async_trait::async_trait;
use base64::Engine;
use gatehouse_protocol::introspection::Introspection;
use gatehouse_protocol::pat::{Pat, PREFIX as PAT_PREFIX};
use gatehouse_protocol::reference::ReferenceToken;
use gatehouse_protocol::sas::{Sas, SAS_SCHEME};

use crate::caller::{Caller, CredentialKind};
use crate::fetch::Fetcher;
use crate::revocation::RevocationFeed;
use crate::verifier::{CredentialError, CredentialVerifier, PresentedCredential};

mod reference;
pub use reference::reference_caller;

/// The confidential client a guard introspects opaque credentials as.
#[derive(Clone, PartialEq, Eq)]
pub struct OpaqueSettings {
    pub client_id: String,
    pub client_secret: String,
}

impl std::fmt::Debug for OpaqueSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpaqueSettings")
            .field("client_id", &self.client_id)
            .field("client_secret", &"<redacted>")
            .finish()
    }
}

/// What an opaque credential looks like: its scheme and how its tenant and id are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// `SharedAccessSignature sr=&sig=&skn=&se=`: an IoT Central API token.
    Sas,
    /// `Bearer gthpat_...`: a personal access token as a bearer token.
    BearerPat,
    /// `Basic base64(user:gthpat_...)`: a personal access token as a password (any user name).
    BasicPat,
    /// `Bearer gthat_{tenant}_...`: an opaque access token of an API whose format is `opaque`.
    BearerReference,
}

/// A recognized opaque credential: its tenant and id (empty when its text does not say them:
/// PATs), its expiry (seconds) when its text says it, and the text introspection is asked about.
#[derive(Clone, PartialEq, Eq)]
pub struct Recognized {
    pub kind: CredentialKind,
    pub tenant: String,
    pub id: String,
    pub expires_at: Option<u64>,
    /// The `token` sent to introspection (a secret: never logged).
    pub text: String,
}

impl std::fmt::Debug for Recognized {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Recognized")
            .field("kind", &self.kind)
            .field("tenant", &self.tenant)
            .field("id", &self.id)
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

const MALFORMED_PAT: &str = "malformed personal access token";

/// The PAT in a Basic credential's password (`base64(user:pat)`), strictly.
fn basic_pat(value: &str) -> Result<Pat, CredentialError> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(value)
        .map_err(|_| CredentialError::invalid(MALFORMED_PAT, "Basic credential is not base64"))?;
    let text = String::from_utf8(bytes)
        .map_err(|_| CredentialError::invalid(MALFORMED_PAT, "Basic credential is not UTF-8"))?;
    let (_user, password) = text
        .split_once(':')
        .ok_or_else(|| CredentialError::invalid(MALFORMED_PAT, "Basic credential without a colon"))?;
    Pat::parse(password).map_err(|e| CredentialError::invalid(MALFORMED_PAT, e.to_string()))
}

fn pat_recognized(pat: Pat) -> Recognized {
    Recognized {
        kind: CredentialKind::Pat,
        tenant: String::new(),
        id: String::new(),
        expires_at: None,
        text: pat.expose().to_owned(),
    }
}

impl Shape {
    fn scheme(self) -> &'static str {
        match self {
            Shape::Sas => SAS_SCHEME,
            Shape::BearerPat | Shape::BearerReference => "Bearer",
            Shape::BasicPat => "Basic",
        }
    }

    /// Reads the credential (the text after the scheme), strictly.
    pub fn recognize(self, value: &str) -> Result<Recognized, CredentialError> {
        match self {
            Shape::Sas => {
                let sas = Sas::parse_fields(value)
                    .map_err(|e| CredentialError::invalid("malformed API token", e.to_string()))?;
                Ok(Recognized {
                    kind: CredentialKind::ApiToken,
                    tenant: sas.resource.to_ascii_lowercase(),
                    id: sas.key_name.to_ascii_lowercase(),
                    expires_at: Some(sas.expiry_ms / 1000),
                    text: format!("{SAS_SCHEME} {value}"),
                })
            }
            Shape::BearerPat => Pat::parse(value)
                .map(pat_recognized)
                .map_err(|e| CredentialError::invalid(MALFORMED_PAT, e.to_string())),
            Shape::BasicPat => basic_pat(value).map(pat_recognized),
            Shape::BearerReference => {
                let token = ReferenceToken::parse(value)
                    .map_err(|e| CredentialError::invalid("malformed opaque access token", e.to_string()))?;
                Ok(Recognized {
                    kind: CredentialKind::OpaqueToken,
                    tenant: token.tenant().to_owned(),
                    id: String::new(),
                    expires_at: None,
                    text: value.to_owned(),
                })
            }
        }
    }

    /// Whether a value of this shape's scheme is this shape's (Bearer values by their prefix).
    fn claims(self, value: &str) -> bool {
        (self != Shape::BearerPat || value.starts_with(PAT_PREFIX))
            && (self != Shape::BearerReference || ReferenceToken::claims_to_be(value))
    }
}

/// The verifier of opaque credentials (see the module).
pub struct OpaqueVerifier {
    shapes: Vec<Shape>,
    schemes: Vec<&'static str>,
    settings: OpaqueSettings,
    fetcher: Fetcher,
    feed: RevocationFeed,
    server_base: String,
    /// The guard's audiences: an opaque access token must be for one of them.
    audiences: Vec<String>,
}

impl OpaqueVerifier {
    pub(crate) fn new(
        shapes: Vec<Shape>,
        settings: OpaqueSettings,
        fetcher: Fetcher,
        feed: RevocationFeed,
        (server_base, audiences): (String, Vec<String>),
    ) -> Self {
        let mut schemes: Vec<&'static str> = shapes.iter().map(|s| s.scheme()).collect();
        schemes.dedup();
        Self {
            shapes,
            schemes,
            settings,
            fetcher,
            feed,
            server_base,
            audiences,
        }
    }
}

/// The caller an active introspection answer names, or why it does not. For a PAT (`seen`
/// names no tenant nor id), `tenant` is the tenant asked.
pub fn caller_of(seen: &Recognized, tenant: &str, answer: &Introspection, now: u64) -> Result<Caller, CredentialError> {
    let refused = match seen.kind {
        CredentialKind::Pat => "personal access token unknown, expired or revoked",
        _ => "API token unknown, forged, expired or revoked",
    };
    if !answer.active {
        return Err(CredentialError::invalid(
            refused,
            format!("inactive at introspection: {}", seen.id),
        ));
    }
    // The server must speak about the credential presented, in its tenant, still valid.
    let same = match seen.kind {
        CredentialKind::Pat => {
            answer.tid.as_deref() == Some(tenant)
                && answer.token_type.as_deref() == Some(gatehouse_protocol::introspection::PAT)
                && answer.jti.as_deref().is_some_and(|j| !j.is_empty())
                && answer.oid.as_deref().is_some_and(|o| !o.is_empty())
        }
        _ => answer.tid.as_deref() == Some(seen.tenant.as_str()) && answer.jti.as_deref() == Some(seen.id.as_str()),
    };
    let exp = answer.exp.and_then(|e| u64::try_from(e).ok());
    let Some(exp) = exp.filter(|e| same && *e > now) else {
        return Err(CredentialError::invalid(
            refused,
            "introspection answered about another credential, or without a future exp",
        ));
    };
    let exp = seen.expires_at.map_or(exp, |own| own.min(exp));
    if seen.kind == CredentialKind::Pat {
        let oid = answer.oid.as_deref().unwrap_or_default();
        let scopes = answer.scope.as_deref().unwrap_or_default().split_whitespace();
        return Ok(Caller::builder(CredentialKind::Pat, tenant, oid)
            .token_id(answer.jti.as_deref().unwrap_or_default())
            .subject(answer.sub.as_deref().unwrap_or(oid))
            .identity_type("user")
            .scopes(scopes)
            .expires_at(exp)
            .build());
    }
    let mut b = Caller::builder(seen.kind, &seen.tenant, format!("apiToken:{}", seen.id))
        .token_id(&seen.id)
        .roles(answer.roles.iter().cloned())
        .expires_at(exp);
    if let Some(org) = &answer.organization {
        b = b.organization(org);
    }
    Ok(b.build())
}

impl OpaqueVerifier {
    async fn introspect(&self, tenant: &str, text: &str) -> Result<Introspection, CredentialError> {
        let url = format!("{}/{}/oauth2/v2.0/introspect", self.server_base, tenant);
        self.fetcher
            .post_form_json(
                &url,
                &[("token", text)],
                (&self.settings.client_id, &self.settings.client_secret),
            )
            .await
            .map_err(|e| CredentialError::unavailable("credential check unavailable", e.to_string()))
    }

    /// A PAT names no tenant: each polled tenant is asked in order until one answers active;
    /// when none does, an unreachable tenant makes the answer "unavailable" (fail closed).
    async fn verify_pat(&self, seen: &Recognized, now: u64) -> Result<Caller, CredentialError> {
        let mut failure = None;
        for tenant in self.feed.tenants() {
            match self.introspect(tenant, &seen.text).await {
                Ok(answer) if answer.active => return caller_of(seen, tenant, &answer, now),
                Ok(_) => {}
                Err(e) => failure = Some(e),
            }
        }
        Err(failure.unwrap_or_else(|| {
            CredentialError::invalid(
                "personal access token unknown, expired or revoked",
                "inactive at introspection in every tenant",
            )
        }))
    }
}

#[async_trait]
impl CredentialVerifier for OpaqueVerifier {
    fn schemes(&self) -> &[&'static str] {
        &self.schemes
    }

    fn cacheable(&self) -> bool {
        true
    }

    fn cache_bound(&self) -> Option<Duration> {
        Some(self.feed.max_staleness())
    }

    async fn verify(&self, credential: PresentedCredential<'_>) -> Result<Option<Caller>, CredentialError> {
        // A Bearer value without one of our prefixes is not ours (a JWT's verifier had its turn).
        let Some(shape) = self
            .shapes
            .iter()
            .find(|s| s.scheme().eq_ignore_ascii_case(credential.scheme) && s.claims(credential.value))
        else {
            return Ok(None);
        };
        let seen = shape.recognize(credential.value)?;
        let now = crate::jwt::unix_now();
        if seen.kind == CredentialKind::Pat {
            return self.verify_pat(&seen, now).await.map(Some);
        }
        if seen.kind == CredentialKind::OpaqueToken {
            if !self.feed.polls(&seen.tenant) {
                return Err(CredentialError::invalid(
                    "token of a tenant this API does not accept",
                    format!("tenant {}", seen.tenant),
                ));
            }
            let answer = self.introspect(&seen.tenant, &seen.text).await?;
            return reference_caller(&seen, &answer, &self.audiences, now).map(Some);
        }
        if !self.feed.polls(&seen.tenant) {
            return Err(CredentialError::invalid(
                "API token of a tenant this API does not accept",
                format!("tenant {}", seen.tenant),
            ));
        }
        if seen.expires_at.is_some_and(|e| e <= now) {
            return Err(CredentialError::invalid("API token expired", seen.id));
        }
        let answer = self.introspect(&seen.tenant, &seen.text).await?;
        caller_of(&seen, &seen.tenant, &answer, now).map(Some)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seen() -> Recognized {
        Shape::Sas
            .recognize("sr=t1&sig=abc&skn=Op-Token&se=4000000000000")
            .unwrap()
    }

    fn active(exp: i64) -> Introspection {
        Introspection {
            active: true,
            tid: Some("t1".into()),
            jti: Some("op-token".into()),
            exp: Some(exp),
            roles: vec!["r1".into()],
            organization: Some("x".into()),
            ..Default::default()
        }
    }

    #[test]
    fn sas_tokens_are_recognized_strictly() {
        let r = seen();
        assert_eq!(
            (r.tenant.as_str(), r.id.as_str(), r.expires_at),
            ("t1", "op-token", Some(4_000_000_000))
        );
        assert!(Shape::Sas.recognize("sr=t1&sig=abc&skn=x").is_err());
        assert!(Shape::Sas.recognize("sr=t1&sig=abc&skn=x&se=1&zz=2").is_err());
    }

    #[test]
    fn an_active_answer_becomes_a_caller_limited_to_its_organization() {
        let c = caller_of(&seen(), "t1", &active(3_000_000_000), 100).unwrap();
        assert_eq!(c.kind(), CredentialKind::ApiToken);
        assert_eq!(c.token_id(), Some("op-token"));
        assert_eq!(c.roles(), ["r1"]);
        assert_eq!(c.organization(), Some("x"));
        // Never past the server's exp nor the token's own `se`.
        assert_eq!(c.expires_at(), Some(3_000_000_000));
    }

    #[test]
    fn inactive_or_mismatched_answers_are_refused() {
        assert!(caller_of(&seen(), "t1", &Introspection::inactive(), 100).is_err());
        let mut other = active(3_000_000_000);
        other.jti = Some("someone-else".into());
        assert!(caller_of(&seen(), "t1", &other, 100).is_err());
        let mut foreign = active(3_000_000_000);
        foreign.tid = Some("t2".into());
        assert!(caller_of(&seen(), "t1", &foreign, 100).is_err());
        assert!(caller_of(&seen(), "t1", &active(50), 100).is_err());
    }
}
