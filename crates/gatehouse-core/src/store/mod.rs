//! The storage traits, one file per concern. Backends live in `gatehouse-store`; each one passes
//! the same conformance suite. Rules every backend keeps:
//!
//! - a write returns only after it is committed;
//! - every write that changes what a cache holds appends, in the same transaction, entries to the
//!   change feed naming what changed ([`ChangeStore`]), so every process's caches can follow;
//! - lookups are exact: names are stored lower-case by the caller.
//!
//! Each trait is object-safe and `Send + Sync`, so a consumer holds only what it uses
//! (`Arc<dyn KeyStore>`, `Arc<dyn ChangeStore>`, ...). [`Store`] is their union: an
//! `Arc<dyn Store>` coerces to any of them (`let keys: Arc<dyn KeyStore> = store;`).
//! Writes that must commit together go through a [`UnitOfWork`] ([`UnitOfWorkStore::begin`]).
//!
//! | file | traits |
//! |---|---|
//! | `tenants.rs` | [`TenantStore`], [`KeyStore`] |
//! | `apps.rs` | [`AppStore`]: applications, service principals, secrets, app-role assignments |
//! | `arm.rs` | [`SubscriptionStore`] (subscriptions, resource groups), [`RbacStore`] (custom role definitions, role assignments) |
//! | `certificates.rs` | [`CertificateStore`], [`AssertionStore`] (used client-assertion ids) |
//! | `formats.rs` | [`TokenFormatStore`] (access-token formats of APIs, opaque-token records) |
//! | `users.rs` | [`UserStore`] |
//! | `groups.rs` | [`GroupStore`] (groups, members, transitive membership) |
//! | `pats.rs` | [`PatStore`], [`PatWrites`] (personal access tokens, entitlements) |
//! | `iotc.rs` | [`IotcStore`], [`IotcWrites`] (IoT Central: organizations, custom roles, role holders, API tokens) |
//! | `directory_roles.rs` | [`DirectoryRoleStore`] (Graph permissions and directory roles) |
//! | `device_codes.rs` | [`DeviceCodeStore`] |
//! | `refresh.rs` | [`RefreshStore`] |
//! | `auth_codes.rs` | [`AuthCodeStore`] |
//! | `sessions.rs` | [`SessionStore`], [`AuthorizedAppStore`] (consent, authorized apps, sign-out) |
//! | `revocations.rs` | [`RevocationStore`] |
//! | `throttle.rs` | [`ThrottleStore`] |
//! | `sign_in_log.rs` | [`SignInLog`] |
//! | `settings.rs` | [`SettingStore`] |
//! | `maintenance.rs` | [`MaintenanceStore`] |
//! | `changes.rs` | [`ChangeStore`], [`Change`], [`ChangeKind`] |
//! | `pre_authorized.rs` | [`PreAuthorizationStore`]: the client applications an API pre-authorizes |
//! | `audit.rs` | [`AuditStore`]: reading the audit chain (entries are written by units of work) |
//! | `unit_of_work.rs` | [`UnitOfWorkStore`], [`UnitOfWork`] and the writes it carries |

mod apps;
mod arm;
mod audit;
mod auth_codes;
mod certificates;
mod changes;
mod device_codes;
mod directory_roles;
mod formats;
mod groups;
mod iotc;
mod maintenance;
mod pats;
mod pre_authorized;
mod refresh;
mod revocations;
mod sessions;
mod settings;
mod sign_in_log;
mod tenants;
mod throttle;
mod unit_of_work;
mod users;

pub use apps::AppStore;
pub use arm::{RbacStore, SubscriptionStore};
pub use audit::AuditStore;
pub use auth_codes::AuthCodeStore;
pub use certificates::{AssertionStore, CertificateStore};
pub use changes::{Change, ChangeKind, ChangeStore};
pub use device_codes::DeviceCodeStore;
pub use directory_roles::DirectoryRoleStore;
pub use formats::TokenFormatStore;
pub use groups::GroupStore;
pub use iotc::{IotcStore, IotcWrites, OrganizationUse, Removal};
pub use maintenance::MaintenanceStore;
pub use pats::{PatStore, PatWrites};
pub use pre_authorized::PreAuthorizationStore;
pub use refresh::RefreshStore;
pub use revocations::RevocationStore;
pub use sessions::{AppGrant, AuthorizedAppStore, SessionStore};
pub use settings::SettingStore;
pub use sign_in_log::SignInLog;
pub use tenants::{KeyStore, TenantStore};
pub use throttle::ThrottleStore;
pub use unit_of_work::{
    AppWrites, ConsentWrites, RevocationWrites, TenantWrites, UnitOfWork, UnitOfWorkStore, UserWrites,
};
pub use users::UserStore;

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
    /// A change was attempted through a store handle that has no actor
    /// ([`Store::with_actor`]): a change that cannot be audited does not happen.
    #[error("refused to make an unaudited change: {0}")]
    Unaudited(String),
}

pub type StoreResult<T> = Result<T, StoreError>;

/// Everything a backend provides.
pub trait Store:
    TenantStore
    + AppStore
    + SubscriptionStore
    + RbacStore
    + CertificateStore
    + AssertionStore
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
    + UnitOfWorkStore
    + GroupStore
    + DirectoryRoleStore
    + AuditStore
    + PatStore
    + PreAuthorizationStore
    + IotcStore
    + TokenFormatStore
    + Send
    + Sync
    + 'static
{
    /// A short name for logs: `sqlite` or `postgres`.
    fn backend(&self) -> &'static str;

    /// The same database, with every change made through the returned handle (its single
    /// writes and the units of work it begins) audited as made by `actor`. A handle without an
    /// actor (as opened) can read and keep token state, but every audited change through it is
    /// refused with [`StoreError::Unaudited`].
    fn with_actor(&self, actor: crate::model::Actor) -> std::sync::Arc<dyn Store>;
}
