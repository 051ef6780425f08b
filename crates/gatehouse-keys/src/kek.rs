//! The key-encryption key: AES-256-GCM over every private key stored in the database.
//!
//! Sealed layout: `nonce (12 bytes) || ciphertext || tag (16 bytes)`. The key id is the
//! additional authenticated data, so a sealed key cannot be moved to another key's row.

use aws_lc_rs::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_256_GCM, NONCE_LEN};
use aws_lc_rs::rand::{SecureRandom, SystemRandom};
use base64::{engine::general_purpose::STANDARD, Engine};

use crate::KeyError;

pub struct Kek {
    key: LessSafeKey,
}

impl std::fmt::Debug for Kek {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Kek(..)")
    }
}

impl Kek {
    /// A new random key, with its base64 text for the operator to keep.
    pub fn generate() -> Result<(Self, String), KeyError> {
        let mut bytes = [0u8; 32];
        SystemRandom::new().fill(&mut bytes).map_err(|_| KeyError::BadKek)?;
        let text = STANDARD.encode(bytes);
        Ok((Self::from_bytes(&bytes)?, text))
    }

    /// From the base64 text of 32 bytes (config file, `GATEHOUSE_KEK`, or the data folder).
    pub fn from_base64(text: &str) -> Result<Self, KeyError> {
        let bytes = STANDARD.decode(text.trim()).map_err(|_| KeyError::BadKek)?;
        Self::from_bytes(&bytes)
    }

    fn from_bytes(bytes: &[u8]) -> Result<Self, KeyError> {
        if bytes.len() != 32 {
            return Err(KeyError::BadKek);
        }
        let key = UnboundKey::new(&AES_256_GCM, bytes).map_err(|_| KeyError::BadKek)?;
        Ok(Self {
            key: LessSafeKey::new(key),
        })
    }

    pub fn seal(&self, plaintext: &[u8], aad: &str) -> Result<Vec<u8>, KeyError> {
        let mut nonce = [0u8; NONCE_LEN];
        SystemRandom::new().fill(&mut nonce).map_err(|_| KeyError::Sign)?;
        let mut buf = plaintext.to_vec();
        self.key
            .seal_in_place_append_tag(Nonce::assume_unique_for_key(nonce), Aad::from(aad.as_bytes()), &mut buf)
            .map_err(|_| KeyError::Sign)?;
        let mut out = nonce.to_vec();
        out.extend_from_slice(&buf);
        Ok(out)
    }

    pub fn open(&self, sealed: &[u8], aad: &str) -> Result<Vec<u8>, KeyError> {
        if sealed.len() < NONCE_LEN + 16 {
            return Err(KeyError::Unseal);
        }
        let (nonce, rest) = sealed.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| KeyError::Unseal)?;
        let mut buf = rest.to_vec();
        let plain = self
            .key
            .open_in_place(nonce, Aad::from(aad.as_bytes()), &mut buf)
            .map_err(|_| KeyError::Unseal)?;
        Ok(plain.to_vec())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seal_open_round_trip_and_aad_binding() {
        let (kek, text) = Kek::generate().unwrap();
        let sealed = kek.seal(b"secret", "kid-1").unwrap();
        assert_ne!(&sealed[12..18], b"secret");
        assert_eq!(kek.open(&sealed, "kid-1").unwrap(), b"secret");
        assert!(kek.open(&sealed, "kid-2").is_err());
        let again = Kek::from_base64(&text).unwrap();
        assert_eq!(again.open(&sealed, "kid-1").unwrap(), b"secret");
        let (other, _) = Kek::generate().unwrap();
        assert!(other.open(&sealed, "kid-1").is_err());
    }

    #[test]
    fn bad_kek_text_is_refused() {
        assert!(Kek::from_base64("c2hvcnQ=").is_err());
        assert!(Kek::from_base64("not base64 !!").is_err());
    }
}
