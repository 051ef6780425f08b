//! User passwords: argon2id (PHC strings), hashed and verified on tokio's blocking pool so a
//! sign-in never stalls the async workers. Unknown users are checked against a dummy hash, so
//! both answers take the same time.

use std::sync::OnceLock;

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use aws_lc_rs::rand::{SecureRandom, SystemRandom};

use crate::error::Error;

/// Shortest and longest password accepted.
pub const MIN_LEN: usize = 8;
pub const MAX_LEN: usize = 256;

fn hash_blocking(password: &str) -> Result<String, Error> {
    let mut salt = [0u8; 16];
    SystemRandom::new()
        .fill(&mut salt)
        .map_err(|_| Error::Internal("random source failed".into()))?;
    let salt = SaltString::encode_b64(&salt).map_err(|e| Error::Internal(e.to_string()))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| Error::Internal(format!("argon2: {e}")))
}

fn verify_blocking(password: &str, phc: &str) -> bool {
    match PasswordHash::new(phc) {
        Ok(parsed) => Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok(),
        Err(_) => false,
    }
}

/// A hash of a random password, computed once, checked when the user does not exist.
fn dummy() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| hash_blocking("gatehouse-no-such-user").unwrap_or_default())
}

pub fn validate(password: &str) -> Result<(), Error> {
    let n = password.chars().count();
    if !(MIN_LEN..=MAX_LEN).contains(&n) {
        return Err(Error::Invalid(format!(
            "The password must have {MIN_LEN} to {MAX_LEN} characters."
        )));
    }
    Ok(())
}

/// The argon2id PHC string of a password.
pub async fn hash(password: String) -> Result<String, Error> {
    tokio::task::spawn_blocking(move || hash_blocking(&password))
        .await
        .map_err(|e| Error::Internal(format!("password hashing task: {e}")))?
}

/// Whether `password` matches `phc`; `None` (no such user) checks a dummy hash and is false.
pub async fn verify(password: String, phc: Option<String>) -> Result<bool, Error> {
    tokio::task::spawn_blocking(move || match phc {
        Some(phc) => verify_blocking(&password, &phc),
        None => {
            let _ = verify_blocking(&password, dummy());
            false
        }
    })
    .await
    .map_err(|e| Error::Internal(format!("password check task: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_are_argon2id_salted_and_verify() {
        let a = hash("correct horse".into()).await.unwrap();
        let b = hash("correct horse".into()).await.unwrap();
        assert!(a.starts_with("$argon2id$v=19$"), "{a}");
        assert_ne!(a, b, "salted");
        assert!(verify("correct horse".into(), Some(a.clone())).await.unwrap());
        assert!(!verify("wrong horse".into(), Some(a)).await.unwrap());
        assert!(!verify("anything".into(), None).await.unwrap());
        assert!(!verify("x".into(), Some("not a phc string".into())).await.unwrap());
    }
}
