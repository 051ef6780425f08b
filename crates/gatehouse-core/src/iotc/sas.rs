//! Checking a presented `SharedAccessSignature`: parse strictly, find the token by tenant and
//! id, compare the SHA-256 of the secret in constant time, refuse it after its expiry. A
//! deleted token is gone from the store, so the server refuses it on the next request; guards
//! learn of it through the revocation feed (`credential` entries).
//!
//! The answer is the same for every failure (unknown tenant or token, wrong secret, expired,
//! `se` not the stored expiry): a caller learns nothing about which part was wrong.

use gatehouse_protocol::sas::Sas;

use super::api_tokens::now_ms;
use super::{Actor, ActorKind, Iotc};
use crate::error::Error;
use crate::model::RoleRef;
use crate::secret;

/// A valid, unexpired API token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SasCaller {
    pub tenant_id: String,
    pub token_id: String,
    pub roles: Vec<RoleRef>,
    /// Epoch milliseconds.
    pub expiry_ms: i64,
}

impl SasCaller {
    /// The actor the token is in the IoT Central door.
    pub fn actor(&self) -> Actor {
        Actor {
            tenant_id: self.tenant_id.clone(),
            kind: ActorKind::ApiToken(self.token_id.clone()),
            roles: self.roles.clone(),
            origin: None,
        }
    }
}

impl Iotc {
    /// The token `text` (a whole `SharedAccessSignature ...` header value) names, or `None`
    /// when it is malformed, unknown, forged or expired. Only a store that cannot be read is an
    /// error.
    pub async fn check_sas(&self, text: &str) -> Result<Option<SasCaller>, Error> {
        let Ok(sas) = Sas::parse(text) else {
            return Ok(None);
        };
        let tenant_id = sas.resource.to_ascii_lowercase();
        let id = sas.key_name.to_ascii_lowercase();
        let Some(token) = self.store.api_token(&tenant_id, &id).await? else {
            // Hash anyway, so an unknown id costs what a known one does.
            let _ = secret::sha256(sas.signature.as_bytes());
            return Ok(None);
        };
        let presented = secret::sha256(sas.signature.as_bytes());
        let genuine = secret::hashes_equal(&presented, &token.secret_hash);
        if !genuine || token.expiry_ms <= now_ms() || token.expiry_ms != sas.expiry_ms as i64 {
            return Ok(None);
        }
        Ok(Some(SasCaller {
            tenant_id,
            token_id: id,
            roles: token.roles,
            expiry_ms: token.expiry_ms,
        }))
    }
}
