//! `servicePrincipals`: create (`{appId}`: the application's, made with it or anew if it was
//! deleted), list, get, delete (the application stays; its tokens stop).

use std::collections::HashMap;

use axum::extract::{Path, State};
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Json;
use gatehouse_core::admin::directory_roles::Family;
use gatehouse_core::Error;
use serde::Deserialize;
use serde_json::Value;

use super::query::ListQuery;
use super::{no_content, objects, GraphCaller, GraphJson};
use crate::dialect::graph::Graph;
use crate::state::AppState;

const FILTERABLE: &[&str] = &["id", "appId", "displayName", "accountEnabled"];
const LISTS: &[&str] = &["servicePrincipalNames"];

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SpBody {
    pub app_id: String,
    /// Only `true` is accepted (a disabled principal is made with `gatehouse sp update`).
    pub account_enabled: Option<bool>,
    /// Accepted and ignored.
    pub tags: Option<Value>,
    pub app_role_assignment_required: Option<bool>,
}

pub async fn list(State(s): State<AppState>, c: GraphCaller, uri: Uri) -> Result<Response, Graph> {
    c.access.require_read()?;
    let q = ListQuery::parse(&uri, FILTERABLE, LISTS)?;
    let admin = c.admin;
    let uris: HashMap<String, Vec<String>> = admin
        .list_apps(&c.tenant)
        .await?
        .into_iter()
        .map(|a| (a.app_id, a.identifier_uris))
        .collect();
    let items = admin
        .list_service_principals(&c.tenant)
        .await?
        .iter()
        .map(|sp| objects::service_principal(sp, uris.get(&sp.app_id).map(Vec::as_slice).unwrap_or(&[])))
        .collect();
    Ok(Json(q.page(items, s.gh.base_url(), &uri)).into_response())
}

pub async fn show(c: GraphCaller, Path(id): Path<String>) -> Result<Response, Graph> {
    c.access.require_read()?;
    let admin = c.admin;
    let sp = admin.service_principal(&c.tenant, &id).await?;
    let uris = admin
        .app(&c.tenant, &sp.app_id)
        .await
        .map(|a| a.identifier_uris)
        .unwrap_or_default();
    Ok(Json(objects::service_principal(&sp, &uris)).into_response())
}

pub async fn create(c: GraphCaller, GraphJson(body): GraphJson<SpBody>) -> Result<Response, Graph> {
    c.access.require_write(Family::Applications)?;
    if body.account_enabled == Some(false) {
        return Err(Error::Invalid("A service principal is created enabled.".into()).into());
    }
    if uuid::Uuid::parse_str(&body.app_id).is_err() {
        return Err(Error::Invalid("appId must be an application (client) id.".into()).into());
    }
    let admin = c.admin;
    let (sp, _new) = admin.ensure_service_principal(&c.tenant, &body.app_id).await?;
    let uris = admin
        .app(&c.tenant, &sp.app_id)
        .await
        .map(|a| a.identifier_uris)
        .unwrap_or_default();
    Ok((StatusCode::CREATED, Json(objects::service_principal(&sp, &uris))).into_response())
}

pub async fn delete(c: GraphCaller, Path(id): Path<String>) -> Result<Response, Graph> {
    c.access.require_write(Family::Applications)?;
    c.admin.delete_service_principal(&c.tenant, &id).await?;
    Ok(no_content())
}
