//! A tenant: the unit of isolation (its own keys, clients, users), and token lifetime bounds.

use gatehouse_keys::Algorithm;
use serde::Serialize;

use super::UnixTime;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Tenant {
    /// A GUID.
    pub id: String,
    /// Unique, lower-case, letters digits `-` and `.`: usable in URLs instead of the GUID.
    pub name: String,
    pub display_name: String,
    #[serde(serialize_with = "ser_alg")]
    pub signing_alg: Algorithm,
    pub token_lifetime_seconds: i64,
    pub created_at: UnixTime,
}

fn ser_alg<S: serde::Serializer>(a: &Algorithm, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(a.as_str())
}

/// Token lifetime bounds (seconds).
pub const MIN_TOKEN_LIFETIME: i64 = 300;
pub const MAX_TOKEN_LIFETIME: i64 = 86_400;
pub const DEFAULT_TOKEN_LIFETIME: i64 = 3_600;
