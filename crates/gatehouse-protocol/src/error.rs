//! OAuth 2.0 error codes and the error body Entra ID sends.
//!
//! The body looks like this (`error_description` carries the AADSTS code first, then the ids, joined
//! with CRLF, as Entra does):
//!
//! ```json
//! {"error":"invalid_client",
//!  "error_description":"AADSTS7000215: Invalid client secret provided. ...\r\nTrace ID: ...\r\nCorrelation ID: ...\r\nTimestamp: 2026-11-21 20:04:18Z",
//!  "error_codes":[7000215],"timestamp":"2026-11-21 20:04:18Z",
//!  "trace_id":"...","correlation_id":"...","error_uri":"https://.../error?code=7000215"}
//! ```

use serde::{Deserialize, Serialize};

/// The `error` values of RFC 6749, RFC 8628 and Entra ID that Gatehouse sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OAuthError {
    InvalidRequest,
    InvalidClient,
    InvalidGrant,
    UnauthorizedClient,
    UnsupportedGrantType,
    InvalidScope,
    /// Entra's answer for an unknown resource (AADSTS500011).
    InvalidResource,
    /// RFC 8707: a `resource` indicator that is invalid, unknown, or disagrees with `scope`.
    InvalidTarget,
    AccessDenied,
    /// `prompt=none` and nobody is signed in (OpenID Connect Core 3.1.2.6).
    LoginRequired,
    /// `prompt=none` and the user has not consented yet.
    ConsentRequired,
    UnsupportedResponseType,
    AuthorizationPending,
    SlowDown,
    AuthorizationDeclined,
    ExpiredToken,
    BadVerificationCode,
    TemporarilyUnavailable,
    ServerError,
    /// A bearer token that is missing, malformed, expired or not ours (RFC 6750 3.1).
    InvalidToken,
    /// Not found (unknown route); not an OAuth code but keeps one body shape.
    NotFound,
}

impl OAuthError {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InvalidRequest => "invalid_request",
            Self::InvalidClient => "invalid_client",
            Self::InvalidGrant => "invalid_grant",
            Self::UnauthorizedClient => "unauthorized_client",
            Self::UnsupportedGrantType => "unsupported_grant_type",
            Self::InvalidScope => "invalid_scope",
            Self::InvalidResource => "invalid_resource",
            Self::InvalidTarget => "invalid_target",
            Self::AccessDenied => "access_denied",
            Self::LoginRequired => "login_required",
            Self::ConsentRequired => "consent_required",
            Self::UnsupportedResponseType => "unsupported_response_type",
            Self::AuthorizationPending => "authorization_pending",
            Self::SlowDown => "slow_down",
            Self::AuthorizationDeclined => "authorization_declined",
            Self::ExpiredToken => "expired_token",
            Self::BadVerificationCode => "bad_verification_code",
            Self::TemporarilyUnavailable => "temporarily_unavailable",
            Self::ServerError => "server_error",
            Self::InvalidToken => "invalid_token",
            Self::NotFound => "not_found",
        }
    }
}

/// An error as the client sees it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ErrorBody {
    pub error: OAuthError,
    pub error_description: String,
    pub error_codes: Vec<u32>,
    pub timestamp: String,
    pub trace_id: String,
    pub correlation_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_uri: Option<String>,
    /// Entra's `suberror` (`consent_required` with AADSTS65001), which MSAL reads.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suberror: Option<String>,
}

impl ErrorBody {
    /// Builds the body. `text` is a safe, client-facing sentence that says what to do next;
    /// it must never carry internal detail.
    pub fn new(
        error: OAuthError,
        aadsts: u32,
        text: &str,
        trace_id: &str,
        correlation_id: &str,
        timestamp: &str,
        error_uri_base: Option<&str>,
    ) -> Self {
        Self {
            error,
            error_description: format!(
                "AADSTS{aadsts}: {text}\r\nTrace ID: {trace_id}\r\nCorrelation ID: {correlation_id}\r\nTimestamp: {timestamp}"
            ),
            error_codes: vec![aadsts],
            timestamp: timestamp.to_owned(),
            trace_id: trace_id.to_owned(),
            correlation_id: correlation_id.to_owned(),
            error_uri: error_uri_base.map(|b| format!("{b}/error?code={aadsts}")),
            suberror: None,
        }
    }

    /// The body with Entra's `suberror`.
    pub fn with_suberror(mut self, suberror: Option<&str>) -> Self {
        self.suberror = suberror.map(str::to_owned);
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_has_entra_shape() {
        let b = ErrorBody::new(
            OAuthError::InvalidClient,
            7000215,
            "Invalid client secret provided.",
            "t",
            "c",
            "2026-01-01 00:00:00Z",
            None,
        );
        let v = serde_json::to_value(&b).unwrap();
        assert_eq!(v["error"], "invalid_client");
        assert_eq!(v["error_codes"][0], 7000215);
        assert!(v["error_description"]
            .as_str()
            .unwrap()
            .starts_with("AADSTS7000215: Invalid client secret"));
        assert!(v.get("error_uri").is_none());
    }
}
