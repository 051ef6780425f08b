//! What the directory cache holds per client: the application, a compact service principal
//! and the secrets' hashes (names, hints and key ids stay in the store).

use crate::model::{Application, ClientCertificate, ClientSecret, ServicePrincipal, UnixTime};

/// A client as the token endpoint sees it.
#[derive(Debug, Clone)]
pub struct ClientEntry {
    pub app: Application,
    /// The service principal: only what the token path reads of it (the whole record is in the
    /// store; ten thousand cached clients should not hold ten thousand copies of its tenant id,
    /// app id and name).
    pub sp: SpEntry,
    /// The secrets' hashes and validity (names, hints and key ids stay in the store).
    pub secrets: Vec<SecretEntry>,
    /// Certificate credentials (public keys for client assertions).
    pub certificates: Vec<ClientCertificate>,
    /// A built-in client (`crate::issuance::first_party`): every resource counts as consented.
    pub first_party: bool,
}

/// A service principal as the token path sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpEntry {
    /// Object id (GUID): the `oid` and `sub` of the app's tokens.
    pub id: String,
    pub account_enabled: bool,
}

impl From<ServicePrincipal> for SpEntry {
    fn from(sp: ServicePrincipal) -> Self {
        Self {
            id: sp.id,
            account_enabled: sp.account_enabled,
        }
    }
}

/// A client secret as the secret check sees it: its SHA-256 and validity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretEntry {
    pub secret_hash: [u8; 32],
    pub start: UnixTime,
    pub end: UnixTime,
}

impl From<ClientSecret> for SecretEntry {
    fn from(s: ClientSecret) -> Self {
        Self {
            secret_hash: s.secret_hash,
            start: s.start,
            end: s.end,
        }
    }
}
