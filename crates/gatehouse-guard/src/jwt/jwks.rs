//! JWKS documents turned into [`VerificationKey`]s (parsed `jsonwebtoken::DecodingKey`s), each
//! pinned to its algorithm. Only RS256 (RSA, 2048-8192 bits) and ES256 (EC P-256) keys with a
//! `kid` and an `alg` (and `use` absent or `sig`) are kept; anything else is skipped. The same
//! rules apply to keys fetched over HTTPS and to keys a host hands to [`super::MemoryKeys`].

use std::collections::HashMap;
use std::sync::Arc;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jsonwebtoken::{Algorithm, DecodingKey};
use serde::Deserialize;
use serde_json::Value;

/// A JWKS document; keys stay raw so that one odd key does not spoil the others. (Read here
/// rather than as `gatehouse_protocol::jwk::Jwks`, whose keys are typed strictly for serving.)
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct JwksDocument {
    pub keys: Vec<Value>,
}

#[derive(Debug, Deserialize)]
struct RawJwk {
    kty: String,
    kid: Option<String>,
    alg: Option<String>,
    #[serde(rename = "use")]
    use_: Option<String>,
    n: Option<String>,
    e: Option<String>,
    crv: Option<String>,
    x: Option<String>,
    y: Option<String>,
}

/// A public key the guard verifies signatures with, parsed once and pinned to its algorithm.
pub struct VerificationKey {
    pub(crate) alg: Algorithm,
    pub(crate) key: DecodingKey,
}

/// A JWK the guard does not accept as a verification key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not an RS256 RSA (2048-8192 bit) or ES256 P-256 signing key with a kid and an alg")]
pub struct UnsupportedKey;

impl VerificationKey {
    /// The key of a JWK as published in a JWKS (e.g. `gatehouse_keys::LocalSigner::public_jwk`).
    pub fn from_jwk(jwk: &gatehouse_protocol::jwk::Jwk) -> Result<VerificationKey, UnsupportedKey> {
        let value = serde_json::to_value(jwk).map_err(|_| UnsupportedKey)?;
        Self::from_jwk_json(&value)
    }

    /// The key of a JWK given as JSON.
    pub fn from_jwk_json(jwk: &Value) -> Result<VerificationKey, UnsupportedKey> {
        let raw: RawJwk = serde_json::from_value(jwk.clone()).map_err(|_| UnsupportedKey)?;
        if raw.kid.is_none() {
            return Err(UnsupportedKey);
        }
        parse_key(&raw).ok_or(UnsupportedKey)
    }

    /// The algorithm the key is pinned to: `"RS256"` or `"ES256"`.
    pub fn algorithm(&self) -> &'static str {
        match self.alg {
            Algorithm::ES256 => "ES256",
            _ => "RS256",
        }
    }
}

impl std::fmt::Debug for VerificationKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VerificationKey")
            .field("alg", &self.alg)
            .finish_non_exhaustive()
    }
}

/// Keys of a JWKS by `kid`. A `kid` that appears twice is dropped altogether (ambiguous).
pub(crate) fn parse_keys(doc: &JwksDocument) -> HashMap<String, Arc<VerificationKey>> {
    let mut keys: HashMap<String, Arc<VerificationKey>> = HashMap::new();
    let mut duplicated: Vec<String> = Vec::new();
    for raw in &doc.keys {
        let Ok(jwk) = serde_json::from_value::<RawJwk>(raw.clone()) else {
            continue;
        };
        let Some(kid) = jwk.kid.clone() else { continue };
        match parse_key(&jwk) {
            Some(key) => {
                if keys.insert(kid.clone(), Arc::new(key)).is_some() {
                    duplicated.push(kid);
                }
            }
            None => tracing::debug!(%kid, "JWKS key skipped: unsupported or malformed"),
        }
    }
    for kid in duplicated {
        tracing::warn!(%kid, "JWKS key id appears twice; both dropped");
        keys.remove(&kid);
    }
    keys
}

fn parse_key(jwk: &RawJwk) -> Option<VerificationKey> {
    if jwk.use_.as_deref().is_some_and(|u| u != "sig") {
        return None;
    }
    match (jwk.alg.as_deref()?, jwk.kty.as_str()) {
        ("RS256", "RSA") => {
            let n = decode(jwk.n.as_deref()?)?;
            let e = decode(jwk.e.as_deref()?)?;
            let n_bits = significant_bits(&n);
            if !(2048..=8192).contains(&n_bits) || e.is_empty() || e.len() > 8 {
                return None;
            }
            Some(VerificationKey {
                alg: Algorithm::RS256,
                key: DecodingKey::from_rsa_raw_components(&n, &e),
            })
        }
        ("ES256", "EC") => {
            if jwk.crv.as_deref()? != "P-256" {
                return None;
            }
            let (x, y) = (jwk.x.as_deref()?, jwk.y.as_deref()?);
            if decode(x)?.len() != 32 || decode(y)?.len() != 32 {
                return None;
            }
            Some(VerificationKey {
                alg: Algorithm::ES256,
                key: DecodingKey::from_ec_components(x, y).ok()?,
            })
        }
        _ => None,
    }
}

fn decode(text: &str) -> Option<Vec<u8>> {
    URL_SAFE_NO_PAD.decode(text).ok()
}

fn significant_bits(bytes: &[u8]) -> usize {
    let trimmed: &[u8] = match bytes.iter().position(|b| *b != 0) {
        Some(i) => &bytes[i..],
        None => &[],
    };
    match trimmed.first() {
        Some(first) => (trimmed.len() - 1) * 8 + (8 - first.leading_zeros() as usize),
        None => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn b64(bytes: &[u8]) -> String {
        URL_SAFE_NO_PAD.encode(bytes)
    }

    #[test]
    fn keeps_only_pinned_supported_keys() {
        let n = b64(&[0xc5; 256]);
        let e = b64(&[1, 0, 1]);
        let x = b64(&[7; 32]);
        let doc: JwksDocument = serde_json::from_value(json!({"keys": [
            {"kty": "RSA", "kid": "rsa", "alg": "RS256", "use": "sig", "n": n, "e": e},
            {"kty": "RSA", "kid": "no-alg", "n": n, "e": e},
            {"kty": "RSA", "kid": "small", "alg": "RS256", "n": b64(&[0xc5; 128]), "e": e},
            {"kty": "RSA", "kid": "enc", "alg": "RS256", "use": "enc", "n": n, "e": e},
            {"kty": "oct", "kid": "hmac", "alg": "HS256", "k": "c2VjcmV0"},
            {"kty": "EC", "kid": "ec", "alg": "ES256", "crv": "P-256", "x": x, "y": x},
            {"kty": "EC", "kid": "p384", "alg": "ES384", "crv": "P-384", "x": x, "y": x},
            {"kty": "EC", "kid": "mixed", "alg": "RS256", "crv": "P-256", "x": x, "y": x},
            {"kty": "RSA", "kid": "dup", "alg": "RS256", "n": n, "e": e},
            {"kty": "RSA", "kid": "dup", "alg": "RS256", "n": n, "e": e},
            "not an object",
            {"kty": "RSA", "alg": "RS256", "n": n, "e": e}
        ]}))
        .unwrap();
        let keys = parse_keys(&doc);
        let mut kids: Vec<&str> = keys.keys().map(String::as_str).collect();
        kids.sort();
        assert_eq!(kids, vec!["ec", "rsa"]);
        assert_eq!(keys["rsa"].alg, Algorithm::RS256);
        assert_eq!(keys["ec"].alg, Algorithm::ES256);
    }

    #[test]
    fn counts_modulus_bits() {
        assert_eq!(significant_bits(&[0, 0x80, 0]), 16);
        assert_eq!(significant_bits(&[1]), 1);
        assert_eq!(significant_bits(&[]), 0);
    }
}
