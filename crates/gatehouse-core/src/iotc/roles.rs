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
//!
//! A tenant may add custom roles: a name and any set of the permissions below, held at the
//! root (an application role) or at organizations (an organization role). [`Rules`] is what
//! one decision reads: the built-in roles, the tenant's custom roles and its organization tree,
//! loaded together for one operation.

use std::borrow::Cow;
use std::collections::HashMap;

use crate::model::{CustomRole, Organization, RoleRef};

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

/// A role: built-in, or a tenant's custom role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Role {
    pub id: Cow<'static, str>,
    pub display_name: Cow<'static, str>,
    /// An organization role (held at an organization or the root) rather than an application
    /// role (held at the root only).
    pub organization_role: bool,
    pub permissions: Cow<'static, [&'static str]>,
    pub built_in: bool,
    /// When a custom role was made (0 for the built-in ones).
    pub created_at: i64,
}

impl Role {
    pub fn allows(&self, permission: &str) -> bool {
        self.permissions.contains(&permission)
    }

    /// A stored custom role (permissions this build does not know are dropped: a role never
    /// grants what the table does not name).
    pub fn custom(c: &CustomRole) -> Self {
        Self {
            id: Cow::Owned(c.id.clone()),
            display_name: Cow::Owned(c.display_name.clone()),
            organization_role: c.organization_role,
            permissions: Cow::Owned(c.permissions.iter().filter_map(|p| permission(p)).collect()),
            built_in: false,
            created_at: c.created_at,
        }
    }
}

/// The permission named `name` (exact), as the table spells it.
pub fn permission(name: &str) -> Option<&'static str> {
    ALL.iter().copied().find(|p| *p == name)
}

const fn built_in(
    id: &'static str,
    display_name: &'static str,
    organization_role: bool,
    permissions: &'static [&'static str],
) -> Role {
    Role {
        id: Cow::Borrowed(id),
        display_name: Cow::Borrowed(display_name),
        organization_role,
        permissions: Cow::Borrowed(permissions),
        built_in: true,
        created_at: 0,
    }
}

/// The built-in roles, in the order `GET /api/roles` lists them (IoT Central's).
pub const BUILT_IN: &[Role] = &[
    built_in(ADMINISTRATOR, "Administrator", false, ALL),
    built_in(OPERATOR, "Operator", false, &[VIEW, OPERATE]),
    built_in(BUILDER, "Builder", false, &[VIEW, OPERATE, BUILD]),
    built_in(
        ORG_ADMINISTRATOR,
        "Org Administrator",
        true,
        &[
            VIEW,
            OPERATE,
            MANAGE_ORGANIZATIONS,
            READ_USERS,
            MANAGE_USERS,
            READ_API_TOKENS,
            MANAGE_API_TOKENS,
        ],
    ),
    built_in(ORG_OPERATOR, "Org Operator", true, &[VIEW, OPERATE]),
    built_in(ORG_VIEWER, "Org Viewer", true, &[VIEW]),
];

/// A built-in role by id or display name (case-insensitive).
pub fn built_in_role(id_or_name: &str) -> Option<&'static Role> {
    BUILT_IN.iter().find(|r| r.names(id_or_name))
}

impl Role {
    /// `true` when `id_or_name` is this role's id or display name (case-insensitive).
    pub fn names(&self, id_or_name: &str) -> bool {
        self.id.eq_ignore_ascii_case(id_or_name) || self.display_name.eq_ignore_ascii_case(id_or_name)
    }
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

/// What one decision reads: the built-in roles, the tenant's custom roles and its organization
/// tree.
#[derive(Debug, Clone, Default)]
pub struct Rules {
    pub tree: OrgTree,
    custom: Vec<Role>,
}

impl Rules {
    pub fn new(orgs: &[Organization], custom: &[CustomRole]) -> Self {
        Self {
            tree: OrgTree::new(orgs),
            custom: custom.iter().map(Role::custom).collect(),
        }
    }

    /// Every role: the built-in ones in IoT Central's order, then the custom ones, oldest first.
    pub fn roles(&self) -> impl Iterator<Item = &Role> {
        BUILT_IN.iter().chain(self.custom.iter())
    }

    /// A role by id or display name (case-insensitive).
    pub fn role(&self, id_or_name: &str) -> Option<&Role> {
        self.roles().find(|r| r.names(id_or_name))
    }

    /// `true` when roles `held` allow `permission` at `target`.
    pub fn may(&self, held: &[RoleRef], permission: &str, target: Option<&str>) -> bool {
        held.iter().any(|r| {
            self.role(&r.role).is_some_and(|role| role.allows(permission))
                && self.tree.covers(r.organization.as_deref(), target)
        })
    }

    /// `true` when some role of `held` allows `permission` (at whatever organization).
    pub fn may_somewhere(&self, held: &[RoleRef], permission: &str) -> bool {
        held.iter()
            .any(|r| self.role(&r.role).is_some_and(|role| role.allows(permission)))
    }

    /// `true` when roles `held` may grant `wanted` through `permission` (`MANAGE_API_TOKENS`,
    /// `MANAGE_USERS`): the permission and every permission of the wanted role at its
    /// organization.
    pub fn may_grant(&self, held: &[RoleRef], permission: &str, wanted: &RoleRef) -> bool {
        let target = wanted.organization.as_deref();
        let Some(role) = self.role(&wanted.role) else {
            return false;
        };
        self.may(held, permission, target) && role.permissions.iter().all(|p| self.may(held, p, target))
    }

    /// The roles a caller names, normalized: role ids as the role spells them (a name becomes
    /// its id), organizations lower-case.
    pub fn normalize(&self, wanted: &[RoleRef]) -> Vec<RoleRef> {
        wanted
            .iter()
            .map(|r| RoleRef {
                role: self
                    .role(&r.role)
                    .map_or_else(|| r.role.to_ascii_lowercase(), |role| role.id.to_string()),
                organization: r.organization.as_ref().map(|o| o.to_ascii_lowercase()),
            })
            .collect()
    }
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
        let tree = Rules::new(&[org("x", None), org("x1", Some("x")), org("y", None)], &[]);
        let x_admin = held(ORG_ADMINISTRATOR, Some("x"));
        assert!(tree.may(&x_admin, MANAGE_API_TOKENS, Some("x")));
        assert!(tree.may(&x_admin, MANAGE_API_TOKENS, Some("x1")));
        assert!(!tree.may(&x_admin, MANAGE_API_TOKENS, Some("y")));
        assert!(!tree.may(&x_admin, MANAGE_API_TOKENS, None));
        let admin = held(ADMINISTRATOR, None);
        assert!(tree.may(&admin, MANAGE_ROLES, Some("y")));
    }

    #[test]
    fn no_escalation_operator_cannot_grant_administrator() {
        let tree = Rules::default();
        let want = |role: &str, org: Option<&str>| RoleRef {
            role: role.into(),
            organization: org.map(Into::into),
        };
        let operator = held(OPERATOR, None);
        assert!(!tree.may_grant(&operator, MANAGE_API_TOKENS, &want(ADMINISTRATOR, None)));
        assert!(!tree.may_grant(&operator, MANAGE_API_TOKENS, &want(OPERATOR, None)));
        let tree = Rules::new(&[org("x", None)], &[]);
        let x_admin = held(ORG_ADMINISTRATOR, Some("x"));
        assert!(!tree.may_grant(&x_admin, MANAGE_API_TOKENS, &want(ADMINISTRATOR, None)));
        assert!(!tree.may_grant(&x_admin, MANAGE_API_TOKENS, &want(ORG_ADMINISTRATOR, None)));
        assert!(tree.may_grant(&x_admin, MANAGE_API_TOKENS, &want(ORG_OPERATOR, Some("x"))));
        let admin = held(ADMINISTRATOR, None);
        assert!(tree.may_grant(&admin, MANAGE_API_TOKENS, &want(ADMINISTRATOR, None)));
    }

    #[test]
    fn roles_are_found_by_id_or_name() {
        assert_eq!(built_in_role("operator").unwrap().id, OPERATOR);
        assert_eq!(
            built_in_role(&ADMINISTRATOR.to_uppercase()).unwrap().display_name,
            "Administrator"
        );
        assert!(built_in_role("Owner").is_none());
    }

    #[test]
    fn custom_roles_grant_exactly_their_permissions() {
        let custom = CustomRole {
            tenant_id: "t".into(),
            id: "token-keeper".into(),
            display_name: "Token keeper".into(),
            organization_role: true,
            permissions: vec![
                VIEW.into(),
                READ_API_TOKENS.into(),
                MANAGE_API_TOKENS.into(),
                "unknown".into(),
            ],
            created_at: 0,
        };
        let rules = Rules::new(&[org("x", None), org("y", None)], &[custom]);
        let role = rules.role("TOKEN KEEPER").unwrap();
        assert_eq!(role.id, "token-keeper");
        assert_eq!(&role.permissions[..], [VIEW, READ_API_TOKENS, MANAGE_API_TOKENS]);
        assert_eq!(rules.roles().count(), BUILT_IN.len() + 1);
        let keeper = held("token-keeper", Some("x"));
        assert!(rules.may(&keeper, MANAGE_API_TOKENS, Some("x")));
        assert!(!rules.may(&keeper, MANAGE_API_TOKENS, Some("y")));
        assert!(!rules.may(&keeper, OPERATE, Some("x")), "a permission it lacks");
        let want = |role: &str| RoleRef {
            role: role.into(),
            organization: Some("x".into()),
        };
        assert!(rules.may_grant(&keeper, MANAGE_API_TOKENS, &want(ORG_VIEWER)));
        assert!(
            !rules.may_grant(&keeper, MANAGE_API_TOKENS, &want(ORG_OPERATOR)),
            "no escalation: Org Operator can operate"
        );
        assert_eq!(
            rules.normalize(&[RoleRef {
                role: "Token Keeper".into(),
                organization: Some("X".into())
            }]),
            [want("token-keeper")]
        );
    }
}
