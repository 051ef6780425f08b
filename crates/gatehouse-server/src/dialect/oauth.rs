//! The OAuth 2.0 / Entra ID dialect: every domain error as the token, authorize, device, revoke
//! and user endpoints answer it, with its HTTP status, OAuth `error`, AADSTS number and a safe
//! sentence that says what to do next (the codes are in docs/ENDPOINTS.md and
//! docs/DECISIONS.md), and the Entra error body
//! (`error`, `error_description` "AADSTSnnnnn: ...", `error_codes`, `timestamp`, `trace_id`,
//! `correlation_id`).

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use gatehouse_core::browser::authorize::{encode, Answer, AuthResponse};
use gatehouse_core::Error;
use gatehouse_protocol::timefmt::entra_now;
use gatehouse_protocol::{ErrorBody, OAuthError};

use crate::context::RequestIds;

/// What an OAuth client is told about an error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Wire {
    pub status: u16,
    pub error: OAuthError,
    pub aadsts: u32,
    pub text: String,
    /// Seconds for a `Retry-After` header.
    pub retry_after: Option<u64>,
    /// Entra's `suberror` (`consent_required` with AADSTS65001).
    pub suberror: Option<&'static str>,
}

impl Wire {
    pub fn status_code(&self) -> StatusCode {
        StatusCode::from_u16(self.status).unwrap_or(StatusCode::BAD_REQUEST)
    }
}

/// The wire form of a domain error. Texts never carry internal detail.
pub fn wire(e: &Error) -> Wire {
    use OAuthError as E;
    let w = |status: u16, error: E, aadsts: u32, text: String| Wire {
        status,
        error,
        aadsts,
        text,
        retry_after: None,
        suberror: None,
    };
    match e {
            Error::MissingParameter(p) => w(400, E::InvalidRequest, 900144, format!("The request body must contain the following parameter: '{p}'.")),
            Error::Malformed(why) => w(400, E::InvalidRequest, 9002313, format!("Invalid request. Request is malformed or invalid: {why}.")),
            Error::MethodNotAllowed(m) => w(405, E::InvalidRequest, 9002313, format!("Invalid request. The method {m} is not allowed on this path.")),
            Error::BodyTimeout => w(408, E::InvalidRequest, 9002313, "Invalid request. The request body did not arrive in time: send it at once, not slowly.".into()),
        Error::BodyTooLarge => w(413, E::InvalidRequest, 9002313, "Invalid request. The request body is larger than the server accepts.".into()),
            Error::ContentType => w(400, E::InvalidRequest, 9002313, "Invalid request. Send the parameters as application/x-www-form-urlencoded.".into()),
            Error::UnsupportedGrant(g) => w(400, E::UnsupportedGrantType, 70003, format!("The app requested an unsupported grant type '{g}'. Use client_credentials, authorization_code, urn:ietf:params:oauth:grant-type:device_code, refresh_token, urn:ietf:params:oauth:grant-type:jwt-bearer (on-behalf-of) or urn:ietf:params:oauth:grant-type:token-exchange.")),
            Error::InvalidTarget(s) => w(400, E::InvalidTarget, 9010010, format!("The resource parameter is not valid (RFC 8707). {s}")),
            Error::InvalidScope(s) => w(400, E::InvalidScope, 70011, format!("The provided value for the input parameter 'scope' is not valid. {s}")),
            Error::BearerInvalid(_) => w(401, E::InvalidToken, 50132, "The access token is missing, invalid or expired. Send 'Authorization: Bearer' with a user access token this tenant issued for Microsoft Graph (scope openid or User.Read).".into()),
            Error::RevokeForeignToken => w(400, E::UnauthorizedClient, 70000, "The token was not issued to this client, so this client cannot revoke it (RFC 7009 section 2.1). Revoke it with the credentials of the client it was issued to.".into()),
            Error::AppNotAuthorized(app) => w(404, E::NotFound, 65004, format!("The user has not authorized the application {app}.")),
            Error::UnknownPermission { scope, resource } => w(400, E::InvalidScope, 650053, format!("The application asked for scope '{scope}' that doesn't exist on the resource '{resource}'.")),
            Error::ScopeNotDefault(s) => w(400, E::InvalidScope, 1002012, format!("The provided value for scope {s} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).")),
            Error::TenantNotFound(t) => w(400, E::InvalidRequest, 90002, format!("Tenant '{t}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.")),
            Error::NoTenant => w(400, E::InvalidRequest, 50059, "No tenant-identifying information found in either the request or implied by any provided credentials. Use a tenant id or name instead of 'common'.".into()),
            Error::ClientNotFound { client_id, tenant } => w(400, E::UnauthorizedClient, 700016, format!("Application with identifier '{client_id}' was not found in the directory '{tenant}'. Check the client id and the tenant.")),
            Error::ClientSecretMissing => w(401, E::InvalidClient, 7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.".into()),
            Error::ClientSecretInvalid => w(401, E::InvalidClient, 7000215, "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID.".into()),
            Error::ClientSecretExpired => w(401, E::InvalidClient, 7000222, "The provided client secret keys are expired. Create new keys for your app (gatehouse app credential add).".into()),
            Error::ClientAuthConflict => w(400, E::InvalidRequest, 9002313, "Invalid request. Authenticate the client once: HTTP Basic, client_secret in the body, or client_assertion, never two of them.".into()),
            Error::AssertionMalformed(why) => w(401, E::InvalidClient, 50027, format!("JWT token is invalid or malformed: {why}. Send a client_assertion signed with RS256 (header x5t) or PS256 (header x5t#S256).")),
            Error::AssertionSignature => w(401, E::InvalidClient, 700027, "Client assertion contains an invalid signature. [Reason - The key was not found or the signature does not verify.] Register the certificate on the application (gatehouse app credential add --cert) and sign with its private key.".into()),
            Error::AssertionCertificateExpired => w(401, E::InvalidClient, 700027, "Client assertion contains an invalid signature. [Reason - The certificate that signed it is expired or not yet valid.] Register a new certificate and sign with it.".into()),
            Error::AssertionTime(why) => w(401, E::InvalidClient, 700024, format!("Client assertion is not within its valid time range: {why}. Make a new assertion for each request, valid for at most 10 minutes.")),
            Error::AssertionAudience => w(401, E::InvalidClient, 700023, "Client assertion audience claim does not match Realm issuer. Set 'aud' to this tenant's token endpoint URL.".into()),
            Error::AssertionSubject => w(401, E::InvalidClient, 700021, "Client assertion application identifier doesn't match 'client_id' parameter. Both 'iss' and 'sub' must be the application's client id.".into()),
            Error::AssertionReplayed => w(401, E::InvalidClient, 50027, "JWT token is invalid: its 'jti' was already used. A client assertion is good for one request: make a new one with a new jti.".into()),
            Error::PublicClient => w(400, E::UnauthorizedClient, 700025, "Client is public so neither 'client_assertion' nor 'client_secret' should be presented, and it cannot use the client-credentials grant.".into()),
            Error::ClientDisabled => w(400, E::UnauthorizedClient, 7000112, "Application is disabled.".into()),
            Error::UnknownResource { resource, tenant } => w(400, E::InvalidResource, 500011, format!("The resource principal named {resource} was not found in the tenant named {tenant}. Register it with 'gatehouse api create' or check the resource identifier.")),
            Error::Throttled { retry_after } => Wire {
                status: 429,
                error: E::TemporarilyUnavailable,
                aadsts: 50053,
                text: format!("Too many failed attempts. Try again in {retry_after} seconds."),
                retry_after: Some(*retry_after),
                suberror: None,
            },
            Error::AuthorizationPending => w(400, E::AuthorizationPending, 70016, "OAuth 2.0 device flow error. Authorization is pending. Continue polling.".into()),
            Error::SlowDown => w(400, E::SlowDown, 70016, "OAuth 2.0 device flow error. Polling too fast: wait the interval (5 seconds more) between requests.".into()),
            Error::AuthorizationDeclined => w(400, E::AuthorizationDeclined, 70000, "The end user declined the authorization request.".into()),
            Error::ExpiredToken => w(400, E::ExpiredToken, 70020, "The provided value for the input parameter 'device_code' is not valid. This device code has expired. Start a new sign-in.".into()),
            Error::DeviceCodeInvalid(_) => w(400, E::InvalidGrant, 70000, "The provided value for the input parameter 'device_code' is not valid, or it was already used. Start a new sign-in.".into()),
            Error::BadUserCode => w(400, E::BadVerificationCode, 70018, "The code you entered is not valid or has expired. Check it, or start a new sign-in on your device.".into()),
            Error::InvalidCredentials => w(400, E::InvalidGrant, 50126, "Error validating credentials due to invalid username or password.".into()),
            Error::PasswordChangeRequired => w(400, E::InvalidGrant, 50055, "You must change your password before you can sign in. Choose a new password.".into()),
            Error::UserDisabled => w(400, E::InvalidGrant, 50057, "The user account is disabled. Ask an administrator to enable it.".into()),
            Error::RefreshTokenInvalid(_) => w(400, E::InvalidGrant, 70000, "The provided refresh token is not valid for this client. Sign in again.".into()),
            Error::RefreshTokenRevoked(_) => w(400, E::InvalidGrant, 70008, "The refresh token has expired or was revoked. Sign in again.".into()),
            Error::ConsentRequired(s) => Wire {
                suberror: Some("consent_required"),
                ..w(400, E::InvalidGrant, 65001, format!("The user or administrator has not consented to use the application for {s}. Send an interactive authorization request for this user and resource, or have an administrator grant consent (gatehouse app consent grant)."))
            },
            Error::UserAssertionInvalid(_) => w(400, E::InvalidGrant, 50013, "Assertion failed signature validation or is not valid: it must be an unexpired, unrevoked user access token this tenant issued for the calling application (its appId or identifier URI as the audience).".into()),
            Error::UnsupportedTokenType { parameter, value } => w(400, E::InvalidRequest, 9002313, format!("Invalid request. The {parameter} '{}' is not supported: use urn:ietf:params:oauth:token-type:access_token or urn:ietf:params:oauth:token-type:jwt.", value.chars().take(100).collect::<String>())),
            Error::ExchangeTarget(t) => w(400, E::InvalidTarget, 500011, format!("The requested target is not valid: {t}. Name one resource registered in this tenant (its identifier URI or appId) in 'audience' or 'resource'.")),
            Error::RedirectUriMismatch => w(400, E::InvalidRequest, 50011, "The redirect URI specified in the request does not match the redirect URIs configured for the application. Register it with 'gatehouse app create --redirect-uri'.".into()),
            Error::RedirectUriUnsafe => w(400, E::InvalidRequest, 50011, "The redirect URI registered for this application is not allowed: it must be https, http to a loopback address, or a private-use scheme, without a fragment or user information. The application's owner must register a safe redirect URI.".into()),
            Error::UnsupportedResponseType(t) => w(400, E::UnsupportedResponseType, 700054, format!("response_type '{t}' is not supported. Use response_type=code.")),
            Error::PkceRequired => w(400, E::InvalidRequest, 9002325, "Proof Key for Code Exchange is required for public clients: send code_challenge and code_challenge_method=S256.".into()),
            Error::PkceMethodUnsupported => w(400, E::InvalidRequest, 9002313, "Invalid request. code_challenge_method must be S256 ('plain' is not accepted) and code_challenge the base64url SHA-256 of the verifier (43 characters).".into()),
            Error::PkceVerifierMismatch => w(400, E::InvalidGrant, 501481, "The Code_Verifier does not match the code_challenge supplied in the authorization request.".into()),
            Error::PkceUnexpectedVerifier => w(400, E::InvalidGrant, 50148, "The code_verifier was sent but the authorization request had no code_challenge. Start a new sign-in.".into()),
            Error::LoginRequired => w(400, E::LoginRequired, 50058, "A silent sign-in request was sent but no user is signed in.".into()),
            Error::ConsentNeeded => w(400, E::ConsentRequired, 65001, "The user has not consented to use the application for the requested scopes. Send an interactive authorization request.".into()),
            Error::AccessDenied => w(400, E::AccessDenied, 65004, "The user declined to consent to access the app.".into()),
            Error::AuthCodeInvalid(_) => w(400, E::InvalidGrant, 70000, "The provided authorization code is not valid for this client. Start a new sign-in.".into()),
            Error::AuthCodeRedeemed => w(400, E::InvalidGrant, 54005, "OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token.".into()),
            Error::AuthCodeExpired => w(400, E::InvalidGrant, 70008, "The provided authorization code has expired. Start a new sign-in.".into()),
            Error::AuthCodeRedirectMismatch => w(400, E::InvalidGrant, 50011, "The redirect URI does not match the one the authorization code was issued for.".into()),
            Error::FormExpired => w(400, E::InvalidRequest, 9002313, "Invalid request. The form expired or was sent from another page: start again.".into()),
            Error::Invalid(why) => w(400, E::InvalidRequest, 9002313, why.clone()),
            Error::Conflict { .. } => w(409, E::InvalidRequest, 9002313, super::sentence(e)),
            Error::Ambiguous { .. } => w(400, E::InvalidRequest, 9002313, format!("{} Use the id.", super::sentence(e))),
            Error::NotFound { .. } => w(404, E::NotFound, 9002313, super::sentence(e)),
            Error::NoSuchPath => w(404, E::NotFound, 9002313, "The requested path was not found.".into()),
            Error::InUse { .. } => w(409, E::InvalidRequest, 9002313, super::sentence(e)),
            Error::UnsupportedVersion { .. } | Error::PrincipalNotFound { .. } | Error::InvalidName { .. } => w(400, E::InvalidRequest, 9002313, super::sentence(e)),
            Error::WrongTenant { .. } => w(401, E::InvalidToken, 500011, "The token was issued by another tenant than the one that owns this object. Get a token from the owning tenant.".into()),
            Error::NotAuthorized { .. } => w(403, E::AccessDenied, 50105, super::sentence(e)),
            Error::InsufficientPrivileges => w(403, E::AccessDenied, 9002313, "Insufficient privileges to complete the operation.".into()),
            Error::UnsupportedQuery(why) => w(400, E::InvalidRequest, 9002313, format!("Unsupported query: {why}")),
            Error::PatRefused(_) => match e.kind() {
                gatehouse_core::ErrorKind::Forbidden => w(403, E::AccessDenied, 9002313, super::sentence(e)),
                gatehouse_core::ErrorKind::NotFound => w(404, E::NotFound, 9002313, super::sentence(e)),
                _ => w(400, E::InvalidRequest, 9002313, super::sentence(e)),
            },
            Error::Store(_) => w(503, E::TemporarilyUnavailable, 90033, "A transient error has occurred. Please try again.".into()),
            Error::Keys(_) | Error::Internal(_) => w(500, E::ServerError, 90000, "The server could not complete the request. Please try again; if it persists, give the trace id to the operator.".into()),
        }
}

/// A domain error answered in the OAuth/Entra dialect: handlers return `Result<_, OAuth>` and
/// `?` converts domain errors.
#[derive(Debug)]
pub struct OAuth(pub Error);

impl From<Error> for OAuth {
    fn from(e: Error) -> Self {
        Self(e)
    }
}

impl IntoResponse for OAuth {
    fn into_response(self) -> Response {
        let ids = RequestIds::current();
        let wire = wire(&self.0);
        super::log(&ids, &self.0, wire.status);
        render(&wire, &ids)
    }
}

/// Entra's error body and headers for `wire`, with the request's ids.
pub fn render(wire: &Wire, ids: &RequestIds) -> Response {
    let body = ErrorBody::new(
        wire.error,
        wire.aadsts,
        &wire.text,
        &ids.trace_id.to_string(),
        &ids.correlation_id.to_string(),
        &entra_now(),
        None,
    )
    .with_suberror(wire.suberror);
    let mut response = (wire.status_code(), axum::Json(body)).into_response();
    let h = response.headers_mut();
    if let Some(secs) = wire.retry_after {
        h.insert(header::RETRY_AFTER, HeaderValue::from(secs));
    }
    if wire.error == OAuthError::InvalidToken {
        h.insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Bearer error=\"invalid_token\""),
        );
    } else if wire.status == 401 {
        h.insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Basic realm=\"gatehouse\""),
        );
    }
    response
}

/// The parameters of an authorization answer (`code`, or `error`, `error_description`,
/// `error_codes`), then `state` and `iss` (RFC 9207).
pub fn authorization_params(a: &AuthResponse) -> Vec<(String, String)> {
    let mut params: Vec<(String, String)> = match &a.answer {
        Answer::Code(code) => vec![("code".into(), code.clone())],
        Answer::Error(e) => {
            let w = wire(e);
            vec![
                ("error".into(), w.error.as_str().to_owned()),
                ("error_description".into(), format!("AADSTS{}: {}", w.aadsts, w.text)),
                ("error_codes".into(), w.aadsts.to_string()),
            ]
        }
    };
    if let Some(s) = &a.redirect.state {
        params.push(("state".into(), s.clone()));
    }
    params.push(("iss".into(), a.redirect.iss.clone()));
    params
}

/// The answer as a URL (`response_mode=query`): the parameters appended to the redirect URI.
pub fn authorization_location(a: &AuthResponse) -> String {
    let sep = if a.redirect.uri.contains('?') { '&' } else { '?' };
    let query: Vec<String> = authorization_params(a)
        .iter()
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect();
    format!("{}{sep}{}", a.redirect.uri, query.join("&"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use gatehouse_core::StoreError;

    #[test]
    fn internal_detail_never_reaches_the_wire() {
        let e = Error::Store(StoreError::Unavailable("password=hunter2 host=db".into()));
        assert!(!wire(&e).text.contains("hunter2"));
        assert_eq!(wire(&e).status, 503);
        let e = Error::Internal("secret path /etc".into());
        assert!(!wire(&e).text.contains("/etc"));
    }

    #[test]
    fn client_errors_have_entra_codes() {
        assert_eq!(wire(&Error::ClientSecretInvalid).aadsts, 7000215);
        assert_eq!(wire(&Error::ClientSecretInvalid).status, 401);
        let nf = wire(&Error::ClientNotFound {
            client_id: "a".into(),
            tenant: "t".into(),
        });
        assert_eq!((nf.aadsts, nf.error), (700016, OAuthError::UnauthorizedClient));
        let r = wire(&Error::UnknownResource {
            resource: "r".into(),
            tenant: "t".into(),
        });
        assert_eq!((r.aadsts, r.error), (500011, OAuthError::InvalidResource));
        let p = wire(&Error::UnknownPermission {
            scope: "s".into(),
            resource: "r".into(),
        });
        assert_eq!(p.aadsts, 650053);
    }

    #[test]
    fn client_assertion_errors_have_entra_codes() {
        let code = |e: Error| {
            let w = wire(&e);
            (w.status, w.error, w.aadsts)
        };
        let ic = OAuthError::InvalidClient;
        assert_eq!(code(Error::AssertionSignature), (401, ic, 700027));
        assert_eq!(code(Error::AssertionCertificateExpired), (401, ic, 700027));
        assert_eq!(code(Error::AssertionTime("x")), (401, ic, 700024));
        assert_eq!(code(Error::AssertionAudience), (401, ic, 700023));
        assert_eq!(code(Error::AssertionSubject), (401, ic, 700021));
        assert_eq!(code(Error::AssertionMalformed("x")), (401, ic, 50027));
        assert_eq!(code(Error::AssertionReplayed), (401, ic, 50027));
    }

    #[test]
    fn on_behalf_of_and_exchange_errors_have_entra_codes() {
        let consent = wire(&Error::ConsentRequired("api://b/read".into()));
        assert_eq!(
            (consent.status, consent.error, consent.aadsts, consent.suberror),
            (400, OAuthError::InvalidGrant, 65001, Some("consent_required"))
        );
        let bad = wire(&Error::UserAssertionInvalid("issued by another tenant"));
        assert_eq!((bad.error, bad.aadsts), (OAuthError::InvalidGrant, 50013));
        assert!(
            !bad.text.contains("another tenant"),
            "the failed check is logged, not sent"
        );
        let target = wire(&Error::ExchangeTarget("x".into()));
        assert_eq!((target.error.as_str(), target.aadsts), ("invalid_target", 500011));
        let t = wire(&Error::UnsupportedTokenType {
            parameter: "subject_token_type",
            value: "x".into(),
        });
        assert_eq!(t.error, OAuthError::InvalidRequest);
    }

    #[tokio::test]
    async fn the_body_has_entra_shape_and_the_request_ids() {
        let ids = RequestIds::new("0b5e8c66-0f1f-4c62-9d5e-2b8a1f3c4d5e".parse().ok());
        let response = crate::context::scope(ids, async { OAuth(Error::ClientSecretInvalid).into_response() }).await;
        assert_eq!(response.status(), 401);
        let body = axum::body::to_bytes(response.into_body(), 1 << 16).await.unwrap();
        let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(v["error"], "invalid_client");
        assert_eq!(v["error_codes"][0], 7000215);
        assert_eq!(v["correlation_id"], "0b5e8c66-0f1f-4c62-9d5e-2b8a1f3c4d5e");
        assert_eq!(v["trace_id"], ids.trace_id.to_string());
        assert!(v["error_description"].as_str().unwrap().starts_with("AADSTS7000215: "));
    }
}
