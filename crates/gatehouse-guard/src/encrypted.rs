//! Encrypted access tokens (a signed JWT nested in a compact JWE, RSA-OAEP-256 + A256GCM):
//! [`EncryptedVerifier`] recognizes the five-part shape, picks the configured decryption key by
//! the header's `kid`, decrypts (`gatehouse_keys::jwe`: tampering anywhere is refused), then
//! runs the normal JWS check of [`JwtVerifier`] on the inner token. The caller is of kind
//! [`CredentialKind::EncryptedJwt`]. Without a key for the token, it is a clear 401.
//!
//! Keys come from [`crate::GuardConfigBuilder::decryption_key`] (`gatehouse proxy
//! --decryption-key FILE`): the private key PEM the API author holds.

use std::sync::Arc;

use async_trait::async_trait;
use gatehouse_keys::jwe::{self, DecryptionKey};

use crate::caller::{Caller, CredentialKind};
use crate::jwt::JwtVerifier;
use crate::verifier::{CredentialError, CredentialVerifier, PresentedCredential};

/// The verifier of encrypted access tokens (see the module).
pub struct EncryptedVerifier {
    keys: Vec<Arc<DecryptionKey>>,
    jwt: Arc<JwtVerifier>,
}

impl EncryptedVerifier {
    pub(crate) fn new(keys: Vec<Arc<DecryptionKey>>, jwt: Arc<JwtVerifier>) -> Self {
        Self { keys, jwt }
    }

    /// The inner signed JWT of `token`, decrypted with the key its header names.
    pub fn decrypt(&self, token: &str) -> Result<String, CredentialError> {
        let kid =
            jwe::header_kid(token).map_err(|e| CredentialError::invalid("malformed encrypted token", e.to_string()))?;
        let key = match &kid {
            Some(kid) => self.keys.iter().find(|k| k.kid() == kid),
            None => self.keys.first().filter(|_| self.keys.len() == 1),
        };
        let Some(key) = key else {
            let why = if self.keys.is_empty() {
                "encrypted token, and this API has no decryption key"
            } else {
                "encrypted token for another key"
            };
            return Err(CredentialError::invalid(why, format!("kid {kid:?}")));
        };
        let inner = key
            .decrypt(token)
            .map_err(|e| CredentialError::invalid("encrypted token cannot be decrypted", e.to_string()))?;
        String::from_utf8(inner)
            .map_err(|_| CredentialError::invalid("malformed encrypted token", "inner token is not UTF-8"))
    }
}

#[async_trait]
impl CredentialVerifier for EncryptedVerifier {
    fn schemes(&self) -> &[&'static str] {
        &["Bearer"]
    }

    fn cacheable(&self) -> bool {
        true
    }

    async fn verify(&self, credential: PresentedCredential<'_>) -> Result<Option<Caller>, CredentialError> {
        if !jwe::looks_like_jwe(credential.value) {
            return Ok(None);
        }
        let inner = self.decrypt(credential.value)?;
        let caller = self.jwt.verify_token(&inner).await.map_err(CredentialError::from)?;
        Ok(Some(caller.with_kind(CredentialKind::EncryptedJwt)))
    }
}
