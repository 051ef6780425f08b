//! `POST /{tenant}/oauth2/v2.0/revoke` (RFC 7009) and the revocation feed guards poll.

use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use gatehouse_core::client_auth::Presented;

use crate::error::ApiError;
use crate::extract::OAuthForm;
use crate::router::AppState;

pub async fn revoke(
    State(s): State<AppState>,
    Path(tenant): Path<String>,
    form: OAuthForm,
) -> Result<Response, ApiError> {
    let presented = Presented {
        basic: form.basic.clone(),
        source: form.source,
    };
    s.gh.revoke_token(&tenant, &form.params, &presented)
        .await
        .map_err(|e| ApiError::new(e, &form.headers))?;
    let mut r = StatusCode::OK.into_response();
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(r)
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
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let since = match q {
        Ok(Query(q)) => q.since,
        Err(_) => {
            return Err(ApiError::new(
                gatehouse_core::Error::Malformed("'since' must be an integer".into()),
                &headers,
            ))
        }
    };
    let feed =
        s.gh.revocation_feed(&tenant, since)
            .await
            .map_err(|e| ApiError::new(e, &headers))?;
    let mut r = Json(feed).into_response();
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(r)
}
