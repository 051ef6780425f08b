//! `POST /{tenant}/oauth2/v2.0/token` and `POST /{tenant}/oauth2/token` (v1).

use axum::extract::{Path, State};
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use gatehouse_core::{TokenRequest, TokenResponse};
use gatehouse_protocol::discovery::Dialect;

use crate::dialect::oauth::OAuth;
use crate::extract::OAuthForm;
use crate::state::AppState;

pub async fn token_v2(state: State<AppState>, tenant: Path<String>, form: OAuthForm) -> Result<Response, OAuth> {
    token(state, tenant, form, Dialect::V2).await
}

pub async fn token_v1(state: State<AppState>, tenant: Path<String>, form: OAuthForm) -> Result<Response, OAuth> {
    token(state, tenant, form, Dialect::V1).await
}

async fn token(
    State(state): State<AppState>,
    Path(tenant): Path<String>,
    form: OAuthForm,
    dialect: Dialect,
) -> Result<Response, OAuth> {
    let OAuthForm {
        params, basic, source, ..
    } = form;
    let request = TokenRequest {
        tenant,
        dialect,
        params,
        basic,
        source,
    };
    // `no-store` and `Pragma: no-cache` come from the context middleware. The JSON is written
    // by hand (the same bytes as `Json(body)`, in a third of the instructions).
    let body = match state.gh.token_with(request, &state.tokens).await? {
        TokenResponse::V2(body) => body.to_json(),
        TokenResponse::V1(body) => body.to_json(),
    };
    Ok((
        [(header::CONTENT_TYPE, HeaderValue::from_static("application/json"))],
        body,
    )
        .into_response())
}
