//! The verified identity of a request: [`Caller`], built by a credential verifier, placed in the
//! request extensions by the guard and read by handlers as an axum extractor.

use std::convert::Infallible;
use std::sync::Arc;

use axum::extract::{FromRequestParts, OptionalFromRequestParts};
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// Which kind of credential the caller presented.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum CredentialKind {
    /// A signed JWT access token (JWS) issued by Gatehouse.
    Jwt,
    /// An API token (`SharedAccessSignature sr=..&sig=..&skn=..&se=..`).
    ApiToken,
    /// A personal access token.
    Pat,
    /// An encrypted JWT access token (JWE).
    EncryptedJwt,
    /// An opaque access token (`gthat_...`), checked by introspection.
    OpaqueToken,
}

impl CredentialKind {
    /// Opaque credentials (API tokens, PATs) are checked against the server once, recognized by
    /// their shape, and revoked by id (`credential` entries of the revocation feed).
    pub fn is_opaque(self) -> bool {
        matches!(self, CredentialKind::ApiToken | CredentialKind::Pat)
    }

    /// The lowercase name used in the `X-Gatehouse-Credential` header and in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            CredentialKind::Jwt => "jwt",
            CredentialKind::ApiToken => "api_token",
            CredentialKind::Pat => "pat",
            CredentialKind::EncryptedJwt => "encrypted_jwt",
            CredentialKind::OpaqueToken => "opaque_token",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
struct CallerData {
    kind: CredentialKind,
    tenant_id: String,
    object_id: String,
    app_id: Option<String>,
    subject: Option<String>,
    identity_type: Option<String>,
    scopes: Vec<String>,
    roles: Vec<String>,
    token_id: Option<String>,
    session_id: Option<String>,
    expires_at: Option<u64>,
    /// The organization an API token's roles are limited to (with the ones below it); `None`:
    /// the root, or a credential without organizations.
    #[serde(skip_serializing_if = "Option::is_none")]
    organization: Option<String>,
}

/// A verified caller. Cheap to clone (one reference count).
///
/// Handlers behind a [`crate::GuardLayer`] take it as an extractor; `Option<Caller>` never fails.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    data: Arc<CallerData>,
}

impl Serialize for Caller {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.data.as_ref().serialize(serializer)
    }
}

impl Caller {
    /// Starts a caller; credential verifiers use this to report what they verified.
    pub fn builder(kind: CredentialKind, tenant_id: impl Into<String>, object_id: impl Into<String>) -> CallerBuilder {
        CallerBuilder {
            data: CallerData {
                kind,
                tenant_id: tenant_id.into(),
                object_id: object_id.into(),
                app_id: None,
                subject: None,
                identity_type: None,
                scopes: Vec::new(),
                roles: Vec::new(),
                token_id: None,
                session_id: None,
                expires_at: None,
                organization: None,
            },
        }
    }

    /// The credential kind.
    /// The same caller, verified through another kind of credential (an encrypted token whose
    /// inner JWT was checked).
    pub(crate) fn with_kind(self, kind: CredentialKind) -> Caller {
        let mut data = Arc::unwrap_or_clone(self.data);
        data.kind = kind;
        Caller { data: Arc::new(data) }
    }

    pub fn kind(&self) -> CredentialKind {
        self.data.kind
    }
    /// Tenant id (`tid`), a GUID in lowercase as issued.
    pub fn tenant_id(&self) -> &str {
        &self.data.tenant_id
    }
    /// Object id (`oid`) of the user or service principal.
    pub fn object_id(&self) -> &str {
        &self.data.object_id
    }
    /// Client application id (`azp` in v2 tokens, `appid` in v1 tokens).
    pub fn app_id(&self) -> Option<&str> {
        self.data.app_id.as_deref()
    }
    /// Subject (`sub`).
    pub fn subject(&self) -> Option<&str> {
        self.data.subject.as_deref()
    }
    /// `idtyp`: `"app"` or `"user"` when the token says.
    pub fn identity_type(&self) -> Option<&str> {
        self.data.identity_type.as_deref()
    }
    /// Delegated scopes (`scp`, split on spaces).
    pub fn scopes(&self) -> &[String] {
        &self.data.scopes
    }
    /// App roles (`roles`).
    pub fn roles(&self) -> &[String] {
        &self.data.roles
    }
    /// Whether the caller holds the delegated scope `scope` (case-sensitive).
    pub fn has_scope(&self, scope: &str) -> bool {
        self.data.scopes.iter().any(|s| s == scope)
    }
    /// Whether the caller holds the app role `role` (case-sensitive).
    pub fn has_role(&self, role: &str) -> bool {
        self.data.roles.iter().any(|r| r == role)
    }
    /// Unique token id (`uti`), revocable through the revocation feed.
    pub fn token_id(&self) -> Option<&str> {
        self.data.token_id.as_deref()
    }
    /// Refresh-token family id (`sid`), revocable through the revocation feed.
    pub fn session_id(&self) -> Option<&str> {
        self.data.session_id.as_deref()
    }
    /// Expiry of the credential, in seconds since the Unix epoch.
    pub fn expires_at(&self) -> Option<u64> {
        self.data.expires_at
    }

    /// The organization the caller's roles are limited to (it and the ones below it); `None`
    /// at the root.
    pub fn organization(&self) -> Option<&str> {
        self.data.organization.as_deref()
    }
}

/// Builder returned by [`Caller::builder`].
#[derive(Debug)]
pub struct CallerBuilder {
    data: CallerData,
}

impl CallerBuilder {
    /// Client application id.
    pub fn app_id(mut self, app_id: impl Into<String>) -> Self {
        self.data.app_id = Some(app_id.into());
        self
    }
    /// Subject.
    pub fn subject(mut self, subject: impl Into<String>) -> Self {
        self.data.subject = Some(subject.into());
        self
    }
    /// Identity type (`app` / `user`).
    pub fn identity_type(mut self, idtyp: impl Into<String>) -> Self {
        self.data.identity_type = Some(idtyp.into());
        self
    }
    /// Delegated scopes.
    pub fn scopes<I, S>(mut self, scopes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.data.scopes = scopes.into_iter().map(Into::into).collect();
        self
    }
    /// App roles.
    pub fn roles<I, S>(mut self, roles: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.data.roles = roles.into_iter().map(Into::into).collect();
        self
    }
    /// Unique token id, checked against the revocation feed.
    pub fn token_id(mut self, uti: impl Into<String>) -> Self {
        self.data.token_id = Some(uti.into());
        self
    }
    /// Session (refresh family) id, checked against the revocation feed.
    pub fn session_id(mut self, sid: impl Into<String>) -> Self {
        self.data.session_id = Some(sid.into());
        self
    }
    /// Expiry in seconds since the Unix epoch (bounds how long the guard caches the result).
    pub fn expires_at(mut self, exp: u64) -> Self {
        self.data.expires_at = Some(exp);
        self
    }

    /// The organization the roles are limited to.
    pub fn organization(mut self, organization: impl Into<String>) -> Self {
        self.data.organization = Some(organization.into());
        self
    }
    /// Finishes the caller.
    pub fn build(self) -> Caller {
        Caller {
            data: Arc::new(self.data),
        }
    }
}

/// Rejection of the [`Caller`] extractor: the handler is not behind a guard. This is a wiring
/// mistake of the API, so it answers 500 without detail (and logs it).
#[derive(Debug, Clone, Copy, thiserror::Error)]
#[error("no verified caller in the request: is the route behind a GuardLayer?")]
pub struct CallerMissing;

impl IntoResponse for CallerMissing {
    fn into_response(self) -> Response {
        let trace_id = uuid::Uuid::new_v4();
        tracing::error!(%trace_id, "{self}");
        crate::response::json_error(
            http::StatusCode::INTERNAL_SERVER_ERROR,
            "server_error",
            "the server is misconfigured",
            trace_id,
        )
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Caller {
    type Rejection = CallerMissing;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parts.extensions.get::<Caller>().cloned().ok_or(CallerMissing)
    }
}

impl<S: Send + Sync> OptionalFromRequestParts<S> for Caller {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Option<Self>, Self::Rejection> {
        Ok(parts.extensions.get::<Caller>().cloned())
    }
}
