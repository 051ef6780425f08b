//! The Azure DevOps front door: the PAT lifecycle API under `/_apis/tokens/pats` ([`pats`]),
//! `api-version=7.1-preview.1` required, answering in [`crate::dialect::devops`] (refusals of
//! the request itself as `patTokenError` values). Callers: only a user's token for the Azure
//! DevOps resource (`499b84ac-1321-427f-aa17-267ca6975798`) carrying `user_impersonation`
//! ([`DevOpsCaller`]); an application's token gets 403, anything else (no token, a PAT,
//! another audience, a disabled user) 401.

pub mod pats;

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{header, Uri};
use axum::routing::get;
use axum::Router;
use gatehouse_core::pats::PatCaller;
use gatehouse_core::Error;
use gatehouse_guard::Requirement;
use serde::de::DeserializeOwned;

use crate::dialect::devops::DevOps;
use crate::state::AppState;

/// The Azure DevOps resource's application id (Entra's), and its identifier URI.
pub const DEVOPS_APP_ID: &str = "499b84ac-1321-427f-aa17-267ca6975798";

/// The audiences a token for the Azure DevOps resource carries.
pub const DEVOPS_AUDIENCES: &[&str] = &[
    DEVOPS_APP_ID,
    "https://app.vssps.visualstudio.com",
    "https://app.vssps.visualstudio.com/",
];

/// The only delegated scope the PAT API accepts.
pub const USER_IMPERSONATION: &str = "user_impersonation";

/// The api-versions served (`7.1-preview` names the latest revision of the preview).
pub const API_VERSIONS: &[&str] = &["7.1-preview.1", "7.1-preview"];

/// The largest JSON body accepted.
pub const MAX_JSON_BYTES: usize = 16 * 1024;

pub fn router() -> Router<AppState> {
    // Azure DevOps compares paths case-insensitively; the docs spell it both ways.
    let handlers = || get(pats::get).post(pats::create).put(pats::update).delete(pats::revoke);
    // Azure DevOps' own URL names the organization first (`vssps.dev.azure.com/{org}/_apis/...`):
    // here the organization is the caller's tenant, by id or name.
    let in_org = || {
        get(pats::org_get)
            .post(pats::org_create)
            .put(pats::org_update)
            .delete(pats::org_revoke)
    };
    Router::new()
        .route("/_apis/tokens/pats", handlers())
        .route("/_apis/Tokens/Pats", handlers())
        .route("/{tenant}/_apis/tokens/pats", in_org())
        .route("/{tenant}/_apis/Tokens/Pats", in_org())
}

/// The organization named in the path is the caller's own tenant.
pub async fn require_org(state: &AppState, org: &str, who: &PatCaller) -> Result<(), DevOps> {
    match state.gh.tenant(org).await {
        Ok(t) if t.id == who.tenant_id => Ok(()),
        Ok(t) => Err(Error::WrongTenant {
            token_tenant: who.tenant_id.clone(),
            owner_tenant: t.id.clone(),
        }
        .into()),
        Err(_) => Err(Error::NotFound {
            object: gatehouse_core::error::Object::Tenant,
            name: org.to_owned(),
        }
        .into()),
    }
}

/// `api-version` present and served.
pub fn require_version(uri: &Uri) -> Result<(), DevOps> {
    let given = form_urlencoded::parse(uri.query().unwrap_or("").as_bytes())
        .find(|(k, _)| k.eq_ignore_ascii_case("api-version"))
        .map(|(_, v)| v.into_owned());
    match given {
        None => Err(Error::MissingParameter("api-version").into()),
        Some(v) if API_VERSIONS.iter().any(|s| s.eq_ignore_ascii_case(&v)) => Ok(()),
        Some(v) => Err(Error::UnsupportedVersion {
            given: v,
            supported: API_VERSIONS[0].into(),
        }
        .into()),
    }
}

/// The signed-in user calling the PAT API.
pub struct DevOpsCaller(pub PatCaller);

impl FromRequestParts<AppState> for DevOpsCaller {
    type Rejection = DevOps;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, DevOps> {
        let caller = state
            .devops_bearer
            .caller(&parts.headers, &Requirement::authenticated())
            .await?;
        if caller.identity_type() != Some("user") {
            return Err(Error::InsufficientPrivileges.into());
        }
        if !caller.has_scope(USER_IMPERSONATION) {
            return Err(Error::InsufficientPrivileges.into());
        }
        let tenant_id = caller.tenant_id().to_ascii_lowercase();
        let user_id = caller.object_id().to_ascii_lowercase();
        let enabled = state
            .gh
            .store()
            .user_by_id(&tenant_id, &user_id)
            .await
            .map_err(Error::from)?
            .is_some_and(|u| u.account_enabled);
        if !enabled {
            return Err(Error::BearerInvalid("principal").into());
        }
        Ok(Self(PatCaller {
            tenant_id,
            user_id,
            origin: crate::actor::origin(&parts.extensions),
        }))
    }
}

/// A JSON body: at most [`MAX_JSON_BYTES`], `Content-Type` JSON when given.
pub struct DevOpsJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for DevOpsJson<T> {
    type Rejection = DevOps;

    async fn from_request(req: Request, _state: &S) -> Result<Self, DevOps> {
        if let Some(ct) = req.headers().get(header::CONTENT_TYPE) {
            let mime = ct.to_str().unwrap_or("").split(';').next().unwrap_or("").trim();
            if !mime.eq_ignore_ascii_case("application/json") {
                return Err(Error::ContentType.into());
            }
        }
        let body = axum::body::to_bytes(req.into_body(), MAX_JSON_BYTES)
            .await
            .map_err(|e| DevOps(crate::extract::body_error(&e)))?;
        serde_json::from_slice(&body)
            .map(DevOpsJson)
            .map_err(|e| DevOps(Error::Malformed(e.to_string().chars().take(200).collect())))
    }
}
