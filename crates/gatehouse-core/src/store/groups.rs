//! Groups and their members.

use async_trait::async_trait;

use super::StoreResult;
use crate::model::{Group, GroupMember};

/// Groups of a tenant and their direct members. Every membership write appends a
/// `ChangeKind::GroupMembership` entry (key: the group's id) so caches of transitive
/// memberships can follow; deleting a group appends one for it too.
#[async_trait]
pub trait GroupStore: Send + Sync {
    async fn create_group(&self, group: &Group) -> StoreResult<()>;
    async fn group_by_id(&self, tenant_id: &str, id: &str) -> StoreResult<Option<Group>>;
    async fn list_groups(&self, tenant_id: &str) -> StoreResult<Vec<Group>>;
    /// Deletes the group, its memberships and its own membership in other groups; `false` if
    /// there was no such group.
    async fn delete_group(&self, tenant_id: &str, id: &str) -> StoreResult<bool>;
    /// Adds a direct member; `Conflict` if it already is one.
    async fn add_member(&self, tenant_id: &str, member: &GroupMember) -> StoreResult<()>;
    /// `false` if it was not a direct member.
    async fn remove_member(&self, tenant_id: &str, group_id: &str, member_id: &str) -> StoreResult<bool>;
    /// The direct members of a group, oldest first.
    async fn members(&self, tenant_id: &str, group_id: &str) -> StoreResult<Vec<GroupMember>>;
    /// Removes a deleted principal from every group it was a direct member of.
    async fn remove_from_all_groups(&self, tenant_id: &str, member_id: &str) -> StoreResult<()>;
    /// The ids of every group `member_id` belongs to, directly or through nested groups
    /// (cycles are harmless), sorted.
    async fn transitive_groups(&self, tenant_id: &str, member_id: &str) -> StoreResult<Vec<String>>;
}
