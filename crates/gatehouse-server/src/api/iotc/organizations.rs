//! `/api/organizations[/{id}]`: `{"id", "displayName", "parent"?}`. PUT creates (a taken id is
//! 409), PATCH renames or moves (`"parent": null` moves under the root), DELETE is refused (409)
//! while children, API tokens or users use the organization.

use axum::extract::{Path, State};
use axum::response::Response;
use gatehouse_core::iotc::organizations::OrganizationPatch;
use gatehouse_core::model::Organization;
use serde::Deserialize;
use serde_json::{json, Value};

use super::paging::Page;
use super::{no_content, ok, same_id, IotcCaller, IotcJson};
use crate::dialect::iotc::Iotc;
use crate::state::AppState;

pub fn organization(o: &Organization) -> Value {
    let mut v = json!({"id": o.id, "displayName": o.display_name});
    if let Some(p) = &o.parent {
        v["parent"] = json!(p);
    }
    v
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CreateBody {
    id: Option<String>,
    display_name: String,
    parent: Option<String>,
}

/// `parent` absent (unchanged) is told apart from `null` (the root).
#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PatchBody {
    id: Option<String>,
    display_name: Option<String>,
    #[serde(default, deserialize_with = "present")]
    parent: Option<Option<String>>,
}

/// A field that is present (`Some`), maybe `null` (`Some(None)`).
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(d).map(Some)
}

/// Oldest first: the page key is the creation time (zero-padded) and the id.
pub async fn list(State(s): State<AppState>, IotcCaller(who): IotcCaller, page: Page) -> Result<Response, Iotc> {
    let orgs = s.gh.iotc().organizations(&who).await?;
    let keyed = orgs
        .iter()
        .map(|o| (format!("{:020}:{}", o.created_at.max(0), o.id), organization(o)));
    Ok(page.respond(s.gh.base_url(), keyed))
}

pub async fn show(
    State(s): State<AppState>,
    IotcCaller(who): IotcCaller,
    Path(id): Path<String>,
) -> Result<Response, Iotc> {
    Ok(ok(organization(&s.gh.iotc().organization(&who, &id).await?)))
}

pub async fn create(
    State(s): State<AppState>,
    IotcCaller(who): IotcCaller,
    Path(id): Path<String>,
    IotcJson(body): IotcJson<CreateBody>,
) -> Result<Response, Iotc> {
    same_id(&id, body.id.as_deref())?;
    let org =
        s.gh.iotc()
            .create_organization(&who, &id, &body.display_name, body.parent.as_deref())
            .await?;
    Ok(ok(organization(&org)))
}

pub async fn update(
    State(s): State<AppState>,
    IotcCaller(who): IotcCaller,
    Path(id): Path<String>,
    IotcJson(body): IotcJson<PatchBody>,
) -> Result<Response, Iotc> {
    same_id(&id, body.id.as_deref())?;
    let patch = OrganizationPatch {
        display_name: body.display_name,
        parent: body.parent,
    };
    Ok(ok(organization(
        &s.gh.iotc().update_organization(&who, &id, patch).await?,
    )))
}

pub async fn delete(
    State(s): State<AppState>,
    IotcCaller(who): IotcCaller,
    Path(id): Path<String>,
) -> Result<Response, Iotc> {
    s.gh.iotc().delete_organization(&who, &id).await?;
    Ok(no_content())
}
