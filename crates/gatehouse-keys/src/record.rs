//! A signing key as stored: sealed private half, public JWK, and its schedule (when it starts
//! signing, when it leaves the JWKS). Where a key is in its life is computed from the schedule
//! and the clock ([`crate::schedule`]), never stored, so every replica reading the same rows at
//! the same moment agrees.

use crate::{Algorithm, Kek, KeyError, LocalSigner};

/// Where a key is in its life at a given moment ([`crate::schedule::status`]).
/// `Published`: in the JWKS ahead of use, not signing yet. `Active`: signs (one per algorithm).
/// `Inactive`: a successor signs; still in the JWKS until the tokens it signed have expired.
/// `Retired`: out of the JWKS; nothing it signed is accepted any more.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyStatus {
    Published,
    Active,
    Inactive,
    Retired,
}

impl KeyStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Published => "published",
            Self::Active => "active",
            Self::Inactive => "inactive",
            Self::Retired => "retired",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "published" => Some(Self::Published),
            "active" => Some(Self::Active),
            "inactive" => Some(Self::Inactive),
            "retired" => Some(Self::Retired),
            _ => None,
        }
    }

    /// In the JWKS (and accepted by our own verifier).
    pub fn is_published(self) -> bool {
        self != Self::Retired
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
    pub created_at: i64,
    /// From this moment (Unix seconds) it is the algorithm's signer, unless a newer key is.
    pub activates_at: i64,
    /// From this moment it is out of the JWKS: its successor's activation plus the longest
    /// token lifetime. `None` while it has no successor.
    pub retires_at: Option<i64>,
    /// 0 for a tenant's first key of an algorithm, one more per rotation. `(tenant_id, alg,
    /// generation)` is unique, so two processes rotating at once add one key, not two.
    pub generation: i64,
}

impl KeyRecord {
    /// A fresh first key (generation 0, signing at once) for a tenant, sealed for storage, with
    /// the signer ready to use.
    pub fn generate(kek: &Kek, tenant_id: &str, alg: Algorithm, now: i64) -> Result<(Self, LocalSigner), KeyError> {
        let kid = uuid::Uuid::new_v4().simple().to_string();
        let (signer, pkcs8) = LocalSigner::generate(&kid, alg)?;
        let record = Self {
            sealed_private: kek.seal(&pkcs8, &kid)?,
            public_jwk: serde_json::to_string(&signer.public_jwk()).map_err(|e| KeyError::Rejected(e.to_string()))?,
            kid,
            tenant_id: tenant_id.to_owned(),
            alg,
            created_at: now,
            activates_at: now,
            retires_at: None,
            generation: 0,
        };
        Ok((record, signer))
    }

    /// The key that follows `previous` (same tenant and algorithm, next generation), published
    /// from `now` and signing from `activates_at`.
    pub fn successor(kek: &Kek, previous: &KeyRecord, now: i64, activates_at: i64) -> Result<Self, KeyError> {
        let (mut next, _) = Self::generate(kek, &previous.tenant_id, previous.alg, now)?;
        next.activates_at = activates_at.max(now);
        next.generation = previous.generation + 1;
        Ok(next)
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
