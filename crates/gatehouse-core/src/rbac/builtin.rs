//! Azure's built-in role definitions, with the GUIDs Azure gives them in every tenant, and the
//! actions Gatehouse's ARM subset checks.

use crate::model::{RoleDefinition, RolePermission};

pub const OWNER: &str = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635";
pub const CONTRIBUTOR: &str = "b24988ac-6180-42a0-ab88-20f7382dd24c";
pub const READER: &str = "acdd72a7-3385-48ef-bd42-f606fba81ae7";
pub const USER_ACCESS_ADMINISTRATOR: &str = "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9";

/// The operations of the ARM subset, as Azure names them.
pub mod action {
    pub const SUBSCRIPTION_READ: &str = "Microsoft.Resources/subscriptions/read";
    pub const GROUP_READ: &str = "Microsoft.Resources/subscriptions/resourceGroups/read";
    pub const GROUP_WRITE: &str = "Microsoft.Resources/subscriptions/resourceGroups/write";
    pub const GROUP_DELETE: &str = "Microsoft.Resources/subscriptions/resourceGroups/delete";
    pub const ROLE_DEFINITION_READ: &str = "Microsoft.Authorization/roleDefinitions/read";
    pub const ROLE_DEFINITION_WRITE: &str = "Microsoft.Authorization/roleDefinitions/write";
    pub const ROLE_DEFINITION_DELETE: &str = "Microsoft.Authorization/roleDefinitions/delete";
    pub const ROLE_ASSIGNMENT_READ: &str = "Microsoft.Authorization/roleAssignments/read";
    pub const ROLE_ASSIGNMENT_WRITE: &str = "Microsoft.Authorization/roleAssignments/write";
    pub const ROLE_ASSIGNMENT_DELETE: &str = "Microsoft.Authorization/roleAssignments/delete";
}

const CONTRIBUTOR_NOT: &[&str] = &[
    "Microsoft.Authorization/*/Delete",
    "Microsoft.Authorization/*/Write",
    "Microsoft.Authorization/elevateAccess/Action",
    "Microsoft.Blueprint/blueprintAssignments/write",
    "Microsoft.Blueprint/blueprintAssignments/delete",
    "Microsoft.Compute/galleries/share/action",
    "Microsoft.Purview/consents/write",
    "Microsoft.Purview/consents/delete",
    "Microsoft.Resources/deploymentStacks/manageDenySetting/action",
    "Microsoft.Subscription/cancel/action",
    "Microsoft.Subscription/enable/action",
];

fn role(id: &str, name: &str, description: &str, actions: &[&str], not_actions: &[&str]) -> RoleDefinition {
    let strings = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect();
    RoleDefinition {
        id: id.to_owned(),
        tenant_id: None,
        role_name: name.to_owned(),
        description: description.to_owned(),
        permissions: vec![RolePermission {
            actions: strings(actions),
            not_actions: strings(not_actions),
            data_actions: Vec::new(),
            not_data_actions: Vec::new(),
        }],
        assignable_scopes: vec!["/".to_owned()],
        created_at: 0,
    }
}

/// The built-in roles, by name.
pub fn roles() -> &'static [RoleDefinition] {
    static ROLES: std::sync::OnceLock<Vec<RoleDefinition>> = std::sync::OnceLock::new();
    ROLES.get_or_init(|| {
        vec![
            role(
                CONTRIBUTOR,
                "Contributor",
                "Grants full access to manage all resources, but does not allow you to assign roles in Azure RBAC, manage assignments in Azure Blueprints, or share image galleries.",
                &["*"],
                CONTRIBUTOR_NOT,
            ),
            role(
                OWNER,
                "Owner",
                "Grants full access to manage all resources, including the ability to assign roles in Azure RBAC.",
                &["*"],
                &[],
            ),
            role(
                READER,
                "Reader",
                "View all resources, but does not allow you to make any changes.",
                &["*/read"],
                &[],
            ),
            role(
                USER_ACCESS_ADMINISTRATOR,
                "User Access Administrator",
                "Lets you manage user access to Azure resources.",
                &["*/read", "Microsoft.Authorization/*", "Microsoft.Support/*"],
                &[],
            ),
        ]
    })
}

/// A built-in role by GUID (any case).
pub fn by_id(id: &str) -> Option<&'static RoleDefinition> {
    roles().iter().find(|r| r.id.eq_ignore_ascii_case(id))
}

/// A built-in role by name (case-insensitive).
pub fn by_name(name: &str) -> Option<&'static RoleDefinition> {
    roles().iter().find(|r| r.role_name.eq_ignore_ascii_case(name))
}
