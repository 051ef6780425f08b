//! `gatehouse audit verify|list|export`: the hash-chained audit log of every change and
//! sign-in result. `verify` walks the whole chain and names the first entry an intruder with
//! database access edited, deleted, inserted or moved; `export` writes JSON lines. Both show a
//! progress bar when stderr is a terminal.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use anyhow::{bail, Context, Result};
use clap::{Args, Subcommand};
use gatehouse_core::audit::{self, Audit, Verified};
use gatehouse_core::model::AuditQuery;
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::Value;

use super::explain;
use crate::config::StoreArgs;
use crate::context::Ctx;
use crate::output::{print, Output};

const COLUMNS: &[&str] = &["seq", "time", "actor", "action", "target", "result"];

#[derive(Subcommand)]
pub enum AuditCmd {
    /// Check the whole chain: every entry's hash, every link, and the recorded head.
    #[command(
        after_help = "Examples:\n  gatehouse audit verify\n  gatehouse audit verify --expect-head 1042:9f86d081884c7d65...   # the head an earlier run printed\n\nExit status 0 when the log is intact, 1 when it is not (the message names the entry)."
    )]
    Verify(Verify),
    /// Show entries, oldest first, filtered by tenant, actor, action and time.
    #[command(
        after_help = "Examples:\n  gatehouse audit list --top 20\n  gatehouse audit list --action user. --from 2026-12-01T00:00:00Z\n  gatehouse audit list --actor admin@default --output json"
    )]
    List(List),
    /// Write entries as JSON lines (one entry per line) to a file or stdout.
    #[command(
        after_help = "Examples:\n  gatehouse audit export --out audit.jsonl\n  gatehouse audit export --tenant default --from 2026-11-01T00:00:00Z | gzip > nov.jsonl.gz"
    )]
    Export(Export),
}

#[derive(Args)]
pub struct Verify {
    #[command(flatten)]
    store: StoreArgs,
    /// Also require entry SEQ to have hash HASH (`SEQ:HASH`, as a previous `verify` printed):
    /// finds a chain rewritten from that entry on.
    #[arg(long, value_name = "SEQ:HASH")]
    expect_head: Option<String>,
    #[arg(long, short, value_enum, default_value_t)]
    output: Output,
}

/// Filters shared by `list` and `export`.
#[derive(Args)]
pub struct Filter {
    #[command(flatten)]
    store: StoreArgs,
    /// Only this tenant (GUID or name); all tenants by default.
    #[arg(long)]
    tenant: Option<String>,
    /// Only entries by this actor (object id, UPN, app id or operator name).
    #[arg(long)]
    actor: Option<String>,
    /// Only this action (`user.create`), or every action of a noun (`user.`).
    #[arg(long)]
    action: Option<String>,
    /// From this time (RFC 3339, e.g. 2026-12-01T00:00:00Z), inclusive.
    #[arg(long)]
    from: Option<String>,
    /// Before this time (RFC 3339), exclusive.
    #[arg(long)]
    to: Option<String>,
}

#[derive(Args)]
pub struct List {
    #[command(flatten)]
    filter: Filter,
    /// Entries after this number (paging).
    #[arg(long, default_value_t = 0)]
    after: i64,
    /// At most this many entries (1 to 1000).
    #[arg(long, default_value_t = 100)]
    top: i64,
    #[arg(long, short, value_enum, default_value_t)]
    output: Output,
}

#[derive(Args)]
pub struct Export {
    #[command(flatten)]
    filter: Filter,
    /// Write to this file (created or replaced); stdout by default.
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
}

fn millis(what: &str, v: &Option<String>) -> Result<Option<i64>> {
    let Some(v) = v else { return Ok(None) };
    let t = time::OffsetDateTime::parse(v, &time::format_description::well_known::Rfc3339)
        .with_context(|| format!("--{what} '{v}' is not an RFC 3339 time; write it like 2026-12-01T00:00:00Z"))?;
    Ok(Some((t.unix_timestamp_nanos() / 1_000_000) as i64))
}

async fn query(ctx: &Ctx, f: &Filter) -> Result<AuditQuery> {
    let tenant_id = match &f.tenant {
        Some(t) => Some(ctx.admin().tenant(Some(t)).await.map_err(explain)?.id),
        None => None,
    };
    Ok(AuditQuery {
        tenant_id,
        from_ms: millis("from", &f.from)?,
        to_ms: millis("to", &f.to)?,
        actor: f.actor.clone(),
        action: f.action.clone(),
        after_seq: 0,
        limit: audit::CHAIN_PAGE,
    })
}

/// A bar on stderr when it is a terminal, hidden otherwise.
fn bar(total: i64, what: &str) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let b = ProgressBar::new(total.max(0) as u64);
    b.set_style(
        ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len} entries ({eta})")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    b.set_message(what.to_owned());
    b
}

fn row(e: &Value) -> Value {
    serde_json::json!({
        "seq": e["seq"],
        "time": e["time"],
        "actor": e["actor"]["name"],
        "action": e["action"],
        "target": format!("{} {}", e["target"]["type"].as_str().unwrap_or(""), e["target"]["name"].as_str().filter(|n| !n.is_empty()).or(e["target"]["id"].as_str()).unwrap_or("")),
        "result": e["result"],
    })
}

impl AuditCmd {
    pub async fn run(self) -> Result<()> {
        match self {
            Self::Verify(v) => {
                let ctx = Ctx::open(&v.store).await?;
                let log = Audit::new(ctx.store.clone());
                let (head_seq, _) = log.head().await.map_err(explain)?;
                let progress = bar(head_seq, "verifying");
                let outcome = log
                    .verify(|done, _| progress.set_position(done.max(0) as u64))
                    .await
                    .map_err(explain)?;
                progress.finish_and_clear();
                match outcome {
                    Verified::Intact { entries, head } => {
                        if let Some(expect) = &v.expect_head {
                            check_expected(&log, expect).await?;
                        }
                        let head = format!("{entries}:{}", audit::hex(&head));
                        match v.output {
                            Output::Json => print(
                                v.output,
                                &serde_json::json!({"intact": true, "entries": entries, "head": head}),
                                &[],
                            ),
                            Output::Table => {
                                println!("the audit log is intact: {entries} entries; head {head}");
                                println!("keep the head somewhere else: `--expect-head {head}` later finds a rewritten chain");
                            }
                        }
                    }
                    Verified::Broken(b) => {
                        bail!(
                            "the audit log does NOT verify: {b}.\nLook at it with `gatehouse audit list --after {} --top 3`, and restore the database from a backup taken before that entry's time.",
                            (b.seq() - 1).max(0)
                        );
                    }
                }
            }
            Self::List(l) => {
                let ctx = Ctx::open(&l.filter.store).await?;
                let mut q = query(&ctx, &l.filter).await?;
                if !(1..=1000).contains(&l.top) {
                    bail!("--top must be between 1 and 1000 (use `gatehouse audit export` for everything)");
                }
                q.after_seq = l.after;
                q.limit = l.top;
                let entries = Audit::new(ctx.store.clone()).list(&q).await.map_err(explain)?;
                let all: Vec<Value> = entries.iter().map(audit::to_json).collect();
                match l.output {
                    Output::Json => print(l.output, &Value::Array(all), COLUMNS),
                    Output::Table => print(l.output, &Value::Array(all.iter().map(row).collect()), COLUMNS),
                }
            }
            Self::Export(x) => {
                let ctx = Ctx::open(&x.filter.store).await?;
                let q = query(&ctx, &x.filter).await?;
                let mut out: Box<dyn Write> = match &x.out {
                    Some(path) => Box::new(std::io::BufWriter::new(std::fs::File::create(path).with_context(
                        || format!("creating {} (check the folder exists and is writable)", path.display()),
                    )?)),
                    None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
                };
                let log = Audit::new(ctx.store.clone());
                let (head_seq, _) = log.head().await.map_err(explain)?;
                let progress = bar(head_seq, "exporting");
                let mut failed: Option<std::io::Error> = None;
                let written = log
                    .export(&q, |page, _| {
                        for e in page {
                            if let Err(err) = writeln!(out, "{}", audit::to_json(e)) {
                                failed.get_or_insert(err);
                            }
                        }
                        if let Some(last) = page.last() {
                            progress.set_position(last.seq.max(0) as u64);
                        }
                        Ok(())
                    })
                    .await
                    .map_err(explain)?;
                progress.finish_and_clear();
                if let Some(e) = failed {
                    bail!("writing the export failed: {e}");
                }
                out.flush().context("writing the export")?;
                if let Some(path) = &x.out {
                    eprintln!("{written} entries written to {}", path.display());
                }
            }
        }
        Ok(())
    }
}

async fn check_expected(log: &Audit, expect: &str) -> Result<()> {
    let Some((seq, hash)) = expect.split_once(':') else {
        bail!("--expect-head must be SEQ:HASH, as `gatehouse audit verify` prints it");
    };
    let seq: i64 = seq.parse().context("--expect-head: SEQ must be a number")?;
    let q = AuditQuery {
        after_seq: seq - 1,
        limit: 1,
        ..Default::default()
    };
    let found = log.list(&q).await.map_err(explain)?;
    match found.first() {
        Some(e) if e.seq == seq && audit::hex(&e.hash).eq_ignore_ascii_case(hash.trim()) => Ok(()),
        Some(e) if e.seq == seq => bail!(
            "the audit log does NOT verify: entry {seq} is not the one recorded earlier (its hash is {}): the chain was rewritten from there or before",
            audit::hex(&e.hash)
        ),
        _ => bail!("the audit log does NOT verify: entry {seq}, recorded earlier, is gone"),
    }
}
