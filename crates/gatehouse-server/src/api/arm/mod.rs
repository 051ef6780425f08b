//! The Azure Resource Manager subset, on the same port as the token service: tenants,
//! subscriptions, resource groups, RBAC role definitions and role assignments, with every
//! request authorized against the caller's role assignments (inherited down the scope tree).
//!
//! ARM matches paths case-insensitively, so this door has no axum routes: the router sends
//! every path of the ARM door ([`crate::dialect::Door::Arm`]) to [`dispatch`], which parses it
//! ([`path`]), checks `api-version` ([`version`]), verifies the bearer token (ARM audiences,
//! any of our tenants), and hands a [`Request`] to the handler of the path's family:
//!
//! | file | paths |
//! |---|---|
//! | `subscriptions.rs` | `/metadata/endpoints`, `/tenants`, `/subscriptions[/{S}]` |
//! | `resource_groups.rs` | `/subscriptions/{S}/resourcegroups[/{name}]`, `/subscriptions/{S}/operationresults/{id}` |
//! | `role_definitions.rs` | `{scope}/providers/Microsoft.Authorization/roleDefinitions[/{id}]` |
//! | `role_assignments.rs` | `{scope}/providers/Microsoft.Authorization/roleAssignments[/{id}]` |
//!
//! Errors are ARM's (`crate::dialect::arm`).

pub mod path;
pub mod resource_groups;
pub mod role_assignments;
pub mod role_definitions;
pub mod subscriptions;
pub mod version;

use std::sync::Arc;

use axum::extract::State;
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use gatehouse_core::admin::Admin;
use gatehouse_core::model::{RbacScope, Tenant};
use gatehouse_core::rbac::{Principal, SubscriptionAccess};
use gatehouse_core::Error;
use gatehouse_guard::Requirement;
use serde::de::DeserializeOwned;
use serde_json::Value;

use self::path::{ArmPath, Family};
use crate::dialect::arm::Arm;
use crate::state::AppState;

/// Azure Resource Manager's identifiers, as a token's `aud` may spell them.
pub const ARM_AUDIENCES: &[&str] = &[
    "https://management.core.windows.net/",
    "https://management.core.windows.net",
    "https://management.azure.com/",
    "https://management.azure.com",
    "797f4846-ba00-4fd7-ba43-dac1f8f63013",
];

/// The largest request body the ARM door reads.
pub const MAX_BODY: usize = 64 * 1024;

/// One ARM request, parsed and authenticated.
pub struct Request {
    pub method: Method,
    pub path: ArmPath,
    pub api_version: &'static str,
    query: Vec<(String, String)>,
    pub headers: HeaderMap,
    /// The body, read at most [`MAX_BODY`] bytes (a `Body` is not `Sync`: bytes are).
    body: Bytes,
    /// The caller's tenant (from the verified token).
    pub tenant: Arc<Tenant>,
    pub who: Principal,
    /// The management operations, acting as the caller (every change audited as theirs).
    pub admin: Admin,
}

impl Request {
    /// A query parameter (names compare case-insensitively, as ARM's do).
    pub fn query(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The JSON body as `T`: `application/json`, at most [`MAX_BODY`] bytes, fields checked by
    /// `T` (unknown fields are refused where `T` says so).
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, Error> {
        let ct = self
            .headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let mime = ct.split(';').next().unwrap_or("").trim();
        if !mime.eq_ignore_ascii_case("application/json") && !mime.is_empty() {
            return Err(Error::ContentType);
        }
        let bytes = &self.body;
        if bytes.is_empty() {
            return Err(Error::Malformed("the request has no body; send a JSON object".into()));
        }
        serde_json::from_slice(bytes).map_err(|e| Error::Malformed(e.to_string()))
    }

    /// The caller's view of a subscription: it must exist (`SubscriptionNotFound`) and belong
    /// to the token's tenant (`InvalidAuthenticationTokenTenant`).
    pub async fn subscription(&self, s: &AppState, id: &str) -> Result<Arc<SubscriptionAccess>, Error> {
        s.gh.rbac().subscription_for(&self.who, id).await
    }

    /// `Ok` when the caller may perform `action` at `scope`, else `AuthorizationFailed`.
    pub async fn authorize(
        &self,
        s: &AppState,
        access: &SubscriptionAccess,
        action: &str,
        scope: &RbacScope,
    ) -> Result<(), Error> {
        s.gh.rbac().authorize(access, &self.who, action, scope).await
    }
}

/// Every request of the ARM door.
pub async fn dispatch(State(s): State<AppState>, request: axum::extract::Request) -> Response {
    match handle(&s, request).await {
        Ok(r) => r,
        Err(e) => Arm(e).into_response(),
    }
}

async fn handle(s: &AppState, request: axum::extract::Request) -> Result<Response, Error> {
    let (parts, body) = request.into_parts();
    let path = ArmPath::parse(parts.uri.path())?;
    let query: Vec<(String, String)> = form_urlencoded::parse(parts.uri.query().unwrap_or("").as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let api_version = {
        let given = query
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("api-version"))
            .map(|(_, v)| v.as_str());
        version::check(path.family(), given)?
    };
    if path.family() == Family::Metadata {
        return match parts.method {
            Method::GET => Ok(subscriptions::metadata(s)),
            m => Err(Error::MethodNotAllowed(m.to_string())),
        };
    }
    let caller = s
        .arm_bearer
        .caller(&parts.headers, &Requirement::authenticated())
        .await?;
    let body: Bytes = axum::body::to_bytes(body, MAX_BODY)
        .await
        .map_err(|e| crate::extract::body_error(&e))?;
    let tenant = s.gh.tenant(caller.tenant_id()).await?;
    let who = Principal {
        tenant_id: caller.tenant_id().to_owned(),
        object_id: caller.object_id().to_owned(),
        groups: s.gh.groups_of(caller.tenant_id(), caller.object_id()).await?,
    };
    let actor = crate::actor::of(&s.gh, &caller, &parts.extensions).await?;
    let req = Request {
        admin: s.gh.admin_as(actor),
        method: parts.method,
        path,
        api_version,
        query,
        headers: parts.headers,
        body,
        tenant,
        who,
    };
    match req.path.family() {
        Family::Metadata | Family::Subscriptions => subscriptions::handle(s, req).await,
        Family::Resources => resource_groups::handle(s, req).await,
        Family::RoleDefinitions => role_definitions::handle(s, req).await,
        Family::RoleAssignments => role_assignments::handle(s, req).await,
    }
}

/// A JSON answer with a status.
pub fn json(status: StatusCode, body: Value) -> Response {
    (status, axum::Json(body)).into_response()
}

/// ISO 8601 of a Unix time, as ARM writes `createdOn`.
pub fn iso(t: i64) -> String {
    gatehouse_protocol::timefmt::iso8601(t)
}

/// A `$filter` as ARM's simple grammar: terms joined by ` and `, each `name eq 'value'` or a
/// function call `name('value')` / `name()`; `None` when it does not parse.
pub fn filter_terms(filter: &str) -> Option<Vec<(String, String)>> {
    let mut terms = Vec::new();
    for term in split_and(filter.trim()) {
        let term = term.trim();
        if let Some((name, rest)) = term.split_once(" eq ") {
            let v = rest.trim();
            let v = v.strip_prefix('\'')?.strip_suffix('\'')?;
            terms.push((name.trim().to_ascii_lowercase(), v.replace("''", "'")));
        } else if let Some(open) = term.find('(') {
            let name = term[..open].trim().to_ascii_lowercase();
            let inner = term[open + 1..].strip_suffix(')')?.trim();
            let v = if inner.is_empty() {
                String::new()
            } else {
                inner.strip_prefix('\'')?.strip_suffix('\'')?.to_owned()
            };
            terms.push((name, v));
        } else {
            return None;
        }
    }
    Some(terms)
}

/// Splits on ` and ` outside quotes (case-insensitive).
fn split_and(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let bytes = s.as_bytes();
    let mut quoted = false;
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'\'' {
            quoted = !quoted;
        } else if !quoted && s[i..].len() >= 5 && s[i..i + 5].eq_ignore_ascii_case(" and ") {
            out.push(&s[start..i]);
            start = i + 5;
            i += 5;
            continue;
        }
        i += 1;
    }
    out.push(&s[start..]);
    out
}

#[cfg(test)]
mod tests {
    use super::filter_terms;

    #[test]
    fn filters_parse_arm_terms() {
        assert_eq!(
            filter_terms("roleName eq 'Contributor'").unwrap(),
            vec![("rolename".to_owned(), "Contributor".to_owned())]
        );
        assert_eq!(
            filter_terms("atScope() and assignedTo('abc')").unwrap(),
            vec![
                ("atscope".to_owned(), String::new()),
                ("assignedto".to_owned(), "abc".to_owned())
            ]
        );
        assert_eq!(
            filter_terms("roleName eq 'Tom and Jerry''s'").unwrap(),
            vec![("rolename".to_owned(), "Tom and Jerry's".to_owned())]
        );
        assert!(filter_terms("roleName gt 'x'").is_none());
        assert!(filter_terms("roleName eq x").is_none());
    }
}
