//! What kind of directory object a management error names, and its noun.

/// What kind of directory object a management error is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Object {
    Tenant,
    Application,
    ServicePrincipal,
    User,
    Secret,
    Certificate,
    /// A secret or a certificate.
    Credential,
    AppRole,
    AppRoleAssignment,
    IdentifierUri,
    Scope,
    Group,
    /// A user, service principal, group or application named only by its object id.
    DirectoryObject,
    /// A directory role (or Graph application permission) held by a principal.
    DirectoryRole,
    /// A row the store refused (a race lost to a concurrent writer).
    Record,
    Subscription,
    ResourceGroup,
    RoleDefinition,
    RoleAssignment,
    /// An IoT Central organization.
    Organization,
    /// An IoT Central API token.
    ApiToken,
    /// An IoT Central role.
    Role,
    /// A client application an API pre-authorizes.
    PreAuthorization,
}

impl Object {
    /// The noun in lower case, as in "application 'x' was not found".
    pub fn noun(self) -> &'static str {
        match self {
            Self::Tenant => "tenant",
            Self::Application => "application",
            Self::ServicePrincipal => "service principal",
            Self::User => "user",
            Self::Secret => "secret",
            Self::Certificate => "certificate",
            Self::Credential => "credential",
            Self::AppRole => "app role",
            Self::AppRoleAssignment => "app role assignment",
            Self::IdentifierUri => "identifier URI",
            Self::Scope => "scope",
            Self::Group => "group",
            Self::DirectoryObject => "directory object",
            Self::DirectoryRole => "directory role",
            Self::Record => "record",
            Self::Subscription => "subscription",
            Self::ResourceGroup => "resource group",
            Self::RoleDefinition => "role definition",
            Self::RoleAssignment => "role assignment",
            Self::Organization => "organization",
            Self::ApiToken => "API token",
            Self::Role => "role",
            Self::PreAuthorization => "pre-authorization",
        }
    }
}

impl std::fmt::Display for Object {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.noun())
    }
}
