//! The change feed: what every cache-relevant write changed, in commit order.
//!
//! Every write that changes something a cache holds appends, in its own transaction, one entry
//! per thing it changed: `(seq, kind, tenant_id, key)`. `seq` comes from a one-row counter
//! updated inside the writing transaction, so its row lock orders writers and entries become
//! visible in `seq` order (a sequence or `MAX(seq) + 1` could let a later number commit before
//! an earlier one, and a reader that moved past it would never see the earlier one). Numbers are
//! dense: every committed number has exactly one entry. Backends keep a bounded window of the
//! newest entries; a reader that finds a hole after the number it had seen (the first entry is
//! not `since + 1`, or there is none while [`ChangeStore::change_seq`] moved) lost entries and
//! must drop everything it caches, once.

use async_trait::async_trait;

use super::StoreResult;

/// What a change names. The `key` of each kind is documented on its variant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ChangeKind {
    /// A tenant was created or changed; `key` is its name (`tenant_id` is its id).
    Tenant,
    /// An application or its service principal was created, changed or deleted; `key` is the
    /// application's `app_id` (client id), lower-case.
    App,
    /// A secret or a certificate of an application was added or removed; `key` is the
    /// application's `app_id`.
    Secret,
    /// An app-role assignment was added or removed; `key` is `{principal_id}|{resource_id}`.
    AppRoleAssignment,
    /// An identifier URI now names another application, or none; `key` is the URI, exactly.
    IdentifierUri,
    /// A signing key of the tenant was added or changed; `key` is its `kid`.
    SigningKey,
    /// A subscription was created or deleted; `key` is its id.
    Subscription,
    /// An RBAC role assignment was added or removed; `key` is its subscription's id.
    RoleAssignment,
    /// A custom RBAC role definition was written or removed; `key` is its id.
    RoleDefinition,
    /// A group's direct members changed, or the group was deleted; `key` is the group's id.
    GroupMembership,
}

impl ChangeKind {
    pub const ALL: [ChangeKind; 10] = [
        Self::Tenant,
        Self::App,
        Self::Secret,
        Self::AppRoleAssignment,
        Self::IdentifierUri,
        Self::SigningKey,
        Self::Subscription,
        Self::RoleAssignment,
        Self::RoleDefinition,
        Self::GroupMembership,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Tenant => "tenant",
            Self::App => "app",
            Self::Secret => "secret",
            Self::AppRoleAssignment => "app_role_assignment",
            Self::IdentifierUri => "identifier_uri",
            Self::SigningKey => "signing_key",
            Self::Subscription => "subscription",
            Self::RoleAssignment => "role_assignment",
            Self::RoleDefinition => "role_definition",
            Self::GroupMembership => "group_membership",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// One entry of the change feed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub seq: i64,
    pub kind: ChangeKind,
    pub tenant_id: String,
    pub key: String,
}

/// Reading the change feed (writes append to it through a [`super::UnitOfWork`]).
#[async_trait]
pub trait ChangeStore: Send + Sync {
    /// The number of the newest committed change: it grows with every committed write a cache
    /// must follow, and with nothing else.
    async fn change_seq(&self) -> StoreResult<i64>;
    /// Entries with `seq > since`, oldest first, at most `limit`.
    async fn changes_since(&self, since: i64, limit: i64) -> StoreResult<Vec<Change>>;
}

#[cfg(test)]
mod tests {
    use super::ChangeKind;

    #[test]
    fn change_kinds_round_trip_through_their_stored_names() {
        for k in ChangeKind::ALL {
            assert_eq!(ChangeKind::parse(k.as_str()), Some(k));
        }
        assert_eq!(ChangeKind::parse("client"), None);
    }
}
