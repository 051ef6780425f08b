//! Tenants and their signing keys.

use async_trait::async_trait;
use gatehouse_keys::KeyRecord;

use super::StoreResult;
use crate::model::Tenant;

#[async_trait]
pub trait TenantStore: Send + Sync {
    /// Creates a tenant with its first signing keys, in one transaction.
    async fn create_tenant(&self, tenant: &Tenant, keys: &[KeyRecord]) -> StoreResult<()>;
    async fn tenant_by_id(&self, id: &str) -> StoreResult<Option<Tenant>>;
    async fn tenant_by_name(&self, name: &str) -> StoreResult<Option<Tenant>>;
    async fn list_tenants(&self) -> StoreResult<Vec<Tenant>>;
}

#[async_trait]
pub trait KeyStore: Send + Sync {
    /// Adds a key as given (a unique `(tenant, alg, generation)`).
    async fn add_key(&self, key: &KeyRecord) -> StoreResult<()>;
    /// A rotation: adds `key` (the successor of the tenant's newest key of its algorithm, its
    /// generation one more) and sets `retires_at = retire_previous_at` on the older keys of that
    /// algorithm that would retire later or never, in one unit of work, audited
    /// (`signingKey.rotate`). `false`, writing nothing, when a key of that generation exists:
    /// another process rotated first.
    async fn rotate_key(&self, key: &KeyRecord, retire_previous_at: i64) -> StoreResult<bool>;
    /// Every key of the tenant, retired ones included, oldest generation first.
    async fn keys_for_tenant(&self, tenant_id: &str) -> StoreResult<Vec<KeyRecord>>;
}
