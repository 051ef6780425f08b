//! [`parse_unverified`]: splits a compact JWS and decodes its header and claims WITHOUT checking
//! anything cryptographic. The guard uses it only to pick the issuer's key set and the key; the
//! signature and claims are then verified by `jsonwebtoken`. Never panics (fuzzed).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::{Map, Value};
use thiserror::Error;

/// Longest token the guard reads (same bound as the `Authorization` header).
pub const MAX_TOKEN_LEN: usize = crate::authorization::MAX_AUTHORIZATION_LEN;

/// Which part of a JWT a parse error is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JwtPart {
    /// The JOSE header.
    Header,
    /// The claims set.
    Claims,
    /// The signature.
    Signature,
}

/// Why a text is not a well-formed compact JWS.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum JwtParseError {
    #[error("token is longer than {MAX_TOKEN_LEN} bytes")]
    TooLong,
    #[error("token has five parts: an encrypted JWT (JWE), not supported yet")]
    Encrypted,
    #[error("token does not have three dot-separated parts")]
    Segments,
    #[error("{0:?} is not unpadded base64url")]
    Base64(JwtPart),
    #[error("{0:?} is not JSON")]
    Json(JwtPart),
    #[error("{0:?} is not a JSON object")]
    NotObject(JwtPart),
    #[error("header has no string `alg`")]
    MissingAlg,
    #[error("header field `{0}` has the wrong type")]
    FieldType(&'static str),
    #[error("signature is empty")]
    EmptySignature,
}

/// The decoded JOSE header of an unverified token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JwtHeader {
    /// `alg`, as sent.
    pub alg: String,
    /// `kid`, if any.
    pub kid: Option<String>,
    /// `typ`, if any.
    pub typ: Option<String>,
    /// Whether the header has `crit` (the guard understands no extension, so it refuses these).
    pub has_crit: bool,
    /// Whether the header names key material or a key location (`jku`, `x5u`, `jwk`, `x5c`).
    /// The guard never uses them; they are only reported.
    pub has_key_reference: bool,
}

/// A compact JWS split and decoded, signature not checked.
#[derive(Debug, Clone)]
pub struct UnverifiedJwt<'a> {
    /// Decoded header.
    pub header: JwtHeader,
    /// Decoded claims object.
    pub claims: Map<String, Value>,
    /// `base64url(header) "." base64url(claims)`, the signed bytes.
    pub signing_input: &'a str,
    /// The base64url signature part.
    pub signature: &'a str,
}

impl UnverifiedJwt<'_> {
    /// A string claim, if present and a string.
    pub fn claim_str(&self, name: &str) -> Option<&str> {
        self.claims.get(name).and_then(Value::as_str)
    }
}

/// Splits and decodes `token`. See the module documentation.
pub fn parse_unverified(token: &str) -> Result<UnverifiedJwt<'_>, JwtParseError> {
    if token.len() > MAX_TOKEN_LEN {
        return Err(JwtParseError::TooLong);
    }
    let dots = token.bytes().filter(|b| *b == b'.').count();
    if dots == 4 {
        return Err(JwtParseError::Encrypted);
    }
    if dots != 2 {
        return Err(JwtParseError::Segments);
    }
    let (signing_input, signature) = token.rsplit_once('.').ok_or(JwtParseError::Segments)?;
    let (header_b64, claims_b64) = signing_input.split_once('.').ok_or(JwtParseError::Segments)?;
    if signature.is_empty() {
        return Err(JwtParseError::EmptySignature);
    }
    if URL_SAFE_NO_PAD.decode(signature).is_err() {
        return Err(JwtParseError::Base64(JwtPart::Signature));
    }
    let header = decode_object(header_b64, JwtPart::Header)?;
    let claims = decode_object(claims_b64, JwtPart::Claims)?;

    let alg = match header.get("alg") {
        Some(Value::String(s)) => s.clone(),
        Some(_) => return Err(JwtParseError::FieldType("alg")),
        None => return Err(JwtParseError::MissingAlg),
    };
    let kid = optional_string(&header, "kid")?;
    let typ = optional_string(&header, "typ")?;
    let has_key_reference = ["jku", "x5u", "jwk", "x5c"].iter().any(|k| header.contains_key(*k));
    Ok(UnverifiedJwt {
        header: JwtHeader {
            alg,
            kid,
            typ,
            has_crit: header.contains_key("crit"),
            has_key_reference,
        },
        claims,
        signing_input,
        signature,
    })
}

fn decode_object(part: &str, which: JwtPart) -> Result<Map<String, Value>, JwtParseError> {
    let bytes = URL_SAFE_NO_PAD.decode(part).map_err(|_| JwtParseError::Base64(which))?;
    match serde_json::from_slice::<Value>(&bytes) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(JwtParseError::NotObject(which)),
        Err(_) => Err(JwtParseError::Json(which)),
    }
}

fn optional_string(map: &Map<String, Value>, field: &'static str) -> Result<Option<String>, JwtParseError> {
    match map.get(field) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(JwtParseError::FieldType(field)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b64(s: &str) -> String {
        URL_SAFE_NO_PAD.encode(s)
    }

    #[test]
    fn parses_a_well_formed_token() {
        let t = format!(
            "{}.{}.{}",
            b64(r#"{"alg":"RS256","kid":"k1","typ":"JWT","jku":"https://evil"}"#),
            b64(r#"{"iss":"x","exp":1}"#),
            b64("sig")
        );
        let p = parse_unverified(&t).unwrap();
        assert_eq!(p.header.alg, "RS256");
        assert_eq!(p.header.kid.as_deref(), Some("k1"));
        assert!(p.header.has_key_reference);
        assert_eq!(p.claim_str("iss"), Some("x"));
        assert_eq!(p.signature, b64("sig"));
    }

    #[test]
    fn refuses_malformed_tokens() {
        let h = b64(r#"{"alg":"RS256"}"#);
        let c = b64(r#"{"a":1}"#);
        let s = b64("sig");
        let cases = [
            (String::new(), JwtParseError::Segments),
            ("a.b".to_string(), JwtParseError::Segments),
            ("a.b.c.d.e".to_string(), JwtParseError::Encrypted),
            (format!("{h}.{c}."), JwtParseError::EmptySignature),
            (format!("{h}.{c}.{s}="), JwtParseError::Base64(JwtPart::Signature)),
            (format!("{h}=.{c}.{s}"), JwtParseError::Base64(JwtPart::Header)),
            (
                format!("{}.{c}.{s}", b64("[1]")),
                JwtParseError::NotObject(JwtPart::Header),
            ),
            (format!("{h}.{}.{s}", b64("{")), JwtParseError::Json(JwtPart::Claims)),
            (format!("{}.{c}.{s}", b64("{}")), JwtParseError::MissingAlg),
            (
                format!("{}.{c}.{s}", b64(r#"{"alg":1}"#)),
                JwtParseError::FieldType("alg"),
            ),
            (
                format!("{}.{c}.{s}", b64(r#"{"alg":"RS256","kid":7}"#)),
                JwtParseError::FieldType("kid"),
            ),
        ];
        for (token, expected) in cases {
            assert_eq!(parse_unverified(&token).unwrap_err(), expected, "{token}");
        }
    }
}
