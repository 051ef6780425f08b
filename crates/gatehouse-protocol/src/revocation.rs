//! The revocation feed: `GET /{tenant}/gatehouse/revocations?since=SEQ`, served by the server and
//! polled by guards (both use these types).
//!
//! `{"seq": N, "entries": [{"type": "sid"|"uti", "value": "...", "exp": epoch_seconds}], "more": false}`:
//! `entries` are the revocations with a sequence number in `(since, N]`; `more: true` (optional,
//! default false) asks the client to poll again at once with `since=N`. A `seq` lower than the
//! `since` sent means the server's log restarted. Entries of an unknown `type` are read as
//! [`RevocationKind::Unknown`] and ignored; an entry can be dropped after its `exp` (everything
//! it names has expired by then).

use serde::{Deserialize, Serialize};

/// One answer of the feed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RevocationPage {
    /// Highest sequence number covered by this answer; send it back as `since`.
    pub seq: u64,
    /// Revocations with a sequence number in `(since, seq]`.
    pub entries: Vec<RevocationEntry>,
    /// More entries are waiting (the page is full): ask again from `seq` at once.
    #[serde(default)]
    pub more: bool,
}

/// One revocation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RevocationEntry {
    /// What `value` names.
    #[serde(rename = "type")]
    pub kind: RevocationKind,
    /// The revoked `sid` or `uti`.
    pub value: String,
    /// Expiry (seconds since the epoch) of the last token the entry can affect.
    pub exp: u64,
}

/// Kind of a revocation entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RevocationKind {
    /// A refresh-token family (`sid` claim): every token of the session.
    Sid,
    /// One token (`uti` claim).
    Uti,
    /// An opaque credential (an API token, a personal access token), named by its id.
    Credential,
    /// A kind this reader does not know; ignored.
    #[serde(other)]
    Unknown,
}

impl RevocationKind {
    /// The kind named `name` (`"sid"`, `"uti"`); any other name is [`RevocationKind::Unknown`].
    pub fn from_name(name: &str) -> Self {
        match name {
            "sid" => RevocationKind::Sid,
            "uti" => RevocationKind::Uti,
            "credential" => RevocationKind::Credential,
            _ => RevocationKind::Unknown,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_format_round_trips_and_ignores_unknown_kinds() {
        let page: RevocationPage = serde_json::from_str(
            r#"{"seq": 7, "entries": [
                {"type": "sid", "value": "s1", "exp": 10},
                {"type": "uti", "value": "u1", "exp": 11},
                {"type": "jti", "value": "x", "exp": 12}
            ]}"#,
        )
        .unwrap();
        assert_eq!(page.seq, 7);
        assert!(!page.more);
        assert_eq!(page.entries[0].kind, RevocationKind::Sid);
        assert_eq!(page.entries[2].kind, RevocationKind::Unknown);
        let text = serde_json::to_string(&page.entries[1]).unwrap();
        assert_eq!(text, r#"{"type":"uti","value":"u1","exp":11}"#);
        assert_eq!(RevocationKind::from_name("sid"), RevocationKind::Sid);
        assert_eq!(RevocationKind::from_name("SID"), RevocationKind::Unknown);
    }

    #[test]
    fn negative_numbers_are_refused() {
        assert!(serde_json::from_str::<RevocationPage>(r#"{"seq": -1, "entries": []}"#).is_err());
        assert!(serde_json::from_str::<RevocationEntry>(r#"{"type": "uti", "value": "u", "exp": -1}"#).is_err());
    }
}
