//! The embedded default: SQLite in WAL mode with `synchronous=FULL`, so an acknowledged write
//! (a secret, a key, a lock) survives power loss. Several processes may open the same file
//! (the server and the admin CLI); writers wait on each other through `busy_timeout`, and a
//! unit of work takes the write lock when it begins (`BEGIN IMMEDIATE`), so one that reads
//! before it writes never fails half-way with `SQLITE_BUSY`.
//! A database file that does not exist yet is created here, empty and readable only by its owner
//! (0600), before SQLite opens it: SQLite gives the `-wal` and `-shm` files it makes the mode of
//! the main file, so they are private too, whatever the process umask.

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use gatehouse_core::StoreError;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};
use sqlx::SqlitePool;

use crate::common::sqlite_placeholders;
use crate::StoreOptions;

/// Connections in the pool. SQLite has one writer at a time; WAL readers do not wait for it,
/// and every connection costs a worker thread and its own page cache.
const MAX_CONNECTIONS: u32 = 4;
/// Page cache per connection, KiB.
const CACHE_KIB: u32 = 512;

pub struct SqliteStore {
    pool: SqlitePool,
    options: StoreOptions,
    /// Who changes made through this handle are audited as (`Store::with_actor`).
    actor: Option<std::sync::Arc<gatehouse_core::model::Actor>>,
}

impl SqliteStore {
    /// Opens (creating if needed) the database file and applies migrations.
    pub async fn open(path: &Path) -> Result<Self, StoreError> {
        create_private(path)?;
        let options = SqliteConnectOptions::new().filename(path).create_if_missing(true);
        Self::with_options(options, StoreOptions::default()).await
    }

    /// Opens a `sqlite:` URL (e.g. `sqlite:///var/lib/gatehouse/db.sqlite`).
    pub async fn open_url(url: &str) -> Result<Self, StoreError> {
        Self::open_url_with(url, StoreOptions::default()).await
    }

    pub async fn open_url_with(url: &str, store: StoreOptions) -> Result<Self, StoreError> {
        let options = SqliteConnectOptions::from_str(url)
            .map_err(crate::common::map_err)?
            .create_if_missing(true);
        let file = options.get_filename();
        let name = file.to_string_lossy();
        let in_memory =
            url.contains("mode=memory") || name.is_empty() || name.starts_with("file:") || name == ":memory:";
        if !in_memory {
            create_private(file)?;
        }
        Self::with_options(options, store).await
    }

    async fn with_options(options: SqliteConnectOptions, store: StoreOptions) -> Result<Self, StoreError> {
        let options = options
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10))
            // Each connection keeps its own page cache (2 MiB by default). The token path reads
            // only on cache misses, and the kernel caches the file anyway: keep it small.
            .pragma("cache_size", format!("-{CACHE_KIB}"));
        let pool = crate::common::pool_options::<sqlx::Sqlite>()
            .max_connections(MAX_CONNECTIONS)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(options)
            .await
            .map_err(crate::common::map_err)?;
        sqlx::migrate!("migrations/sqlite")
            .run(&pool)
            .await
            .map_err(|e| StoreError::Unavailable(format!("migrating the SQLite database: {e}")))?;
        Ok(Self {
            pool,
            options: store,
            actor: None,
        })
    }
}

/// Creates `path` empty with mode 0600 if it does not exist (an existing file is left as it is).
fn create_private(path: &Path) -> Result<(), StoreError> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    match options.open(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(StoreError::Unavailable(format!(
            "creating the database file {}: {e}",
            path.display()
        ))),
    }
}

impl_store!(
    SqliteStore,
    SqliteUnitOfWork,
    sqlx::Sqlite,
    sqlite_placeholders,
    "BEGIN IMMEDIATE",
    "sqlite"
);
