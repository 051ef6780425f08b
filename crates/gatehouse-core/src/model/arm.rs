//! Azure Resource Manager objects: subscriptions (each owned by one tenant), resource groups,
//! RBAC role definitions and role assignments at a [`RbacScope`] (an Azure RBAC assignment names a
//! role definition and a scope; not an Entra app-role assignment, see
//! [`super::AppRoleAssignment`]).

use serde::Serialize;

use super::UnixTime;

/// A subscription: the root of a scope tree, owned by one tenant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Subscription {
    /// A GUID, lower-case.
    pub id: String,
    pub tenant_id: String,
    pub display_name: String,
    pub created_at: UnixTime,
}

/// A resource group of a subscription. Names compare case-insensitively (stored lower-case in
/// `key`) and keep the case they were created with (`name`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourceGroup {
    pub subscription_id: String,
    pub name: String,
    /// `name` lower-case: the identity of the group in its subscription.
    pub key: String,
    pub location: String,
    /// Tags, name to value, in name order.
    pub tags: Vec<(String, String)>,
    pub managed_by: Option<String>,
    pub created_at: UnixTime,
}

/// Where an RBAC assignment applies: a subscription, or one resource group of it. Assignments
/// are inherited downwards (a subscription's reach every group in it).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RbacScope {
    /// The subscription GUID, lower-case.
    pub subscription_id: String,
    /// The resource group's name as written (compared lower-case).
    pub resource_group: Option<String>,
}

impl RbacScope {
    pub fn subscription(id: &str) -> Self {
        Self {
            subscription_id: id.to_ascii_lowercase(),
            resource_group: None,
        }
    }

    pub fn resource_group(subscription_id: &str, name: &str) -> Self {
        Self {
            subscription_id: subscription_id.to_ascii_lowercase(),
            resource_group: Some(name.to_owned()),
        }
    }

    /// The ARM path: `/subscriptions/{id}` or `/subscriptions/{id}/resourceGroups/{name}`.
    pub fn path(&self) -> String {
        match &self.resource_group {
            None => format!("/subscriptions/{}", self.subscription_id),
            Some(rg) => format!("/subscriptions/{}/resourceGroups/{rg}", self.subscription_id),
        }
    }

    /// The resource group's name lower-case (`""` at subscription scope): stored beside the
    /// subscription id so that scopes match without parsing paths.
    pub fn group_key(&self) -> String {
        self.resource_group.as_deref().unwrap_or("").to_lowercase()
    }

    /// Whether an assignment at `self` reaches `target` (the same scope, or one below it).
    pub fn covers(&self, target: &RbacScope) -> bool {
        self.subscription_id == target.subscription_id
            && match (&self.resource_group, &target.resource_group) {
                (None, _) => true,
                (Some(a), Some(b)) => a.to_lowercase() == b.to_lowercase(),
                (Some(_), None) => false,
            }
    }
}

/// The actions a role allows, and those it excepts (`*` matches any run of characters,
/// case-insensitively, as in Azure's `Microsoft.Authorization/*/Write`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RolePermission {
    #[serde(default)]
    pub actions: Vec<String>,
    #[serde(default)]
    pub not_actions: Vec<String>,
    #[serde(default)]
    pub data_actions: Vec<String>,
    #[serde(default)]
    pub not_data_actions: Vec<String>,
}

/// A role definition: Azure's built-in roles (the same GUIDs in every tenant) or a tenant's
/// custom roles.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RoleDefinition {
    /// A GUID, lower-case.
    pub id: String,
    /// The owning tenant; `None` for built-in roles.
    pub tenant_id: Option<String>,
    pub role_name: String,
    pub description: String,
    pub permissions: Vec<RolePermission>,
    /// Scopes where the role may be assigned (ARM paths); built-in roles: `["/"]`.
    pub assignable_scopes: Vec<String>,
    pub created_at: UnixTime,
}

impl RoleDefinition {
    pub fn is_built_in(&self) -> bool {
        self.tenant_id.is_none()
    }
}

/// What kind of directory object a role assignment names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum PrincipalType {
    User,
    Group,
    ServicePrincipal,
}

impl PrincipalType {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::User => "User",
            Self::Group => "Group",
            Self::ServicePrincipal => "ServicePrincipal",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::User, Self::Group, Self::ServicePrincipal]
            .into_iter()
            .find(|p| p.as_str().eq_ignore_ascii_case(s))
    }
}

/// An Azure RBAC role assignment: a principal holds a role definition at a scope.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RoleAssignment {
    /// The assignment's name: a GUID chosen by the caller, lower-case.
    pub id: String,
    pub tenant_id: String,
    #[serde(skip)]
    pub scope: RbacScope,
    pub role_definition_id: String,
    pub principal_id: String,
    pub principal_type: PrincipalType,
    pub description: Option<String>,
    /// The object id of whoever created it (absent for the first start's assignments).
    pub created_by: Option<String>,
    pub created_at: UnixTime,
}
