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
    async fn add_key(&self, key: &KeyRecord) -> StoreResult<()>;
    async fn keys_for_tenant(&self, tenant_id: &str) -> StoreResult<Vec<KeyRecord>>;
}
