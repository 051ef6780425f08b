//! `gatehouse purge`: remove expired codes, sessions, refresh families, revocation entries,
//! idle throttle counters and old sign-in log rows once (serve also does it on a timer).

use anyhow::Result;
use clap::Args;
use gatehouse_core::maintenance;

use crate::config::{RetentionArgs, Sources, StoreArgs};
use crate::context::Ctx;
use crate::output::{print, Output};

/// Remove expired rows now (serve does this every hour by itself).
#[derive(Args)]
#[command(
    after_help = "Examples:\n  gatehouse purge\n  gatehouse purge --sign-in-log-retention-days 30 --output json\n  gatehouse purge --database-url postgres://gatehouse@db/gatehouse   # e.g. from cron, with purge_interval_minutes = 0"
)]
pub struct Purge {
    #[command(flatten)]
    store: StoreArgs,
    #[command(flatten)]
    retention: RetentionArgs,
    /// json or table.
    #[arg(long, short, value_enum, default_value_t)]
    output: Output,
}

impl Purge {
    pub async fn run(self) -> Result<()> {
        let mut sources = Sources::from_store_args(&self.store)?;
        sources.sign_in_log_retention_days = self.retention.sign_in_log_retention_days;
        let settings = sources.resolve()?;
        let retention = settings.retention;
        let ctx = Ctx::open_with(settings).await?;
        let report = maintenance::purge_expired(ctx.store.as_ref(), retention)
            .await
            .map_err(|e| anyhow::anyhow!("the database failed while purging: {e}; nothing is lost, run it again"))?;
        print(self.output, &serde_json::to_value(report)?, &[]);
        Ok(())
    }
}
