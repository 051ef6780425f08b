//! `POST /{tenant}/oauth2/v2.0/devicecode` and v1 `POST /{tenant}/oauth2/devicecode` (RFC 8628).

use axum::extract::{Path, State};
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::Json;
use gatehouse_protocol::device::DeviceAuthorizationV1;
use gatehouse_protocol::discovery::Dialect;

use crate::error::ApiError;
use crate::extract::OAuthForm;
use crate::router::AppState;

pub async fn devicecode_v2(
    State(s): State<AppState>,
    Path(tenant): Path<String>,
    form: OAuthForm,
) -> Result<Response, ApiError> {
    let answer =
        s.gh.device_authorize(&tenant, &form.params, Dialect::V2)
            .await
            .map_err(|e| ApiError::new(e, &form.headers))?;
    Ok(no_store(Json(answer).into_response()))
}

pub async fn devicecode_v1(
    State(s): State<AppState>,
    Path(tenant): Path<String>,
    form: OAuthForm,
) -> Result<Response, ApiError> {
    let answer =
        s.gh.device_authorize(&tenant, &form.params, Dialect::V1)
            .await
            .map_err(|e| ApiError::new(e, &form.headers))?;
    Ok(no_store(Json(DeviceAuthorizationV1::from(answer)).into_response()))
}

fn no_store(mut r: Response) -> Response {
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}
