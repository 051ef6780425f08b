//! The signed-in user's own endpoints, authenticated with a bearer user access token this
//! tenant issued for Microsoft Graph: `GET /{tenant}/me/authorizedApps`,
//! `DELETE /{tenant}/me/authorizedApps/{appId}`, and userinfo
//! (`GET/POST /{tenant}/openid/userinfo`).

use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use gatehouse_protocol::timefmt::iso8601;
use serde_json::{json, Value};

use crate::dialect::oauth::OAuth;
use crate::state::AppState;

fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok())
}

pub async fn list_apps(
    State(s): State<AppState>,
    Path(tenant): Path<String>,
    headers: HeaderMap,
) -> Result<Response, OAuth> {
    let (tenant, user, _) = s.gh.bearer_user(&tenant, bearer(&headers)).await?;
    let apps = s.gh.authorized_apps(&tenant, &user).await?;
    let value: Vec<Value> = apps
        .iter()
        .map(|a| {
            json!({
                "appId": a.app_id,
                "displayName": a.display_name,
                "scopes": a.scopes,
                "consentedDateTime": a.consented_at.map(iso8601),
                "lastUsedDateTime": a.last_used_at.map(iso8601),
            })
        })
        .collect();
    Ok(Json(json!({ "value": value })).into_response())
}

pub async fn revoke_app(
    State(s): State<AppState>,
    Path((tenant, app_id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, OAuth> {
    let (tenant, user, _) = s.gh.bearer_user(&tenant, bearer(&headers)).await?;
    s.gh.revoke_authorized_app(&tenant, &user, &app_id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

pub async fn userinfo(
    State(s): State<AppState>,
    Path(tenant): Path<String>,
    headers: HeaderMap,
) -> Result<Response, OAuth> {
    let (tenant, user, claims) = s.gh.bearer_user(&tenant, bearer(&headers)).await?;
    let body = json!({
        "sub": claims.get("sub").cloned().unwrap_or(Value::String(user.id.clone())),
        "oid": user.id,
        "tid": tenant.id,
        "name": user.display_name,
        "preferred_username": user.user_principal_name,
    });
    Ok(Json(body).into_response())
}
