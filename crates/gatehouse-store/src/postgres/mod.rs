//! The scale-out backend: any number of `gatehouse serve` replicas share one PostgreSQL
//! database. Migrations run at start (and with `gatehouse migrate`); sqlx takes an advisory lock
//! so replicas starting together do not race. Units of work run at READ COMMITTED; the one-row
//! counters they update (`change_counter`, `revocation_counter`) order concurrent writers.

use std::str::FromStr;
use std::time::Duration;

use gatehouse_core::StoreError;
use sqlx::postgres::PgConnectOptions;
use sqlx::PgPool;

use crate::common::pg_placeholders;
use crate::StoreOptions;

pub struct PgStore {
    pool: PgPool,
    options: StoreOptions,
    /// Who changes made through this handle are audited as (`Store::with_actor`).
    actor: Option<std::sync::Arc<gatehouse_core::model::Actor>>,
}

impl PgStore {
    /// Connects to a `postgres://` URL and applies migrations.
    pub async fn open(url: &str) -> Result<Self, StoreError> {
        Self::open_with(url, StoreOptions::default()).await
    }

    pub async fn open_with(url: &str, store: StoreOptions) -> Result<Self, StoreError> {
        let options = PgConnectOptions::from_str(url).map_err(crate::common::map_err)?;
        let pool = crate::common::pool_options::<sqlx::Postgres>()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(options)
            .await
            .map_err(crate::common::map_err)?;
        sqlx::migrate!("migrations/postgres")
            .run(&pool)
            .await
            .map_err(|e| StoreError::Unavailable(format!("migrating the PostgreSQL database: {e}")))?;
        Ok(Self {
            pool,
            options: store,
            actor: None,
        })
    }
}

impl_store!(
    PgStore,
    PgUnitOfWork,
    sqlx::Postgres,
    pg_placeholders,
    "BEGIN",
    "postgres"
);
