//! What the directory cache holds per client: a compact application and service principal and
//! the secrets' hashes (object ids, tenant ids, app roles, names, hints and key ids stay in the
//! store). Ten thousand active clients are ten thousand of these.

use crate::model::{Application, ClientCertificate, ClientSecret, ServicePrincipal, UnixTime};

/// A client as the token endpoint sees it.
#[derive(Debug, Clone)]
pub struct ClientEntry {
    /// The application: only what the token and sign-in paths read of it.
    pub app: AppEntry,
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

/// An application as a client: what the token and sign-in paths read of it. Its object id,
/// tenant id, app roles and permission scopes (what it declares as an API) stay in the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppEntry {
    /// The client id (GUID).
    pub app_id: String,
    pub display_name: String,
    /// URIs naming the application as a resource (a client asking for a token for itself).
    pub identifier_uris: Vec<String>,
    /// Public clients cannot hold secrets and cannot use the client-credentials grant.
    pub public_client: bool,
    pub redirect_uris: Vec<String>,
}

impl From<Application> for AppEntry {
    fn from(app: Application) -> Self {
        Self {
            app_id: app.app_id,
            display_name: app.display_name,
            identifier_uris: app.identifier_uris,
            public_client: app.public_client,
            redirect_uris: app.redirect_uris,
        }
    }
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
