//! What both backends share: the SQL text (written once, in PostgreSQL's `$n` placeholder style,
//! which [`sqlite_placeholders`] turns into SQLite's `?n`), row decoding, and error mapping.
//!
//! The trait implementations are generated for each backend by [`impl_store!`]: the SQL is the
//! same, the pool type differs. Behaviour that really differs (connection options, pragmas,
//! migrations) lives in `sqlite/` and `postgres/`.

pub(crate) mod rows;
#[macro_use]
pub(crate) mod store_impl;
#[macro_use]
pub(crate) mod store_users;
#[macro_use]
pub(crate) mod store_sessions;
#[macro_use]
pub(crate) mod store_apps;
#[macro_use]
pub(crate) mod store_events;
#[macro_use]
pub(crate) mod store_maintenance;

use gatehouse_core::StoreError;

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
