//! `GET/POST /{tenant}/oauth2/v2.0/logout` (and v1's `/{tenant}/oauth2/logout`): ends the signed-in session (stored row deleted,
//! cookie expired) and either redirects to `post_logout_redirect_uri` (only when it is a
//! registered redirect URI of `client_id`, see `core::sign_out`) or shows a signed-out page.

use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use gatehouse_core::browser::sign_out::SignOutRequest;
use gatehouse_protocol::FormParams;
use maud::html;

use super::templates::message;
use super::{cookie, page, problem_page, redirect, without_session, PageForm, SESSION_COOKIE};
use crate::AppState;

async fn sign_out(s: &AppState, tenant: &str, params: Option<&FormParams>, session: Option<String>) -> Response {
    let get = |name| params.and_then(|p| p.get(name));
    let req = SignOutRequest {
        session: session.as_deref(),
        client_id: get("client_id"),
        post_logout_redirect_uri: get("post_logout_redirect_uri"),
        state: get("state"),
    };
    let r = match s.gh.sign_out(tenant, req).await {
        Ok(Some(uri)) => redirect(StatusCode::FOUND, &uri),
        Ok(None) => page(
            "Signed out",
            None,
            message(html! { "You have signed out. You can close this window." }),
            None,
        ),
        Err(e) => problem_page("Sign-out problem", &e, None),
    };
    without_session(r)
}

pub async fn show(
    State(s): State<AppState>,
    Path(tenant): Path<String>,
    RawQuery(query): RawQuery,
    headers: axum::http::HeaderMap,
) -> Response {
    // A malformed query (repeated parameters, bad encoding) still signs out, without redirect.
    let params = FormParams::parse(query.unwrap_or_default().as_bytes()).ok();
    sign_out(&s, &tenant, params.as_ref(), cookie(&headers, SESSION_COOKIE)).await
}

pub async fn submit(State(s): State<AppState>, Path(tenant): Path<String>, form: PageForm) -> Response {
    let session = cookie(&form.headers, SESSION_COOKIE);
    sign_out(&s, &tenant, form.params.as_ref(), session).await
}
