//! `GET /me`; `users`: create, list, get (by id or user principal name), update, delete.

use axum::extract::{Path, State};
use axum::http::Uri;
use axum::response::{IntoResponse, Response};
use axum::Json;
use gatehouse_core::admin::directory_roles::Family;
use gatehouse_core::admin::users::{NewUser, UserChanges};
use gatehouse_core::Error;
use serde::Deserialize;

use super::query::ListQuery;
use super::{created, no_content, objects, GraphCaller, GraphJson};
use crate::dialect::graph::Graph;
use crate::state::AppState;

const FILTERABLE: &[&str] = &["id", "displayName", "userPrincipalName", "accountEnabled"];

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PasswordProfile {
    pub password: Option<String>,
    pub force_change_password_next_sign_in: Option<bool>,
    pub force_change_password_next_sign_in_with_mfa: Option<bool>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UserBody {
    pub account_enabled: Option<bool>,
    pub display_name: Option<String>,
    /// Accepted; Gatehouse keeps no mail nickname for users.
    pub mail_nickname: Option<String>,
    pub user_principal_name: Option<String>,
    pub password_profile: Option<PasswordProfile>,
    /// Accepted and ignored (no on-premises directory).
    pub on_premises_immutable_id: Option<String>,
}

pub async fn me(c: GraphCaller) -> Result<Response, Graph> {
    if !c.is_user {
        return Err(Error::Invalid("/me request is only valid with delegated authentication flow.".into()).into());
    }
    let user = c.admin.user(&c.tenant, &c.principal_id).await?;
    Ok(Json(objects::user(&user)).into_response())
}

pub async fn list(State(s): State<AppState>, c: GraphCaller, uri: Uri) -> Result<Response, Graph> {
    c.access.require_read()?;
    let q = ListQuery::parse(&uri, FILTERABLE, &[])?;
    let users = c.admin.list_users(&c.tenant).await?;
    let items = users.iter().map(objects::user).collect();
    Ok(Json(q.page(items, s.gh.base_url(), &uri)).into_response())
}

pub async fn show(c: GraphCaller, Path(id): Path<String>) -> Result<Response, Graph> {
    // A user may always read their own object.
    if !(c.is_user && id.eq_ignore_ascii_case(&c.principal_id)) {
        c.access.require_read()?;
    }
    let user = c.admin.user(&c.tenant, &id).await?;
    Ok(Json(objects::user(&user)).into_response())
}

pub async fn create(c: GraphCaller, GraphJson(body): GraphJson<UserBody>) -> Result<Response, Graph> {
    c.access.require_write(Family::Users)?;
    let missing = |what: &str| {
        Graph(Error::Invalid(format!(
            "Property '{what}' is required to create a user."
        )))
    };
    let profile = body.password_profile.ok_or_else(|| missing("passwordProfile"))?;
    let new = NewUser {
        user_principal_name: body.user_principal_name.ok_or_else(|| missing("userPrincipalName"))?,
        display_name: body.display_name.ok_or_else(|| missing("displayName"))?,
        password: profile.password.ok_or_else(|| missing("passwordProfile.password"))?,
        account_enabled: body.account_enabled.unwrap_or(true),
        password_change_required: profile.force_change_password_next_sign_in.unwrap_or(false)
            || profile.force_change_password_next_sign_in_with_mfa.unwrap_or(false),
    };
    let user = c.admin.create_user(&c.tenant, new).await?;
    Ok(created(objects::user(&user)))
}

pub async fn update(
    c: GraphCaller,
    Path(id): Path<String>,
    GraphJson(body): GraphJson<UserBody>,
) -> Result<Response, Graph> {
    c.access.require_write(Family::Users)?;
    if body.user_principal_name.is_some() {
        return Err(Error::Invalid("Changing a user's userPrincipalName is not supported.".into()).into());
    }
    let (password, must_change) = match body.password_profile {
        Some(p) => (
            p.password,
            p.force_change_password_next_sign_in
                .or(p.force_change_password_next_sign_in_with_mfa),
        ),
        None => (None, None),
    };
    let changes = UserChanges {
        display_name: body.display_name,
        password,
        account_enabled: body.account_enabled,
        password_change_required: must_change,
    };
    c.admin.update_user(&c.tenant, &id, changes).await?;
    Ok(no_content())
}

pub async fn delete(c: GraphCaller, Path(id): Path<String>) -> Result<Response, Graph> {
    c.access.require_write(Family::Users)?;
    c.admin.delete_user(&c.tenant, &id).await?;
    Ok(no_content())
}
