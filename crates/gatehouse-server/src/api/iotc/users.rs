//! `/api/users[/{id}]`: IoT Central's user shapes, `{"id", "type": "email", "email", "roles"}`
//! and `{"id", "type": "servicePrincipal", "tenantId", "objectId", "roles"}`. PUT creates or
//! replaces; DELETE answers 204.

use axum::extract::{Path, State};
use axum::response::Response;
use gatehouse_core::iotc::users::NewIotcUser;
use gatehouse_core::model::{IotcUser, IotcUserKind, RoleRef};
use gatehouse_core::Error;
use serde::Deserialize;
use serde_json::{json, Value};

use super::paging::Page;
use super::{no_content, ok, roles_json, same_id, IotcCaller, IotcJson};
use crate::dialect::iotc::Iotc;
use crate::state::AppState;

pub fn user(u: &IotcUser) -> Value {
    match u.kind {
        IotcUserKind::Email => json!({
            "id": u.id,
            "type": "email",
            "email": u.email,
            "roles": roles_json(&u.roles),
        }),
        IotcUserKind::ServicePrincipal => json!({
            "id": u.id,
            "type": "servicePrincipal",
            "tenantId": u.tenant_id,
            "objectId": u.principal_id,
            "roles": roles_json(&u.roles),
        }),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct UserBody {
    id: Option<String>,
    #[serde(rename = "type")]
    kind: String,
    email: Option<String>,
    tenant_id: Option<String>,
    object_id: Option<String>,
    roles: Vec<RoleRef>,
}

/// By id (the core lists them so): the id is the page key.
pub async fn list(State(s): State<AppState>, IotcCaller(who): IotcCaller, page: Page) -> Result<Response, Iotc> {
    let users = s.gh.iotc().users(&who).await?;
    Ok(page.respond(s.gh.base_url(), users.iter().map(|u| (u.id.clone(), user(u)))))
}

pub async fn show(
    State(s): State<AppState>,
    IotcCaller(who): IotcCaller,
    Path(id): Path<String>,
) -> Result<Response, Iotc> {
    Ok(ok(user(&s.gh.iotc().user(&who, &id).await?)))
}

pub async fn put(
    State(s): State<AppState>,
    IotcCaller(who): IotcCaller,
    Path(id): Path<String>,
    IotcJson(body): IotcJson<UserBody>,
) -> Result<Response, Iotc> {
    same_id(&id, body.id.as_deref())?;
    let kind = IotcUserKind::parse(&body.kind)
        .ok_or_else(|| Error::Invalid("The user's type must be email or servicePrincipal.".into()))?;
    let new = NewIotcUser {
        kind,
        email: body.email,
        tenant_id: body.tenant_id,
        object_id: body.object_id,
        roles: body.roles,
    };
    Ok(ok(user(&s.gh.iotc().put_user(&who, &id, new).await?)))
}

pub async fn delete(
    State(s): State<AppState>,
    IotcCaller(who): IotcCaller,
    Path(id): Path<String>,
) -> Result<Response, Iotc> {
    s.gh.iotc().delete_user(&who, &id).await?;
    Ok(no_content())
}
