//! Storage backends for Gatehouse, behind `gatehouse_core::store`'s traits.
//!
//! - [`sqlite`]: the embedded default (one file, WAL, `synchronous=FULL`).
//! - [`postgres`]: the scale-out backend shared by many replicas.
//! - `common`: the SQL and row decoding both share (written once, one file per trait, generated
//!   per backend), the unit of work and the change feed, and the mapping of driver errors to
//!   `StoreError`.
//! - `migrations/sqlite` and `migrations/postgres`: per-backend schema, applied at open.
//!
//! [`open`] picks the backend from a URL; nothing outside this crate asks which one is in use.
//! The conformance suite in `tests/conformance.rs` runs the same checks against both.

#[macro_use]
mod common;
pub mod postgres;
pub mod sqlite;

use std::path::Path;
use std::sync::Arc;

use gatehouse_core::{Store, StoreError};

/// Settings of a backend that are not part of its URL.
#[derive(Debug, Clone, Copy)]
pub struct StoreOptions {
    /// How many of the newest change-feed entries the writers keep (older ones are deleted in
    /// the writing transaction). A replica that falls further behind drops all its caches once.
    pub changes_retained: i64,
}

impl Default for StoreOptions {
    fn default() -> Self {
        Self {
            changes_retained: 100_000,
        }
    }
}

/// Opens a store by URL: `postgres://...` / `postgresql://...` or `sqlite:...`.
pub async fn open(url: &str) -> Result<Arc<dyn Store>, StoreError> {
    open_with(url, StoreOptions::default()).await
}

/// [`open`] with options.
pub async fn open_with(url: &str, options: StoreOptions) -> Result<Arc<dyn Store>, StoreError> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Arc::new(postgres::PgStore::open_with(url, options).await?))
    } else if url.starts_with("sqlite:") {
        Ok(Arc::new(sqlite::SqliteStore::open_url_with(url, options).await?))
    } else {
        Err(StoreError::Unavailable(
            "the database URL must start with postgres://, postgresql:// or sqlite:".into(),
        ))
    }
}

/// Opens the embedded SQLite database in a data folder (`DIR/gatehouse.sqlite`).
pub async fn open_data_dir(dir: &Path) -> Result<Arc<dyn Store>, StoreError> {
    Ok(Arc::new(
        sqlite::SqliteStore::open(&dir.join("gatehouse.sqlite")).await?,
    ))
}
