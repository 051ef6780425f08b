//! The Microsoft Graph subset under `/graph/v1.0`, answering in [`crate::dialect::graph`]:
//! `me` and `users` ([`users`]), `applications` ([`applications`]), `servicePrincipals`
//! ([`service_principals`]), `groups` and their members ([`groups`]), `directoryObjects`
//! ([`directory_objects`]). Callers are our tokens for Graph (`{base}/graph/`, or
//! `https://graph.microsoft.com`) of any tenant; each sees only its own tenant. Who may read or
//! write is `gatehouse_core::admin::directory_roles`. Lists take `$filter` and `$top` and page
//! with an absolute `@odata.nextLink` ([`query`]); bodies are strict JSON ([`GraphJson`]).

pub mod applications;
pub mod directory_objects;
pub mod groups;
pub mod objects;
pub mod query;
pub mod service_principals;
pub mod users;

use std::sync::Arc;

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use gatehouse_core::admin::directory_roles::DirectoryAccess;
use gatehouse_core::admin::Admin;
use gatehouse_core::model::Tenant;
use gatehouse_core::Error;
use gatehouse_guard::{Caller, Requirement};
use serde::de::DeserializeOwned;

use crate::dialect::graph::Graph;
use crate::state::AppState;

/// Where the door lives.
pub const PREFIX: &str = "/graph/v1.0";

/// The largest JSON body accepted (Graph objects are small).
pub const MAX_JSON_BYTES: usize = 64 * 1024;

/// The audiences Graph tokens of this server carry.
pub fn audiences(base_url: &str) -> Vec<String> {
    let local = gatehouse_core::issuance::resources::graph_identifier(base_url);
    let mut v: Vec<String> = crate::api::oauth::me::GRAPH_AUDIENCES
        .iter()
        .map(|s| s.to_string())
        .collect();
    v.push(local.trim_end_matches('/').to_owned());
    v.push(local);
    v
}

pub fn router() -> Router<AppState> {
    let p = |s: &str| format!("{PREFIX}{s}");
    Router::new()
        .route(&p("/me"), get(users::me))
        .route(&p("/users"), get(users::list).post(users::create))
        .route(
            &p("/users/{id}"),
            get(users::show).patch(users::update).delete(users::delete),
        )
        .route(&p("/applications"), get(applications::list).post(applications::create))
        .route(
            &p("/applications/{id}"),
            get(applications::show)
                .patch(applications::update)
                .delete(applications::delete),
        )
        .route(&p("/applications/{id}/addPassword"), post(applications::add_password))
        .route(
            &p("/applications/{id}/removePassword"),
            post(applications::remove_password),
        )
        .route(
            &p("/servicePrincipals"),
            get(service_principals::list).post(service_principals::create),
        )
        .route(
            &p("/servicePrincipals/{id}"),
            get(service_principals::show).delete(service_principals::delete),
        )
        .route(&p("/groups"), get(groups::list).post(groups::create))
        .route(&p("/groups/{id}"), get(groups::show).delete(groups::delete))
        .route(&p("/groups/{id}/members"), get(groups::members))
        .route(&p("/groups/{id}/members/$ref"), post(groups::add_member))
        .route(
            &p("/groups/{id}/members/{member}/$ref"),
            axum::routing::delete(groups::remove_member),
        )
        .route(&p("/directoryObjects/getByIds"), post(directory_objects::get_by_ids))
        .route(
            &p("/directoryObjects/{id}/getMemberObjects"),
            post(directory_objects::member_objects),
        )
        .route(
            &p("/directoryObjects/{id}/getMemberGroups"),
            post(directory_objects::member_objects),
        )
        .route(
            &p("/users/{id}/getMemberObjects"),
            post(directory_objects::member_objects),
        )
        .route(
            &p("/users/{id}/getMemberGroups"),
            post(directory_objects::member_objects),
        )
        .route(
            &p("/servicePrincipals/{id}/getMemberObjects"),
            post(directory_objects::member_objects),
        )
        .route(
            &p("/servicePrincipals/{id}/getMemberGroups"),
            post(directory_objects::member_objects),
        )
}

/// The verified caller of a Graph request: its tenant, its object id, whether it is a user,
/// and what it may do.
pub struct GraphCaller {
    pub tenant: Arc<Tenant>,
    pub principal_id: String,
    pub is_user: bool,
    pub access: DirectoryAccess,
    pub caller: Caller,
    /// The management operations, acting as this caller (every change audited as theirs).
    pub admin: Admin,
}

impl FromRequestParts<AppState> for GraphCaller {
    type Rejection = Graph;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Graph> {
        let caller = state
            .graph_bearer
            .caller(&parts.headers, &Requirement::authenticated())
            .await?;
        let is_user = match caller.identity_type() {
            Some("user") => true,
            Some("app") => false,
            _ => return Err(Error::BearerInvalid("no identity type").into()),
        };
        let tenant = state
            .gh
            .tenant(caller.tenant_id())
            .await
            .map_err(|_| Error::BearerInvalid("tenant"))?;
        let principal_id = caller.object_id().to_ascii_lowercase();
        let store = state.gh.store();
        let enabled = if is_user {
            store
                .user_by_id(&tenant.id, &principal_id)
                .await
                .map_err(Error::from)?
                .is_some_and(|u| u.account_enabled)
        } else {
            store
                .service_principal_by_id(&tenant.id, &principal_id)
                .await
                .map_err(Error::from)?
                .is_some_and(|sp| sp.account_enabled)
        };
        if !enabled {
            return Err(Error::BearerInvalid("principal").into());
        }
        let mut access = state
            .gh
            .admin()
            .directory_access(&tenant, &principal_id, is_user)
            .await?;
        // A user's token from an application other than the Azure CLI or PowerShell writes only
        // what its delegated scopes name.
        let first_party = caller
            .app_id()
            .is_some_and(gatehouse_core::issuance::first_party::is_first_party);
        if is_user && !first_party {
            access = access.limited_to(caller.scopes());
        }
        let actor = crate::actor::of(&state.gh, &caller, &parts.extensions).await?;
        Ok(Self {
            tenant,
            principal_id,
            is_user,
            access,
            admin: state.gh.admin_as(actor),
            caller,
        })
    }
}

/// A JSON body, strictly parsed into `T` (types refuse unknown fields): at most
/// [`MAX_JSON_BYTES`], `Content-Type` JSON when given.
pub struct GraphJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for GraphJson<T> {
    type Rejection = Graph;

    async fn from_request(req: Request, _state: &S) -> Result<Self, Graph> {
        let headers = req.headers();
        if let Some(ct) = headers.get(header::CONTENT_TYPE) {
            let ct = ct.to_str().unwrap_or("");
            let mime = ct.split(';').next().unwrap_or("").trim();
            if !mime.eq_ignore_ascii_case("application/json") {
                return Err(Error::ContentType.into());
            }
        }
        let declared_too_big = headers
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<usize>().ok())
            .is_some_and(|n| n > MAX_JSON_BYTES);
        if declared_too_big {
            return Err(Error::BodyTooLarge.into());
        }
        let body = axum::body::to_bytes(req.into_body(), MAX_JSON_BYTES)
            .await
            .map_err(|e| Graph(crate::extract::body_error(&e)))?;
        serde_json::from_slice(&body).map(GraphJson).map_err(|e| {
            // serde's text names the field or the position, never a value of ours.
            let why = e.to_string();
            Graph(Error::Malformed(why.chars().take(200).collect()))
        })
    }
}

/// `201 Created` with a JSON object.
pub fn created(v: serde_json::Value) -> Response {
    (StatusCode::CREATED, axum::Json(v)).into_response()
}

pub fn no_content() -> Response {
    StatusCode::NO_CONTENT.into_response()
}
