//! Token responses: the v2 shape (numbers) and the v1 shape (strings, as Entra's v1 endpoint sends).

use serde::{Deserialize, Serialize};

use crate::json::Object;

/// Answer of `POST /{tenant}/oauth2/v2.0/token`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct TokenResponseV2 {
    pub token_type: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    pub expires_in: u64,
    pub ext_expires_in: u64,
    pub access_token: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id_token: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_info: Option<String>,
    /// RFC 8693 section 2.2.1: the type of a token-exchange answer's `access_token`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issued_token_type: Option<String>,
}

/// Answer of `POST /{tenant}/oauth2/token` (v1): every number is a string.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct TokenResponseV1 {
    pub token_type: String,
    pub expires_in: String,
    pub ext_expires_in: String,
    pub expires_on: String,
    pub not_before: String,
    pub resource: String,
    pub access_token: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id_token: Option<String>,
    /// RFC 8693 section 2.2.1: the type of a token-exchange answer's `access_token`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issued_token_type: Option<String>,
}

/// Room for the members besides the tokens.
const MEMBERS: usize = 256;

/// What an answer's JSON will take, about: its long strings plus room for the rest.
fn capacity(long: &[&str], optional: &[&Option<String>]) -> usize {
    MEMBERS
        + long.iter().map(|s| s.len()).sum::<usize>()
        + optional
            .iter()
            .filter_map(|s| s.as_ref())
            .map(String::len)
            .sum::<usize>()
}

impl TokenResponseV2 {
    /// The answer's JSON, exactly as its `Serialize` writes it (see `json`).
    pub fn to_json(&self) -> Vec<u8> {
        let mut o = Object::with_capacity(capacity(
            &[&self.access_token],
            &[&self.scope, &self.refresh_token, &self.id_token, &self.client_info],
        ));
        o.str("token_type", &self.token_type);
        o.opt_str("scope", self.scope.as_deref());
        o.u64("expires_in", self.expires_in);
        o.u64("ext_expires_in", self.ext_expires_in);
        o.str("access_token", &self.access_token);
        o.opt_str("refresh_token", self.refresh_token.as_deref());
        o.opt_str("id_token", self.id_token.as_deref());
        o.opt_str("client_info", self.client_info.as_deref());
        o.opt_str("issued_token_type", self.issued_token_type.as_deref());
        o.finish()
    }
}

impl TokenResponseV1 {
    /// The answer's JSON, exactly as its `Serialize` writes it (see `json`).
    pub fn to_json(&self) -> Vec<u8> {
        let mut o = Object::with_capacity(capacity(
            &[&self.resource, &self.access_token],
            &[&self.refresh_token, &self.id_token],
        ));
        o.str("token_type", &self.token_type);
        o.str("expires_in", &self.expires_in);
        o.str("ext_expires_in", &self.ext_expires_in);
        o.str("expires_on", &self.expires_on);
        o.str("not_before", &self.not_before);
        o.str("resource", &self.resource);
        o.str("access_token", &self.access_token);
        o.opt_str("refresh_token", self.refresh_token.as_deref());
        o.opt_str("id_token", self.id_token.as_deref());
        o.opt_str("issued_token_type", self.issued_token_type.as_deref());
        o.finish()
    }
}

/// What a minted access token needs to be turned into either response shape.
#[derive(Debug, Clone)]
pub struct IssuedToken {
    pub access_token: String,
    pub resource: String,
    pub scope: Option<String>,
    pub issued_at: i64,
    pub expires_at: i64,
}

impl IssuedToken {
    pub fn lifetime(&self) -> u64 {
        (self.expires_at - self.issued_at).max(0) as u64
    }

    pub fn to_v2(&self) -> TokenResponseV2 {
        TokenResponseV2 {
            token_type: "Bearer".into(),
            scope: self.scope.clone(),
            expires_in: self.lifetime(),
            ext_expires_in: self.lifetime(),
            access_token: self.access_token.clone(),
            refresh_token: None,
            id_token: None,
            client_info: None,
            issued_token_type: None,
        }
    }

    pub fn to_v1(&self) -> TokenResponseV1 {
        TokenResponseV1 {
            token_type: "Bearer".into(),
            expires_in: self.lifetime().to_string(),
            ext_expires_in: self.lifetime().to_string(),
            expires_on: self.expires_at.to_string(),
            not_before: self.issued_at.to_string(),
            resource: self.resource.clone(),
            access_token: self.access_token.clone(),
            refresh_token: None,
            id_token: None,
            issued_token_type: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn v1_uses_strings_v2_numbers() {
        let t = IssuedToken {
            access_token: "a".into(),
            resource: "https://r".into(),
            scope: Some("https://r/.default".into()),
            issued_at: 100,
            expires_at: 3700,
        };
        let v1 = serde_json::to_value(t.to_v1()).unwrap();
        assert_eq!(v1["expires_in"], "3600");
        assert_eq!(v1["expires_on"], "3700");
        assert_eq!(v1["not_before"], "100");
        let v2 = serde_json::to_value(t.to_v2()).unwrap();
        assert_eq!(v2["expires_in"], 3600);
        assert_eq!(v2["token_type"], "Bearer");
    }

    #[test]
    fn hand_written_json_is_byte_for_byte_what_serde_writes() {
        let t = IssuedToken {
            access_token: "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln-_".into(),
            resource: "https://r/\"quoted\"\n".into(),
            scope: None,
            issued_at: 100,
            expires_at: 3700,
        };
        let (v2, v1) = (t.to_v2(), t.to_v1());
        assert_eq!(v2.to_json(), serde_json::to_vec(&v2).unwrap());
        assert_eq!(v1.to_json(), serde_json::to_vec(&v1).unwrap());
        let full = TokenResponseV2 {
            scope: Some("https://r/.default offline_access".into()),
            refresh_token: Some("0.refresh\"with\\escapes".into()),
            id_token: Some("id.token.text".into()),
            client_info: Some("eyJ1aWQiOiJ4In0".into()),
            issued_token_type: Some("urn:ietf:params:oauth:token-type:access_token".into()),
            ..v2
        };
        assert_eq!(full.to_json(), serde_json::to_vec(&full).unwrap());
        let full = TokenResponseV1 {
            refresh_token: Some("r\u{1}".into()),
            id_token: Some("ïd".into()),
            issued_token_type: Some("urn:x".into()),
            ..v1
        };
        assert_eq!(full.to_json(), serde_json::to_vec(&full).unwrap());
    }
}
