//! [`Rejection`]: why the guard refused a request, and its RFC 6750 answer: status,
//! `WWW-Authenticate` challenge and a JSON body `{error, error_description, trace_id}` that never
//! carries internal detail (the detail goes to the log under the same trace id).

use axum::response::{IntoResponse, Response};
use http::header::{HeaderValue, CACHE_CONTROL, CONTENT_TYPE, RETRY_AFTER, WWW_AUTHENTICATE};
use http::StatusCode;
use serde::Serialize;
use uuid::Uuid;

use crate::config::MissingTokenStatus;

/// Why the guard refused a request.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Rejection {
    /// No credential the guard understands (no header, or an unsupported scheme).
    #[error("no credential presented")]
    MissingCredential,
    /// The request itself is malformed (RFC 6750 `invalid_request`, 400).
    #[error("invalid request: {description}")]
    InvalidRequest {
        /// Short safe text for the client.
        description: &'static str,
    },
    /// The credential is invalid, expired, revoked or not for this API (`invalid_token`, 401).
    #[error("invalid token: {description} ({detail})")]
    InvalidToken {
        /// Short safe text for the client.
        description: &'static str,
        /// Internal detail, logged only.
        detail: String,
    },
    /// The caller lacks scopes or roles (`insufficient_scope`, 403).
    #[error("insufficient scope: missing {missing:?}")]
    InsufficientScope {
        /// Missing scopes and roles, named in the challenge's `scope` attribute.
        missing: Vec<String>,
    },
    /// The credential cannot be checked right now (keys or revocation status unavailable;
    /// 503 with `Retry-After`). The guard fails closed.
    #[error("temporarily unavailable: {description} ({detail})")]
    Unavailable {
        /// Short safe text for the client.
        description: &'static str,
        /// Internal detail, logged only.
        detail: String,
    },
}

impl Rejection {
    /// OAuth error code of the answer body.
    pub fn error_code(&self) -> &'static str {
        match self {
            Rejection::MissingCredential => "missing_token",
            Rejection::InvalidRequest { .. } => "invalid_request",
            Rejection::InvalidToken { .. } => "invalid_token",
            Rejection::InsufficientScope { .. } => "insufficient_scope",
            Rejection::Unavailable { .. } => "temporarily_unavailable",
        }
    }

    /// Safe description of the answer body.
    pub fn description(&self) -> &'static str {
        match self {
            Rejection::MissingCredential => "an access token is required",
            Rejection::InvalidRequest { description }
            | Rejection::InvalidToken { description, .. }
            | Rejection::Unavailable { description, .. } => description,
            Rejection::InsufficientScope { .. } => "the token lacks a required scope or role",
        }
    }
}

/// What the answer needs from the configuration.
#[derive(Debug, Clone, Default)]
pub(crate) struct ChallengeSettings {
    pub realm: Option<String>,
    pub resource_metadata: Option<String>,
    pub missing_token_status: MissingTokenStatus,
}

impl ChallengeSettings {
    /// Builds the answer to `rejection` and logs it under a fresh trace id.
    pub(crate) fn respond(&self, rejection: &Rejection) -> Response {
        let trace_id = Uuid::new_v4();
        match rejection {
            Rejection::InvalidToken { detail, .. } | Rejection::Unavailable { detail, .. } => {
                tracing::info!(%trace_id, code = rejection.error_code(), %detail, "request refused");
            }
            _ => tracing::debug!(%trace_id, code = rejection.error_code(), "request refused"),
        }
        let status = match rejection {
            Rejection::MissingCredential => match self.missing_token_status {
                MissingTokenStatus::Unauthorized => StatusCode::UNAUTHORIZED,
                MissingTokenStatus::Forbidden => StatusCode::FORBIDDEN,
            },
            Rejection::InvalidRequest { .. } => StatusCode::BAD_REQUEST,
            Rejection::InvalidToken { .. } => StatusCode::UNAUTHORIZED,
            Rejection::InsufficientScope { .. } => StatusCode::FORBIDDEN,
            Rejection::Unavailable { .. } => StatusCode::SERVICE_UNAVAILABLE,
        };
        let mut response = json_error(status, rejection.error_code(), rejection.description(), trace_id);
        let challenge = match rejection {
            Rejection::Unavailable { .. } => {
                response
                    .headers_mut()
                    .insert(RETRY_AFTER, HeaderValue::from_static("5"));
                None
            }
            Rejection::MissingCredential => Some(self.challenge(&[])),
            Rejection::InvalidRequest { description } => {
                Some(self.challenge(&[("error", "invalid_request"), ("error_description", description)]))
            }
            Rejection::InvalidToken { description, .. } => {
                Some(self.challenge(&[("error", "invalid_token"), ("error_description", description)]))
            }
            Rejection::InsufficientScope { missing } => {
                let scope = missing
                    .iter()
                    .map(|s| sanitize(s, true))
                    .filter(|s| !s.is_empty())
                    .collect::<Vec<_>>()
                    .join(" ");
                Some(self.challenge(&[
                    ("error", "insufficient_scope"),
                    ("error_description", rejection.description()),
                    ("scope", &scope),
                ]))
            }
        };
        if let Some(value) = challenge.and_then(|c| HeaderValue::from_str(&c).ok()) {
            response.headers_mut().insert(WWW_AUTHENTICATE, value);
        }
        response
    }

    fn challenge(&self, params: &[(&str, &str)]) -> String {
        let mut parts: Vec<String> = Vec::new();
        if let Some(realm) = &self.realm {
            parts.push(format!("realm=\"{}\"", sanitize(realm, false)));
        }
        for (name, value) in params {
            parts.push(format!("{name}=\"{}\"", sanitize(value, false)));
        }
        if let Some(url) = &self.resource_metadata {
            parts.push(format!("resource_metadata=\"{}\"", sanitize(url, false)));
        }
        if parts.is_empty() {
            "Bearer".to_string()
        } else {
            format!("Bearer {}", parts.join(", "))
        }
    }
}

/// Keeps only characters RFC 6750 allows inside the quoted attribute values (no `"` or `\`);
/// `scope_token` also drops spaces (a scope token never holds one).
fn sanitize(value: &str, scope_token: bool) -> String {
    value
        .chars()
        .filter(|c| {
            let b = *c as u32;
            (0x20..=0x7e).contains(&b) && *c != '"' && *c != '\\' && !(scope_token && *c == ' ')
        })
        .collect()
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    error: &'a str,
    error_description: &'a str,
    trace_id: Uuid,
}

/// A JSON error answer with `Cache-Control: no-store`.
pub(crate) fn json_error(status: StatusCode, error: &str, description: &str, trace_id: Uuid) -> Response {
    let body = serde_json::to_vec(&ErrorBody {
        error,
        error_description: description,
        trace_id,
    })
    .unwrap_or_else(|_| b"{\"error\":\"server_error\"}".to_vec());
    let mut response = (status, body).into_response();
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(r: &Response) -> &str {
        r.headers()[WWW_AUTHENTICATE].to_str().unwrap()
    }

    #[test]
    fn challenges_follow_rfc6750() {
        let s = ChallengeSettings {
            realm: None,
            resource_metadata: Some("https://api.example/.well-known/oauth-protected-resource".into()),
            missing_token_status: MissingTokenStatus::Unauthorized,
        };
        let r = s.respond(&Rejection::MissingCredential);
        assert_eq!(r.status(), 401);
        assert_eq!(
            header(&r),
            "Bearer resource_metadata=\"https://api.example/.well-known/oauth-protected-resource\""
        );
        let r = s.respond(&Rejection::InsufficientScope {
            missing: vec!["code_write".into(), "Ad\"min".into()],
        });
        assert_eq!(r.status(), 403);
        assert!(header(&r).starts_with("Bearer error=\"insufficient_scope\""));
        assert!(header(&r).contains("scope=\"code_write Admin\""));
        let r = ChallengeSettings::default().respond(&Rejection::MissingCredential);
        assert_eq!(header(&r), "Bearer");
    }
}
