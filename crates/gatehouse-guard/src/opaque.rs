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
//! refused while the feed is stale. A new opaque kind (PATs) is one more arm of [`Shape`].

use std::time::Duration;

use async_trait::async_trait;
use gatehouse_protocol::introspection::Introspection;
use gatehouse_protocol::sas::{Sas, SAS_SCHEME};

use crate::caller::{Caller, CredentialKind};
use crate::fetch::Fetcher;
use crate::revocation::RevocationFeed;
use crate::verifier::{CredentialError, CredentialVerifier, PresentedCredential};

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
}

/// A recognized opaque credential: its tenant, its id, and its expiry (seconds) when its text
/// says it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recognized {
    pub kind: CredentialKind,
    pub tenant: String,
    pub id: String,
    pub expires_at: Option<u64>,
}

impl Shape {
    fn scheme(self) -> &'static str {
        match self {
            Shape::Sas => SAS_SCHEME,
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
                })
            }
        }
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
}

impl OpaqueVerifier {
    pub(crate) fn new(
        shapes: Vec<Shape>,
        settings: OpaqueSettings,
        fetcher: Fetcher,
        feed: RevocationFeed,
        server_base: String,
    ) -> Self {
        let schemes = shapes.iter().map(|s| s.scheme()).collect();
        Self {
            shapes,
            schemes,
            settings,
            fetcher,
            feed,
            server_base,
        }
    }
}

/// The caller an active introspection answer names, or why it does not.
pub fn caller_of(seen: &Recognized, answer: &Introspection, now: u64) -> Result<Caller, CredentialError> {
    if !answer.active {
        return Err(CredentialError::invalid(
            "API token unknown, forged, expired or revoked",
            format!("inactive at introspection: {}", seen.id),
        ));
    }
    // The server must speak about the credential presented, in its tenant, still valid.
    let same = answer.tid.as_deref() == Some(seen.tenant.as_str()) && answer.jti.as_deref() == Some(seen.id.as_str());
    let exp = answer.exp.and_then(|e| u64::try_from(e).ok());
    let Some(exp) = exp.filter(|e| same && *e > now) else {
        return Err(CredentialError::invalid(
            "API token unknown, forged, expired or revoked",
            "introspection answered about another token, or without a future exp",
        ));
    };
    let exp = seen.expires_at.map_or(exp, |own| own.min(exp));
    let mut b = Caller::builder(seen.kind, &seen.tenant, format!("apiToken:{}", seen.id))
        .token_id(&seen.id)
        .roles(answer.roles.iter().cloned())
        .expires_at(exp);
    if let Some(org) = &answer.organization {
        b = b.organization(org);
    }
    Ok(b.build())
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
        let Some(shape) = self
            .shapes
            .iter()
            .find(|s| s.scheme().eq_ignore_ascii_case(credential.scheme))
        else {
            return Ok(None);
        };
        let seen = shape.recognize(credential.value)?;
        if !self.feed.polls(&seen.tenant) {
            return Err(CredentialError::invalid(
                "API token of a tenant this API does not accept",
                format!("tenant {}", seen.tenant),
            ));
        }
        let now = crate::jwt::unix_now();
        if seen.expires_at.is_some_and(|e| e <= now) {
            return Err(CredentialError::invalid("API token expired", seen.id));
        }
        let url = format!("{}/{}/oauth2/v2.0/introspect", self.server_base, seen.tenant);
        let text = format!("{} {}", shape.scheme(), credential.value);
        let answer: Introspection = self
            .fetcher
            .post_form_json(
                &url,
                &[("token", text.as_str())],
                (&self.settings.client_id, &self.settings.client_secret),
            )
            .await
            .map_err(|e| CredentialError::unavailable("API token check unavailable", e.to_string()))?;
        caller_of(&seen, &answer, now).map(Some)
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
        let c = caller_of(&seen(), &active(3_000_000_000), 100).unwrap();
        assert_eq!(c.kind(), CredentialKind::ApiToken);
        assert_eq!(c.token_id(), Some("op-token"));
        assert_eq!(c.roles(), ["r1"]);
        assert_eq!(c.organization(), Some("x"));
        // Never past the server's exp nor the token's own `se`.
        assert_eq!(c.expires_at(), Some(3_000_000_000));
    }

    #[test]
    fn inactive_or_mismatched_answers_are_refused() {
        assert!(caller_of(&seen(), &Introspection::inactive(), 100).is_err());
        let mut other = active(3_000_000_000);
        other.jti = Some("someone-else".into());
        assert!(caller_of(&seen(), &other, 100).is_err());
        let mut foreign = active(3_000_000_000);
        foreign.tid = Some("t2".into());
        assert!(caller_of(&seen(), &foreign, 100).is_err());
        assert!(caller_of(&seen(), &active(50), 100).is_err());
    }
}
