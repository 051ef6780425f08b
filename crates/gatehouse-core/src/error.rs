//! Domain errors: typed values with a neutral [`ErrorKind`] (invalid request, unauthenticated,
//! forbidden, not found, conflict, throttled, unavailable, internal). No HTTP status and no wire
//! code lives here: each front door of the server maps these in its own dialect module
//! (`gatehouse_server::dialect::{oauth, arm, graph, iotc}`). Internal causes (store, keys) are
//! logged by the server with the trace id, never sent.

use crate::store::StoreError;

mod object;
pub use object::Object;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    // --- request shape ---
    #[error("missing parameter {0}")]
    MissingParameter(&'static str),
    #[error("malformed request: {0}")]
    Malformed(String),
    #[error("method {0} not allowed")]
    MethodNotAllowed(String),
    #[error("request body too large")]
    BodyTooLarge,
    /// The body did not arrive within the connection's body deadline.
    #[error("request body did not arrive in time")]
    BodyTimeout,
    #[error("unsupported content type")]
    ContentType,
    #[error("unsupported grant type {0}")]
    UnsupportedGrant(String),
    /// RFC 8707: a `resource` that is not an absolute URI, names no known resource, or disagrees
    /// with `scope`.
    #[error("invalid target: {0}")]
    InvalidTarget(String),
    #[error("invalid scope: {0}")]
    InvalidScope(String),
    #[error("scope {scope} not declared by resource {resource}")]
    UnknownPermission { scope: String, resource: String },
    #[error("client credentials scope must end in /.default: {0}")]
    ScopeNotDefault(String),

    // --- tenants, clients, resources ---
    #[error("tenant {0} not found")]
    TenantNotFound(String),
    #[error("no tenant in the request")]
    NoTenant,
    #[error("application {client_id} not found in tenant {tenant}")]
    ClientNotFound { client_id: String, tenant: String },
    #[error("client authentication missing")]
    ClientSecretMissing,
    #[error("invalid client secret")]
    ClientSecretInvalid,
    #[error("expired client secret")]
    ClientSecretExpired,
    #[error("client authenticated twice")]
    ClientAuthConflict,
    /// A client assertion that is not a well-formed JWT of the accepted shape.
    #[error("client assertion malformed: {0}")]
    AssertionMalformed(&'static str),
    /// No registered certificate is named by the assertion, or its signature does not verify.
    #[error("client assertion signature invalid or certificate unknown")]
    AssertionSignature,
    /// The assertion was signed by a registered certificate outside its validity.
    #[error("client assertion signed with an expired certificate")]
    AssertionCertificateExpired,
    #[error("client assertion outside its valid time range: {0}")]
    AssertionTime(&'static str),
    #[error("client assertion audience is not this tenant's token endpoint")]
    AssertionAudience,
    /// `iss` and `sub` differ, or do not name the client.
    #[error("client assertion iss/sub do not name the client")]
    AssertionSubject,
    /// The assertion's `jti` was already used in this tenant.
    #[error("client assertion already used")]
    AssertionReplayed,
    #[error("public client cannot use the client-credentials grant")]
    PublicClient,
    #[error("service principal disabled")]
    ClientDisabled,
    #[error("resource {resource} not found in tenant {tenant}")]
    UnknownResource { resource: String, tenant: String },
    #[error("too many failed attempts; retry after {retry_after} s")]
    Throttled { retry_after: u64 },

    // --- users, device codes, refresh tokens ---
    #[error("authorization pending")]
    AuthorizationPending,
    #[error("polling too fast")]
    SlowDown,
    #[error("the user declined")]
    AuthorizationDeclined,
    #[error("device code expired")]
    ExpiredToken,
    #[error("device code invalid: {0}")]
    DeviceCodeInvalid(&'static str),
    #[error("user code not valid")]
    BadUserCode,
    #[error("invalid user name or password")]
    InvalidCredentials,
    #[error("user disabled")]
    UserDisabled,
    /// The right password of a user who must set a new one before signing in.
    #[error("password change required")]
    PasswordChangeRequired,
    #[error("refresh token invalid: {0}")]
    RefreshTokenInvalid(&'static str),
    #[error("refresh token revoked or expired: {0}")]
    RefreshTokenRevoked(&'static str),
    #[error("scope not granted: {0}")]
    ConsentRequired(String),
    /// An on-behalf-of `assertion` or a token-exchange `subject_token`/`actor_token` that is not
    /// a valid, unrevoked access token of this tenant for the calling application (the text
    /// says which check failed; it is logged, never sent).
    #[error("user assertion invalid: {0}")]
    UserAssertionInvalid(&'static str),
    /// RFC 8693: a token type the exchange does not take (`subject_token_type`, ...).
    #[error("unsupported {parameter}: {value}")]
    UnsupportedTokenType { parameter: &'static str, value: String },
    /// RFC 8693: the `audience`/`resource` of an exchange is unknown or names two resources.
    #[error("invalid exchange target: {0}")]
    ExchangeTarget(String),
    #[error("form token missing or wrong")]
    FormExpired,

    // --- authorization code flow ---
    #[error("redirect_uri not registered for the client")]
    RedirectUriMismatch,
    #[error("the registered redirect_uri breaks the redirect URI rules")]
    RedirectUriUnsafe,
    #[error("unsupported response_type {0}")]
    UnsupportedResponseType(String),
    #[error("PKCE required for public clients")]
    PkceRequired,
    #[error("PKCE challenge or method not acceptable")]
    PkceMethodUnsupported,
    #[error("code_verifier does not match the code_challenge")]
    PkceVerifierMismatch,
    #[error("code_verifier sent for a code issued without code_challenge")]
    PkceUnexpectedVerifier,
    #[error("prompt=none without a signed-in session")]
    LoginRequired,
    #[error("prompt=none without consent")]
    ConsentNeeded,
    #[error("the user declined consent")]
    AccessDenied,
    #[error("authorization code invalid: {0}")]
    AuthCodeInvalid(&'static str),
    #[error("authorization code already redeemed")]
    AuthCodeRedeemed,
    #[error("authorization code expired")]
    AuthCodeExpired,
    #[error("redirect_uri differs from the authorization request")]
    AuthCodeRedirectMismatch,

    // --- the signed-in user's own endpoints (bearer access token) ---
    #[error("bearer token invalid: {0}")]
    BearerInvalid(&'static str),
    #[error("the token to revoke was issued to another client")]
    RevokeForeignToken,
    #[error("the user has not authorized application {0}")]
    AppNotAuthorized(String),

    // --- management ---
    /// A value a management operation cannot accept; the text says what is wrong in neutral
    /// words (no command-line flags: each front door adds its own hints).
    #[error("{0}")]
    Invalid(String),
    #[error("{object} '{name}' already exists")]
    Conflict { object: Object, name: String },
    #[error("{object} '{name}' was not found")]
    NotFound { object: Object, name: String },
    #[error("several {object}s are named '{name}'")]
    Ambiguous { object: Object, name: String },
    /// No route serves this path (answered by the router's fallback).
    #[error("no such path")]
    NoSuchPath,
    /// A name that breaks its object's naming rule (`rule` says the rule in full).
    #[error("{object} name '{name}' is not valid: {rule}")]
    InvalidName {
        object: Object,
        name: String,
        rule: &'static str,
    },
    /// The object is still used by others (a role definition with assignments).
    #[error("{object} '{name}' is in use")]
    InUse { object: Object, name: String },
    /// A versioned API was called with a version it does not serve.
    #[error("version '{given}' is not supported; supported: {supported}")]
    UnsupportedVersion { given: String, supported: String },
    /// A principal named in a request does not exist in the tenant.
    #[error("principal {id} does not exist in the directory {tenant}")]
    PrincipalNotFound { id: String, tenant: String },

    /// A personal access token request the PAT API refuses (Azure DevOps answers these with a
    /// `patTokenError` value).
    #[error("personal access token refused: {0}")]
    PatRefused(crate::model::PatRefusal),

    // --- management authorization ---
    /// A valid token of one tenant used on an object another tenant owns.
    #[error("the token is from tenant {token_tenant}, the object belongs to tenant {owner_tenant}")]
    WrongTenant { token_tenant: String, owner_tenant: String },
    /// The caller holds no role that allows `action` at `scope`.
    #[error("{principal} may not perform {action} over scope {scope}")]
    NotAuthorized {
        principal: String,
        action: String,
        scope: String,
    },
    /// The caller is authenticated but holds no permission or directory role for this
    /// directory operation.
    #[error("insufficient privileges to complete the operation")]
    InsufficientPrivileges,
    /// A query option (filter, page size) the directory cannot evaluate; the text says what.
    #[error("unsupported query: {0}")]
    UnsupportedQuery(String),

    // --- internal ---
    #[error("store: {0}")]
    Store(StoreError),
    #[error("keys: {0}")]
    Keys(#[from] gatehouse_keys::KeyError),
    #[error("internal: {0}")]
    Internal(String),
}

/// The neutral kind of an error, which every front door maps to its own status and code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The request is malformed or a value is not acceptable.
    InvalidRequest,
    /// The caller's credentials are missing, wrong or expired.
    Unauthenticated,
    /// The caller is known but not allowed.
    Forbidden,
    NotFound,
    Conflict,
    /// Too many failed attempts: retry later.
    Throttled,
    /// A dependency (the database) is briefly unavailable: retry.
    Unavailable,
    Internal,
}

impl Error {
    /// The neutral kind of this error.
    pub fn kind(&self) -> ErrorKind {
        use ErrorKind as K;
        match self {
            Self::MissingParameter(_)
            | Self::Malformed(_)
            | Self::MethodNotAllowed(_)
            | Self::BodyTooLarge
            | Self::BodyTimeout
            | Self::ContentType
            | Self::UnsupportedGrant(_)
            | Self::InvalidScope(_)
            | Self::InvalidTarget(_)
            | Self::UnknownPermission { .. }
            | Self::ScopeNotDefault(_)
            | Self::NoTenant
            | Self::ClientAuthConflict
            | Self::UnknownResource { .. }
            | Self::AuthorizationPending
            | Self::SlowDown
            | Self::ExpiredToken
            | Self::DeviceCodeInvalid(_)
            | Self::BadUserCode
            | Self::RefreshTokenInvalid(_)
            | Self::RefreshTokenRevoked(_)
            | Self::UserAssertionInvalid(_)
            | Self::UnsupportedTokenType { .. }
            | Self::ExchangeTarget(_)
            | Self::FormExpired
            | Self::RedirectUriMismatch
            | Self::RedirectUriUnsafe
            | Self::UnsupportedResponseType(_)
            | Self::PkceRequired
            | Self::PkceMethodUnsupported
            | Self::PkceVerifierMismatch
            | Self::PkceUnexpectedVerifier
            | Self::AuthCodeInvalid(_)
            | Self::AuthCodeRedeemed
            | Self::AuthCodeExpired
            | Self::AuthCodeRedirectMismatch
            | Self::Invalid(_)
            | Self::UnsupportedVersion { .. }
            | Self::InvalidName { .. }
            | Self::PrincipalNotFound { .. }
            | Self::UnsupportedQuery(_)
            | Self::Ambiguous { .. } => K::InvalidRequest,
            Self::PatRefused(r) => match r {
                crate::model::PatRefusal::AccessDenied => K::Forbidden,
                crate::model::PatRefusal::AuthorizationNotFound => K::NotFound,
                _ => K::InvalidRequest,
            },
            Self::ClientNotFound { .. }
            | Self::ClientSecretMissing
            | Self::ClientSecretInvalid
            | Self::ClientSecretExpired
            | Self::AssertionMalformed(_)
            | Self::AssertionSignature
            | Self::AssertionCertificateExpired
            | Self::AssertionTime(_)
            | Self::AssertionAudience
            | Self::AssertionSubject
            | Self::AssertionReplayed
            | Self::InvalidCredentials
            | Self::PasswordChangeRequired
            | Self::LoginRequired
            | Self::BearerInvalid(_)
            | Self::WrongTenant { .. } => K::Unauthenticated,
            Self::PublicClient
            | Self::ClientDisabled
            | Self::UserDisabled
            | Self::AuthorizationDeclined
            | Self::ConsentRequired(_)
            | Self::ConsentNeeded
            | Self::AccessDenied
            | Self::RevokeForeignToken
            | Self::NotAuthorized { .. }
            | Self::InsufficientPrivileges => K::Forbidden,
            Self::TenantNotFound(_) | Self::AppNotAuthorized(_) | Self::NotFound { .. } | Self::NoSuchPath => {
                K::NotFound
            }
            Self::Conflict { .. } | Self::InUse { .. } => K::Conflict,
            Self::Throttled { .. } => K::Throttled,
            Self::Store(StoreError::Unaudited(_)) => K::Internal,
            Self::Store(_) => K::Unavailable,
            Self::Keys(_) | Self::Internal(_) => K::Internal,
        }
    }
}

mod from_store;
#[cfg(test)]
mod tests;
