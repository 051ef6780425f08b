//! The revocation feed: `GET /{tenant}/gatehouse/revocations?since=SEQ`.
//!
//! Guards poll it and refuse tokens whose `uti` or `sid` is listed. Entries can be dropped after
//! `exp` (everything they name has expired by then).

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct RevocationFeed {
    /// Ask for `since=seq` next time.
    pub seq: i64,
    pub entries: Vec<RevocationEntry>,
    /// True when the page is full: ask again from `seq` right away.
    #[serde(default)]
    pub more: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct RevocationEntry {
    /// `uti` (one access token) or `sid` (a refresh family / session).
    #[serde(rename = "type")]
    pub kind: String,
    pub value: String,
    pub exp: i64,
}
