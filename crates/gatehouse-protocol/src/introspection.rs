//! The token introspection answer (RFC 7662 section 2.2).
//!
//! An inactive token (unknown, malformed, expired, revoked, of another tenant, or one the asking
//! resource server may not learn about) is answered with `{"active":false}` and nothing else, so
//! the answer never says which of those it was. An active one carries the RFC's members plus
//! Entra's `tid`, `oid` and `roles`, the same values the token itself carries.

use serde::{Deserialize, Serialize};

/// `token_type` of an active access token.
pub const ACCESS_TOKEN: &str = "Bearer";
/// `token_type` of an active refresh token (the RFC leaves the value to the server).
pub const REFRESH_TOKEN: &str = "refresh_token";
/// `token_type` of an active API token (`SharedAccessSignature ...`).
pub const API_TOKEN: &str = "api_token";
/// `token_type` of an active personal access token (`gthpat_...`).
pub const PAT: &str = "pat";

/// One introspection answer.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct Introspection {
    pub active: bool,
    /// Delegated scopes, space-separated (`scp` of an access token, the family's grant of a
    /// refresh token).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// The client the token was issued to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    /// The signed-in user's name (`preferred_username` / `upn`), for user tokens.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exp: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iat: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nbf: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aud: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iss: Option<String>,
    /// The token's own id (`uti` of an access token).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jti: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tid: Option<String>,
    /// The sign-in session (`sid`) of a delegated access token: what a family revocation names.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub oid: Option<String>,
    /// App roles (`roles` of an access token; an API token's role ids).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub roles: Vec<String>,
    /// The organization an API token's roles are limited to (absent: the root).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization: Option<String>,
}

impl Introspection {
    /// `{"active":false}`.
    pub fn inactive() -> Self {
        Self::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_inactive_answer_says_nothing_else() {
        assert_eq!(
            serde_json::to_string(&Introspection::inactive()).unwrap(),
            r#"{"active":false}"#
        );
    }

    #[test]
    fn an_active_answer_omits_what_it_does_not_know() {
        let a = Introspection {
            active: true,
            client_id: Some("c".into()),
            exp: Some(5),
            ..Default::default()
        };
        assert_eq!(
            serde_json::to_value(&a).unwrap(),
            serde_json::json!({"active": true, "client_id": "c", "exp": 5})
        );
    }
}
