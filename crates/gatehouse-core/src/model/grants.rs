//! What the user flows store between requests: device authorizations, refresh-token families
//! and their tokens, authorization codes and signed-in browser sessions. Every secret value is
//! stored only as its SHA-256.

use super::UnixTime;

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
