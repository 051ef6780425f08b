//! Compact JWE (RFC 7516) with exactly one algorithm pair: `RSA-OAEP-256` key encryption and
//! `A256GCM` content encryption (RFC 7518 4.3 and 5.3), the pair Entra uses for encrypted
//! tokens. Nothing else is accepted on decryption: no `zip`, no `crit`, no other `alg`/`enc`.
//!
//! Layout: `base64url(header) . base64url(RSA-OAEP-256(CEK)) . base64url(IV) .
//! base64url(ciphertext) . base64url(tag)`, where the AAD is the ASCII of the first part.
//!
//! The key id of an encryption key is computed, not chosen: base64url(SHA-256 of the
//! SubjectPublicKeyInfo DER), so a holder of the private key can compute it too.

use aws_lc_rs::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_256_GCM, NONCE_LEN};
use aws_lc_rs::digest;
use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rand::{SecureRandom, SystemRandom};
use aws_lc_rs::rsa::{
    KeySize, OaepPrivateDecryptingKey, OaepPublicEncryptingKey, PrivateDecryptingKey, PublicEncryptingKey,
    OAEP_SHA256_MGF1SHA256,
};
use base64::{engine::general_purpose::URL_SAFE_NO_PAD as B64, Engine};

use crate::KeyError;

/// The key-management algorithm, as the header names it.
pub const ALG: &str = "RSA-OAEP-256";
/// The content-encryption algorithm, as the header names it.
pub const ENC: &str = "A256GCM";
/// Longest compact JWE accepted for decryption (as the guard's JWT limit).
pub const MAX_JWE_LEN: usize = 16 * 1024;
/// Smallest RSA key accepted for encryption keys.
pub const MIN_RSA_BITS: usize = 2048;
const CEK_LEN: usize = 32;
const TAG_LEN: usize = 16;

/// Why a JWE could not be read. Deliberately coarse: a caller learns "malformed",
/// "not for this key" or "cannot decrypt", never which byte was wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JweError {
    #[error("not a compact JWE: {0}")]
    Malformed(&'static str),
    #[error("JWE header not accepted: {0}")]
    Header(&'static str),
    #[error("JWE encrypted to another key")]
    UnknownKey,
    #[error("JWE cannot be decrypted (tampered, or not for this key)")]
    Decrypt,
}

/// The key id of an RSA public key (SubjectPublicKeyInfo DER).
pub fn key_id(spki_der: &[u8]) -> String {
    B64.encode(digest::digest(&digest::SHA256, spki_der))
}

/// Whether `token` has the shape of a compact JWE (five parts), without reading it.
pub fn looks_like_jwe(token: &str) -> bool {
    token.len() <= MAX_JWE_LEN && token.bytes().filter(|b| *b == b'.').count() == 4
}

/// An RSA public key tokens are encrypted to, parsed once.
pub struct EncryptionKey {
    kid: String,
    key: OaepPublicEncryptingKey,
    header: String,
}

impl std::fmt::Debug for EncryptionKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "EncryptionKey({})", self.kid)
    }
}

impl EncryptionKey {
    /// From SubjectPublicKeyInfo DER (RSA, at least 2048 bits).
    pub fn from_spki_der(der: &[u8]) -> Result<Self, KeyError> {
        let public = PublicEncryptingKey::from_der(der).map_err(|e| KeyError::Rejected(e.to_string()))?;
        if public.key_size_bits() < MIN_RSA_BITS {
            return Err(KeyError::Rejected(format!(
                "RSA keys of at least {MIN_RSA_BITS} bits only"
            )));
        }
        let key = OaepPublicEncryptingKey::new(public).map_err(|_| KeyError::Rejected("RSA-OAEP key".into()))?;
        let kid = key_id(der);
        let header =
            B64.encode(serde_json::json!({"alg": ALG, "enc": ENC, "cty": "JWT", "typ": "JWT", "kid": kid}).to_string());
        Ok(Self { kid, key, header })
    }

    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// Encrypts `plaintext` (a compact JWS) into a compact JWE.
    pub fn encrypt(&self, plaintext: &[u8]) -> Result<String, KeyError> {
        let rng = SystemRandom::new();
        let mut cek = [0u8; CEK_LEN];
        let mut iv = [0u8; NONCE_LEN];
        rng.fill(&mut cek).map_err(|_| KeyError::Sign)?;
        rng.fill(&mut iv).map_err(|_| KeyError::Sign)?;
        let mut wrapped = vec![0u8; self.key.ciphertext_size()];
        let wrapped = self
            .key
            .encrypt(&OAEP_SHA256_MGF1SHA256, &cek, &mut wrapped, None)
            .map_err(|_| KeyError::Sign)?;
        let aead = LessSafeKey::new(UnboundKey::new(&AES_256_GCM, &cek).map_err(|_| KeyError::Sign)?);
        let mut body = plaintext.to_vec();
        let tag = aead
            .seal_in_place_separate_tag(
                Nonce::assume_unique_for_key(iv),
                Aad::from(self.header.as_bytes()),
                &mut body,
            )
            .map_err(|_| KeyError::Sign)?;
        let mut out = String::with_capacity(self.header.len() + (wrapped.len() + body.len()) * 4 / 3 + 64);
        out.push_str(&self.header);
        for part in [&wrapped[..], &iv[..], &body[..], tag.as_ref()] {
            out.push('.');
            B64.encode_string(part, &mut out);
        }
        Ok(out)
    }
}

/// The private half of an encryption key, parsed once: what the resource (or a guard in front
/// of it) decrypts with.
pub struct DecryptionKey {
    kid: String,
    key: OaepPrivateDecryptingKey,
    public_der: Vec<u8>,
}

impl std::fmt::Debug for DecryptionKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "DecryptionKey({})", self.kid)
    }
}

impl DecryptionKey {
    /// A new RSA-2048 key; returns it and its PKCS#8 DER (for sealing or for the API author).
    pub fn generate() -> Result<(Self, Vec<u8>), KeyError> {
        let private = PrivateDecryptingKey::generate(KeySize::Rsa2048).map_err(|_| KeyError::Sign)?;
        let pkcs8 = private.as_der().map_err(|_| KeyError::Sign)?.as_ref().to_vec();
        Ok((Self::from_pkcs8(&pkcs8)?, pkcs8))
    }

    /// From PKCS#8 DER of an RSA key of at least 2048 bits.
    pub fn from_pkcs8(der: &[u8]) -> Result<Self, KeyError> {
        let private = PrivateDecryptingKey::from_pkcs8(der).map_err(|e| KeyError::Rejected(e.to_string()))?;
        if private.key_size_bits() < MIN_RSA_BITS {
            return Err(KeyError::Rejected(format!(
                "RSA keys of at least {MIN_RSA_BITS} bits only"
            )));
        }
        let public_der = private
            .public_key()
            .as_der()
            .map_err(|_| KeyError::Rejected("public key".into()))?
            .as_ref()
            .to_vec();
        let key = OaepPrivateDecryptingKey::new(private).map_err(|_| KeyError::Rejected("RSA-OAEP key".into()))?;
        Ok(Self {
            kid: key_id(&public_der),
            key,
            public_der,
        })
    }

    /// From a PEM file holding a PKCS#8 `PRIVATE KEY` block (what `gatehouse api encryption-key
    /// create` prints).
    pub fn from_pem(text: &str) -> Result<Self, KeyError> {
        Self::from_pkcs8(&pem_block(text, "PRIVATE KEY")?)
    }

    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// The public half (SubjectPublicKeyInfo DER).
    pub fn public_der(&self) -> &[u8] {
        &self.public_der
    }

    /// The public half, ready to encrypt to.
    pub fn encryption_key(&self) -> Result<EncryptionKey, KeyError> {
        EncryptionKey::from_spki_der(&self.public_der)
    }

    /// Decrypts a compact JWE made by [`EncryptionKey::encrypt`] for this key.
    pub fn decrypt(&self, token: &str) -> Result<Vec<u8>, JweError> {
        let parts = split(token)?;
        let header = read_header(parts[0])?;
        if header.get("kid").is_some_and(|k| k.as_str() != Some(self.kid.as_str())) {
            return Err(JweError::UnknownKey);
        }
        let wrapped = b64(parts[1])?;
        let iv = b64(parts[2])?;
        let mut body = b64(parts[3])?;
        let tag = b64(parts[4])?;
        if iv.len() != NONCE_LEN || tag.len() != TAG_LEN {
            return Err(JweError::Malformed("iv or tag length"));
        }
        // RFC 7516 11.5: a key that does not unwrap goes on as a random one, so a failed unwrap
        // and a failed tag look alike.
        let mut cek = [0u8; CEK_LEN];
        let mut out = vec![0u8; self.key.min_output_size()];
        match self.key.decrypt(&OAEP_SHA256_MGF1SHA256, &wrapped, &mut out, None) {
            Ok(plain) if plain.len() == CEK_LEN => cek.copy_from_slice(plain),
            _ => SystemRandom::new().fill(&mut cek).map_err(|_| JweError::Decrypt)?,
        }
        let aead = LessSafeKey::new(UnboundKey::new(&AES_256_GCM, &cek).map_err(|_| JweError::Decrypt)?);
        let nonce = Nonce::try_assume_unique_for_key(&iv).map_err(|_| JweError::Decrypt)?;
        body.extend_from_slice(&tag);
        let plain = aead
            .open_in_place(nonce, Aad::from(parts[0].as_bytes()), &mut body)
            .map_err(|_| JweError::Decrypt)?;
        Ok(plain.to_vec())
    }
}

/// The protected header, checked: a JSON object with `alg` RSA-OAEP-256, `enc` A256GCM, no
/// `zip`, no `crit`, and a string `kid` if any.
pub fn read_header(part: &str) -> Result<serde_json::Map<String, serde_json::Value>, JweError> {
    let header: serde_json::Map<String, serde_json::Value> =
        serde_json::from_slice(&b64(part)?).map_err(|_| JweError::Malformed("header"))?;
    if header.contains_key("crit") {
        return Err(JweError::Header("crit"));
    }
    if header.contains_key("zip") {
        return Err(JweError::Header("zip"));
    }
    if header.get("alg").and_then(|v| v.as_str()) != Some(ALG)
        || header.get("enc").and_then(|v| v.as_str()) != Some(ENC)
    {
        return Err(JweError::Header("alg/enc"));
    }
    if header.get("kid").is_some_and(|k| !k.is_string()) {
        return Err(JweError::Header("kid"));
    }
    Ok(header)
}

/// The `kid` of a compact JWE's header, if it is one we could read.
pub fn header_kid(token: &str) -> Result<Option<String>, JweError> {
    let parts = split(token)?;
    let header = read_header(parts[0])?;
    Ok(header.get("kid").and_then(|k| k.as_str()).map(str::to_owned))
}

/// The five parts of a compact JWE, each non-empty except none (all five carry bytes here).
fn split(token: &str) -> Result<Vec<&str>, JweError> {
    if token.len() > MAX_JWE_LEN {
        return Err(JweError::Malformed("too long"));
    }
    let parts: Vec<&str> = token.split('.').collect();
    if parts.len() != 5 {
        return Err(JweError::Malformed("five parts expected"));
    }
    if parts.iter().any(|p| p.is_empty()) {
        return Err(JweError::Malformed("empty part"));
    }
    Ok(parts)
}

fn b64(part: &str) -> Result<Vec<u8>, JweError> {
    B64.decode(part).map_err(|_| JweError::Malformed("base64url"))
}

/// The contents of the one PEM block labelled `label` in `text`.
pub fn pem_block(text: &str, label: &str) -> Result<Vec<u8>, KeyError> {
    let begin = format!("-----BEGIN {label}-----");
    let end = format!("-----END {label}-----");
    let start = text
        .find(&begin)
        .ok_or_else(|| KeyError::Rejected(format!("no PEM block {label}")))?;
    let rest = &text[start + begin.len()..];
    let stop = rest
        .find(&end)
        .ok_or_else(|| KeyError::Rejected(format!("PEM block {label} not closed")))?;
    let body: String = rest[..stop].chars().filter(|c| !c.is_whitespace()).collect();
    base64::engine::general_purpose::STANDARD
        .decode(body)
        .map_err(|_| KeyError::Rejected(format!("PEM block {label} is not base64")))
}

/// `der` as a PEM block labelled `label`, 64 characters a line.
pub fn pem_encode(label: &str, der: &[u8]) -> String {
    let text = base64::engine::general_purpose::STANDARD.encode(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for line in text.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(line).unwrap_or_default());
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pair() -> (EncryptionKey, DecryptionKey) {
        let (private, _) = DecryptionKey::generate().unwrap();
        (private.encryption_key().unwrap(), private)
    }

    #[test]
    fn round_trip_with_the_headers_entra_uses() {
        let (public, private) = pair();
        let token = public.encrypt(b"a.b.c").unwrap();
        assert!(looks_like_jwe(&token));
        let header: serde_json::Value =
            serde_json::from_slice(&B64.decode(token.split('.').next().unwrap()).unwrap()).unwrap();
        assert_eq!(header["alg"], ALG);
        assert_eq!(header["enc"], ENC);
        assert_eq!(header["cty"], "JWT");
        assert_eq!(header["kid"], private.kid());
        assert_eq!(public.kid(), private.kid());
        assert_eq!(private.decrypt(&token).unwrap(), b"a.b.c");
        // A fresh key and IV every time.
        assert_ne!(public.encrypt(b"a.b.c").unwrap(), token);
    }

    #[test]
    fn tampered_encrypted_tokens_are_refused() {
        let (public, private) = pair();
        let token = public.encrypt(b"payload that matters").unwrap();
        let parts: Vec<&str> = token.split('.').collect();
        for i in 0..5 {
            let mut bytes = B64.decode(parts[i]).unwrap();
            bytes[0] ^= 1;
            let mut changed = parts.clone();
            let part = B64.encode(&bytes);
            changed[i] = &part;
            let forged = changed.join(".");
            assert!(private.decrypt(&forged).is_err(), "part {i} changed must not decrypt");
        }
        // Truncated tag, dropped part, extra part.
        assert!(private.decrypt(&token[..token.len() - 2]).is_err());
        assert!(private.decrypt(&parts[..4].join(".")).is_err());
        assert!(private.decrypt(&format!("{token}.x")).is_err());
    }

    #[test]
    fn encrypted_tokens_reveal_nothing_without_the_key() {
        let (public, _) = pair();
        let (_, other) = pair();
        let token = public.encrypt(b"x").unwrap();
        assert_eq!(other.decrypt(&token), Err(JweError::UnknownKey));
        // Without the kid the other key tries, and fails like a tampered token.
        let parts: Vec<&str> = token.split('.').collect();
        let header = B64.encode(br#"{"alg":"RSA-OAEP-256","enc":"A256GCM"}"#);
        let mut no_kid = parts.clone();
        no_kid[0] = &header;
        assert_eq!(other.decrypt(&no_kid.join(".")), Err(JweError::Decrypt));
    }

    #[test]
    fn other_algorithms_and_headers_are_refused() {
        let (public, private) = pair();
        let token = public.encrypt(b"x").unwrap();
        let parts: Vec<&str> = token.split('.').collect();
        for header in [
            format!(r#"{{"alg":"RSA1_5","enc":"A256GCM","kid":"{}"}}"#, private.kid()),
            format!(r#"{{"alg":"dir","enc":"A256GCM","kid":"{}"}}"#, private.kid()),
            format!(
                r#"{{"alg":"RSA-OAEP-256","enc":"A128CBC-HS256","kid":"{}"}}"#,
                private.kid()
            ),
            format!(
                r#"{{"alg":"RSA-OAEP-256","enc":"A256GCM","zip":"DEF","kid":"{}"}}"#,
                private.kid()
            ),
            format!(
                r#"{{"alg":"RSA-OAEP-256","enc":"A256GCM","crit":["x"],"kid":"{}"}}"#,
                private.kid()
            ),
            "not json".to_owned(),
        ] {
            let h = B64.encode(header.as_bytes());
            let mut changed = parts.clone();
            changed[0] = &h;
            assert!(private.decrypt(&changed.join(".")).is_err(), "{header}");
        }
    }

    #[test]
    fn pem_round_trip_and_small_keys_refused() {
        let (private, pkcs8) = DecryptionKey::generate().unwrap();
        let pem = pem_encode("PRIVATE KEY", &pkcs8);
        assert!(pem.starts_with("-----BEGIN PRIVATE KEY-----\n"));
        let again = DecryptionKey::from_pem(&pem).unwrap();
        assert_eq!(again.kid(), private.kid());
        assert!(DecryptionKey::from_pem("-----BEGIN CERTIFICATE-----\nAA==\n-----END CERTIFICATE-----").is_err());
        assert!(EncryptionKey::from_spki_der(b"\x30\x00").is_err());
    }
}
