//! The audit log: every change to the directory, and every sign-in result, as one append-only
//! hash chain.
//!
//! | file | what |
//! |---|---|
//! | `mod.rs` | the chain's hash ([`entry_hash`]) and the [`Audit`] service (list, verify, export) |
//! | `verify.rs` | [`verify`]: walks the chain and names the first entry that breaks it ([`Break`]) |
//!
//! Rules every backend keeps (the store conformance suite checks them):
//! - an entry is written by the unit of work that makes the change, at its commit, in the same
//!   transaction: a change whose entry cannot be written does not happen, and a change made
//!   through a store handle that has no actor ([`crate::store::Store::with_actor`]) is refused;
//! - entries are numbered 1, 2, 3, ... with no gaps; each carries the previous entry's hash and
//!   its own, SHA-256 over its fields ([`entry_hash`]); a one-row head (last number and hash) is
//!   updated in the same transaction, so a deleted last entry is found too;
//! - the table refuses `UPDATE` and `DELETE` (a trigger), so only someone who bypasses that can
//!   change history, and [`verify`] finds what they did.
//!
//! The actor of a change is who the request authenticated as (user, service principal, API
//! token, PAT), the local operator for the CLI, or Gatehouse itself; never a secret.

mod verify;

use std::sync::Arc;

use crate::error::Error;
use crate::model::{AuditEntry, AuditQuery};
use crate::store::AuditStore;

pub use verify::{verify, Break, Verified};

/// The hash of an entry: SHA-256 over a fixed, length-prefixed encoding of its number, time,
/// fields and the previous entry's hash (version tag `gatehouse-audit-v1`).
pub fn entry_hash(e: &AuditEntry) -> [u8; 32] {
    let mut buf = Vec::with_capacity(256);
    buf.extend_from_slice(b"gatehouse-audit-v1");
    buf.extend_from_slice(&e.seq.to_be_bytes());
    buf.extend_from_slice(&e.at_ms.to_be_bytes());
    for field in [
        e.tenant_id.as_str(),
        e.actor.kind.as_str(),
        &e.actor.id,
        &e.actor.name,
        e.actor.origin.as_deref().unwrap_or(""),
        &e.action,
        &e.target_kind,
        &e.target_id,
        &e.target_name,
        &e.result,
    ] {
        buf.extend_from_slice(&(field.len() as u32).to_be_bytes());
        buf.extend_from_slice(field.as_bytes());
    }
    buf.extend_from_slice(&e.prev_hash);
    crate::secret::sha256(&buf)
}

/// An entry as the API and the export write it: camelCase, `time` in RFC 3339 UTC with
/// milliseconds, hashes in hex.
pub fn to_json(e: &AuditEntry) -> serde_json::Value {
    let time = time::OffsetDateTime::from_unix_timestamp_nanos(e.at_ms as i128 * 1_000_000)
        .ok()
        .and_then(|t| {
            t.format(&time::macros::format_description!(
                "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
            ))
            .ok()
        })
        .unwrap_or_default();
    serde_json::json!({
        "seq": e.seq,
        "time": time,
        "tenantId": e.tenant_id,
        "actor": {
            "type": e.actor.kind.as_str(),
            "id": e.actor.id,
            "name": e.actor.name,
            "origin": e.actor.origin,
        },
        "action": e.action,
        "target": {"type": e.target_kind, "id": e.target_id, "name": e.target_name},
        "result": e.result,
        "prevHash": hex(&e.prev_hash),
        "hash": hex(&e.hash),
    })
}

/// Lower-case hex of a hash.
pub fn hex(h: &[u8; 32]) -> String {
    h.iter().map(|b| format!("{b:02x}")).collect()
}

/// Reading and checking the audit log.
pub struct Audit {
    store: Arc<dyn AuditStore>,
}

/// Entries read per page when walking the whole chain.
pub const CHAIN_PAGE: i64 = 1000;

impl Audit {
    pub fn new(store: Arc<dyn AuditStore>) -> Self {
        Self { store }
    }

    /// One page of entries matching `query`, oldest first.
    pub async fn list(&self, query: &AuditQuery) -> Result<Vec<AuditEntry>, Error> {
        if let Some(action) = &query.action {
            if action.is_empty() || action.len() > 100 {
                return Err(Error::Invalid(
                    "The action filter must have 1 to 100 characters.".into(),
                ));
            }
        }
        let mut q = query.clone();
        q.limit = q.limit.clamp(1, CHAIN_PAGE);
        Ok(self.store.audit_entries(&q).await?)
    }

    /// Number of entries and the head the store recorded.
    pub async fn head(&self) -> Result<(i64, [u8; 32]), Error> {
        Ok(self.store.audit_head().await?)
    }

    /// Walks the whole chain in pages, calling `progress(entries_checked, total)` after each
    /// page. The first break ends the walk.
    pub async fn verify(&self, mut progress: impl FnMut(i64, i64)) -> Result<Verified, Error> {
        let (head_seq, head_hash) = self.store.audit_head().await?;
        let total = self.store.audit_count().await?;
        let mut state = verify::Walk::new(head_seq, head_hash);
        let mut after = 0;
        loop {
            let page = self.store.audit_chain(after, CHAIN_PAGE).await?;
            let Some(last) = page.last() else { break };
            after = last.seq;
            if let Err(b) = state.feed(&page) {
                return Ok(Verified::Broken(b));
            }
            progress(state.checked(), total);
        }
        Ok(state.finish())
    }

    /// Every entry matching `query` (ignoring its paging), in pages, oldest first; `each` gets
    /// one page at a time and the number of entries in the chain.
    pub async fn export(
        &self,
        query: &AuditQuery,
        mut each: impl FnMut(&[AuditEntry], i64) -> Result<(), Error>,
    ) -> Result<i64, Error> {
        let total = self.store.audit_count().await?;
        let mut q = query.clone();
        q.limit = CHAIN_PAGE;
        let mut written = 0;
        loop {
            let page = self.store.audit_entries(&q).await?;
            let Some(last) = page.last() else { break };
            q.after_seq = last.seq;
            written += page.len() as i64;
            each(&page, total)?;
        }
        Ok(written)
    }
}
