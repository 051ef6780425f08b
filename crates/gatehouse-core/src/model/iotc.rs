//! IoT Central's objects: organizations (a tree per tenant), the roles principals and API tokens
//! hold (`{role, organization?}`), the principals the `/api/users` door lists, and API tokens.
//! Times are Unix seconds except [`ApiToken::expiry_ms`], which is IoT Central's epoch
//! milliseconds (the `se` of the token text).

use serde::{Deserialize, Serialize};

use super::UnixTime;

/// One organization of a tenant's tree; `parent` `None` is a child of the root (the tenant
/// itself, which is no row).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Organization {
    pub tenant_id: String,
    /// IoT Central's organization id: chosen by the caller, `A-Z a-z 0-9 - _ . ~`, lower-cased.
    pub id: String,
    pub display_name: String,
    pub parent: Option<String>,
    pub created_at: UnixTime,
}

/// A role held at an organization (`None`: the root, the whole application).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct RoleRef {
    pub role: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization: Option<String>,
}

/// What kind of principal an IoT Central user is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IotcUserKind {
    /// A directory user, named by its sign-in name (`email`).
    Email,
    /// A service principal, named by its tenant and object id.
    ServicePrincipal,
}

impl IotcUserKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Email => "email",
            Self::ServicePrincipal => "servicePrincipal",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "email" => Some(Self::Email),
            "servicePrincipal" => Some(Self::ServicePrincipal),
            _ => None,
        }
    }
}

/// A principal given roles in the IoT Central door.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IotcUser {
    pub tenant_id: String,
    /// IoT Central's user id (the caller's choice on PUT).
    pub id: String,
    pub kind: IotcUserKind,
    /// The directory object it names (a user's or service principal's object id): how a bearer
    /// token's `oid` finds its roles.
    pub principal_id: String,
    /// The sign-in name (`Email` users).
    pub email: Option<String>,
    pub roles: Vec<RoleRef>,
    pub created_at: UnixTime,
}

/// An API token. The secret is never stored: only its SHA-256.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiToken {
    pub tenant_id: String,
    /// IoT Central's token id (the `skn`), lower-cased.
    pub id: String,
    pub roles: Vec<RoleRef>,
    /// Expiry in epoch milliseconds (the `se` of the token text).
    pub expiry_ms: i64,
    pub secret_hash: [u8; 32],
    /// The object id (or `apiToken:{id}`, or `operator`) of who created it.
    pub created_by: String,
    pub created_at: UnixTime,
}

/// A custom role of a tenant: a name and a set of the door's permissions
/// (`iotc::roles::ALL`), held at the root or, for an organization role, at an organization.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomRole {
    pub tenant_id: String,
    /// The caller's choice on PUT, `A-Z a-z 0-9 - _ . ~`, lower-cased; never a built-in id.
    pub id: String,
    pub display_name: String,
    /// Held at an organization (and those below it) rather than at the root only.
    pub organization_role: bool,
    /// Permission names, each one of `iotc::roles::ALL`, in that table's order.
    pub permissions: Vec<String>,
    pub created_at: UnixTime,
}
