//! IoT Central's objects: organizations, custom roles, the principals holding IoT Central roles,
//! API tokens.

use async_trait::async_trait;

use super::StoreResult;
use crate::model::{ApiToken, CustomRole, IotcUser, Organization};

/// What still uses an organization or a custom role (its delete is refused while any is
/// non-zero; a role has no children).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OrganizationUse {
    pub children: i64,
    pub api_tokens: i64,
    pub users: i64,
}

impl OrganizationUse {
    pub fn is_unused(&self) -> bool {
        self.children + self.api_tokens + self.users == 0
    }
}

/// The outcome of deleting an object that others may name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Removal {
    Removed,
    /// There was no such object.
    Missing,
    /// Refused: these still name it (counted in the same transaction as the refusal).
    InUse(OrganizationUse),
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
    /// Every custom role of the tenant, oldest first.
    async fn iotc_roles(&self, tenant_id: &str) -> StoreResult<Vec<CustomRole>>;
}

/// The writes of IoT Central's objects inside a unit of work. Creates are `Conflict` when the
/// id is taken; an organization's parent must exist (`NotFound`).
///
/// Deletes and the writes that name an organization or a custom role serialize on that row
/// (its row lock on PostgreSQL; SQLite's unit of work holds the write lock), so a delete that
/// finds nothing using an object cannot race a write that starts using it: the write then
/// finds the object gone (`NotFound`), or the delete finds the new user (`InUse`).
#[async_trait]
pub trait IotcWrites: Send {
    async fn create_organization(&mut self, org: &Organization) -> StoreResult<()>;
    /// Display name and parent; `NotFound` when there is no such organization.
    async fn update_organization(&mut self, org: &Organization) -> StoreResult<()>;
    /// Refused (`InUse`) while children, API tokens or users name it.
    async fn delete_organization(&mut self, tenant_id: &str, id: &str) -> StoreResult<Removal>;
    /// Creates or replaces (by id) an IoT Central user; every organization and custom role its
    /// roles name must exist (`NotFound`).
    async fn put_iotc_user(&mut self, user: &IotcUser) -> StoreResult<()>;
    /// `false` if there was no such user.
    async fn delete_iotc_user(&mut self, tenant_id: &str, id: &str) -> StoreResult<bool>;
    /// Every organization and custom role the token's roles name must exist (`NotFound`).
    async fn create_api_token(&mut self, token: &ApiToken) -> StoreResult<()>;
    /// The deleted token, `None` if there was none.
    async fn delete_api_token(&mut self, tenant_id: &str, id: &str) -> StoreResult<Option<ApiToken>>;
    /// Creates or replaces (by id) a custom role; `true` when it was created. `Conflict` when
    /// another role of the tenant has the same display name (case-insensitive).
    async fn put_iotc_role(&mut self, role: &CustomRole) -> StoreResult<bool>;
    /// Refused (`InUse`) while API tokens or users hold it.
    async fn delete_iotc_role(&mut self, tenant_id: &str, id: &str) -> StoreResult<Removal>;
}
