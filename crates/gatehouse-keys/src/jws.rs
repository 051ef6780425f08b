//! Compact JWS: `base64url(header) . base64url(payload) . base64url(signature)`.

use base64::{engine::general_purpose::URL_SAFE_NO_PAD as B64, Engine};

use crate::{KeyError, Signer};

/// Signs a JSON payload (already serialized) into a compact JWS.
pub fn encode(signer: &dyn Signer, payload_json: &[u8]) -> Result<String, KeyError> {
    let header = signer.encoded_header();
    let mut out = String::with_capacity(header.len() + payload_json.len() * 4 / 3 + 400);
    out.push_str(header);
    out.push('.');
    B64.encode_string(payload_json, &mut out);
    let signature = signer.sign(out.as_bytes())?;
    out.push('.');
    B64.encode_string(signature, &mut out);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Algorithm, LocalSigner};
    use jsonwebtoken::{decode, DecodingKey, Validation};

    fn round_trip(alg: Algorithm) {
        let (signer, _) = LocalSigner::generate("k1", alg).unwrap();
        let token = encode(&signer, br#"{"sub":"x","exp":4102444800,"aud":"a"}"#).unwrap();
        let jwk = signer.public_jwk();
        let (key, jalg) = match alg {
            Algorithm::RS256 => (
                DecodingKey::from_rsa_components(jwk.n.as_deref().unwrap(), jwk.e.as_deref().unwrap()).unwrap(),
                jsonwebtoken::Algorithm::RS256,
            ),
            Algorithm::ES256 => (
                DecodingKey::from_ec_components(jwk.x.as_deref().unwrap(), jwk.y.as_deref().unwrap()).unwrap(),
                jsonwebtoken::Algorithm::ES256,
            ),
        };
        let mut v = Validation::new(jalg);
        v.set_audience(&["a"]);
        let data = decode::<serde_json::Value>(&token, &key, &v).expect("independent library verifies");
        assert_eq!(data.claims["sub"], "x");
        assert_eq!(data.header.kid.as_deref(), Some("k1"));
    }

    #[test]
    fn rs256_tokens_verify_with_jsonwebtoken() {
        round_trip(Algorithm::RS256);
    }

    #[test]
    fn es256_tokens_verify_with_jsonwebtoken() {
        round_trip(Algorithm::ES256);
    }

    #[test]
    fn reloaded_key_signs_verifiably() {
        let (a, pkcs8) = LocalSigner::generate("k", Algorithm::ES256).unwrap();
        let b = LocalSigner::from_pkcs8("k", Algorithm::ES256, &pkcs8).unwrap();
        assert_eq!(a.public_jwk(), b.public_jwk());
    }
}
