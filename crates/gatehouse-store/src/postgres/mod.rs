//! The scale-out backend: any number of `gatehouse serve` replicas share one PostgreSQL
//! database. Migrations run at start (and with `gatehouse migrate`); sqlx takes an advisory lock
//! so replicas starting together do not race.

use std::str::FromStr;
use std::time::Duration;

use gatehouse_core::StoreError;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::PgPool;

use crate::common::pg_placeholders;

pub struct PgStore {
    pool: PgPool,
}

impl PgStore {
    /// Connects to a `postgres://` URL and applies migrations.
    pub async fn open(url: &str) -> Result<Self, StoreError> {
        let options = PgConnectOptions::from_str(url).map_err(crate::common::map_err)?;
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(options)
            .await
            .map_err(crate::common::map_err)?;
        sqlx::migrate!("migrations/postgres")
            .run(&pool)
            .await
            .map_err(|e| StoreError::Unavailable(format!("migrating the PostgreSQL database: {e}")))?;
        Ok(Self { pool })
    }
}

impl_store!(PgStore, sqlx::Postgres, pg_placeholders, "postgres");
impl_user_stores!(PgStore, sqlx::Postgres);
impl_session_stores!(PgStore, sqlx::Postgres);
impl_app_stores!(PgStore, sqlx::Postgres);
impl_event_stores!(PgStore, sqlx::Postgres);
impl_maintenance_store!(PgStore);
