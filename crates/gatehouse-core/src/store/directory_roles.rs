//! Directory roles: what a principal may do in its tenant's directory through the Graph door.

use async_trait::async_trait;

use super::StoreResult;

/// Directory roles held by users and service principals (`crate::admin::directory_roles`
/// names the values: Graph's application permissions for service principals, and
/// "Global Administrator" / "Directory Readers" for users). Writes append an
/// `AppRoleAssignment` change entry keyed `{principal_id}|{graph app id}`, so the `roles` of
/// cached Graph tokens follow.
#[async_trait]
pub trait DirectoryRoleStore: Send + Sync {
    /// Idempotent: granting a held role changes nothing.
    async fn grant_directory_role(&self, tenant_id: &str, principal_id: &str, role: &str, now: i64) -> StoreResult<()>;
    /// `false` if the principal did not hold it.
    async fn revoke_directory_role(&self, tenant_id: &str, principal_id: &str, role: &str) -> StoreResult<bool>;
    /// The roles a principal holds, sorted.
    async fn directory_roles(&self, tenant_id: &str, principal_id: &str) -> StoreResult<Vec<String>>;
    /// The same by object id alone (object ids are GUIDs, unique across tenants): the token
    /// path knows the principal, not always its tenant row.
    async fn directory_roles_of_principal(&self, principal_id: &str) -> StoreResult<Vec<String>>;
}
