//! Personal access tokens (Azure DevOps' `patToken`) and what a user may put in them.

use super::UnixTime;

/// A personal access token of one user. The token text is never stored: only SHA-256 of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonalAccessToken {
    /// The PAT's id on the wire (`authorizationId`): a UUID v7, so ids sort by creation.
    pub authorization_id: String,
    pub tenant_id: String,
    /// The owner's object id; the PAT is deleted with the user.
    pub user_id: String,
    pub display_name: String,
    /// The scopes as granted (canonical names, sorted, no duplicates); `check` expands them.
    pub scopes: Vec<String>,
    /// SHA-256 of the whole token text.
    pub token_hash: [u8; 32],
    pub valid_from: UnixTime,
    pub valid_to: UnixTime,
    pub revoked_at: Option<UnixTime>,
    pub last_used_at: Option<UnixTime>,
}

impl PersonalAccessToken {
    /// Usable at `now`: not revoked, inside its validity.
    pub fn is_active(&self, now: UnixTime) -> bool {
        self.revoked_at.is_none() && self.valid_from <= now && now < self.valid_to
    }
}

/// A PAT found by its hash, with what `check` needs of its owner (one query).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatWithOwner {
    pub pat: PersonalAccessToken,
    pub user_principal_name: String,
    pub account_enabled: bool,
}

/// Which PATs a list shows (Azure DevOps' `displayFilterOption`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PatFilter {
    /// Not revoked and not expired (the default).
    Active,
    Revoked,
    /// Not revoked, past `validTo`.
    Expired,
    All,
}

impl PatFilter {
    /// The filter named `s` (case-insensitive, as Azure DevOps reads enum query values).
    pub fn parse(s: &str) -> Option<Self> {
        match s.to_ascii_lowercase().as_str() {
            "active" => Some(Self::Active),
            "revoked" => Some(Self::Revoked),
            "expired" => Some(Self::Expired),
            "all" => Some(Self::All),
            _ => None,
        }
    }
}

/// Why the PAT API refused a request, in neutral words; the DevOps dialect maps each to its
/// `patTokenError` value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PatRefusal {
    DisplayNameRequired,
    InvalidDisplayName,
    /// `validTo` in the past, unreadable, or beyond the longest lifetime.
    InvalidValidTo,
    /// A scope that does not exist, or none.
    InvalidScope,
    /// A scope the user does not hold, or a user who may not hold PATs (disabled).
    AccessDenied,
    AuthorizationNotFound,
    InvalidAuthorizationId,
}

impl std::fmt::Display for PatRefusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::DisplayNameRequired => "a display name is required",
            Self::InvalidDisplayName => "the display name is not valid (1 to 256 characters, no control characters)",
            Self::InvalidValidTo => "the expiry must be in the future and at most one year away",
            Self::InvalidScope => "the scope names no known scope",
            Self::AccessDenied => "the user does not hold every requested scope",
            Self::AuthorizationNotFound => "no personal access token has this authorization id",
            Self::InvalidAuthorizationId => "the authorization id is not a GUID",
        })
    }
}
