//! `/api/roles[/{id}]`. Built-in roles answer `{"id", "displayName"}` as seed 002 shows;
//! custom roles (ours: IoT Central makes them only in its UI) add what they are made of,
//! `"permissions": [...]` and `"organizationRole"`. PUT `{"displayName", "permissions",
//! "organizationRole"?}` creates (201) or replaces (200) a custom role; DELETE answers 204, and
//! 409 while API tokens or users hold the role.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use gatehouse_core::iotc::custom_roles::NewRole;
use gatehouse_core::iotc::roles::Role;
use serde::Deserialize;
use serde_json::{json, Value};

use super::paging::Page;
use super::{no_content, ok, same_id, IotcCaller, IotcJson};
use crate::dialect::iotc::Iotc;
use crate::state::AppState;

fn role(r: &Role) -> Value {
    let mut v = json!({"id": r.id, "displayName": r.display_name});
    if !r.built_in {
        v["permissions"] = json!(r.permissions);
        v["organizationRole"] = json!(r.organization_role);
    }
    v
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RoleBody {
    id: Option<String>,
    display_name: String,
    permissions: Vec<String>,
    #[serde(default)]
    organization_role: bool,
}

/// Built-in roles first, in IoT Central's order, then custom ones oldest first: the page key is
/// the position (the built-in table never changes) or the creation time and id.
pub async fn list(State(s): State<AppState>, IotcCaller(who): IotcCaller, page: Page) -> Result<Response, Iotc> {
    let roles = s.gh.iotc().roles(&who).await?;
    let keyed = roles.iter().enumerate().map(|(i, r)| {
        let key = if r.built_in {
            format!("0:{i:03}")
        } else {
            format!("1:{:020}:{}", r.created_at.max(0), r.id)
        };
        (key, role(r))
    });
    Ok(page.respond(s.gh.base_url(), keyed))
}

pub async fn show(
    State(s): State<AppState>,
    IotcCaller(who): IotcCaller,
    Path(id): Path<String>,
) -> Result<Response, Iotc> {
    Ok(ok(role(&s.gh.iotc().role(&who, &id).await?)))
}

pub async fn put(
    State(s): State<AppState>,
    IotcCaller(who): IotcCaller,
    Path(id): Path<String>,
    IotcJson(body): IotcJson<RoleBody>,
) -> Result<Response, Iotc> {
    same_id(&id, body.id.as_deref())?;
    let new = NewRole {
        display_name: body.display_name,
        organization_role: body.organization_role,
        permissions: body.permissions,
    };
    let (r, created) = s.gh.iotc().put_role(&who, &id, new).await?;
    let status = if created { StatusCode::CREATED } else { StatusCode::OK };
    Ok((status, axum::Json(role(&r))).into_response())
}

pub async fn delete(
    State(s): State<AppState>,
    IotcCaller(who): IotcCaller,
    Path(id): Path<String>,
) -> Result<Response, Iotc> {
    s.gh.iotc().delete_role(&who, &id).await?;
    Ok(no_content())
}
