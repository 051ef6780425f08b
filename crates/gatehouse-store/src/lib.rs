//! Storage backends for Gatehouse, behind `gatehouse_core::store`'s traits.
//!
//! - [`sqlite`]: the embedded default (one file, WAL, `synchronous=FULL`).
//! - [`postgres`]: the scale-out backend shared by many replicas.
//! - `common`: the SQL and row decoding both share (written once, generated per backend), and the
//!   mapping of driver errors to `StoreError`.
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

/// Opens a store by URL: `postgres://...` / `postgresql://...` or `sqlite:...`.
pub async fn open(url: &str) -> Result<Arc<dyn Store>, StoreError> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Arc::new(postgres::PgStore::open(url).await?))
    } else if url.starts_with("sqlite:") {
        Ok(Arc::new(sqlite::SqliteStore::open_url(url).await?))
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
