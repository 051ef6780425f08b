//! Role definitions at a scope: Azure's built-in roles (the same GUIDs as Azure) and the
//! tenant's custom roles. List with `$filter=roleName eq '...'` / `type eq 'BuiltInRole'`, get
//! (also by id at the root scope), PUT and DELETE of custom roles (authorized at the scope).

use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use gatehouse_core::admin::rbac::NewRole;
use gatehouse_core::model::{RbacScope, RoleDefinition, RolePermission};
use gatehouse_core::rbac::builtin::action;
use gatehouse_core::Error;
use serde::Deserialize;
use serde_json::{json, Value};

use super::path::{parse_scope, ArmPath};
use super::{filter_terms, iso, json, Request};
use crate::state::AppState;

/// A role definition's id as listed at `scope` (built-in roles are listed under every scope).
pub fn definition_id(scope: Option<&RbacScope>, guid: &str) -> String {
    let prefix = scope
        .map(|s| format!("/subscriptions/{}", s.subscription_id))
        .unwrap_or_default();
    format!("{prefix}/providers/Microsoft.Authorization/roleDefinitions/{guid}")
}

pub fn definition_json(scope: Option<&RbacScope>, d: &RoleDefinition) -> Value {
    json!({
        "id": definition_id(scope, &d.id),
        "name": d.id,
        "type": "Microsoft.Authorization/roleDefinitions",
        "properties": {
            "roleName": d.role_name,
            "type": if d.is_built_in() { "BuiltInRole" } else { "CustomRole" },
            "description": d.description,
            "assignableScopes": d.assignable_scopes,
            "permissions": d.permissions,
            "createdOn": iso(d.created_at),
            "updatedOn": iso(d.created_at),
            "createdBy": null,
            "updatedBy": null,
        },
    })
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct PutBody {
    properties: PutProperties,
    #[serde(rename = "id")]
    _id: Option<Value>,
    #[serde(rename = "name")]
    _name: Option<Value>,
    #[serde(rename = "type")]
    _type: Option<Value>,
}

/// Unknown fields are caught through `_read_only` (serde cannot deny them beside `flatten`).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct PutProperties {
    role_name: String,
    #[serde(default)]
    description: Option<String>,
    #[serde(rename = "type", default)]
    kind: Option<String>,
    #[serde(default)]
    permissions: Vec<RolePermission>,
    #[serde(default)]
    assignable_scopes: Vec<String>,
    #[serde(flatten)]
    _read_only: std::collections::HashMap<String, Value>,
}

const READ_ONLY: &[&str] = &["createdOn", "updatedOn", "createdBy", "updatedBy"];

pub async fn handle(s: &AppState, req: Request) -> Result<Response, Error> {
    match (req.method.clone(), req.path.clone()) {
        (Method::GET, ArmPath::Definitions(scope)) => list(s, req, scope).await,
        (Method::GET, ArmPath::Definition(scope, id)) => get(s, req, scope, &id).await,
        (Method::PUT, ArmPath::Definition(Some(scope), id)) => put(s, req, scope, &id).await,
        (Method::DELETE, ArmPath::Definition(Some(scope), id)) => delete(s, req, scope, &id).await,
        (Method::PUT | Method::DELETE, ArmPath::Definition(None, _)) => Err(Error::Invalid(
            "Custom roles are written at a subscription or resource group scope: /subscriptions/{id}/providers/Microsoft.Authorization/roleDefinitions/{guid}.".into(),
        )),
        (m, _) => Err(Error::MethodNotAllowed(m.to_string())),
    }
}

/// Checks that the caller may read role definitions at `scope` (any role of the tenant's at the
/// root scope: built-in roles are public knowledge).
async fn may_read(s: &AppState, req: &Request, scope: Option<&RbacScope>) -> Result<(), Error> {
    if let Some(scope) = scope {
        let access = req.subscription(s, &scope.subscription_id).await?;
        req.authorize(s, &access, action::ROLE_DEFINITION_READ, scope).await?;
    }
    Ok(())
}

async fn list(s: &AppState, req: Request, scope: Option<RbacScope>) -> Result<Response, Error> {
    may_read(s, &req, scope.as_ref()).await?;
    let terms = match req.query("$filter") {
        Some(f) => filter_terms(f).ok_or_else(|| {
            Error::Invalid(format!(
                "The $filter '{f}' is not supported: use roleName eq 'NAME' or type eq 'BuiltInRole'."
            ))
        })?,
        None => Vec::new(),
    };
    let all = req.admin.role_definitions(&req.tenant).await?;
    let mut value = Vec::new();
    for d in &all {
        let mut keep = true;
        for (name, v) in &terms {
            keep &= match name.as_str() {
                "rolename" => d.role_name.eq_ignore_ascii_case(v),
                "type" => v.eq_ignore_ascii_case(if d.is_built_in() { "BuiltInRole" } else { "CustomRole" }),
                other => {
                    return Err(Error::Invalid(format!(
                        "The $filter property '{other}' is not supported: use roleName or type."
                    )))
                }
            };
        }
        // A custom role is listed where it may be assigned.
        if keep && !d.is_built_in() {
            if let Some(scope) = &scope {
                keep = d
                    .assignable_scopes
                    .iter()
                    .filter_map(|p| parse_scope(p))
                    .any(|a| a.subscription_id == scope.subscription_id);
            }
        }
        if keep {
            value.push(definition_json(scope.as_ref(), d));
        }
    }
    Ok(json(StatusCode::OK, json!({ "value": value })))
}

async fn get(s: &AppState, req: Request, scope: Option<RbacScope>, id: &str) -> Result<Response, Error> {
    may_read(s, &req, scope.as_ref()).await?;
    let d = req
        .admin
        .role_definitions(&req.tenant)
        .await?
        .into_iter()
        .find(|d| d.id.eq_ignore_ascii_case(id))
        .ok_or_else(|| Error::NotFound {
            object: gatehouse_core::error::Object::RoleDefinition,
            name: id.to_owned(),
        })?;
    Ok(json(StatusCode::OK, definition_json(scope.as_ref(), &d)))
}

async fn put(s: &AppState, req: Request, scope: RbacScope, id: &str) -> Result<Response, Error> {
    let access = req.subscription(s, &scope.subscription_id).await?;
    req.authorize(s, &access, action::ROLE_DEFINITION_WRITE, &scope).await?;
    let tenant = req.tenant.clone();
    let body: PutBody = req.json()?;
    let p = body.properties;
    if let Some(unknown) = p._read_only.keys().find(|k| !READ_ONLY.contains(&k.as_str())) {
        return Err(Error::Malformed(format!("unknown field `{unknown}` in properties")));
    }
    if let Some(kind) = &p.kind {
        if !kind.eq_ignore_ascii_case("CustomRole") {
            return Err(Error::Invalid(
                "Only custom roles (type CustomRole) can be written.".into(),
            ));
        }
    }
    let mut scopes = Vec::new();
    for path in &p.assignable_scopes {
        scopes.push(parse_scope(path).ok_or_else(|| {
            Error::Invalid(format!(
                "The assignable scope '{path}' is not valid: use /subscriptions/{{id}} or /subscriptions/{{id}}/resourceGroups/{{name}}."
            ))
        })?);
    }
    for a in &scopes {
        let other = req.subscription(s, &a.subscription_id).await?;
        s.gh.rbac()
            .authorize(&other, &req.who, action::ROLE_DEFINITION_WRITE, a)
            .await?;
    }
    let d = req
        .admin
        .put_custom_role(
            &tenant,
            NewRole {
                id: id.to_owned(),
                role_name: p.role_name,
                description: p.description.unwrap_or_default(),
                permissions: p.permissions,
                assignable_scopes: scopes,
            },
        )
        .await?;
    s.gh.rbac().forget_custom_roles(&tenant.id);
    Ok(json(StatusCode::CREATED, definition_json(Some(&scope), &d)))
}

async fn delete(s: &AppState, req: Request, scope: RbacScope, id: &str) -> Result<Response, Error> {
    let access = req.subscription(s, &scope.subscription_id).await?;
    req.authorize(s, &access, action::ROLE_DEFINITION_DELETE, &scope)
        .await?;
    match req.admin.delete_custom_role(&req.tenant, id).await? {
        Some(d) => {
            s.gh.rbac().forget_custom_roles(&req.tenant.id);
            Ok(json(StatusCode::OK, definition_json(Some(&scope), &d)))
        }
        None => Ok(StatusCode::NO_CONTENT.into_response()),
    }
}
