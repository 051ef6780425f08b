//! `gatehouse migrate`: apply the database migrations and exit.

use anyhow::Result;
use clap::Args;

use crate::config::StoreArgs;
use crate::context::Ctx;

/// Apply database migrations (serve also does this at start).
#[derive(Args)]
#[command(after_help = "Example:\n  gatehouse migrate --database-url postgres://postgres@127.0.0.1/gatehouse")]
pub struct Migrate {
    #[command(flatten)]
    store: StoreArgs,
}

impl Migrate {
    pub async fn run(self) -> Result<()> {
        let ctx = Ctx::open(&self.store).await?;
        eprintln!("migrations applied ({} database)", ctx.store.backend());
        Ok(())
    }
}
