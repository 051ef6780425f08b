//! `groups`: create, list, get, delete; `members` (list), `members/$ref` (add
//! `{"@odata.id": ".../directoryObjects/{id}"}`), `members/{id}/$ref` (remove).

use axum::extract::{Path, State};
use axum::http::Uri;
use axum::response::{IntoResponse, Response};
use axum::Json;
use gatehouse_core::admin::directory_roles::Family;
use gatehouse_core::admin::groups::NewGroup;
use gatehouse_core::Error;
use serde::Deserialize;
use serde_json::Value;

use super::query::ListQuery;
use super::{created, no_content, objects, GraphCaller, GraphJson};
use crate::dialect::graph::Graph;
use crate::state::AppState;

const FILTERABLE: &[&str] = &["id", "displayName", "mailNickname", "securityEnabled", "mailEnabled"];

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct GroupBody {
    pub display_name: Option<String>,
    pub mail_nickname: Option<String>,
    pub description: Option<String>,
    pub security_enabled: Option<bool>,
    pub mail_enabled: Option<bool>,
    /// Only `[]`: no Microsoft 365 ("Unified") or dynamic groups.
    pub group_types: Option<Vec<String>>,
}

#[derive(Debug, Deserialize)]
pub struct MemberRef {
    #[serde(rename = "@odata.id")]
    pub odata_id: String,
}

pub async fn list(State(s): State<AppState>, c: GraphCaller, uri: Uri) -> Result<Response, Graph> {
    c.access.require_read()?;
    let q = ListQuery::parse(&uri, FILTERABLE, &[])?;
    let groups = c.admin.list_groups(&c.tenant).await?;
    let items = groups.iter().map(objects::group).collect();
    Ok(Json(q.page(items, s.gh.base_url(), &uri)).into_response())
}

pub async fn show(c: GraphCaller, Path(id): Path<String>) -> Result<Response, Graph> {
    c.access.require_read()?;
    let g = c.admin.group(&c.tenant, &id).await?;
    Ok(Json(objects::group(&g)).into_response())
}

pub async fn create(c: GraphCaller, GraphJson(body): GraphJson<GroupBody>) -> Result<Response, Graph> {
    c.access.require_write(Family::Groups)?;
    if body.group_types.as_ref().is_some_and(|t| !t.is_empty()) {
        return Err(Error::Invalid("Only security groups (groupTypes []) are supported.".into()).into());
    }
    if body.mail_enabled == Some(true) {
        return Err(Error::Invalid("Mail-enabled groups are not supported.".into()).into());
    }
    let display_name = body
        .display_name
        .ok_or_else(|| Error::Invalid("Property 'displayName' is required to create a group.".into()))?;
    let mail_nickname = body
        .mail_nickname
        .ok_or_else(|| Error::Invalid("Property 'mailNickname' is required to create a group.".into()))?;
    let g = c
        .admin
        .create_group(
            &c.tenant,
            NewGroup {
                display_name,
                mail_nickname,
                description: body.description,
                security_enabled: body.security_enabled.unwrap_or(true),
                mail_enabled: false,
            },
        )
        .await?;
    Ok(created(objects::group(&g)))
}

pub async fn delete(c: GraphCaller, Path(id): Path<String>) -> Result<Response, Graph> {
    c.access.require_write(Family::Groups)?;
    c.admin.delete_group(&c.tenant, &id).await?;
    Ok(no_content())
}

pub async fn members(
    State(s): State<AppState>,
    c: GraphCaller,
    Path(id): Path<String>,
    uri: Uri,
) -> Result<Response, Graph> {
    c.access.require_read()?;
    let q = ListQuery::parse(&uri, &["id", "displayName"], &[])?;
    let members = c.admin.group_members(&c.tenant, &id).await?;
    let items: Vec<Value> = members.iter().map(objects::typed).collect();
    Ok(Json(q.page(items, s.gh.base_url(), &uri)).into_response())
}

/// The object id at the end of an `@odata.id` URL (`.../directoryObjects/{id}`, or `.../users/{id}`).
fn referenced_id(odata_id: &str) -> Result<String, Error> {
    let last = odata_id.trim_end_matches('/').rsplit('/').next().unwrap_or("");
    uuid::Uuid::parse_str(last)
        .map(|u| u.to_string())
        .map_err(|_| Error::Invalid("@odata.id must be a URL ending in /directoryObjects/{id}.".into()))
}

pub async fn add_member(
    c: GraphCaller,
    Path(id): Path<String>,
    GraphJson(body): GraphJson<MemberRef>,
) -> Result<Response, Graph> {
    c.access.require_write(Family::Groups)?;
    let member = referenced_id(&body.odata_id)?;
    c.admin.add_group_member(&c.tenant, &id, &member).await?;
    Ok(no_content())
}

pub async fn remove_member(c: GraphCaller, Path((id, member)): Path<(String, String)>) -> Result<Response, Graph> {
    c.access.require_write(Family::Groups)?;
    c.admin.remove_group_member(&c.tenant, &id, &member).await?;
    Ok(no_content())
}

#[cfg(test)]
mod tests {
    #[test]
    fn member_references_name_an_object_id() {
        let id = "0b5d3c6e-8e0e-4c1a-9d55-4b8f7a0c2f11";
        assert_eq!(
            super::referenced_id(&format!("https://h/graph/v1.0/directoryObjects/{id}")).unwrap(),
            id
        );
        assert!(super::referenced_id("https://h/graph/v1.0/directoryObjects/../x").is_err());
    }
}
