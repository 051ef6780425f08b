//! IoT Central's objects: organizations, the principals holding IoT Central roles, API tokens.

use async_trait::async_trait;

use super::StoreResult;
use crate::model::{ApiToken, IotcUser, Organization};

/// What still uses an organization (its delete is refused while any is non-zero).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OrganizationUse {
    pub children: i64,
    pub api_tokens: i64,
    pub users: i64,
}

/// Reads of IoT Central's objects. Ids are stored lower-case by the caller.
#[async_trait]
pub trait IotcStore: Send + Sync {
    async fn organization(&self, tenant_id: &str, id: &str) -> StoreResult<Option<Organization>>;
    /// Every organization of the tenant, oldest first.
    async fn organizations(&self, tenant_id: &str) -> StoreResult<Vec<Organization>>;
    /// The children, API tokens and users naming the organization.
    async fn organization_use(&self, tenant_id: &str, id: &str) -> StoreResult<OrganizationUse>;
    async fn iotc_user(&self, tenant_id: &str, id: &str) -> StoreResult<Option<IotcUser>>;
    /// The IoT Central user naming a directory principal (a bearer token's `oid`).
    async fn iotc_user_by_principal(&self, tenant_id: &str, principal_id: &str) -> StoreResult<Option<IotcUser>>;
    /// Every IoT Central user of the tenant, by id.
    async fn iotc_users(&self, tenant_id: &str) -> StoreResult<Vec<IotcUser>>;
    async fn api_token(&self, tenant_id: &str, id: &str) -> StoreResult<Option<ApiToken>>;
    /// Every API token of the tenant (expired ones too), by id.
    async fn api_tokens(&self, tenant_id: &str) -> StoreResult<Vec<ApiToken>>;
}

/// The writes of IoT Central's objects inside a unit of work. Creates are `Conflict` when the
/// id is taken; an organization's parent must exist (`NotFound`).
#[async_trait]
pub trait IotcWrites: Send {
    async fn create_organization(&mut self, org: &Organization) -> StoreResult<()>;
    /// Display name and parent; `NotFound` when there is no such organization.
    async fn update_organization(&mut self, org: &Organization) -> StoreResult<()>;
    /// `false` if there was no such organization.
    async fn delete_organization(&mut self, tenant_id: &str, id: &str) -> StoreResult<bool>;
    /// Creates or replaces (by id) an IoT Central user.
    async fn put_iotc_user(&mut self, user: &IotcUser) -> StoreResult<()>;
    /// `false` if there was no such user.
    async fn delete_iotc_user(&mut self, tenant_id: &str, id: &str) -> StoreResult<bool>;
    async fn create_api_token(&mut self, token: &ApiToken) -> StoreResult<()>;
    /// The deleted token, `None` if there was none.
    async fn delete_api_token(&mut self, tenant_id: &str, id: &str) -> StoreResult<Option<ApiToken>>;
}
