//! Every front door's error dialect, one module each. The domain's errors are neutral
//! (`gatehouse_core::Error` with its `ErrorKind`); these modules alone decide status codes, wire
//! codes and body shapes:
//!
//! - [`oauth`]: OAuth 2.0 / Entra ID (`error`, `error_description` "AADSTSnnnnn: ...",
//!   `error_codes`, `trace_id`, `correlation_id`, `timestamp`);
//! - [`arm`]: Azure Resource Manager (`{"error":{"code","message"}}`);
//! - [`graph`]: Microsoft Graph (`{"error":{"code","message","innerError":{...}}}`);
//! - [`iotc`]: IoT Central (`{"error":{"code","message","requestId","time"}}`, `x-ms-error-code`);
//! - [`devops`]: Azure DevOps (`{"$id","innerException","message","typeName","typeKey","errorCode",
//!   "eventId"}`; the PAT API's own refusals are `patTokenError` values).
//!
//! [`Door`] says which dialect a path speaks, for answers no handler produced (unknown paths,
//! wrong methods).

pub mod arm;
pub mod devops;
pub mod graph;
pub mod iotc;
pub mod oauth;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use gatehouse_core::{Error, ErrorKind};

use crate::context::RequestIds;

/// A front door: the dialect its answers speak.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Door {
    OAuth,
    Arm,
    Graph,
    Iotc,
    DevOps,
}

impl Door {
    /// The door a request path belongs to (ARM paths compare case-insensitively, as ARM does).
    pub fn of(path: &str) -> Self {
        let lower = path.to_ascii_lowercase();
        let mut segments = lower.trim_start_matches('/').split(['/', '?']);
        let first = segments.next().unwrap_or("");
        // `/{organization}/_apis/...`: Azure DevOps' URL with the organization first.
        if segments.next() == Some("_apis") {
            return Self::DevOps;
        }
        match first {
            "subscriptions" | "tenants" | "providers" | "metadata" => Self::Arm,
            "graph" => Self::Graph,
            "api" => Self::Iotc,
            "_apis" => Self::DevOps,
            _ => Self::OAuth,
        }
    }

    /// `e` answered in this door's dialect.
    pub fn respond(self, e: Error) -> Response {
        match self {
            Self::OAuth => oauth::OAuth(e).into_response(),
            Self::Arm => arm::Arm(e).into_response(),
            Self::Graph => graph::Graph(e).into_response(),
            Self::Iotc => iotc::Iotc(e).into_response(),
            Self::DevOps => devops::DevOps(e).into_response(),
        }
    }
}

/// The status of an error kind, for the management dialects (OAuth has its own table).
pub(crate) fn status_of(kind: ErrorKind) -> StatusCode {
    match kind {
        ErrorKind::InvalidRequest => StatusCode::BAD_REQUEST,
        ErrorKind::Unauthenticated => StatusCode::UNAUTHORIZED,
        ErrorKind::Forbidden => StatusCode::FORBIDDEN,
        ErrorKind::NotFound => StatusCode::NOT_FOUND,
        ErrorKind::Conflict => StatusCode::CONFLICT,
        ErrorKind::Throttled => StatusCode::TOO_MANY_REQUESTS,
        ErrorKind::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
        ErrorKind::Internal => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// A safe sentence for a management answer: the domain's own words for management errors, the
/// OAuth table's for the rest; never internal detail.
pub(crate) fn message(e: &Error) -> String {
    match e {
        Error::NotFound { .. } | Error::Conflict { .. } | Error::Ambiguous { .. } | Error::Invalid(_) => sentence(e),
        other => oauth::wire(other).text,
    }
}

/// "Application 'x' was not found." from an error's display text.
pub(crate) fn sentence(e: &Error) -> String {
    let text = e.to_string();
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => {
            let end = if text.ends_with('.') { "" } else { "." };
            format!("{}{}{end}", first.to_uppercase(), chars.as_str())
        }
        None => text,
    }
}

/// Logs a refusal (info) or a failure (error) with the trace id; internal detail goes only here.
pub(crate) fn log(ids: &RequestIds, e: &Error, status: u16) {
    if status >= 500 {
        tracing::error!(trace_id = %ids.trace_id, error = %e, "request failed");
    } else {
        tracing::info!(trace_id = %ids.trace_id, error = %e, status, "request refused");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doors_by_path() {
        assert_eq!(Door::of("/subscriptions/x/resourcegroups"), Door::Arm);
        assert_eq!(Door::of("/SUBSCRIPTIONS"), Door::Arm);
        assert_eq!(Door::of("/tenants?api-version=2022-12-01"), Door::Arm);
        assert_eq!(Door::of("/metadata/endpoints"), Door::Arm);
        assert_eq!(Door::of("/graph/v1.0/me"), Door::Graph);
        assert_eq!(Door::of("/api/roles"), Door::Iotc);
        assert_eq!(Door::of("/_apis/tokens/pats"), Door::DevOps);
        assert_eq!(Door::of("/contoso/_apis/tokens/pats"), Door::DevOps);
        assert_eq!(Door::of("/default/oauth2/v2.0/token"), Door::OAuth);
        assert_eq!(Door::of("/"), Door::OAuth);
    }
}
