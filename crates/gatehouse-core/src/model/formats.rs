//! The access-token format of a resource API (issue 9 part 3) and the stored reference behind an
//! opaque (or undecryptable-here encrypted) access token.

use super::UnixTime;

/// How access tokens for an API are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TokenFormat {
    /// A signed JWT (JWS), readable by anyone who holds it: the default.
    #[default]
    Jwt,
    /// A signed JWT nested in a compact JWE (RSA-OAEP-256, A256GCM) to the API's own key.
    Encrypted,
    /// A random reference token, answered only by introspection.
    Opaque,
}

impl TokenFormat {
    pub const ALL: [TokenFormat; 3] = [Self::Jwt, Self::Encrypted, Self::Opaque];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Jwt => "jwt",
            Self::Encrypted => "encrypted",
            Self::Opaque => "opaque",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.as_str() == s)
    }
}

/// The stored format of one API in one tenant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiTokenFormat {
    pub tenant_id: String,
    /// The resource's appId, lower-case.
    pub app_id: String,
    pub format: TokenFormat,
    /// For [`TokenFormat::Encrypted`]: the encryption key's id, its public key
    /// (SubjectPublicKeyInfo DER), and its private key (PKCS#8) sealed under the KEK with the
    /// key id as AAD, when Gatehouse generated it (`None`: the API author registered only the
    /// public key).
    pub key_id: Option<String>,
    pub public_key: Option<Vec<u8>>,
    pub sealed_private_key: Option<Vec<u8>>,
    pub updated_at: UnixTime,
}

/// What an opaque access token (or an encrypted one Gatehouse cannot decrypt) stands for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReferenceRecord {
    /// SHA-256 of the token's text.
    pub token_hash: [u8; 32],
    pub tenant_id: String,
    pub uti: String,
    /// The claims, as the JSON a signed token would carry.
    pub claims: String,
    pub expires_at: UnixTime,
}
