//! IoT Central's REST API subset, answering in [`crate::dialect::iotc`]
//! (`{"error":{"code","message","requestId","time"}}` + `x-ms-error-code`):
//!
//! | file | paths |
//! |---|---|
//! | `roles.rs` | `GET /api/roles`, `/api/roles/{id}` (GET; PUT and DELETE of custom roles) |
//! | `organizations.rs` | `/api/organizations`, `/api/organizations/{id}` (PUT, GET, PATCH, DELETE) |
//! | `users.rs` | `/api/users`, `/api/users/{id}` (PUT, GET, DELETE) |
//! | `api_tokens.rs` | `/api/apiTokens`, `/api/apiTokens/{id}` and the singular `/api/apiToken/{id}` |
//! | `audit_logs.rs` | `GET /api/auditLogs` (the tenant's audit log: time, actor and action filters, paging) |
//! | `paging.rs` | `$top`, `$skipToken` and `nextLink` of every list |
//!
//! Every request needs `api-version=2022-07-31` (checked first: a clear 400 otherwise) and an
//! `Authorization` of one of two kinds ([`IotcCaller`]): `Bearer` (our token for
//! `https://apps.azureiotcentral.com`, any of our tenants, acting with the roles its principal
//! holds in the door) or `SharedAccessSignature` (an API token, acting with its own roles). The
//! caller's tenant is the token's (`tid`, or the SAS's `sr`). Handlers are thin: every decision
//! is in `gatehouse_core::iotc`.

pub mod api_tokens;
pub mod audit_logs;
pub mod organizations;
pub mod paging;
pub mod roles;
pub mod users;

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use gatehouse_core::iotc::Actor;
use gatehouse_core::model::RoleRef;
use gatehouse_core::Error;
use gatehouse_guard::Requirement;
use gatehouse_protocol::sas::Sas;
use serde::de::DeserializeOwned;
use serde_json::{json, Value};

use crate::dialect::iotc::Iotc;
use crate::state::AppState;

/// The one version this subset serves (seed 002's).
pub const API_VERSION: &str = "2022-07-31";

/// IoT Central's resource, as a token's `aud` may spell it (its identifier, with or without the
/// slash, or its application id: `gatehouse_core::issuance::resources` knows it in every tenant).
pub const IOTC_AUDIENCES: &[&str] = &[
    "https://apps.azureiotcentral.com",
    "https://apps.azureiotcentral.com/",
    "9edfcdd9-0bc5-4bd4-b287-c3afc716aac7",
];

/// The largest JSON body accepted.
pub const MAX_JSON_BYTES: usize = 64 * 1024;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/auditLogs", get(audit_logs::list))
        .route("/api/roles", get(roles::list))
        .route(
            "/api/roles/{id}",
            get(roles::show).put(roles::put).delete(roles::delete),
        )
        .route("/api/organizations", get(organizations::list))
        .route(
            "/api/organizations/{id}",
            get(organizations::show)
                .put(organizations::create)
                .patch(organizations::update)
                .delete(organizations::delete),
        )
        .route("/api/users", get(users::list))
        .route(
            "/api/users/{id}",
            get(users::show).put(users::put).delete(users::delete),
        )
        .route("/api/apiTokens", get(api_tokens::list))
        .route(
            "/api/apiTokens/{id}",
            get(api_tokens::show).put(api_tokens::create).delete(api_tokens::delete),
        )
        .route(
            "/api/apiToken/{id}",
            get(api_tokens::show).put(api_tokens::create).delete(api_tokens::delete),
        )
}

/// `Ok` when the query carries `api-version=2022-07-31` (the name compares case-insensitively).
pub fn check_version(query: Option<&str>) -> Result<(), Error> {
    let given = form_urlencoded::parse(query.unwrap_or("").as_bytes())
        .find(|(k, _)| k.eq_ignore_ascii_case("api-version"))
        .map(|(_, v)| v.into_owned());
    match given {
        None => Err(Error::MissingParameter("api-version")),
        Some(v) if v == API_VERSION => Ok(()),
        Some(v) => Err(Error::UnsupportedVersion {
            given: v.chars().take(64).collect(),
            supported: API_VERSION.into(),
        }),
    }
}

/// The authenticated caller of a request of this door, as the core's [`Actor`].
pub struct IotcCaller(pub Actor);

impl FromRequestParts<AppState> for IotcCaller {
    type Rejection = Iotc;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Iotc> {
        check_version(parts.uri.query())?;
        let auth = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        if Sas::is_sas(auth) {
            let origin = crate::actor::origin(&parts.extensions);
            return match state.gh.iotc().check_sas(auth).await? {
                Some(sas) => Ok(Self(Actor { origin, ..sas.actor() })),
                None => Err(Error::BearerInvalid("the API token is malformed, unknown, revoked or expired").into()),
            };
        }
        let caller = state
            .iotc_bearer
            .caller(&parts.headers, &Requirement::authenticated())
            .await?;
        let tenant = state
            .gh
            .tenant(caller.tenant_id())
            .await
            .map_err(|_| Error::BearerInvalid("tenant"))?;
        let mut actor = state
            .gh
            .iotc()
            .principal(&tenant.id, &caller.object_id().to_ascii_lowercase())
            .await?;
        actor.origin = crate::actor::origin(&parts.extensions);
        Ok(Self(actor))
    }
}

/// A JSON body, strictly parsed into `T`: at most [`MAX_JSON_BYTES`], `Content-Type` JSON when
/// given.
pub struct IotcJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for IotcJson<T> {
    type Rejection = Iotc;

    async fn from_request(req: Request, _state: &S) -> Result<Self, Iotc> {
        if let Some(ct) = req.headers().get(header::CONTENT_TYPE) {
            let mime = ct.to_str().unwrap_or("").split(';').next().unwrap_or("").trim();
            if !mime.eq_ignore_ascii_case("application/json") {
                return Err(Error::ContentType.into());
            }
        }
        let body = axum::body::to_bytes(req.into_body(), MAX_JSON_BYTES)
            .await
            .map_err(|e| Iotc(crate::extract::body_error(&e)))?;
        if body.is_empty() {
            return Err(Error::Malformed("the request has no body; send a JSON object".into()).into());
        }
        serde_json::from_slice(&body).map(IotcJson).map_err(|e| {
            // serde's text names the field or the position, never a value of ours.
            Iotc(Error::Malformed(e.to_string().chars().take(200).collect()))
        })
    }
}

/// `{"role": ..., "organization"?: ...}` objects as IoT Central writes them.
pub fn roles_json(roles: &[RoleRef]) -> Value {
    Value::Array(
        roles
            .iter()
            .map(|r| match &r.organization {
                Some(o) => json!({"role": r.role, "organization": o}),
                None => json!({"role": r.role}),
            })
            .collect(),
    )
}

pub fn ok(v: Value) -> Response {
    axum::Json(v).into_response()
}

pub fn no_content() -> Response {
    StatusCode::NO_CONTENT.into_response()
}

/// Refuses a body `id` other than the path's.
pub fn same_id(path: &str, body: Option<&str>) -> Result<(), Error> {
    match body {
        Some(b) if !b.eq_ignore_ascii_case(path) => Err(Error::Invalid(format!(
            "The body's id '{b}' differs from the path's '{path}'."
        ))),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_api_version_is_required_and_exact() {
        assert!(matches!(
            check_version(None),
            Err(Error::MissingParameter("api-version"))
        ));
        assert!(matches!(check_version(Some("x=1")), Err(Error::MissingParameter(_))));
        assert!(matches!(
            check_version(Some("api-version=2021-04-30-preview")),
            Err(Error::UnsupportedVersion { .. })
        ));
        assert!(check_version(Some("API-VERSION=2022-07-31")).is_ok());
    }
}
