//! The unit-of-work seam: writes that commit together or not at all.
//!
//! ```text
//! let mut uow = store.begin().await?;        // one database transaction
//! let families = uow.delete_user(t, id).await?;
//! for (sid, exp) in families { uow.revoke(t, RevocationKind::Sid, &sid, exp).await?; }
//! uow.commit().await?;                        // dropped before this: everything rolled back
//! ```
//!
//! A unit of work is one database transaction held open on one pooled connection. Each write
//! appends the change-feed entries it implies to the same transaction (written at commit, so
//! the change counter's row lock is held only from then to the commit); revocations take their
//! sequence number from their own counter inside it. After a write fails the transaction may
//! be unusable (PostgreSQL aborts it): drop the unit of work.
//!
//! The writes are grouped by concern ([`TenantWrites`], [`AppWrites`], [`UserWrites`],
//! [`ConsentWrites`], [`RevocationWrites`]); [`UnitOfWork`] is their union. A new kind of write
//! (the audit log's `append_audit`) is one more trait in that list: its implementation runs on
//! the same open transaction, so it can read the previous audit row (locking the chain's head
//! row first, as the counters do, so two units of work cannot both extend the same row) before
//! it inserts.
//! The single-write methods of the other store traits are a unit of work of one write, so the
//! SQL of every write exists once.

use async_trait::async_trait;
use gatehouse_keys::KeyRecord;

use super::StoreResult;
use crate::model::{
    AppRoleAssignment, Application, ClientSecret, RevocationKind, ServicePrincipal, Tenant, UnixTime, User,
};

/// Starts units of work.
#[async_trait]
pub trait UnitOfWorkStore: Send + Sync {
    /// Begins a transaction. On SQLite it takes the database's write lock at once (`BEGIN
    /// IMMEDIATE`), so a unit of work that reads before it writes cannot fail half-way on a
    /// concurrent writer; on PostgreSQL rows are locked as they are written.
    async fn begin(&self) -> StoreResult<Box<dyn UnitOfWork>>;
}

/// An open transaction. Dropping it without [`UnitOfWork::commit`] rolls everything back.
#[async_trait]
pub trait UnitOfWork:
    TenantWrites + AppWrites + UserWrites + ConsentWrites + RevocationWrites + super::PatWrites + super::IotcWrites + Send
{
    /// Appends the change-feed entries of the writes made and commits.
    async fn commit(self: Box<Self>) -> StoreResult<()>;
    /// Rolls back now (dropping does the same, a moment later, when the connection is reused).
    async fn rollback(self: Box<Self>) -> StoreResult<()>;
}

/// Tenants and their signing keys; semantics as [`super::TenantStore::create_tenant`] and
/// [`super::KeyStore::add_key`]. Each write appends the change-feed entries naming what it changed.
#[async_trait]
pub trait TenantWrites: Send {
    async fn create_tenant(&mut self, tenant: &Tenant, keys: &[KeyRecord]) -> StoreResult<()>;
    async fn add_key(&mut self, key: &KeyRecord) -> StoreResult<()>;
    async fn rotate_key(&mut self, key: &KeyRecord, retire_previous_at: i64) -> StoreResult<bool>;
}

/// Applications, service principals, secrets and app-role assignments; semantics as the methods
/// of the same name on [`super::AppStore`]. Each write appends the change-feed entries naming
/// what it changed.
#[async_trait]
pub trait AppWrites: Send {
    async fn create_application(&mut self, app: &Application, sp: &ServicePrincipal) -> StoreResult<()>;
    async fn update_application(&mut self, app: &Application) -> StoreResult<()>;
    async fn delete_application(&mut self, tenant_id: &str, app_id: &str) -> StoreResult<bool>;
    async fn add_secret(&mut self, tenant_id: &str, secret: &ClientSecret) -> StoreResult<()>;
    async fn remove_secret(&mut self, tenant_id: &str, application_id: &str, key_id: &str) -> StoreResult<bool>;
    async fn add_role_assignment(&mut self, assignment: &AppRoleAssignment) -> StoreResult<()>;
    async fn remove_role_assignment(&mut self, tenant_id: &str, id: &str) -> StoreResult<bool>;
}

/// Users; semantics as [`super::UserStore`].
#[async_trait]
pub trait UserWrites: Send {
    async fn create_user(&mut self, user: &User) -> StoreResult<()>;
    async fn update_user(&mut self, user: &User) -> StoreResult<()>;
    async fn delete_user(&mut self, tenant_id: &str, id: &str) -> StoreResult<Option<Vec<(String, UnixTime)>>>;
}

/// Consent (a user's, or tenant-wide with [`crate::browser::consent::TENANT_WIDE`] as the user);
/// semantics as [`super::SessionStore::grant_consent`] and [`super::AuthorizedAppStore`].
#[async_trait]
pub trait ConsentWrites: Send {
    async fn grant_consent(
        &mut self,
        tenant_id: &str,
        user_id: &str,
        client_id: &str,
        scopes: &[String],
        now: UnixTime,
    ) -> StoreResult<()>;
    async fn revoke_app(&mut self, tenant_id: &str, user_id: &str, client_id: &str) -> StoreResult<Vec<String>>;
    async fn revoke_tenant_consent(&mut self, tenant_id: &str, client_id: &str) -> StoreResult<Vec<String>>;
}

/// Publishing revocations; semantics as [`super::RevocationStore::revoke`]. The number is
/// taken inside the unit of work, so it is committed (and seen by guards) only with the rest.
#[async_trait]
pub trait RevocationWrites: Send {
    async fn revoke(
        &mut self,
        tenant_id: &str,
        kind: RevocationKind,
        value: &str,
        expires_at: UnixTime,
    ) -> StoreResult<i64>;
}
