//! Azure Resource Manager objects: subscriptions and their resource groups
//! ([`SubscriptionStore`]), RBAC custom role definitions and role assignments ([`RbacStore`]).
//!
//! Writes that change what the RBAC cache holds append change-feed entries: a subscription
//! created or deleted ([`super::ChangeKind::Subscription`], key its id), an assignment added or
//! removed ([`super::ChangeKind::RoleAssignment`], key the subscription id), a custom role
//! definition written or removed ([`super::ChangeKind::RoleDefinition`], key its id).

use async_trait::async_trait;

use super::StoreResult;
use crate::model::{PrincipalType, ResourceGroup, RoleAssignment, RoleDefinition, Subscription};

#[async_trait]
pub trait SubscriptionStore: Send + Sync {
    /// `Conflict` when the id is taken.
    async fn create_subscription(&self, s: &Subscription) -> StoreResult<()>;
    /// By id (lower-case), whatever its tenant.
    async fn subscription(&self, id: &str) -> StoreResult<Option<Subscription>>;
    async fn list_subscriptions(&self, tenant_id: &str) -> StoreResult<Vec<Subscription>>;
    /// Deletes the subscription with its resource groups and role assignments; `false` when
    /// there was none in the tenant.
    async fn delete_subscription(&self, tenant_id: &str, id: &str) -> StoreResult<bool>;

    /// Creates or replaces a resource group (same `key`); `true` when it was created.
    async fn put_resource_group(&self, rg: &ResourceGroup) -> StoreResult<bool>;
    /// `key` lower-case.
    async fn resource_group(&self, subscription_id: &str, key: &str) -> StoreResult<Option<ResourceGroup>>;
    /// At most `limit` groups with `key > after`, in key order (paging).
    async fn list_resource_groups(
        &self,
        subscription_id: &str,
        after: Option<&str>,
        limit: i64,
    ) -> StoreResult<Vec<ResourceGroup>>;
    /// Deletes the group and the role assignments at its scope; `false` when there was none.
    async fn delete_resource_group(&self, subscription_id: &str, key: &str) -> StoreResult<bool>;
}

#[async_trait]
pub trait RbacStore: Send + Sync {
    /// Creates or replaces a custom role definition of `d.tenant_id` (same id); `Conflict`
    /// when another definition of the tenant has the same role name (case-insensitive).
    async fn put_custom_role(&self, d: &RoleDefinition) -> StoreResult<()>;
    /// The tenant's custom role definitions, by name.
    async fn custom_roles(&self, tenant_id: &str) -> StoreResult<Vec<RoleDefinition>>;
    /// `false` when there was none.
    async fn delete_custom_role(&self, tenant_id: &str, id: &str) -> StoreResult<bool>;
    /// How many assignments use a role definition (a definition in use cannot be deleted).
    async fn custom_role_uses(&self, tenant_id: &str, id: &str) -> StoreResult<i64>;

    /// `Conflict` when the id is taken, or the same principal already holds the same role at
    /// the same scope.
    async fn create_rbac_assignment(&self, a: &RoleAssignment) -> StoreResult<()>;
    async fn rbac_assignment(&self, tenant_id: &str, id: &str) -> StoreResult<Option<RoleAssignment>>;
    /// Every assignment in a subscription (at its scope and its groups'), oldest first.
    async fn rbac_assignments(&self, subscription_id: &str) -> StoreResult<Vec<RoleAssignment>>;
    /// What kind of directory object `object_id` is in the tenant, `None` when it is none.
    async fn principal_type(&self, tenant_id: &str, object_id: &str) -> StoreResult<Option<PrincipalType>>;
    /// Removes and returns the assignment; `None` when there was none.
    async fn delete_rbac_assignment(&self, tenant_id: &str, id: &str) -> StoreResult<Option<RoleAssignment>>;
}
