//! Access-token formats of resource APIs, and the records behind opaque access tokens.

use async_trait::async_trait;

use super::StoreResult;
use crate::model::{ApiTokenFormat, ReferenceRecord};

/// Per-API token formats (audited writes; each names the API's appId in the change feed as
/// [`super::ChangeKind::App`], so every process drops its cached format within the
/// one-second promise) and opaque-token records (not managed objects: written at issuance,
/// like refresh tokens, and purged when expired).
#[async_trait]
pub trait TokenFormatStore: Send + Sync {
    /// Writes the format of an API. With `replace` false an existing row is kept and `false`
    /// returned (the first writer wins: two replicas generating a built-in's key at once
    /// agree on one); otherwise the row is written and `true` returned.
    async fn put_token_format(&self, format: &ApiTokenFormat, replace: bool) -> StoreResult<bool>;
    /// The stored format of the API `app_id` (lower-case) in `tenant_id`, if any.
    async fn token_format(&self, tenant_id: &str, app_id: &str) -> StoreResult<Option<ApiTokenFormat>>;
    /// The format of `tenant_id` whose encryption key is `key_id`, if any.
    async fn token_format_by_key_id(&self, tenant_id: &str, key_id: &str) -> StoreResult<Option<ApiTokenFormat>>;
    /// Records an issued opaque token.
    async fn insert_reference_token(&self, record: &ReferenceRecord) -> StoreResult<()>;
    /// The record of a token by the SHA-256 of its text.
    async fn reference_token(&self, token_hash: &[u8; 32]) -> StoreResult<Option<ReferenceRecord>>;
}
