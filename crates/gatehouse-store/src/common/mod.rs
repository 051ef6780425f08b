//! What both backends share: the SQL text (written once, in PostgreSQL's `$n` placeholder style,
//! which [`sqlite_placeholders`] turns into SQLite's `?n`), row decoding, and error mapping.
//!
//! The trait implementations are generated for each backend's pool type by [`impl_store!`],
//! one macro per file, each named after the trait it implements (`user_store.rs` implements
//! `UserStore` and the user writes of a unit of work). Every macro expands inside its own
//! `const _: () = { ... }` block with its own `use` lines, so none depends on another's
//! imports; what they share are inherent methods of the generated types, made by
//! `backend.rs` (`q`, `fetch_opt`, `fetch_all`, `exec`) and `unit_of_work.rs` (`begin_uow`,
//! `changed`, `commit_now`). Behaviour that really differs (connection options, pragmas, the
//! statement that begins a unit of work, migrations) lives in `sqlite/` and `postgres/`.

pub(crate) mod rows;

#[macro_use]
mod backend;
#[macro_use]
mod unit_of_work;
#[macro_use]
mod change_store;
#[macro_use]
mod tenant_store;
#[macro_use]
mod app_store;
#[macro_use]
mod arm_store;
#[macro_use]
mod certificate_store;
#[macro_use]
mod user_store;
#[macro_use]
mod device_code_store;
#[macro_use]
mod refresh_store;
#[macro_use]
mod auth_code_store;
#[macro_use]
mod session_store;
#[macro_use]
mod authorized_app_store;
#[macro_use]
mod revocation_store;
#[macro_use]
mod throttle_store;
#[macro_use]
mod sign_in_log;
#[macro_use]
mod setting_store;
#[macro_use]
mod maintenance_store;
#[macro_use]
mod group_store;
#[macro_use]
mod directory_role_store;
#[macro_use]
mod audit_store;
#[macro_use]
mod pat_store;
#[macro_use]
mod iotc_store;
#[macro_use]
mod pre_authorization_store;
#[macro_use]
mod token_format_store;

use gatehouse_core::StoreError;

/// Generates every storage trait of `gatehouse-core` for `$store` (a struct with a
/// `pool: sqlx::Pool<$db>` and an `options: StoreOptions` field) and the unit-of-work type
/// `$uow`. `$fix` turns the shared `$n` SQL into the backend's dialect; `$begin` is the
/// statement that begins a unit of work.
macro_rules! impl_store {
    ($store:ident, $uow:ident, $db:ty, $fix:path, $begin:literal, $name:literal) => {
        impl_backend!($store, $db, $fix, $name);
        impl_unit_of_work!($store, $uow, $db, $begin);
        impl_change_store!($store, $db);
        impl_tenant_store!($store, $uow, $db);
        impl_app_store!($store, $uow, $db);
        impl_arm_store!($store, $uow, $db);
        impl_certificate_store!($store, $uow, $db);
        impl_user_store!($store, $uow, $db);
        impl_device_code_store!($store, $db);
        impl_refresh_store!($store, $db);
        impl_auth_code_store!($store, $db);
        impl_session_store!($store, $db);
        impl_authorized_app_store!($store, $uow, $db);
        impl_revocation_store!($store, $uow, $db);
        impl_throttle_store!($store, $db);
        impl_sign_in_log!($store, $uow, $db);
        impl_setting_store!($store, $db);
        impl_maintenance_store!($store, $db);
        impl_group_store!($store, $uow, $db);
        impl_directory_role_store!($store, $uow, $db);
        impl_audit_store!($store, $db);
        impl_pat_store!($store, $uow, $db);
        impl_iotc_store!($store, $uow, $db);
        impl_pre_authorization_store!($store, $db);
        impl_token_format_store!($store, $db);
    };
}

/// A value bound to a query by the `exec` helpers.
pub(crate) enum Bind<'a> {
    S(&'a str),
    OptS(Option<&'a str>),
    B(&'a [u8]),
    OptB(Option<&'a [u8]>),
    I(i64),
    OptI(Option<i64>),
    Flag(bool),
}

/// `$1` -> `?1`: SQLite's numbered parameters.
pub(crate) fn sqlite_placeholders(sql: &str) -> String {
    sql.replace('$', "?")
}

pub(crate) fn pg_placeholders(sql: &str) -> String {
    sql.to_owned()
}

/// Maps a driver error to the store's error without leaking SQL to clients (the text is logged).
pub(crate) fn map_err(e: sqlx::Error) -> StoreError {
    match &e {
        sqlx::Error::Database(db) if db.is_unique_violation() => StoreError::Conflict(db.message().to_owned()),
        sqlx::Error::Database(db) if db.is_foreign_key_violation() => StoreError::NotFound(db.message().to_owned()),
        sqlx::Error::ColumnDecode { .. } | sqlx::Error::Decode(_) | sqlx::Error::ColumnNotFound(_) => {
            StoreError::Corrupt(e.to_string())
        }
        _ => StoreError::Unavailable(e.to_string()),
    }
}

pub(crate) fn json_list<T: serde::Serialize>(v: &[T]) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "[]".into())
}

/// The pool options both backends start from: a connection handed back to the pool while still
/// inside a transaction is closed instead of reused (closing rolls the transaction back). sqlx's `begin_with` awaits once more after the `BEGIN` has run and
/// before the `Transaction` exists (with SQLite, to check that the statement opened one); a unit
/// of work dropped at that point, because its request's client went away, would otherwise leave
/// the connection in the transaction, holding SQLite's write lock, with every later unit of work
/// on it refused.
pub(crate) fn pool_options<DB: sqlx::Database>() -> sqlx::pool::PoolOptions<DB> {
    fn reusable<DB: sqlx::Database>(
        conn: &mut DB::Connection,
        _: sqlx::pool::PoolConnectionMetadata,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<bool, sqlx::Error>> + Send + '_>> {
        let clean = !sqlx::Connection::is_in_transaction(conn);
        Box::pin(async move { Ok(clean) })
    }
    sqlx::pool::PoolOptions::new().after_release(reusable::<DB>)
}
