//! The signed-in user's own endpoints, authenticated with a bearer user access token this
//! tenant issued for Microsoft Graph (the audience Entra's userinfo and Graph's `/me` require,
//! so a token meant for some API cannot be replayed here): `GET /{tenant}/me/authorizedApps`,
//! `DELETE /{tenant}/me/authorizedApps/{appId}`, and userinfo (`GET/POST /{tenant}/openid/userinfo`).
//! The token is checked by the guard's verifier ([`crate::bearer`]) through [`SignedInUser`].

use std::sync::Arc;

use axum::extract::{FromRequestParts, Path, State};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use gatehouse_core::model::{Tenant, User};
use gatehouse_core::Error;
use gatehouse_guard::{Caller, Requirement};
use gatehouse_protocol::timefmt::iso8601;
use serde_json::{json, Value};

use crate::dialect::oauth::OAuth;
use crate::state::AppState;

/// Microsoft Graph's identifiers, as a token's `aud` may spell them.
pub const GRAPH_AUDIENCES: &[&str] = &[
    "https://graph.microsoft.com",
    "https://graph.microsoft.com/",
    "00000003-0000-0000-c000-000000000000",
];

/// The user a verified user token for Graph names, in the tenant of the path.
pub struct SignedInUser {
    pub tenant: Arc<Tenant>,
    pub user: User,
    pub caller: Caller,
}

impl FromRequestParts<AppState> for SignedInUser {
    type Rejection = OAuth;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, OAuth> {
        let segment = parts
            .uri
            .path()
            .trim_start_matches('/')
            .split('/')
            .next()
            .unwrap_or("")
            .to_owned();
        let caller = state
            .me_bearer
            .caller(&parts.headers, &Requirement::authenticated())
            .await?;
        if caller.identity_type() != Some("user") {
            return Err(Error::BearerInvalid("not a user token").into());
        }
        let (tenant, user) = state
            .gh
            .signed_in_user(&segment, caller.tenant_id(), caller.object_id())
            .await?;
        Ok(Self { tenant, user, caller })
    }
}

pub async fn list_apps(State(s): State<AppState>, me: SignedInUser) -> Result<Response, OAuth> {
    let apps = s.gh.authorized_apps(&me.tenant, &me.user).await?;
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
    Path((_, app_id)): Path<(String, String)>,
    me: SignedInUser,
) -> Result<Response, OAuth> {
    s.gh.revoke_authorized_app(&me.tenant, &me.user, &app_id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

pub async fn userinfo(me: SignedInUser) -> Json<Value> {
    Json(json!({
        "sub": me.caller.subject().unwrap_or(&me.user.id),
        "oid": me.user.id,
        "tid": me.tenant.id,
        "name": me.user.display_name,
        "preferred_username": me.user.user_principal_name,
    }))
}
