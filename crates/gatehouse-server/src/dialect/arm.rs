//! The Azure Resource Manager dialect: `{"error":{"code","message"}}`, as ARM and the Azure SDKs'
//! `ARMErrorFormat` read it (the Azure CLI prints `message`), with `x-ms-correlation-request-id`.
//! Codes follow ARM's: `InvalidAuthenticationToken` (401), `AuthorizationFailed` (403),
//! `NotFound`, `Conflict`, `BadRequest`, `TooManyRequests`, `ServiceUnavailable`,
//! `InternalServerError`.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use gatehouse_core::error::Object;
use gatehouse_core::{Error, ErrorKind};
use serde_json::json;

use crate::context::RequestIds;

/// A domain error answered in ARM's dialect.
#[derive(Debug)]
pub struct Arm(pub Error);

impl From<Error> for Arm {
    fn from(e: Error) -> Self {
        Self(e)
    }
}

/// ARM's status, code and message for an error: typed domain errors get the codes ARM itself
/// answers with (`SubscriptionNotFound`, `AuthorizationFailed`, `RoleAssignmentExists`, ...),
/// the rest the code of their kind.
pub fn wire(e: &Error) -> (StatusCode, &'static str, String) {
    use StatusCode as S;
    let kind = || (super::status_of(e.kind()), code(e), super::message(e));
    match e {
        Error::BearerInvalid("missing") => (
            S::UNAUTHORIZED,
            "AuthenticationFailed",
            "Authentication failed. The 'Authorization' header is missing.".into(),
        ),
        Error::BearerInvalid(why) if why.contains("expired") => (
            S::UNAUTHORIZED,
            "ExpiredAuthenticationToken",
            "The access token has expired. Get a new token and try again.".into(),
        ),
        Error::BearerInvalid(why) => (
            S::UNAUTHORIZED,
            "InvalidAuthenticationToken",
            format!("The access token is invalid ({why}). Get a token for https://management.azure.com/ from this server."),
        ),
        Error::WrongTenant { token_tenant, owner_tenant } => (
            S::UNAUTHORIZED,
            "InvalidAuthenticationTokenTenant",
            format!("The access token is from the wrong issuer: tenant '{token_tenant}'. It must match the tenant '{owner_tenant}' associated with this subscription. Please use the authority (URL) of tenant '{owner_tenant}' to get the token."),
        ),
        Error::NotAuthorized { principal, action, scope } => (
            S::FORBIDDEN,
            "AuthorizationFailed",
            format!("The client '{principal}' with object id '{principal}' does not have authorization to perform action '{action}' over scope '{scope}' or the scope is invalid. If access was recently granted, please refresh your credentials."),
        ),
        Error::NotFound { object: Object::Subscription, name } => {
            (S::NOT_FOUND, "SubscriptionNotFound", format!("The subscription '{name}' could not be found."))
        }
        Error::NotFound { object: Object::ResourceGroup, name } => {
            (S::NOT_FOUND, "ResourceGroupNotFound", format!("Resource group '{name}' could not be found."))
        }
        Error::NotFound { object: Object::RoleDefinition, name } => (
            S::BAD_REQUEST,
            "RoleDefinitionDoesNotExist",
            format!("The specified role definition with ID '{name}' does not exist."),
        ),
        Error::NotFound { object: Object::RoleAssignment, name } => {
            (S::NOT_FOUND, "RoleAssignmentNotFound", format!("The role assignment '{name}' is not found."))
        }
        Error::Conflict { object: Object::RoleAssignment, .. } => {
            (S::CONFLICT, "RoleAssignmentExists", "The role assignment already exists.".into())
        }
        Error::Conflict { object: Object::RoleDefinition, name } => (
            S::CONFLICT,
            "RoleDefinitionWithSameNameExists",
            format!("A role definition named '{name}' already exists in this directory. Use a different name."),
        ),
        Error::InUse { object: Object::RoleDefinition, name } => (
            S::CONFLICT,
            "RoleDefinitionHasAssignments",
            format!("There are existing role assignments referencing role '{name}': delete them first."),
        ),
        Error::PrincipalNotFound { id, tenant } => (
            S::BAD_REQUEST,
            "PrincipalNotFound",
            format!("Principal {id} does not exist in the directory {tenant}. Check that you have the correct principal ID."),
        ),
        Error::MissingParameter("api-version") => (
            S::BAD_REQUEST,
            "MissingApiVersionParameter",
            "The api-version query parameter (?api-version=) is required for all requests.".into(),
        ),
        Error::UnsupportedVersion { given, supported } => (
            S::BAD_REQUEST,
            "InvalidApiVersionParameter",
            format!("The api-version '{given}' is invalid. The supported versions are '{supported}'."),
        ),
        Error::MissingParameter("location") => {
            (S::BAD_REQUEST, "LocationRequired", "The location property is required for this definition.".into())
        }
        Error::InvalidName { object: Object::ResourceGroup, name, rule } => (
            S::BAD_REQUEST,
            "InvalidResourceGroup",
            format!("The provided resource group name '{name}' is not valid. {rule}"),
        ),
        Error::Malformed(why) => (
            S::BAD_REQUEST,
            "InvalidRequestContent",
            format!("The request content was invalid and could not be deserialized: {why}"),
        ),
        Error::ContentType => (
            S::UNSUPPORTED_MEDIA_TYPE,
            "UnsupportedMediaType",
            "The content media type is not supported. Send 'application/json'.".into(),
        ),
        Error::BodyTooLarge => (
            S::PAYLOAD_TOO_LARGE,
            "RequestContentTooLarge",
            "The request content is larger than this server accepts (64 KiB).".into(),
        ),
        Error::MethodNotAllowed(m) => (
            S::METHOD_NOT_ALLOWED,
            "MethodNotAllowed",
            format!("The HTTP method '{m}' is not supported at this path."),
        ),
        Error::NoSuchPath => (
            S::NOT_FOUND,
            "InvalidResourceType",
            "The resource type or path is not served by this Resource Manager subset (see the server's docs/ENDPOINTS.md).".into(),
        ),
        _ => kind(),
    }
}

/// ARM's code for an error's kind.
pub fn code(e: &Error) -> &'static str {
    match e.kind() {
        ErrorKind::InvalidRequest => "BadRequest",
        ErrorKind::Unauthenticated => "InvalidAuthenticationToken",
        ErrorKind::Forbidden => "AuthorizationFailed",
        ErrorKind::NotFound => "NotFound",
        ErrorKind::Conflict => "Conflict",
        ErrorKind::Throttled => "TooManyRequests",
        ErrorKind::Unavailable => "ServiceUnavailable",
        ErrorKind::Internal => "InternalServerError",
    }
}

impl IntoResponse for Arm {
    fn into_response(self) -> Response {
        let ids = RequestIds::current();
        let (status, code, message) = wire(&self.0);
        super::log(&ids, &self.0, status.as_u16());
        let body = json!({"error": {"code": code, "message": message}});
        let mut r = (status, axum::Json(body)).into_response();
        let h = r.headers_mut();
        let v = crate::context::header_value(&ids.correlation_id);
        h.insert("x-ms-correlation-request-id", v.clone());
        h.insert("x-ms-request-id", v);
        if let Error::Throttled { retry_after } = self.0 {
            h.insert(header::RETRY_AFTER, HeaderValue::from(retry_after));
        }
        if status == 401 {
            h.insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer error=\"invalid_token\""),
            );
        }
        r
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn arm_errors_are_code_and_message_only() {
        let e = Error::NotFound {
            object: Object::Tenant,
            name: "x".into(),
        };
        let r = Arm(e).into_response();
        assert_eq!(r.status(), 404);
        assert!(r.headers().contains_key("x-ms-correlation-request-id"));
        let body = axum::body::to_bytes(r.into_body(), 1 << 16).await.unwrap();
        let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(
            v,
            json!({"error": {"code": "NotFound", "message": "Tenant 'x' was not found."}})
        );
        let r = Arm(Error::Internal("disk /var/secret".into())).into_response();
        assert_eq!(r.status(), 500);
        let body = axum::body::to_bytes(r.into_body(), 1 << 16).await.unwrap();
        assert!(!String::from_utf8_lossy(&body).contains("/var/secret"));
    }
}
