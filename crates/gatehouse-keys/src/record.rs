//! A signing key as stored: sealed private half, public JWK, lifecycle.

use crate::{Algorithm, Kek, KeyError, LocalSigner};

/// Where a key is in its life. `Active` keys sign; `Published` keys are in the JWKS ahead of use
/// (rotation publishes before signing); `Retired` keys stay published until tokens expire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyStatus {
    Published,
    Active,
    Retired,
}

impl KeyStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Published => "published",
            Self::Active => "active",
            Self::Retired => "retired",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "published" => Some(Self::Published),
            "active" => Some(Self::Active),
            "retired" => Some(Self::Retired),
            _ => None,
        }
    }
}

#[derive(Debug, Clone)]
pub struct KeyRecord {
    pub kid: String,
    pub tenant_id: String,
    pub alg: Algorithm,
    /// PKCS#8 sealed with the KEK, the kid as associated data.
    pub sealed_private: Vec<u8>,
    /// The public JWK, JSON text.
    pub public_jwk: String,
    pub status: KeyStatus,
    pub created_at: i64,
}

impl KeyRecord {
    /// A fresh key for a tenant, sealed for storage, with the signer ready to use.
    pub fn generate(kek: &Kek, tenant_id: &str, alg: Algorithm, now: i64) -> Result<(Self, LocalSigner), KeyError> {
        let kid = uuid::Uuid::new_v4().simple().to_string();
        let (signer, pkcs8) = LocalSigner::generate(&kid, alg)?;
        let record = Self {
            sealed_private: kek.seal(&pkcs8, &kid)?,
            public_jwk: serde_json::to_string(&signer.public_jwk()).map_err(|e| KeyError::Rejected(e.to_string()))?,
            kid,
            tenant_id: tenant_id.to_owned(),
            alg,
            status: KeyStatus::Active,
            created_at: now,
        };
        Ok((record, signer))
    }

    /// Opens the sealed private key and parses it (done once per key per process).
    pub fn load(&self, kek: &Kek) -> Result<LocalSigner, KeyError> {
        let pkcs8 = kek.open(&self.sealed_private, &self.kid)?;
        LocalSigner::from_pkcs8(&self.kid, self.alg, &pkcs8)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_keys_are_encrypted_at_rest() {
        let (kek, _) = Kek::generate().unwrap();
        let (rec, signer) = KeyRecord::generate(&kek, "t", Algorithm::ES256, 0).unwrap();
        // The stored bytes are not a PKCS#8 document: its DER SEQUENCE tag (0x30) does not lead
        // after the nonce, and nothing opens without the KEK.
        let (other, _) = Kek::generate().unwrap();
        assert!(rec.load(&other).is_err());
        assert_eq!(rec.load(&kek).unwrap().public_jwk(), signer.public_jwk());
    }
}
