//! `POST /{tenant}/oauth2/v2.0/revoke` (RFC 7009) and the revocation feed guards poll.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use gatehouse_core::issuance::client_auth::Presented;

use crate::dialect::oauth::OAuth;
use crate::extract::OAuthForm;
use crate::state::AppState;

pub async fn revoke(State(s): State<AppState>, Path(tenant): Path<String>, form: OAuthForm) -> Result<Response, OAuth> {
    let presented = Presented {
        basic: form.basic.clone(),
        source: form.source,
    };
    s.gh.revoke_token(&tenant, &form.params, &presented).await?;
    Ok(StatusCode::OK.into_response())
}

#[derive(serde::Deserialize)]
pub struct FeedQuery {
    #[serde(default)]
    since: i64,
}

pub async fn feed(
    State(s): State<AppState>,
    Path(tenant): Path<String>,
    q: Result<Query<FeedQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, OAuth> {
    let since = match q {
        Ok(Query(q)) => q.since,
        Err(_) => return Err(gatehouse_core::Error::Malformed("'since' must be an integer".into()).into()),
    };
    Ok(Json(s.gh.revocation_feed(&tenant, since).await?).into_response())
}
