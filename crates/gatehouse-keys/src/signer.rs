//! The [`Signer`] trait and the in-process [`LocalSigner`].

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::KeySize;
use aws_lc_rs::signature::{EcdsaKeyPair, KeyPair, RsaKeyPair, ECDSA_P256_SHA256_FIXED_SIGNING, RSA_PKCS1_SHA256};
use base64::{engine::general_purpose::URL_SAFE_NO_PAD as B64, Engine};
use gatehouse_protocol::jwk::Jwk;

use crate::KeyError;

/// The JWS algorithms Gatehouse signs with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Algorithm {
    RS256,
    ES256,
}

impl Algorithm {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::RS256 => "RS256",
            Self::ES256 => "ES256",
        }
    }

    pub fn all() -> [Algorithm; 2] {
        [Self::RS256, Self::ES256]
    }
}

impl std::str::FromStr for Algorithm {
    type Err = KeyError;
    fn from_str(s: &str) -> Result<Self, KeyError> {
        match s {
            "RS256" => Ok(Self::RS256),
            "ES256" => Ok(Self::ES256),
            other => Err(KeyError::UnknownAlgorithm(other.to_owned())),
        }
    }
}

impl std::fmt::Display for Algorithm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Something that signs JWS input with one key. Implementations hold their key ready: no parsing
/// on the signing path.
pub trait Signer: Send + Sync {
    fn kid(&self) -> &str;
    fn algorithm(&self) -> Algorithm;
    /// The JWS signature over `message` (for ES256 the fixed 64-byte `r || s` form).
    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, KeyError>;
    /// The base64url JWS header `{"typ":"JWT","alg":..,"kid":..}`, computed once.
    fn encoded_header(&self) -> &str;
}

enum Pair {
    Rsa(RsaKeyPair),
    Ec(EcdsaKeyPair),
}

/// A key pair held in memory.
pub struct LocalSigner {
    kid: String,
    alg: Algorithm,
    pair: Pair,
    header: String,
}

impl std::fmt::Debug for LocalSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "LocalSigner({}, {})", self.kid, self.alg)
    }
}

impl LocalSigner {
    /// Generates a new key: RSA-2048 for RS256, P-256 for ES256. Returns the signer and the
    /// PKCS#8 document of its private key (to be sealed and stored).
    pub fn generate(kid: &str, alg: Algorithm) -> Result<(Self, Vec<u8>), KeyError> {
        let pkcs8 = match alg {
            Algorithm::RS256 => RsaKeyPair::generate(KeySize::Rsa2048)
                .map_err(|_| KeyError::Rejected("RSA key generation failed".into()))?
                .as_der()
                .map_err(|_| KeyError::Rejected("RSA key encoding failed".into()))?
                .as_ref()
                .to_vec(),
            Algorithm::ES256 => EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &SystemRandom::new())
                .map_err(|_| KeyError::Rejected("EC key generation failed".into()))?
                .as_ref()
                .to_vec(),
        };
        Ok((Self::from_pkcs8(kid, alg, &pkcs8)?, pkcs8))
    }

    /// Loads a key from its PKCS#8 document; this is where the (slow) parsing happens.
    pub fn from_pkcs8(kid: &str, alg: Algorithm, pkcs8: &[u8]) -> Result<Self, KeyError> {
        let pair = match alg {
            Algorithm::RS256 => {
                Pair::Rsa(RsaKeyPair::from_pkcs8(pkcs8).map_err(|e| KeyError::Rejected(e.to_string()))?)
            }
            Algorithm::ES256 => Pair::Ec(
                EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8)
                    .map_err(|e| KeyError::Rejected(e.to_string()))?,
            ),
        };
        let header = B64.encode(serde_json::json!({"typ": "JWT", "alg": alg.as_str(), "kid": kid}).to_string());
        Ok(Self {
            kid: kid.to_owned(),
            alg,
            pair,
            header,
        })
    }

    /// Checks a JWS signature made by this key (used to recognise our own tokens, e.g. for
    /// revocation requests).
    pub fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
        use aws_lc_rs::signature::{UnparsedPublicKey, ECDSA_P256_SHA256_FIXED, RSA_PKCS1_2048_8192_SHA256};
        match &self.pair {
            Pair::Rsa(k) => UnparsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, k.public_key().as_ref())
                .verify(message, signature)
                .is_ok(),
            Pair::Ec(k) => UnparsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, k.public_key().as_ref())
                .verify(message, signature)
                .is_ok(),
        }
    }

    /// The public half as a JWK (with `alg`, so verifiers can pin the algorithm to the key).
    pub fn public_jwk(&self) -> Jwk {
        let mut jwk = Jwk {
            kty: String::new(),
            use_: "sig".into(),
            kid: self.kid.clone(),
            alg: self.alg.as_str().into(),
            n: None,
            e: None,
            crv: None,
            x: None,
            y: None,
            issuer: None,
        };
        match &self.pair {
            Pair::Rsa(k) => {
                let public = k.public_key();
                jwk.kty = "RSA".into();
                jwk.n = Some(B64.encode(public.modulus().big_endian_without_leading_zero()));
                jwk.e = Some(B64.encode(public.exponent().big_endian_without_leading_zero()));
            }
            Pair::Ec(k) => {
                // Uncompressed SEC1 point: 0x04 || x (32) || y (32).
                let point = k.public_key().as_ref();
                jwk.kty = "EC".into();
                jwk.crv = Some("P-256".into());
                jwk.x = Some(B64.encode(&point[1..33]));
                jwk.y = Some(B64.encode(&point[33..65]));
            }
        }
        jwk
    }
}

impl Signer for LocalSigner {
    fn kid(&self) -> &str {
        &self.kid
    }

    fn algorithm(&self) -> Algorithm {
        self.alg
    }

    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, KeyError> {
        let rng = SystemRandom::new();
        match &self.pair {
            Pair::Rsa(k) => {
                let mut sig = vec![0u8; k.public_modulus_len()];
                k.sign(&RSA_PKCS1_SHA256, &rng, message, &mut sig)
                    .map_err(|_| KeyError::Sign)?;
                Ok(sig)
            }
            Pair::Ec(k) => Ok(k.sign(&rng, message).map_err(|_| KeyError::Sign)?.as_ref().to_vec()),
        }
    }

    fn encoded_header(&self) -> &str {
        &self.header
    }
}
