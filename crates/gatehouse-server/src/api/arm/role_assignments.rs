//! Role assignments at a subscription or resource-group scope: PUT (201; the same assignment
//! again answers 200; the same principal and role at the same scope under another name is 409
//! `RoleAssignmentExists`), GET, DELETE (200 with what was removed, 204 when there was none),
//! and list with `$filter=atScope()`, `principalId eq '...'` or `assignedTo('...')`.

use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use gatehouse_core::admin::rbac::NewAssignment;
use gatehouse_core::error::Object;
use gatehouse_core::model::{PrincipalType, RbacScope, RoleAssignment};
use gatehouse_core::rbac::builtin::action;
use gatehouse_core::Error;
use serde::Deserialize;
use serde_json::{json, Value};

use super::path::{role_definition_guid, ArmPath};
use super::role_definitions::definition_id;
use super::{filter_terms, iso, json, Request};
use crate::state::AppState;

pub fn assignment_json(a: &RoleAssignment) -> Value {
    let scope = a.scope.path();
    json!({
        "id": format!("{scope}/providers/Microsoft.Authorization/roleAssignments/{}", a.id),
        "name": a.id,
        "type": "Microsoft.Authorization/roleAssignments",
        "properties": {
            "roleDefinitionId": definition_id(Some(&a.scope), &a.role_definition_id),
            "principalId": a.principal_id,
            "principalType": a.principal_type.as_str(),
            "scope": scope,
            "description": a.description,
            "condition": null,
            "conditionVersion": null,
            "createdOn": iso(a.created_at),
            "updatedOn": iso(a.created_at),
            "createdBy": a.created_by,
            "updatedBy": a.created_by,
            "delegatedManagedIdentityResourceId": null,
        },
    })
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct PutBody {
    properties: PutProperties,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct PutProperties {
    role_definition_id: String,
    principal_id: String,
    principal_type: Option<String>,
    description: Option<String>,
    condition: Option<String>,
    condition_version: Option<String>,
    delegated_managed_identity_resource_id: Option<String>,
    #[serde(rename = "scope")]
    _scope: Option<String>,
}

pub async fn handle(s: &AppState, req: Request) -> Result<Response, Error> {
    match (req.method.clone(), req.path.clone()) {
        (Method::GET, ArmPath::Assignments(scope)) => list(s, req, scope).await,
        (Method::GET, ArmPath::Assignment(scope, id)) => get(s, req, scope, &id).await,
        (Method::PUT, ArmPath::Assignment(scope, id)) => put(s, req, scope, &id).await,
        (Method::DELETE, ArmPath::Assignment(scope, id)) => delete(s, req, scope, &id).await,
        (m, _) => Err(Error::MethodNotAllowed(m.to_string())),
    }
}

async fn list(s: &AppState, req: Request, scope: RbacScope) -> Result<Response, Error> {
    let access = req.subscription(s, &scope.subscription_id).await?;
    req.authorize(s, &access, action::ROLE_ASSIGNMENT_READ, &scope).await?;
    let terms = match req.query("$filter") {
        Some(f) => filter_terms(f).ok_or_else(|| {
            Error::Invalid(format!(
                "The $filter '{f}' is not supported: use atScope(), principalId eq '{{id}}' or assignedTo('{{id}}')."
            ))
        })?,
        None => Vec::new(),
    };
    let mut at_scope = false;
    let mut principal: Option<String> = None;
    let mut assigned_to: Option<String> = None;
    for (name, v) in terms {
        match name.as_str() {
            "atscope" => at_scope = true,
            "principalid" => principal = Some(v.to_ascii_lowercase()),
            "assignedto" => assigned_to = Some(v.to_ascii_lowercase()),
            other => {
                return Err(Error::Invalid(format!(
                    "The $filter term '{other}' is not supported: use atScope(), principalId eq or assignedTo()."
                )))
            }
        }
    }
    let groups = match &assigned_to {
        Some(p) => s.gh.groups_of(&req.tenant.id, p).await?,
        None => Vec::new(),
    };
    let value: Vec<Value> = access
        .assignments
        .iter()
        // At or above the scope; below it too unless atScope().
        .filter(|a| a.scope.covers(&scope) || (!at_scope && scope.covers(&a.scope)))
        .filter(|a| principal.as_ref().is_none_or(|p| a.principal_id == *p))
        .filter(|a| {
            assigned_to
                .as_ref()
                .is_none_or(|p| a.principal_id == *p || groups.iter().any(|g| g.eq_ignore_ascii_case(&a.principal_id)))
        })
        .map(assignment_json)
        .collect();
    Ok(json(StatusCode::OK, json!({ "value": value })))
}

fn same_scope(a: &RbacScope, b: &RbacScope) -> bool {
    a.path().eq_ignore_ascii_case(&b.path())
}

async fn get(s: &AppState, req: Request, scope: RbacScope, id: &str) -> Result<Response, Error> {
    let access = req.subscription(s, &scope.subscription_id).await?;
    req.authorize(s, &access, action::ROLE_ASSIGNMENT_READ, &scope).await?;
    let found = req
        .admin
        .role_assignment(&req.tenant, id)
        .await?
        .filter(|a| same_scope(&a.scope, &scope))
        .ok_or_else(|| Error::NotFound {
            object: Object::RoleAssignment,
            name: id.to_owned(),
        })?;
    Ok(json(StatusCode::OK, assignment_json(&found)))
}

async fn put(s: &AppState, req: Request, scope: RbacScope, id: &str) -> Result<Response, Error> {
    let access = req.subscription(s, &scope.subscription_id).await?;
    req.authorize(s, &access, action::ROLE_ASSIGNMENT_WRITE, &scope).await?;
    let tenant = req.tenant.clone();
    let created_by = Some(req.who.object_id.clone());
    let body: PutBody = req.json()?;
    let p = body.properties;
    if p.condition.is_some() || p.condition_version.is_some() || p.delegated_managed_identity_resource_id.is_some() {
        return Err(Error::Invalid(
            "Conditions and delegated managed identities on role assignments are not supported by this server.".into(),
        ));
    }
    let role_definition_id = role_definition_guid(&p.role_definition_id).ok_or_else(|| {
        Error::Invalid(format!(
            "The role definition id '{}' is not valid: use /subscriptions/{{id}}/providers/Microsoft.Authorization/roleDefinitions/{{guid}}.",
            p.role_definition_id
        ))
    })?;
    let principal_type = match p.principal_type.as_deref() {
        None => None,
        Some(t) => Some(PrincipalType::parse(t).ok_or_else(|| {
            Error::Invalid(format!(
                "The principal type '{t}' is not supported: use User, Group or ServicePrincipal."
            ))
        })?),
    };
    let (a, created) = req
        .admin
        .create_role_assignment(
            &tenant,
            NewAssignment {
                id: id.to_owned(),
                scope: scope.clone(),
                role_definition_id,
                principal_id: p.principal_id,
                principal_type,
                description: p.description,
                created_by,
            },
        )
        .await?;
    s.gh.rbac().forget_subscription(&scope.subscription_id);
    let status = if created { StatusCode::CREATED } else { StatusCode::OK };
    Ok(json(status, assignment_json(&a)))
}

async fn delete(s: &AppState, req: Request, scope: RbacScope, id: &str) -> Result<Response, Error> {
    let access = req.subscription(s, &scope.subscription_id).await?;
    req.authorize(s, &access, action::ROLE_ASSIGNMENT_DELETE, &scope)
        .await?;
    let admin = req.admin;
    match admin.role_assignment(&req.tenant, id).await? {
        Some(a) if same_scope(&a.scope, &scope) => {
            let removed = admin.delete_role_assignment(&req.tenant, id).await?;
            s.gh.rbac().forget_subscription(&scope.subscription_id);
            match removed {
                Some(a) => Ok(json(StatusCode::OK, assignment_json(&a))),
                None => Ok(StatusCode::NO_CONTENT.into_response()),
            }
        }
        _ => Ok(StatusCode::NO_CONTENT.into_response()),
    }
}
