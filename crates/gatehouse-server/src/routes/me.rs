//! The signed-in user's own endpoints, authenticated with a bearer user access token this
//! tenant issued for Microsoft Graph: `GET /{tenant}/me/authorizedApps`,
//! `DELETE /{tenant}/me/authorizedApps/{appId}`, and userinfo
//! (`GET/POST /{tenant}/openid/userinfo`).

use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use gatehouse_protocol::timefmt::iso8601;
use serde_json::{json, Value};

use crate::error::ApiError;
use crate::router::AppState;

fn no_store(mut r: Response) -> Response {
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok())
}

pub async fn list_apps(
    State(s): State<AppState>,
    Path(tenant): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let err = |e| ApiError::new(e, &headers);
    let (tenant, user, _) = s.gh.bearer_user(&tenant, bearer(&headers)).await.map_err(err)?;
    let apps = s.gh.authorized_apps(&tenant, &user).await.map_err(err)?;
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
    Ok(no_store(Json(json!({ "value": value })).into_response()))
}

pub async fn revoke_app(
    State(s): State<AppState>,
    Path((tenant, app_id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let err = |e| ApiError::new(e, &headers);
    let (tenant, user, _) = s.gh.bearer_user(&tenant, bearer(&headers)).await.map_err(err)?;
    s.gh.revoke_authorized_app(&tenant, &user, &app_id).await.map_err(err)?;
    Ok(no_store(StatusCode::NO_CONTENT.into_response()))
}

pub async fn userinfo(
    State(s): State<AppState>,
    Path(tenant): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let err = |e| ApiError::new(e, &headers);
    let (tenant, user, claims) = s.gh.bearer_user(&tenant, bearer(&headers)).await.map_err(err)?;
    let body = json!({
        "sub": claims.get("sub").cloned().unwrap_or(Value::String(user.id.clone())),
        "oid": user.id,
        "tid": tenant.id,
        "name": user.display_name,
        "preferred_username": user.user_principal_name,
    });
    Ok(no_store(Json(body).into_response()))
}
