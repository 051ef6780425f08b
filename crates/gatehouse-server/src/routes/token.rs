//! `POST /{tenant}/oauth2/v2.0/token` and `POST /{tenant}/oauth2/token` (v1).

use axum::extract::{Path, State};
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::Json;
use gatehouse_core::{TokenRequest, TokenResponse};
use gatehouse_protocol::discovery::Dialect;

use crate::error::ApiError;
use crate::extract::OAuthForm;
use crate::router::AppState;

pub async fn token_v2(state: State<AppState>, tenant: Path<String>, form: OAuthForm) -> Result<Response, ApiError> {
    token(state, tenant, form, Dialect::V2).await
}

pub async fn token_v1(state: State<AppState>, tenant: Path<String>, form: OAuthForm) -> Result<Response, ApiError> {
    token(state, tenant, form, Dialect::V1).await
}

async fn token(
    State(state): State<AppState>,
    Path(tenant): Path<String>,
    form: OAuthForm,
    dialect: Dialect,
) -> Result<Response, ApiError> {
    let OAuthForm {
        params,
        basic,
        source,
        headers,
    } = form;
    let request = TokenRequest {
        tenant,
        dialect,
        params,
        basic,
        source,
    };
    let answer = state.gh.token(request).await.map_err(|e| ApiError::new(e, &headers))?;
    let mut response = match answer {
        TokenResponse::V2(body) => Json(body).into_response(),
        TokenResponse::V1(body) => Json(body).into_response(),
    };
    let h = response.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    Ok(response)
}
