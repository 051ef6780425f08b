//! The storage traits. Backends live in `gatehouse-store`; each one passes the same conformance
//! suite. Rules every backend keeps:
//!
//! - a write returns only after it is committed;
//! - every write that changes what a token request would see also bumps the change sequence in
//!   the same transaction ([`ChangeStore::change_seq`]), so every process's caches can follow;
//! - lookups are exact: names are stored lower-case by the caller.

use async_trait::async_trait;
use gatehouse_keys::KeyRecord;

use crate::model::{
    Application, AuthCode, ClientSecret, DeviceCode, PurgeReport, RefreshFamily, RefreshToken, Revocation,
    RevocationKind, RoleAssignment, ServicePrincipal, SignInEvent, SignInSession, Tenant, UnixTime, User,
};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("already exists: {0}")]
    Conflict(String),
    #[error("not found: {0}")]
    NotFound(String),
    #[error("the database is unavailable: {0}")]
    Unavailable(String),
    #[error("stored data is invalid: {0}")]
    Corrupt(String),
}

pub type StoreResult<T> = Result<T, StoreError>;

#[async_trait]
pub trait TenantStore {
    /// Creates a tenant with its first signing keys, in one transaction.
    async fn create_tenant(&self, tenant: &Tenant, keys: &[KeyRecord]) -> StoreResult<()>;
    async fn tenant_by_id(&self, id: &str) -> StoreResult<Option<Tenant>>;
    async fn tenant_by_name(&self, name: &str) -> StoreResult<Option<Tenant>>;
    async fn list_tenants(&self) -> StoreResult<Vec<Tenant>>;
}

#[async_trait]
pub trait AppStore {
    /// Creates an application and its service principal in one transaction.
    async fn create_application(&self, app: &Application, sp: &ServicePrincipal) -> StoreResult<()>;
    async fn application_by_app_id(&self, tenant_id: &str, app_id: &str) -> StoreResult<Option<Application>>;
    /// By object id.
    async fn application_by_id(&self, id: &str) -> StoreResult<Option<Application>>;
    /// The application whose `identifier_uris` contains `uri` exactly.
    async fn application_by_identifier_uri(&self, tenant_id: &str, uri: &str) -> StoreResult<Option<Application>>;
    async fn list_applications(&self, tenant_id: &str) -> StoreResult<Vec<Application>>;
    async fn update_application(&self, app: &Application) -> StoreResult<()>;
    /// Deletes the application, its service principal, secrets and role assignments.
    async fn delete_application(&self, tenant_id: &str, app_id: &str) -> StoreResult<bool>;
    async fn service_principal_by_app_id(&self, tenant_id: &str, app_id: &str)
        -> StoreResult<Option<ServicePrincipal>>;

    async fn add_secret(&self, tenant_id: &str, secret: &ClientSecret) -> StoreResult<()>;
    async fn list_secrets(&self, application_id: &str) -> StoreResult<Vec<ClientSecret>>;
    async fn remove_secret(&self, tenant_id: &str, application_id: &str, key_id: &str) -> StoreResult<bool>;

    async fn add_role_assignment(&self, assignment: &RoleAssignment) -> StoreResult<()>;
    /// Role assignments held by `principal_id` on the resource application `resource_id`.
    async fn role_assignments(&self, principal_id: &str, resource_id: &str) -> StoreResult<Vec<RoleAssignment>>;
    async fn remove_role_assignment(&self, tenant_id: &str, id: &str) -> StoreResult<bool>;
}

#[async_trait]
pub trait KeyStore {
    async fn add_key(&self, key: &KeyRecord) -> StoreResult<()>;
    async fn keys_for_tenant(&self, tenant_id: &str) -> StoreResult<Vec<KeyRecord>>;
}

#[async_trait]
pub trait ChangeStore {
    /// A number that grows with every committed write a cache must follow.
    async fn change_seq(&self) -> StoreResult<i64>;
}

/// Failed-credential counters shared by every replica.
#[async_trait]
pub trait ThrottleStore {
    /// Counts one failure for `key` in the window that started at `window_start` and returns the
    /// count in that window, atomically. A failure in a newer window resets the count.
    async fn record_failure(
        &self,
        key: &str,
        window_start: UnixTime,
        lock_until: UnixTime,
        limit: i64,
    ) -> StoreResult<i64>;
    /// Keys locked at `now`, with the time their lock ends.
    async fn locked_keys(&self, now: UnixTime) -> StoreResult<Vec<(String, UnixTime)>>;
}

/// The revocation feed guards poll.
#[async_trait]
pub trait RevocationStore {
    /// Records a revocation and returns its sequence number. Sequence numbers are committed in
    /// order (they come from a one-row counter whose row lock serializes writers), so a reader
    /// asking for everything after N never misses an entry committed later with a smaller number.
    async fn revoke(
        &self,
        tenant_id: &str,
        kind: RevocationKind,
        value: &str,
        expires_at: UnixTime,
    ) -> StoreResult<i64>;
    /// Entries of a tenant with `seq > since` that have not expired at `now`, oldest first, at most `limit`.
    async fn revocations_since(
        &self,
        tenant_id: &str,
        since: i64,
        now: UnixTime,
        limit: i64,
    ) -> StoreResult<Vec<Revocation>>;
    /// Whether the tenant's feed lists the family `sid` or the token `uti` (either may be absent).
    async fn is_revoked(&self, tenant_id: &str, sid: Option<&str>, uti: Option<&str>) -> StoreResult<bool>;
}

/// Users of a tenant. User writes do not bump the change sequence: no cache holds users.
#[async_trait]
pub trait UserStore {
    /// Fails with `Conflict` when the user principal name is taken in the tenant.
    async fn create_user(&self, user: &User) -> StoreResult<()>;
    async fn user_by_id(&self, tenant_id: &str, id: &str) -> StoreResult<Option<User>>;
    /// `upn` lower-case.
    async fn user_by_upn(&self, tenant_id: &str, upn: &str) -> StoreResult<Option<User>>;
    async fn list_users(&self, tenant_id: &str) -> StoreResult<Vec<User>>;
    /// Updates name, display name, password hash and enabled flag; `NotFound` if absent.
    async fn update_user(&self, user: &User) -> StoreResult<()>;
    /// Deletes the user and revokes their live refresh-token families, in one transaction.
    /// `None` when there was no such user; otherwise the revoked families' ids and expiries
    /// (for the revocation feed).
    async fn delete_user(&self, tenant_id: &str, id: &str) -> StoreResult<Option<Vec<(String, UnixTime)>>>;
}

/// Device authorizations (RFC 8628). Every state change is one conditional UPDATE, so two
/// concurrent requests can never both move the same code.
#[async_trait]
pub trait DeviceCodeStore {
    /// Fails with `Conflict` when the user code is taken (the caller draws another).
    async fn create_device_code(&self, code: &DeviceCode) -> StoreResult<()>;
    async fn device_code_by_hash(&self, hash: &[u8; 32]) -> StoreResult<Option<DeviceCode>>;
    async fn device_code_by_user_code(&self, tenant_id: &str, user_code: &str) -> StoreResult<Option<DeviceCode>>;
    /// Records a poll and the (possibly grown) interval.
    async fn record_device_poll(&self, hash: &[u8; 32], poll_ms: i64, interval: i64) -> StoreResult<()>;
    /// Binds a signed-in user to a pending, unexpired code; false otherwise.
    async fn attach_device_user(
        &self,
        tenant_id: &str,
        user_code: &str,
        user_id: &str,
        approval_hash: &[u8; 32],
        now: UnixTime,
    ) -> StoreResult<bool>;
    /// pending -> approved/declined, only with the approval token of the signed-in page.
    async fn decide_device_code(
        &self,
        tenant_id: &str,
        user_code: &str,
        approval_hash: &[u8; 32],
        approve: bool,
        now: UnixTime,
    ) -> StoreResult<bool>;
    /// approved -> used; true for exactly one caller.
    async fn redeem_device_code(&self, hash: &[u8; 32], now: UnixTime) -> StoreResult<bool>;
}

/// Refresh-token families and their rotation.
#[async_trait]
pub trait RefreshStore {
    async fn create_refresh_family(&self, family: &RefreshFamily, first: &RefreshToken) -> StoreResult<()>;
    async fn refresh_token_by_hash(&self, hash: &[u8; 32]) -> StoreResult<Option<(RefreshToken, RefreshFamily)>>;
    /// Marks `old` used and stores `new` in one transaction, only if `old` was unused and its
    /// family is not revoked; true for exactly one of any number of concurrent callers.
    async fn rotate_refresh_token(&self, old: &[u8; 32], new: &RefreshToken) -> StoreResult<bool>;
    /// Marks a family revoked; true if it was not revoked before.
    async fn revoke_refresh_family(&self, family_id: &str) -> StoreResult<bool>;
}

/// Authorization codes: single use, decided by one conditional UPDATE.
#[async_trait]
pub trait AuthCodeStore {
    async fn create_auth_code(&self, code: &AuthCode) -> StoreResult<()>;
    async fn auth_code_by_hash(&self, hash: &[u8; 32]) -> StoreResult<Option<AuthCode>>;
    /// Marks an unused, unexpired code used and (if given) creates the refresh family it
    /// starts, in one transaction; true for exactly one of any number of concurrent callers.
    async fn redeem_auth_code(
        &self,
        hash: &[u8; 32],
        now: UnixTime,
        family: Option<(&RefreshFamily, &RefreshToken)>,
    ) -> StoreResult<bool>;
}

/// Signed-in browser sessions and the scopes users consented to per client.
#[async_trait]
pub trait SessionStore {
    async fn create_session(&self, session: &SignInSession) -> StoreResult<()>;
    async fn session_by_hash(&self, hash: &[u8; 32]) -> StoreResult<Option<SignInSession>>;
    /// The scope items `user_id` consented to for `client_id` (lower-case appId).
    async fn consented_scopes(&self, tenant_id: &str, user_id: &str, client_id: &str) -> StoreResult<Vec<String>>;
    /// Adds scope items to a user's consent for a client (items already granted are kept).
    async fn grant_consent(
        &self,
        tenant_id: &str,
        user_id: &str,
        client_id: &str,
        scopes: &[String],
        now: UnixTime,
    ) -> StoreResult<()>;
}

/// A client a user authorized: consent items and when a token was last issued to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppGrant {
    /// Lower-case appId.
    pub client_id: String,
    /// The user's own consent items (none for built-in clients, which need no consent).
    pub scopes: Vec<String>,
    pub consented_at: Option<UnixTime>,
    pub last_used_at: Option<UnixTime>,
}

/// What users see of the apps they authorized, and revoking them; sign-out.
#[async_trait]
pub trait AuthorizedAppStore {
    /// Records that a token was issued to `client_id` for `user_id` (skipped when the recorded
    /// time is less than a minute old, so frequent refreshes do not write every time).
    async fn record_app_use(&self, tenant_id: &str, user_id: &str, client_id: &str, now: UnixTime) -> StoreResult<()>;
    /// Every client the user consented to or got tokens for, ordered by client id.
    async fn authorized_apps(&self, tenant_id: &str, user_id: &str) -> StoreResult<Vec<AppGrant>>;
    /// Removes the user's consent and use record for the client and revokes the user's live
    /// refresh families of that client, in one transaction; returns the revoked families' ids.
    async fn revoke_app(&self, tenant_id: &str, user_id: &str, client_id: &str) -> StoreResult<Vec<String>>;
    /// Removes the tenant-wide (administrator) consent for the client and revokes every live
    /// refresh family of the client in the tenant, in one transaction; returns the revoked
    /// families' ids.
    async fn revoke_tenant_consent(&self, tenant_id: &str, client_id: &str) -> StoreResult<Vec<String>>;
    /// Deletes a signed-in session; true if it existed.
    async fn delete_session(&self, hash: &[u8; 32]) -> StoreResult<bool>;
}

/// The sign-in log: every password check and its outcome.
#[async_trait]
pub trait SignInLog {
    async fn record_sign_in(&self, event: &SignInEvent) -> StoreResult<()>;
    /// The newest events of a tenant first, optionally for one user principal name.
    async fn sign_ins(&self, tenant_id: &str, upn: Option<&str>, limit: i64) -> StoreResult<Vec<SignInEvent>>;
}

/// Settings the deployment keeps in its database (e.g. the KEK check value).
#[async_trait]
pub trait SettingStore {
    async fn setting(&self, name: &str) -> StoreResult<Option<String>>;
    /// Sets a value only if it is not set yet; returns the value now stored.
    async fn init_setting(&self, name: &str, value: &str) -> StoreResult<String>;
}

/// Housekeeping (see [`crate::maintenance`]).
#[async_trait]
pub trait MaintenanceStore {
    /// Deletes authorization codes, device codes, sessions, refresh families (and their tokens),
    /// revocation entries and idle throttle counters that expired before `expired_before`, and
    /// sign-in events older than `sign_ins_before` (none when `None`). Each table is one
    /// statement; running it twice at once is harmless.
    async fn purge(&self, expired_before: UnixTime, sign_ins_before: Option<UnixTime>) -> StoreResult<PurgeReport>;
}

/// Everything a backend provides.
pub trait Store:
    TenantStore
    + AppStore
    + KeyStore
    + ChangeStore
    + ThrottleStore
    + RevocationStore
    + UserStore
    + SignInLog
    + DeviceCodeStore
    + RefreshStore
    + AuthCodeStore
    + SessionStore
    + AuthorizedAppStore
    + SettingStore
    + MaintenanceStore
    + Send
    + Sync
    + 'static
{
    /// A short name for logs: `sqlite` or `postgres`.
    fn backend(&self) -> &'static str;
}
