//! Signing keys of Gatehouse.
//!
//! - [`kek`]: the key-encryption key (AES-256-GCM) that seals every private key at rest.
//! - [`signer`]: the [`Signer`] trait (so a KMS or HSM can be added) and [`LocalSigner`], which
//!   holds a parsed aws-lc-rs key pair in memory: parsing an RSA key costs more than half of a
//!   signature, so it is done once, when the key is loaded.
//! - [`jwe`]: compact JWE (RSA-OAEP-256 + A256GCM) for encrypted access tokens: the
//!   [`jwe::EncryptionKey`] tokens are encrypted to and the [`jwe::DecryptionKey`] that opens them.
//! - [`jws`]: compact JWS encoding of a JSON payload with a signer.
//! - [`record`]: [`KeyRecord`], a key as it is stored (sealed private half, public JWK), and the
//!   conversion between the two.
//! - [`schedule`]: rotation as pure functions of the stored keys and the clock (which key signs,
//!   which are published, when a rotation is due), so replicas agree without talking.

pub mod jwe;
pub mod jws;
pub mod kek;
pub mod record;
pub mod schedule;
pub mod signer;

pub use kek::Kek;
pub use record::{KeyRecord, KeyStatus};
pub use signer::{Algorithm, LocalSigner, Signer};

/// Errors of this crate. None of them carries key material.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("the key-encryption key must be 32 bytes, base64-encoded")]
    BadKek,
    #[error("a sealed key could not be opened: wrong key-encryption key or corrupted data")]
    Unseal,
    #[error("key material was rejected: {0}")]
    Rejected(String),
    #[error("signing failed")]
    Sign,
    #[error("unknown algorithm {0}")]
    UnknownAlgorithm(String),
}
