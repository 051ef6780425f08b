//! What the revocation feed publishes.

use serde::Serialize;

use super::UnixTime;

/// What a revocation names: one access token (`uti`) or a refresh-token family / sign-in
/// session (`sid`, with every access token minted from it), or an opaque credential
/// (`credential`: an API token or a personal access token, named by its id).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RevocationKind {
    Uti,
    Sid,
    Credential,
}

impl RevocationKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Uti => "uti",
            Self::Sid => "sid",
            Self::Credential => "credential",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "uti" => Some(Self::Uti),
            "sid" => Some(Self::Sid),
            "credential" => Some(Self::Credential),
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
