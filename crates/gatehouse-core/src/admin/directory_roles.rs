//! Who may manage the directory: Graph's application permissions, held by service principals
//! as app roles of the built-in Microsoft Graph resource (they appear in the `roles` claim of
//! app tokens for Graph), and directory roles held by users ("Global Administrator" writes
//! everything; any enabled user reads the directory, as Entra's default member permissions
//! allow). Both live in one table (`DirectoryRoleStore`): Graph is built in, so it has no
//! application row that `role_assignments` could reference.

use super::Admin;
use crate::error::{Error, Object};
use crate::model::{now, Tenant};

/// One Graph application permission (Microsoft's app-role id and value).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GraphAppRole {
    pub id: &'static str,
    pub value: &'static str,
    pub display_name: &'static str,
}

pub const APPLICATION_READWRITE_ALL: &str = "Application.ReadWrite.All";
pub const USER_READWRITE_ALL: &str = "User.ReadWrite.All";
pub const GROUP_READWRITE_ALL: &str = "Group.ReadWrite.All";
pub const DIRECTORY_READ_ALL: &str = "Directory.Read.All";

/// The Graph application permissions Gatehouse knows, with Microsoft's ids.
pub const GRAPH_APP_ROLES: &[GraphAppRole] = &[
    GraphAppRole {
        id: "1bfefb4e-e0b5-418b-a88f-73c46d2cc8e9",
        value: APPLICATION_READWRITE_ALL,
        display_name: "Read and write all applications",
    },
    GraphAppRole {
        id: "741f803b-c850-494e-b5df-cde7c675a1ca",
        value: USER_READWRITE_ALL,
        display_name: "Read and write all users' full profiles",
    },
    GraphAppRole {
        id: "62a82d76-70ea-41e2-9197-370581804d09",
        value: GROUP_READWRITE_ALL,
        display_name: "Read and write all groups",
    },
    GraphAppRole {
        id: "7ab1d382-f21e-4acd-a863-ba3e13f7da61",
        value: DIRECTORY_READ_ALL,
        display_name: "Read directory data",
    },
];

/// The user directory role that may change everything in the directory.
pub const GLOBAL_ADMINISTRATOR: &str = "Global Administrator";

/// The object family a directory write changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    Applications,
    Users,
    Groups,
}

/// Delegated scopes that let an application write the directory on a user's behalf (the
/// user must still be an administrator).
pub const DIRECTORY_ACCESS_AS_USER: &str = "Directory.AccessAsUser.All";
pub const DIRECTORY_READWRITE_ALL: &str = "Directory.ReadWrite.All";

/// What a caller may do in its tenant's directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirectoryAccess {
    pub is_user: bool,
    pub roles: Vec<String>,
    /// For a user's token from an application that is not a built-in client: the delegated
    /// scopes (`scp`) it carries, which must name a directory write for a write. `None`: not
    /// limited (app tokens, and the Azure CLI and PowerShell, preauthorized as in Entra).
    pub delegated_scopes: Option<Vec<String>>,
}

impl DirectoryAccess {
    fn holds(&self, role: &str) -> bool {
        self.roles.iter().any(|r| r == role)
    }

    /// The same access, limited to what the delegated `scopes` allow.
    pub fn limited_to(mut self, scopes: &[String]) -> Self {
        self.delegated_scopes = Some(scopes.to_vec());
        self
    }

    fn delegated_write(&self, family_scope: &str) -> bool {
        match &self.delegated_scopes {
            None => true,
            Some(scopes) => scopes
                .iter()
                .any(|s| s == DIRECTORY_ACCESS_AS_USER || s == DIRECTORY_READWRITE_ALL || s == family_scope),
        }
    }

    /// Reading users, groups, applications and service principals.
    pub fn can_read(&self) -> bool {
        self.is_user
            || [
                APPLICATION_READWRITE_ALL,
                USER_READWRITE_ALL,
                GROUP_READWRITE_ALL,
                DIRECTORY_READ_ALL,
            ]
            .iter()
            .any(|r| self.holds(r))
    }

    pub fn can_write(&self, family: Family) -> bool {
        let permission = match family {
            Family::Applications => APPLICATION_READWRITE_ALL,
            Family::Users => USER_READWRITE_ALL,
            Family::Groups => GROUP_READWRITE_ALL,
        };
        if self.is_user {
            return self.holds(GLOBAL_ADMINISTRATOR) && self.delegated_write(permission);
        }
        self.holds(permission)
    }

    pub fn require_read(&self) -> Result<(), Error> {
        if self.can_read() {
            Ok(())
        } else {
            Err(Error::InsufficientPrivileges)
        }
    }

    pub fn require_write(&self, family: Family) -> Result<(), Error> {
        if self.can_write(family) {
            Ok(())
        } else {
            Err(Error::InsufficientPrivileges)
        }
    }
}

/// The canonical spelling of a role a principal of this kind may hold.
fn canonical(role: &str, is_user: bool) -> Option<&'static str> {
    if is_user {
        GLOBAL_ADMINISTRATOR
            .eq_ignore_ascii_case(role)
            .then_some(GLOBAL_ADMINISTRATOR)
    } else {
        GRAPH_APP_ROLES
            .iter()
            .find(|r| r.value.eq_ignore_ascii_case(role) || r.id.eq_ignore_ascii_case(role))
            .map(|r| r.value)
    }
}

impl Admin {
    /// What `principal_id` (a user when `is_user`, else a service principal) may do.
    pub async fn directory_access(
        &self,
        tenant: &Tenant,
        principal_id: &str,
        is_user: bool,
    ) -> Result<DirectoryAccess, Error> {
        let roles = self.store.directory_roles(&tenant.id, principal_id).await?;
        Ok(DirectoryAccess {
            is_user,
            roles,
            delegated_scopes: None,
        })
    }

    /// Grants a directory role to a user ("Global Administrator") or a Graph application
    /// permission to a service principal (its value or Microsoft's id). Idempotent.
    pub async fn grant_directory_role(
        &self,
        tenant: &Tenant,
        principal_id: &str,
        is_user: bool,
        role: &str,
    ) -> Result<&'static str, Error> {
        let role = canonical(role, is_user).ok_or_else(|| Error::NotFound {
            object: Object::DirectoryRole,
            name: role.to_owned(),
        })?;
        self.store
            .grant_directory_role(&tenant.id, &principal_id.to_ascii_lowercase(), role, now())
            .await?;
        Ok(role)
    }

    pub async fn revoke_directory_role(
        &self,
        tenant: &Tenant,
        principal_id: &str,
        is_user: bool,
        role: &str,
    ) -> Result<(), Error> {
        let not_held = || Error::NotFound {
            object: Object::DirectoryRole,
            name: role.to_owned(),
        };
        let canonical = canonical(role, is_user).ok_or_else(not_held)?;
        if self
            .store
            .revoke_directory_role(&tenant.id, &principal_id.to_ascii_lowercase(), canonical)
            .await?
        {
            Ok(())
        } else {
            Err(not_held())
        }
    }

    /// Grants a Graph application permission (`Application.ReadWrite.All`, ...) to the service
    /// principal of `app`: an app role of the built-in Microsoft Graph resource.
    pub async fn grant_graph_permission(
        &self,
        tenant: &Tenant,
        app: &crate::model::Application,
        role: &str,
    ) -> Result<&'static str, Error> {
        let sp = self.sp_of(tenant, app).await?;
        self.grant_directory_role(tenant, &sp, false, role).await
    }

    pub async fn revoke_graph_permission(
        &self,
        tenant: &Tenant,
        app: &crate::model::Application,
        role: &str,
    ) -> Result<(), Error> {
        let sp = self.sp_of(tenant, app).await?;
        self.revoke_directory_role(tenant, &sp, false, role).await
    }

    async fn sp_of(&self, tenant: &Tenant, app: &crate::model::Application) -> Result<String, Error> {
        self.store
            .service_principal_by_app_id(&tenant.id, &app.app_id)
            .await?
            .map(|sp| sp.id)
            .ok_or_else(|| Error::NotFound {
                object: Object::ServicePrincipal,
                name: app.app_id.clone(),
            })
    }

    /// Grants every Graph application permission to a service principal (the first start's).
    pub async fn grant_all_graph_permissions(&self, tenant: &Tenant, sp_id: &str) -> Result<(), Error> {
        for r in GRAPH_APP_ROLES {
            self.grant_directory_role(tenant, sp_id, false, r.value).await?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn users_read_and_administrators_write() {
        let user = DirectoryAccess {
            is_user: true,
            roles: vec![],
            delegated_scopes: None,
        };
        assert!(user.can_read());
        assert!(!user.can_write(Family::Users));
        let admin = DirectoryAccess {
            is_user: true,
            roles: vec![GLOBAL_ADMINISTRATOR.into()],
            delegated_scopes: None,
        };
        assert!(admin.can_write(Family::Applications) && admin.can_write(Family::Groups));
        // Through another application, the administrator writes only what its scopes name.
        let via_app = admin.clone().limited_to(&["user_impersonation".into()]);
        assert!(via_app.can_read() && !via_app.can_write(Family::Users));
        let via_app = admin.clone().limited_to(&[GROUP_READWRITE_ALL.into()]);
        assert!(via_app.can_write(Family::Groups) && !via_app.can_write(Family::Users));
        assert!(admin
            .limited_to(&[DIRECTORY_ACCESS_AS_USER.into()])
            .can_write(Family::Users));
    }

    #[test]
    fn apps_need_a_permission_per_family() {
        let none = DirectoryAccess {
            is_user: false,
            roles: vec![],
            delegated_scopes: None,
        };
        assert!(!none.can_read());
        let reader = DirectoryAccess {
            is_user: false,
            roles: vec![DIRECTORY_READ_ALL.into()],
            delegated_scopes: None,
        };
        assert!(reader.can_read() && !reader.can_write(Family::Applications));
        let apps = DirectoryAccess {
            is_user: false,
            roles: vec![APPLICATION_READWRITE_ALL.into()],
            delegated_scopes: None,
        };
        assert!(apps.can_write(Family::Applications) && !apps.can_write(Family::Users));
        // A user role means nothing for an app, and an app permission nothing for a user.
        assert_eq!(canonical("global administrator", false), None);
        assert_eq!(canonical("Directory.Read.All", true), None);
        assert_eq!(
            canonical("7ab1d382-f21e-4acd-a863-ba3e13f7da61", false),
            Some(DIRECTORY_READ_ALL)
        );
    }
}
