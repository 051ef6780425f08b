//! `POST /{tenant}/oauth2/v2.0/devicecode` and v1 `POST /{tenant}/oauth2/devicecode` (RFC 8628).

use axum::extract::{Path, State};
use axum::Json;
use gatehouse_protocol::device::{DeviceAuthorizationV1, DeviceAuthorizationV2};
use gatehouse_protocol::discovery::Dialect;

use crate::dialect::oauth::OAuth;
use crate::extract::OAuthForm;
use crate::state::AppState;

pub async fn devicecode_v2(
    State(s): State<AppState>,
    Path(tenant): Path<String>,
    form: OAuthForm,
) -> Result<Json<DeviceAuthorizationV2>, OAuth> {
    Ok(Json(s.gh.device_authorize(&tenant, &form.params, Dialect::V2).await?))
}

pub async fn devicecode_v1(
    State(s): State<AppState>,
    Path(tenant): Path<String>,
    form: OAuthForm,
) -> Result<Json<DeviceAuthorizationV1>, OAuth> {
    let answer = s.gh.device_authorize(&tenant, &form.params, Dialect::V1).await?;
    Ok(Json(DeviceAuthorizationV1::from(answer)))
}
