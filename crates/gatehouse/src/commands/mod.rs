//! One file per verb family.

pub mod account;
pub mod api;
pub mod api_pre_authorize;
pub mod app;
pub mod app_consent;
pub mod audit;
pub mod client_files;
pub mod client_http;
pub mod client_output;
pub mod client_profile;
pub mod credential;
pub mod keys;
pub mod login;
pub mod logout;
pub mod migrate;
pub mod org;
pub mod pat;
pub mod proxy;
pub mod purge;
pub mod role;
pub mod serve;
pub mod sp;
pub mod subscription;
pub mod tenant;
pub mod user;

use anyhow::anyhow;
use gatehouse_core::error::{Error, Object};

/// A domain error in words for the person at the terminal, with the verb that helps next. The
/// domain's errors are neutral; the command-line hints live here.
pub fn explain(e: Error) -> anyhow::Error {
    match e {
        Error::Store(inner) => anyhow!("the database failed: {inner} (check that it runs, then try again)"),
        Error::NotFound { object, name } => {
            anyhow!("{} '{name}' was not found: {}", capitalized(object), list_hint(object))
        }
        Error::Conflict { object, name } if !name.is_empty() => {
            anyhow!("{} '{name}' already exists: {}", capitalized(object), list_hint(object))
        }
        Error::Ambiguous { object, name } => anyhow!(
            "several {}s are named '{name}': name it by id ({})",
            object.noun(),
            list_hint(object)
        ),
        other => anyhow!("{other}"),
    }
}

fn capitalized(object: Object) -> String {
    let noun = object.noun();
    let mut chars = noun.chars();
    match chars.next() {
        Some(c) => format!("{}{}", c.to_uppercase(), chars.as_str()),
        None => String::new(),
    }
}

/// Which verb shows what exists.
fn list_hint(object: Object) -> &'static str {
    match object {
        Object::Tenant => "see 'gatehouse tenant list'",
        Object::Application | Object::ServicePrincipal | Object::IdentifierUri => "see 'gatehouse app list'",
        Object::User => "see 'gatehouse user list'",
        Object::Secret | Object::Certificate | Object::Credential => "see 'gatehouse app credential list --app APP'",
        Object::AppRole | Object::Scope => "see the API's roles and scopes with 'gatehouse app show API'",
        Object::AppRoleAssignment => "it is not granted; see 'gatehouse app show APP'",
        Object::Group | Object::DirectoryObject | Object::DirectoryRole => "see the Graph API's lists",
        Object::Record => "try again",
        Object::Subscription => "see 'gatehouse subscription list'",
        Object::Organization => "see 'gatehouse org list'",
        Object::Role => "see 'gatehouse role list'",
        Object::ApiToken => "see GET /api/apiTokens or the Permissions > API tokens page",
        Object::PreAuthorization => "see 'gatehouse api pre-authorize list --api API'",
        Object::ResourceGroup | Object::RoleDefinition | Object::RoleAssignment => {
            "see them with the Azure CLI ('az group list', 'az role definition list', 'az role assignment list')"
        }
    }
}
