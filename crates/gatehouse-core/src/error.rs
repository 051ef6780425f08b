//! Domain errors, and the ONE place where they map to OAuth/Entra wire codes.
//!
//! Every error a client can see is a variant here; [`Error::wire`] gives its HTTP status, OAuth
//! `error`, AADSTS number and a safe sentence that says what to do next. Internal causes (store,
//! keys) are logged by the server with the trace id, never sent.

use gatehouse_protocol::OAuthError;

use crate::store::StoreError;

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
    #[error("unsupported content type")]
    ContentType,
    #[error("unsupported grant type {0}")]
    UnsupportedGrant(String),
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

    // --- internal ---
    #[error("store: {0}")]
    Store(StoreError),
    #[error("keys: {0}")]
    Keys(#[from] gatehouse_keys::KeyError),
    #[error("internal: {0}")]
    Internal(String),
}

/// What kind of directory object a management error is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Object {
    Tenant,
    Application,
    ServicePrincipal,
    User,
    Secret,
    AppRole,
    AppRoleAssignment,
    IdentifierUri,
    Scope,
    /// A row the store refused (a race lost to a concurrent writer).
    Record,
}

impl Object {
    /// The noun in lower case, as in "application 'x' was not found".
    pub fn noun(self) -> &'static str {
        match self {
            Self::Tenant => "tenant",
            Self::Application => "application",
            Self::ServicePrincipal => "service principal",
            Self::User => "user",
            Self::Secret => "secret",
            Self::AppRole => "app role",
            Self::AppRoleAssignment => "app role assignment",
            Self::IdentifierUri => "identifier URI",
            Self::Scope => "scope",
            Self::Record => "record",
        }
    }
}

impl std::fmt::Display for Object {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.noun())
    }
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

impl From<StoreError> for Error {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict(_) => Self::Conflict {
                object: Object::Record,
                name: String::new(),
            },
            StoreError::NotFound(_) => Self::NotFound {
                object: Object::Record,
                name: String::new(),
            },
            other => Self::Store(other),
        }
    }
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
            | Self::ContentType
            | Self::UnsupportedGrant(_)
            | Self::InvalidScope(_)
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
            | Self::Ambiguous { .. } => K::InvalidRequest,
            Self::ClientNotFound { .. }
            | Self::ClientSecretMissing
            | Self::ClientSecretInvalid
            | Self::ClientSecretExpired
            | Self::InvalidCredentials
            | Self::PasswordChangeRequired
            | Self::LoginRequired
            | Self::BearerInvalid(_) => K::Unauthenticated,
            Self::PublicClient
            | Self::ClientDisabled
            | Self::UserDisabled
            | Self::AuthorizationDeclined
            | Self::ConsentRequired(_)
            | Self::ConsentNeeded
            | Self::AccessDenied
            | Self::RevokeForeignToken => K::Forbidden,
            Self::TenantNotFound(_) | Self::AppNotAuthorized(_) | Self::NotFound { .. } | Self::NoSuchPath => {
                K::NotFound
            }
            Self::Conflict { .. } => K::Conflict,
            Self::Throttled { .. } => K::Throttled,
            Self::Store(_) => K::Unavailable,
            Self::Keys(_) | Self::Internal(_) => K::Internal,
        }
    }
}

/// What the client is told.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Wire {
    pub status: u16,
    pub error: OAuthError,
    pub aadsts: u32,
    pub text: String,
    /// Seconds for a `Retry-After` header.
    pub retry_after: Option<u64>,
}

impl Error {
    /// The wire form of this error. Texts never carry internal detail.
    pub fn wire(&self) -> Wire {
        use OAuthError as E;
        let w = |status: u16, error: E, aadsts: u32, text: String| Wire {
            status,
            error,
            aadsts,
            text,
            retry_after: None,
        };
        match self {
            Self::MissingParameter(p) => w(400, E::InvalidRequest, 900144, format!("The request body must contain the following parameter: '{p}'.")),
            Self::Malformed(why) => w(400, E::InvalidRequest, 9002313, format!("Invalid request. Request is malformed or invalid: {why}.")),
            Self::MethodNotAllowed(m) => w(405, E::InvalidRequest, 9002313, format!("Invalid request. The method {m} is not allowed on this path.")),
            Self::BodyTooLarge => w(413, E::InvalidRequest, 9002313, "Invalid request. The request body is larger than the server accepts.".into()),
            Self::ContentType => w(400, E::InvalidRequest, 9002313, "Invalid request. Send the parameters as application/x-www-form-urlencoded.".into()),
            Self::UnsupportedGrant(g) => w(400, E::UnsupportedGrantType, 70003, format!("The app requested an unsupported grant type '{g}'. Use client_credentials, authorization_code, urn:ietf:params:oauth:grant-type:device_code or refresh_token.")),
            Self::InvalidScope(s) => w(400, E::InvalidScope, 70011, format!("The provided value for the input parameter 'scope' is not valid. {s}")),
            Self::BearerInvalid(_) => w(401, E::InvalidToken, 50132, "The access token is missing, invalid or expired. Send 'Authorization: Bearer' with a user access token this tenant issued for Microsoft Graph (scope openid or User.Read).".into()),
            Self::RevokeForeignToken => w(400, E::UnauthorizedClient, 70000, "The token was not issued to this client, so this client cannot revoke it (RFC 7009 section 2.1). Revoke it with the credentials of the client it was issued to.".into()),
            Self::AppNotAuthorized(app) => w(404, E::NotFound, 65004, format!("The user has not authorized the application {app}.")),
            Self::UnknownPermission { scope, resource } => w(400, E::InvalidScope, 650053, format!("The application asked for scope '{scope}' that doesn't exist on the resource '{resource}'.")),
            Self::ScopeNotDefault(s) => w(400, E::InvalidScope, 1002012, format!("The provided value for scope {s} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).")),
            Self::TenantNotFound(t) => w(400, E::InvalidRequest, 90002, format!("Tenant '{t}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.")),
            Self::NoTenant => w(400, E::InvalidRequest, 50059, "No tenant-identifying information found in either the request or implied by any provided credentials. Use a tenant id or name instead of 'common'.".into()),
            Self::ClientNotFound { client_id, tenant } => w(400, E::UnauthorizedClient, 700016, format!("Application with identifier '{client_id}' was not found in the directory '{tenant}'. Check the client id and the tenant.")),
            Self::ClientSecretMissing => w(401, E::InvalidClient, 7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.".into()),
            Self::ClientSecretInvalid => w(401, E::InvalidClient, 7000215, "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID.".into()),
            Self::ClientSecretExpired => w(401, E::InvalidClient, 7000222, "The provided client secret keys are expired. Create new keys for your app (gatehouse app credential add).".into()),
            Self::ClientAuthConflict => w(400, E::InvalidRequest, 9002313, "Invalid request. Authenticate the client once: either HTTP Basic or client_secret in the body.".into()),
            Self::PublicClient => w(400, E::UnauthorizedClient, 700025, "Client is public so neither 'client_assertion' nor 'client_secret' should be presented, and it cannot use the client-credentials grant.".into()),
            Self::ClientDisabled => w(400, E::UnauthorizedClient, 7000112, "Application is disabled.".into()),
            Self::UnknownResource { resource, tenant } => w(400, E::InvalidResource, 500011, format!("The resource principal named {resource} was not found in the tenant named {tenant}. Register it with 'gatehouse api create' or check the resource identifier.")),
            Self::Throttled { retry_after } => Wire {
                status: 429,
                error: E::TemporarilyUnavailable,
                aadsts: 50053,
                text: format!("Too many failed attempts. Try again in {retry_after} seconds."),
                retry_after: Some(*retry_after),
            },
            Self::AuthorizationPending => w(400, E::AuthorizationPending, 70016, "OAuth 2.0 device flow error. Authorization is pending. Continue polling.".into()),
            Self::SlowDown => w(400, E::SlowDown, 70016, "OAuth 2.0 device flow error. Polling too fast: wait the interval (5 seconds more) between requests.".into()),
            Self::AuthorizationDeclined => w(400, E::AuthorizationDeclined, 70000, "The end user declined the authorization request.".into()),
            Self::ExpiredToken => w(400, E::ExpiredToken, 70020, "The provided value for the input parameter 'device_code' is not valid. This device code has expired. Start a new sign-in.".into()),
            Self::DeviceCodeInvalid(_) => w(400, E::InvalidGrant, 70000, "The provided value for the input parameter 'device_code' is not valid, or it was already used. Start a new sign-in.".into()),
            Self::BadUserCode => w(400, E::BadVerificationCode, 70018, "The code you entered is not valid or has expired. Check it, or start a new sign-in on your device.".into()),
            Self::InvalidCredentials => w(400, E::InvalidGrant, 50126, "Error validating credentials due to invalid username or password.".into()),
            Self::PasswordChangeRequired => w(400, E::InvalidGrant, 50055, "You must change your password before you can sign in. Choose a new password.".into()),
            Self::UserDisabled => w(400, E::InvalidGrant, 50057, "The user account is disabled. Ask an administrator to enable it.".into()),
            Self::RefreshTokenInvalid(_) => w(400, E::InvalidGrant, 70000, "The provided refresh token is not valid for this client. Sign in again.".into()),
            Self::RefreshTokenRevoked(_) => w(400, E::InvalidGrant, 70008, "The refresh token has expired or was revoked. Sign in again.".into()),
            Self::ConsentRequired(s) => w(400, E::InvalidGrant, 65001, format!("The user or administrator has not consented to use the application for {s}. Sign in again asking for it.")),
            Self::RedirectUriMismatch => w(400, E::InvalidRequest, 50011, "The redirect URI specified in the request does not match the redirect URIs configured for the application. Register it with 'gatehouse app create --redirect-uri'.".into()),
            Self::RedirectUriUnsafe => w(400, E::InvalidRequest, 50011, "The redirect URI registered for this application is not allowed: it must be https, http to a loopback address, or a private-use scheme, without a fragment or user information. The application's owner must register a safe redirect URI.".into()),
            Self::UnsupportedResponseType(t) => w(400, E::UnsupportedResponseType, 700054, format!("response_type '{t}' is not supported. Use response_type=code.")),
            Self::PkceRequired => w(400, E::InvalidRequest, 9002325, "Proof Key for Code Exchange is required for public clients: send code_challenge and code_challenge_method=S256.".into()),
            Self::PkceMethodUnsupported => w(400, E::InvalidRequest, 9002313, "Invalid request. code_challenge_method must be S256 ('plain' is not accepted) and code_challenge the base64url SHA-256 of the verifier (43 characters).".into()),
            Self::PkceVerifierMismatch => w(400, E::InvalidGrant, 501481, "The Code_Verifier does not match the code_challenge supplied in the authorization request.".into()),
            Self::PkceUnexpectedVerifier => w(400, E::InvalidGrant, 50148, "The code_verifier was sent but the authorization request had no code_challenge. Start a new sign-in.".into()),
            Self::LoginRequired => w(400, E::LoginRequired, 50058, "A silent sign-in request was sent but no user is signed in.".into()),
            Self::ConsentNeeded => w(400, E::ConsentRequired, 65001, "The user has not consented to use the application for the requested scopes. Send an interactive authorization request.".into()),
            Self::AccessDenied => w(400, E::AccessDenied, 65004, "The user declined to consent to access the app.".into()),
            Self::AuthCodeInvalid(_) => w(400, E::InvalidGrant, 70000, "The provided authorization code is not valid for this client. Start a new sign-in.".into()),
            Self::AuthCodeRedeemed => w(400, E::InvalidGrant, 54005, "OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token.".into()),
            Self::AuthCodeExpired => w(400, E::InvalidGrant, 70008, "The provided authorization code has expired. Start a new sign-in.".into()),
            Self::AuthCodeRedirectMismatch => w(400, E::InvalidGrant, 50011, "The redirect URI does not match the one the authorization code was issued for.".into()),
            Self::FormExpired => w(400, E::InvalidRequest, 9002313, "Invalid request. The form expired or was sent from another page: start again.".into()),
            Self::Invalid(why) => w(400, E::InvalidRequest, 9002313, why.clone()),
            Self::Conflict { .. } => w(409, E::InvalidRequest, 9002313, sentence(self)),
            Self::Ambiguous { .. } => w(400, E::InvalidRequest, 9002313, format!("{} Use the id.", sentence(self))),
            Self::NotFound { .. } => w(404, E::NotFound, 9002313, sentence(self)),
            Self::NoSuchPath => w(404, E::NotFound, 9002313, "The requested path was not found.".into()),
            Self::Store(_) => w(503, E::TemporarilyUnavailable, 90033, "A transient error has occurred. Please try again.".into()),
            Self::Keys(_) | Self::Internal(_) => w(500, E::ServerError, 90000, "The server could not complete the request. Please try again; if it persists, give the trace id to the operator.".into()),
        }
    }
}

/// "Application 'x' was not found." from the error's display text.
fn sentence(e: &Error) -> String {
    let text = e.to_string();
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => format!("{}{}.", first.to_uppercase(), chars.as_str()),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_detail_never_reaches_the_wire() {
        let e = Error::Store(StoreError::Unavailable("password=hunter2 host=db".into()));
        assert!(!e.wire().text.contains("hunter2"));
        assert_eq!(e.wire().status, 503);
        let e = Error::Internal("secret path /etc".into());
        assert!(!e.wire().text.contains("/etc"));
    }

    #[test]
    fn client_errors_have_entra_codes() {
        assert_eq!(Error::ClientSecretInvalid.wire().aadsts, 7000215);
        assert_eq!(Error::ClientSecretInvalid.wire().status, 401);
        let nf = Error::ClientNotFound {
            client_id: "a".into(),
            tenant: "t".into(),
        }
        .wire();
        assert_eq!((nf.aadsts, nf.error), (700016, OAuthError::UnauthorizedClient));
        let r = Error::UnknownResource {
            resource: "r".into(),
            tenant: "t".into(),
        }
        .wire();
        assert_eq!((r.aadsts, r.error), (500011, OAuthError::InvalidResource));
    }
}
