//! Client secrets: generation, hashing, constant-time checking.
//!
//! A secret is `hint~random`: 3 readable characters, `~`, then 40 characters of base64url from 30
//! random bytes (240 bits). Only SHA-256 of the whole text is stored. A check is one SHA-256 and
//! constant-time compares against the application's stored hashes.

use aws_lc_rs::digest::{digest, SHA256};
use aws_lc_rs::rand::{SecureRandom, SystemRandom};
use base64::{engine::general_purpose::URL_SAFE_NO_PAD as B64, Engine};
use subtle::ConstantTimeEq;

pub fn sha256(data: &[u8]) -> [u8; 32] {
    let d = digest(&SHA256, data);
    let mut out = [0u8; 32];
    out.copy_from_slice(d.as_ref());
    out
}

/// A new secret's text and its hash.
pub fn generate() -> (String, [u8; 32]) {
    let mut bytes = [0u8; 32];
    // SystemRandom only fails if the OS has no entropy source; there is no sane fallback.
    SystemRandom::new()
        .fill(&mut bytes)
        .expect("the operating system's random source failed");
    // The hint is alphanumeric so that a secret never starts with '-' (a flag on command lines).
    const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let hint: String = bytes[..3]
        .iter()
        .map(|b| ALNUM[*b as usize % ALNUM.len()] as char)
        .collect();
    let body = B64.encode(&bytes[2..]);
    let text = format!("{hint}~{body}");
    let hash = sha256(text.as_bytes());
    (text, hash)
}

/// `n` random bytes as base64url text: device codes, refresh tokens, approval tokens.
pub fn random_token(n: usize) -> String {
    let mut bytes = vec![0u8; n];
    // As in `generate`: no sane fallback if the OS has no entropy source.
    SystemRandom::new()
        .fill(&mut bytes)
        .expect("the operating system's random source failed");
    B64.encode(&bytes)
}

/// `len` characters drawn uniformly from `alphabet` (rejection sampling, no modulo bias).
pub fn random_from(alphabet: &[u8], len: usize) -> String {
    let limit = 256 - (256 % alphabet.len());
    let rng = SystemRandom::new();
    let mut out = String::with_capacity(len);
    while out.len() < len {
        let mut b = [0u8; 16];
        rng.fill(&mut b).expect("the operating system's random source failed");
        for x in b {
            if (x as usize) < limit && out.len() < len {
                out.push(alphabet[x as usize % alphabet.len()] as char);
            }
        }
    }
    out
}

/// The hint stored beside the hash: the secret's first three characters.
pub fn hint(text: &str) -> String {
    text.chars().take(3).collect()
}

/// Constant-time equality of two hashes.
pub fn hashes_equal(a: &[u8; 32], b: &[u8; 32]) -> bool {
    a.ct_eq(b).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_unique_and_hash_stable() {
        let (a, ha) = generate();
        let (b, hb) = generate();
        assert_ne!(a, b);
        assert_eq!(a.len(), 44);
        assert!(hashes_equal(&ha, &sha256(a.as_bytes())));
        assert!(!hashes_equal(&ha, &hb));
        assert_eq!(hint(&a), &a[..3]);
        assert!(a[..3].bytes().all(|b| b.is_ascii_alphanumeric()));
    }
}
