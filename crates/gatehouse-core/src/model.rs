//! The objects of the directory: tenants, applications (and the APIs they expose), service
//! principals, client secrets, app roles and their assignments.
//!
//! Names follow Entra ID and Microsoft Graph, so that the Graph subset of a later issue serves
//! these same objects: an [`Application`] is the registration (its `app_id` is the client id), a
//! [`ServicePrincipal`] is its instance in a tenant (its `id` is the `oid` of app tokens).

use gatehouse_keys::Algorithm;
use serde::Serialize;

/// Seconds since the Unix epoch.
pub type UnixTime = i64;

pub fn now() -> UnixTime {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

pub fn new_guid() -> String {
    uuid::Uuid::new_v4().to_string()
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Tenant {
    /// A GUID.
    pub id: String,
    /// Unique, lower-case, letters digits `-` and `.`: usable in URLs instead of the GUID.
    pub name: String,
    pub display_name: String,
    #[serde(serialize_with = "ser_alg")]
    pub signing_alg: Algorithm,
    pub token_lifetime_seconds: i64,
    pub created_at: UnixTime,
}

fn ser_alg<S: serde::Serializer>(a: &Algorithm, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(a.as_str())
}

/// Token lifetime bounds (seconds).
pub const MIN_TOKEN_LIFETIME: i64 = 300;
pub const MAX_TOKEN_LIFETIME: i64 = 86_400;
pub const DEFAULT_TOKEN_LIFETIME: i64 = 3_600;

/// An application role an API declares (`roles` claim of app tokens).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AppRole {
    pub id: String,
    pub value: String,
    pub display_name: String,
}

/// A delegated permission an API declares (Graph's `oauth2PermissionScopes`), with the other
/// scopes of the same API it includes (`code_manage` implies `code_write`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PermissionScope {
    pub id: String,
    pub value: String,
    #[serde(default)]
    pub implies: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Application {
    /// Object id (GUID).
    pub id: String,
    pub tenant_id: String,
    /// The client id (GUID), unique across all tenants.
    pub app_id: String,
    pub display_name: String,
    /// URIs naming this application as a resource (`api://{appId}`, `https://...`).
    pub identifier_uris: Vec<String>,
    pub app_roles: Vec<AppRole>,
    /// Delegated permissions the API declares; none means any name is accepted (`.default` gives
    /// `user_impersonation`).
    pub oauth2_permission_scopes: Vec<PermissionScope>,
    /// Public clients cannot hold secrets and cannot use the client-credentials grant.
    pub public_client: bool,
    pub redirect_uris: Vec<String>,
    pub created_at: UnixTime,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ServicePrincipal {
    /// Object id (GUID): the `oid` and `sub` of the app's tokens.
    pub id: String,
    pub tenant_id: String,
    pub app_id: String,
    pub display_name: String,
    pub account_enabled: bool,
    pub created_at: UnixTime,
}

/// A client secret as stored: only its SHA-256, never the secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientSecret {
    /// The key id (GUID), as Graph's `passwordCredentials[].keyId`.
    pub key_id: String,
    pub application_id: String,
    pub display_name: String,
    /// The first three characters of the secret, to recognise it.
    pub hint: String,
    pub secret_hash: [u8; 32],
    pub start: UnixTime,
    pub end: UnixTime,
}

/// An app role of a resource API granted to a service principal (Graph's `appRoleAssignment`;
/// not an Azure RBAC role assignment, which names a role definition and a scope).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AppRoleAssignment {
    pub id: String,
    pub tenant_id: String,
    /// The service principal receiving the role.
    pub principal_id: String,
    /// The application object id of the resource API.
    pub resource_id: String,
    pub app_role_id: String,
    pub created_at: UnixTime,
}

/// What a revocation names: one access token (`uti`) or a refresh-token family / sign-in
/// session (`sid`, with every access token minted from it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RevocationKind {
    Uti,
    Sid,
}

impl RevocationKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Uti => "uti",
            Self::Sid => "sid",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "uti" => Some(Self::Uti),
            "sid" => Some(Self::Sid),
            _ => None,
        }
    }
}

/// A published revocation. `seq` orders the feed; entries can be forgotten after `expires_at`
/// (when everything they name has expired anyway).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Revocation {
    pub seq: i64,
    pub tenant_id: String,
    pub kind: RevocationKind,
    pub value: String,
    pub expires_at: UnixTime,
}

/// A person who signs in (Graph's `user`). `id` is the `oid` and `sub` of their tokens.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct User {
    /// Object id (GUID).
    pub id: String,
    pub tenant_id: String,
    /// Unique per tenant, stored lower-case.
    pub user_principal_name: String,
    pub display_name: String,
    /// argon2id PHC string; never serialized.
    #[serde(skip)]
    pub password_hash: String,
    pub account_enabled: bool,
    /// The next password sign-in must set a new password before it continues (set for the
    /// first start's administrator and by `--force-change-password-next-sign-in`).
    #[serde(default)]
    pub password_change_required: bool,
    pub created_at: UnixTime,
}

/// Where a device authorization stands (RFC 8628).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeviceCodeState {
    Pending,
    Approved,
    Declined,
    /// Redeemed for tokens: a device code works once.
    Used,
}

impl DeviceCodeState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Approved => "approved",
            Self::Declined => "declined",
            Self::Used => "used",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "pending" => Some(Self::Pending),
            "approved" => Some(Self::Approved),
            "declined" => Some(Self::Declined),
            "used" => Some(Self::Used),
            _ => None,
        }
    }
}

/// A device authorization as stored: the device code only as its SHA-256.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceCode {
    pub device_code_hash: [u8; 32],
    /// Upper-case, without separators.
    pub user_code: String,
    pub tenant_id: String,
    pub client_id: String,
    /// The scopes asked for (v1 requests store `RESOURCE/.default`).
    pub scope: String,
    pub state: DeviceCodeState,
    /// The user who signed in on the verification page.
    pub user_id: Option<String>,
    /// SHA-256 of the one-time token that lets the signed-in page approve or decline.
    pub approval_hash: Option<[u8; 32]>,
    /// Polling interval in seconds (grows by 5 on every `slow_down`).
    pub interval: i64,
    /// Last poll, in milliseconds since the epoch (0: never polled).
    pub last_poll_ms: i64,
    pub created_at: UnixTime,
    pub expires_at: UnixTime,
}

/// A refresh-token family: every token rotated from one sign-in. Its id is the `sid` claim.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefreshFamily {
    pub id: String,
    pub tenant_id: String,
    pub client_id: String,
    pub user_id: String,
    /// The scopes granted at sign-in, space-separated.
    pub scope: String,
    pub created_at: UnixTime,
    /// Absolute end of the family, whatever the rotations.
    pub expires_at: UnixTime,
    pub revoked: bool,
}

/// One refresh token of a family, stored only as its SHA-256.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefreshToken {
    pub token_hash: [u8; 32],
    pub family_id: String,
    pub used: bool,
    pub created_at: UnixTime,
}

/// An authorization code as stored: only its SHA-256. It is bound to the client, the exact
/// redirect URI and the PKCE challenge it was issued with, and works once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthCode {
    pub code_hash: [u8; 32],
    pub tenant_id: String,
    pub client_id: String,
    pub user_id: String,
    pub redirect_uri: String,
    /// The granted scopes, space-separated.
    pub scope: String,
    /// The S256 `code_challenge` (base64url of SHA-256 of the verifier), if one was sent.
    pub code_challenge: Option<String>,
    pub nonce: Option<String>,
    /// The `sid` of every token this code produces (and the id of its refresh family), chosen
    /// when the code is issued so that a replay can revoke them.
    pub sid: String,
    pub used: bool,
    pub created_at: UnixTime,
    pub expires_at: UnixTime,
}

/// A signed-in browser session (the `__Host-gh-session` cookie), stored only as SHA-256.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignInSession {
    pub id_hash: [u8; 32],
    pub tenant_id: String,
    pub user_id: String,
    pub created_at: UnixTime,
    pub expires_at: UnixTime,
}

/// One password check, kept for the audit log of a later issue. Attempts refused because the
/// account or source was already locked are not written (they cost nothing and would let a
/// flood write to the database).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SignInEvent {
    pub id: String,
    pub tenant_id: String,
    pub at: UnixTime,
    /// As typed (lower-cased), whether or not such a user exists.
    pub user_principal_name: String,
    pub user_id: Option<String>,
    pub success: bool,
    /// `ok`, `invalid_credentials` or `disabled`.
    pub result: String,
    pub source: Option<String>,
}

/// Rows one purge removed, per kind (see [`crate::maintenance`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PurgeReport {
    pub auth_codes: u64,
    pub device_codes: u64,
    pub sessions: u64,
    pub refresh_families: u64,
    pub revocations: u64,
    pub throttle_entries: u64,
    pub sign_in_events: u64,
}

impl PurgeReport {
    /// Rows removed in all.
    pub fn total(&self) -> u64 {
        self.auth_codes
            + self.device_codes
            + self.sessions
            + self.refresh_families
            + self.revocations
            + self.throttle_entries
            + self.sign_in_events
    }
}
