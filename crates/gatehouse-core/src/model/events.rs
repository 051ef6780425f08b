//! What is recorded about what happened: the sign-in log and purge reports.

use serde::Serialize;

use super::UnixTime;

/// One password check, kept for the audit log of a later issue. Attempts refused because the
/// account or source was already locked are not written (they cost nothing and would let a
/// flood write to the database).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SignInEvent {
    pub id: String,
    pub tenant_id: String,
    pub at: UnixTime,
    /// As typed (lower-cased), whether or not such a user exists.
    pub user_principal_name: String,
    pub user_id: Option<String>,
    pub success: bool,
    /// `ok`, `invalid_credentials` or `disabled`.
    pub result: String,
    pub source: Option<String>,
}

/// Rows one purge removed, per kind (see [`crate::maintenance`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PurgeReport {
    pub auth_codes: u64,
    pub device_codes: u64,
    pub sessions: u64,
    pub refresh_families: u64,
    pub revocations: u64,
    pub throttle_entries: u64,
    pub sign_in_events: u64,
    /// Used client-assertion ids (`jti`) past their expiry.
    pub used_assertions: u64,
    /// Opaque (and reference-kept encrypted) access tokens past their expiry.
    pub reference_tokens: u64,
}

impl PurgeReport {
    /// Rows removed in all.
    pub fn total(&self) -> u64 {
        self.auth_codes
            + self.device_codes
            + self.sessions
            + self.refresh_families
            + self.revocations
            + self.throttle_entries
            + self.sign_in_events
            + self.used_assertions
            + self.reference_tokens
    }
}
