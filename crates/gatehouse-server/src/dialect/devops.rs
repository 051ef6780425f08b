//! The Azure DevOps dialect, for the PAT API's answers that are not a `patTokenError`:
//! `{"$id":"1","innerException":null,"message","typeName","typeKey","errorCode":0,"eventId"}`,
//! the .NET exception shape Azure DevOps' REST API answers with (401 unauthorized, 403
//! refused, 400 bad request or version, 404, 405, 503), with `ActivityId` carrying the request's
//! trace id. A refusal of a PAT request itself ([`Error::PatRefused`]) is not answered here:
//! the PAT API puts it in `patTokenError` of a `PatTokenResult` (see [`pat_token_error`]).

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use gatehouse_core::model::PatRefusal;
use gatehouse_core::{Error, ErrorKind};
use serde_json::json;

use crate::context::RequestIds;

/// A domain error answered in Azure DevOps' dialect.
#[derive(Debug)]
pub struct DevOps(pub Error);

impl From<Error> for DevOps {
    fn from(e: Error) -> Self {
        Self(e)
    }
}

/// Azure DevOps' `patTokenError` value for a refusal of a PAT request.
pub fn pat_token_error(r: PatRefusal) -> &'static str {
    match r {
        PatRefusal::DisplayNameRequired => "displayNameRequired",
        PatRefusal::InvalidDisplayName => "invalidDisplayName",
        PatRefusal::InvalidValidTo => "invalidValidTo",
        PatRefusal::InvalidScope => "invalidScope",
        PatRefusal::AccessDenied => "accessDenied",
        PatRefusal::AuthorizationNotFound => "authorizationNotFound",
        PatRefusal::InvalidAuthorizationId => "invalidAuthorizationId",
    }
}

/// Status, .NET type (`typeName`, `typeKey`), event id and message of an error.
pub fn wire(e: &Error) -> (StatusCode, &'static str, &'static str, u32, String) {
    use StatusCode as S;
    match e {
        Error::UnsupportedVersion { .. } | Error::MissingParameter("api-version") => (
            S::BAD_REQUEST,
            "Microsoft.VisualStudio.Services.WebApi.VssInvalidPreviewVersionException, Microsoft.VisualStudio.Services.WebApi",
            "VssInvalidPreviewVersionException",
            3000,
            "The requested version of the resource is not served. The api-version must be \"7.1-preview.1\" (for example: \"?api-version=7.1-preview.1\").".into(),
        ),
        Error::Malformed(_) | Error::ContentType | Error::BodyTooLarge | Error::BodyTimeout => (
            S::BAD_REQUEST,
            "Newtonsoft.Json.JsonReaderException, Newtonsoft.Json",
            "JsonReaderException",
            0,
            "The request body is not a valid PAT request: send a JSON object (Content-Type: application/json).".into(),
        ),
        Error::MethodNotAllowed(_) => (
            S::METHOD_NOT_ALLOWED,
            "Microsoft.VisualStudio.Services.WebApi.VssResourceNotFoundException, Microsoft.VisualStudio.Services.WebApi",
            "VssResourceNotFoundException",
            3000,
            "The HTTP method is not allowed for this resource.".into(),
        ),
        _ => match e.kind() {
            ErrorKind::Unauthenticated => (
                S::UNAUTHORIZED,
                "Microsoft.VisualStudio.Services.Common.VssUnauthorizedException, Microsoft.VisualStudio.Services.Common",
                "VssUnauthorizedException",
                3000,
                "TF400813: The user is not authorized to access this resource. Send a user access token for the Azure DevOps resource (499b84ac-1321-427f-aa17-267ca6975798) with the user_impersonation scope.".into(),
            ),
            ErrorKind::Forbidden => (
                S::FORBIDDEN,
                "Microsoft.TeamFoundation.Framework.Server.UnauthorizedRequestException, Microsoft.TeamFoundation.Framework.Server",
                "UnauthorizedRequestException",
                3000,
                "The PAT API accepts only a user's token carrying the user_impersonation scope (not an application's token, not a PAT).".into(),
            ),
            ErrorKind::NotFound => (
                S::NOT_FOUND,
                "Microsoft.VisualStudio.Services.WebApi.VssResourceNotFoundException, Microsoft.VisualStudio.Services.WebApi",
                "VssResourceNotFoundException",
                3000,
                "The resource could not be found. The PAT API is /_apis/tokens/pats.".into(),
            ),
            ErrorKind::InvalidRequest | ErrorKind::Conflict => (
                S::BAD_REQUEST,
                "System.ArgumentException, mscorlib",
                "ArgumentException",
                0,
                super::message(e),
            ),
            ErrorKind::Throttled => (
                S::TOO_MANY_REQUESTS,
                "Microsoft.VisualStudio.Services.Common.VssServiceException, Microsoft.VisualStudio.Services.Common",
                "VssServiceException",
                0,
                "Too many requests. Retry later.".into(),
            ),
            ErrorKind::Unavailable | ErrorKind::Internal => (
                if e.kind() == ErrorKind::Unavailable { S::SERVICE_UNAVAILABLE } else { S::INTERNAL_SERVER_ERROR },
                "Microsoft.VisualStudio.Services.Common.VssServiceException, Microsoft.VisualStudio.Services.Common",
                "VssServiceException",
                0,
                "TF400898: An Internal Error Occurred. Retry; if it persists, give the ActivityId to the operator.".into(),
            ),
        },
    }
}

impl IntoResponse for DevOps {
    fn into_response(self) -> Response {
        let ids = RequestIds::current();
        let (status, type_name, type_key, event_id, message) = wire(&self.0);
        super::log(&ids, &self.0, status.as_u16());
        let body = json!({
            "$id": "1",
            "innerException": null,
            "message": message,
            "typeName": type_name,
            "typeKey": type_key,
            "errorCode": 0,
            "eventId": event_id,
        });
        let mut r = (status, axum::Json(body)).into_response();
        let h = r.headers_mut();
        h.insert("activityid", crate::context::header_value(&ids.trace_id));
        if let Error::Throttled { retry_after } = self.0 {
            h.insert(header::RETRY_AFTER, HeaderValue::from(retry_after));
        }
        if status == 401 {
            h.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        r
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn body(r: Response) -> serde_json::Value {
        let b = axum::body::to_bytes(r.into_body(), 1 << 16).await.unwrap();
        serde_json::from_slice(&b).unwrap()
    }

    #[tokio::test]
    async fn devops_errors_have_the_dotnet_exception_shape() {
        let ids = RequestIds::new(None);
        let r = crate::context::scope(ids, async { DevOps(Error::BearerInvalid("missing")).into_response() }).await;
        assert_eq!(r.status(), 401);
        assert_eq!(r.headers()["www-authenticate"], "Bearer");
        assert_eq!(r.headers()["activityid"], ids.trace_id.to_string());
        let v = body(r).await;
        let mut keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
        keys.sort();
        assert_eq!(
            keys,
            [
                "$id",
                "errorCode",
                "eventId",
                "innerException",
                "message",
                "typeKey",
                "typeName"
            ]
        );
        assert_eq!(v["typeKey"], "VssUnauthorizedException");
        assert_eq!(v["innerException"], serde_json::Value::Null);

        let r = DevOps(Error::InsufficientPrivileges).into_response();
        assert_eq!(r.status(), 403);
        assert_eq!(body(r).await["typeKey"], "UnauthorizedRequestException");

        let r = DevOps(Error::MissingParameter("api-version")).into_response();
        assert_eq!(r.status(), 400);
        assert_eq!(body(r).await["typeKey"], "VssInvalidPreviewVersionException");
    }

    #[tokio::test]
    async fn internal_detail_never_reaches_the_body() {
        let r = DevOps(Error::Internal("disk /var/secret".into())).into_response();
        assert_eq!(r.status(), 500);
        let b = axum::body::to_bytes(r.into_body(), 1 << 16).await.unwrap();
        assert!(!String::from_utf8_lossy(&b).contains("/var/secret"));
    }

    #[test]
    fn every_refusal_has_its_pat_token_error() {
        assert_eq!(pat_token_error(PatRefusal::InvalidScope), "invalidScope");
        assert_eq!(pat_token_error(PatRefusal::AccessDenied), "accessDenied");
        assert_eq!(
            pat_token_error(PatRefusal::AuthorizationNotFound),
            "authorizationNotFound"
        );
        assert_eq!(pat_token_error(PatRefusal::InvalidValidTo), "invalidValidTo");
        assert_eq!(pat_token_error(PatRefusal::DisplayNameRequired), "displayNameRequired");
    }
}
