//! Opening what a verb needs: the store (embedded or by URL) and the key-encryption key, checked
//! against the one the database was created with. Before either is touched, a data folder the
//! verb uses is created private or checked to be private (`setup::check_private`).

use std::sync::Arc;

use anyhow::{bail, Context as _, Result};
use base64::{engine::general_purpose::STANDARD, Engine};
use gatehouse_core::admin::Admin;
use gatehouse_core::Store;
use gatehouse_keys::Kek;

use crate::config::{Database, Settings, Sources, StoreArgs};
use crate::setup;

pub struct Ctx {
    pub store: Arc<dyn Store>,
    pub kek: Arc<Kek>,
}

const KEK_CHECK: &str = "kek_check";

impl Ctx {
    pub async fn open(args: &StoreArgs) -> Result<Self> {
        Self::open_with(Sources::from_store_args(args)?.resolve()?).await
    }

    pub async fn open_with(settings: Settings) -> Result<Self> {
        Self::open_using(settings, false).await
    }

    /// Like [`Ctx::open_with`]; `keeps_files` says the verb itself keeps files in the data folder
    /// (serve: the local TLS files, the quiet bootstrap's file), so the folder is checked even
    /// when the database and the key-encryption key are elsewhere.
    pub async fn open_using(settings: Settings, keeps_files: bool) -> Result<Self> {
        let uses_data_dir = keeps_files || matches!(settings.database, Database::Embedded) || settings.kek.is_none();
        if uses_data_dir {
            setup::ensure_dir(&settings.data_dir)?;
            setup::check_private(&settings.data_dir, settings.allow_insecure_permissions)?;
        }
        let store = match &settings.database {
            Database::Embedded => gatehouse_store::open_data_dir(&settings.data_dir)
                .await
                .with_context(|| format!("opening the embedded database in {}", settings.data_dir.display()))?,
            Database::Url(url) => gatehouse_store::open(url).await.context(
                "connecting to the database (check database_url, that the server runs and accepts this user)",
            )?,
        };
        let kek = setup::load_or_create_kek(settings.kek.as_deref(), &settings.data_dir)?;
        check_kek(store.as_ref(), &kek).await?;
        Ok(Self {
            store,
            kek: Arc::new(kek),
        })
    }

    /// The management operations, audited as the local operator (the OS account running the
    /// CLI on this host).
    pub fn admin(&self) -> Admin {
        Admin::new(self.store.clone(), self.kek.clone()).acting(gatehouse_core::model::Actor::operator())
    }
}

/// The first process to use a database stores a value sealed with its KEK; every later one
/// must open it, so a wrong KEK fails at start with a clear message instead of at first token.
async fn check_kek(store: &dyn Store, kek: &Kek) -> Result<()> {
    let fresh = STANDARD.encode(kek.seal(b"gatehouse", KEK_CHECK)?);
    let stored = store.init_setting(KEK_CHECK, &fresh).await?;
    let sealed = STANDARD.decode(stored).context("the stored key check is corrupted")?;
    if kek.open(&sealed, KEK_CHECK).is_err() {
        bail!(
            "this database was created with a different key-encryption key: set GATEHOUSE_KEK (or `kek` in the config file) to the original, or use the data folder whose 'kek' file created it"
        );
    }
    Ok(())
}
