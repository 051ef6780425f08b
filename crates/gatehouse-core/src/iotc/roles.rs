//! IoT Central's roles and the permissions each one carries, and the one decision every
//! operation of the door asks: may this actor do `permission` at this organization?
//!
//! | role | id | permissions |
//! |---|---|---|
//! | Administrator | `ca310b8d-...` | everything, application-wide |
//! | Builder | `344138e9-...` | view, operate, build |
//! | Operator | `ae2c9854-...` | view, operate |
//! | Org Administrator | `c495eb57-...` | view, operate, organizations, users, API tokens (read + manage), in its subtree |
//! | Org Operator | `b4935647-...` | view, operate, in its subtree |
//! | Org Viewer | `84cc62c1-...` | view, in its subtree |
//!
//! A role held at an organization applies to it and every organization below it; a role held
//! at the root (no organization) applies everywhere. Application roles (the first three) are
//! held at the root only. No escalation: granting a role (to a user or an API token) at an
//! organization needs the granting permission there *and* every permission of the granted role
//! there, so an Operator can mint nothing and an Org Administrator cannot mint an
//! Administrator.

use std::collections::HashMap;

use crate::model::{Organization, RoleRef};

/// Read devices, dashboards, organizations and roles.
pub const VIEW: &str = "view";
/// Operate devices: commands, properties, jobs.
pub const OPERATE: &str = "operate";
/// Build the application: device templates, settings.
pub const BUILD: &str = "build";
/// Create, rename, move and delete organizations.
pub const MANAGE_ORGANIZATIONS: &str = "organizations.manage";
pub const READ_USERS: &str = "users.read";
pub const MANAGE_USERS: &str = "users.manage";
pub const READ_API_TOKENS: &str = "apiTokens.read";
pub const MANAGE_API_TOKENS: &str = "apiTokens.manage";
/// Create and change custom roles.
pub const MANAGE_ROLES: &str = "roles.manage";
/// Read the tenant's audit log (at the root only: it names every organization's changes).
pub const READ_AUDIT_LOG: &str = "auditLogs.read";

/// Every permission, in the order the table lists them.
pub const ALL: &[&str] = &[
    VIEW,
    OPERATE,
    BUILD,
    MANAGE_ORGANIZATIONS,
    READ_USERS,
    MANAGE_USERS,
    READ_API_TOKENS,
    MANAGE_API_TOKENS,
    MANAGE_ROLES,
    READ_AUDIT_LOG,
];

pub const ADMINISTRATOR: &str = "ca310b8d-2f4a-44e0-a36e-957c202cd8d4";
pub const BUILDER: &str = "344138e9-8de4-4497-8c54-5237e96d6aaf";
pub const OPERATOR: &str = "ae2c9854-393b-4f97-8c42-479d70ce626e";
pub const ORG_ADMINISTRATOR: &str = "c495eb57-eb18-489e-9802-62c474e5645c";
pub const ORG_OPERATOR: &str = "b4935647-30e4-4ed3-9074-dcac66c2f8ef";
pub const ORG_VIEWER: &str = "84cc62c1-dabe-49d3-b16e-8b291232b285";

/// A role: built-in (custom roles will be rows with the same shape).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Role {
    pub id: &'static str,
    pub display_name: &'static str,
    /// An organization role (held at an organization or the root) rather than an application
    /// role (held at the root only).
    pub organization_role: bool,
    pub permissions: &'static [&'static str],
}

impl Role {
    pub fn allows(&self, permission: &str) -> bool {
        self.permissions.contains(&permission)
    }
}

/// The built-in roles, in the order `GET /api/roles` lists them (IoT Central's).
pub const BUILT_IN: &[Role] = &[
    Role {
        id: ADMINISTRATOR,
        display_name: "Administrator",
        organization_role: false,
        permissions: ALL,
    },
    Role {
        id: OPERATOR,
        display_name: "Operator",
        organization_role: false,
        permissions: &[VIEW, OPERATE],
    },
    Role {
        id: BUILDER,
        display_name: "Builder",
        organization_role: false,
        permissions: &[VIEW, OPERATE, BUILD],
    },
    Role {
        id: ORG_ADMINISTRATOR,
        display_name: "Org Administrator",
        organization_role: true,
        permissions: &[
            VIEW,
            OPERATE,
            MANAGE_ORGANIZATIONS,
            READ_USERS,
            MANAGE_USERS,
            READ_API_TOKENS,
            MANAGE_API_TOKENS,
        ],
    },
    Role {
        id: ORG_OPERATOR,
        display_name: "Org Operator",
        organization_role: true,
        permissions: &[VIEW, OPERATE],
    },
    Role {
        id: ORG_VIEWER,
        display_name: "Org Viewer",
        organization_role: true,
        permissions: &[VIEW],
    },
];

/// A role by id (case-insensitive) or display name (case-insensitive).
pub fn find(id_or_name: &str) -> Option<&'static Role> {
    BUILT_IN
        .iter()
        .find(|r| r.id.eq_ignore_ascii_case(id_or_name) || r.display_name.eq_ignore_ascii_case(id_or_name))
}

/// A tenant's organization tree: child -> parent.
#[derive(Debug, Clone, Default)]
pub struct OrgTree {
    parent: HashMap<String, Option<String>>,
}

impl OrgTree {
    pub fn new(orgs: &[Organization]) -> Self {
        Self {
            parent: orgs.iter().map(|o| (o.id.clone(), o.parent.clone())).collect(),
        }
    }

    pub fn contains(&self, id: &str) -> bool {
        self.parent.contains_key(id)
    }

    pub fn is_empty(&self) -> bool {
        self.parent.is_empty()
    }

    /// `true` when a role held at `holder` reaches `target` (`None`: the root): the root
    /// reaches everything; an organization reaches itself and its descendants.
    pub fn covers(&self, holder: Option<&str>, target: Option<&str>) -> bool {
        let Some(holder) = holder else {
            return true;
        };
        let mut at = target;
        // The tree has no cycle (moves are checked), but a bound costs nothing.
        for _ in 0..=self.parent.len() {
            match at {
                None => return false,
                Some(o) if o == holder => return true,
                Some(o) => at = self.parent.get(o).and_then(|p| p.as_deref()),
            }
        }
        false
    }
}

/// `true` when roles `held` allow `permission` at `target`.
pub fn may(held: &[RoleRef], tree: &OrgTree, permission: &str, target: Option<&str>) -> bool {
    held.iter().any(|r| {
        find(&r.role).is_some_and(|role| role.allows(permission)) && tree.covers(r.organization.as_deref(), target)
    })
}

/// `true` when some role of `held` allows `permission` (at whatever organization).
pub fn may_somewhere(held: &[RoleRef], permission: &str) -> bool {
    held.iter()
        .any(|r| find(&r.role).is_some_and(|role| role.allows(permission)))
}

/// `true` when roles `held` may grant `wanted` through `permission` (`MANAGE_API_TOKENS`,
/// `MANAGE_USERS`): the permission and every permission of the wanted role at its organization.
pub fn may_grant(held: &[RoleRef], tree: &OrgTree, permission: &str, wanted: &RoleRef) -> bool {
    let target = wanted.organization.as_deref();
    let Some(role) = find(&wanted.role) else {
        return false;
    };
    may(held, tree, permission, target) && role.permissions.iter().all(|p| may(held, tree, p, target))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn org(id: &str, parent: Option<&str>) -> Organization {
        Organization {
            tenant_id: "t".into(),
            id: id.into(),
            display_name: id.into(),
            parent: parent.map(Into::into),
            created_at: 0,
        }
    }

    fn held(role: &str, org: Option<&str>) -> Vec<RoleRef> {
        vec![RoleRef {
            role: role.into(),
            organization: org.map(Into::into),
        }]
    }

    #[test]
    fn organization_roles_reach_their_subtree_only() {
        let tree = OrgTree::new(&[org("x", None), org("x1", Some("x")), org("y", None)]);
        let x_admin = held(ORG_ADMINISTRATOR, Some("x"));
        assert!(may(&x_admin, &tree, MANAGE_API_TOKENS, Some("x")));
        assert!(may(&x_admin, &tree, MANAGE_API_TOKENS, Some("x1")));
        assert!(!may(&x_admin, &tree, MANAGE_API_TOKENS, Some("y")));
        assert!(!may(&x_admin, &tree, MANAGE_API_TOKENS, None));
        let admin = held(ADMINISTRATOR, None);
        assert!(may(&admin, &tree, MANAGE_ROLES, Some("y")));
    }

    #[test]
    fn no_escalation_operator_cannot_grant_administrator() {
        let tree = OrgTree::default();
        let want = |role: &str, org: Option<&str>| RoleRef {
            role: role.into(),
            organization: org.map(Into::into),
        };
        let operator = held(OPERATOR, None);
        assert!(!may_grant(
            &operator,
            &tree,
            MANAGE_API_TOKENS,
            &want(ADMINISTRATOR, None)
        ));
        assert!(!may_grant(&operator, &tree, MANAGE_API_TOKENS, &want(OPERATOR, None)));
        let tree = OrgTree::new(&[org("x", None)]);
        let x_admin = held(ORG_ADMINISTRATOR, Some("x"));
        assert!(!may_grant(
            &x_admin,
            &tree,
            MANAGE_API_TOKENS,
            &want(ADMINISTRATOR, None)
        ));
        assert!(!may_grant(
            &x_admin,
            &tree,
            MANAGE_API_TOKENS,
            &want(ORG_ADMINISTRATOR, None)
        ));
        assert!(may_grant(
            &x_admin,
            &tree,
            MANAGE_API_TOKENS,
            &want(ORG_OPERATOR, Some("x"))
        ));
        let admin = held(ADMINISTRATOR, None);
        assert!(may_grant(&admin, &tree, MANAGE_API_TOKENS, &want(ADMINISTRATOR, None)));
    }

    #[test]
    fn roles_are_found_by_id_or_name() {
        assert_eq!(find("operator").unwrap().id, OPERATOR);
        assert_eq!(
            find(&ADMINISTRATOR.to_uppercase()).unwrap().display_name,
            "Administrator"
        );
        assert!(find("Owner").is_none());
    }
}
