//! Extractors: bad input becomes an OAuth-dialect error before any handler runs. A body that cannot be
//! read is told apart by cause: over the size limit 413, not arrived in time (the listener's
//! body deadline) 408, anything else (invalid chunked encoding, a broken connection) 400.

use std::error::Error as StdError;

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::{header, HeaderMap};
use base64::{engine::general_purpose::STANDARD, Engine};
use gatehouse_core::Error;
use gatehouse_listener::BodyTimeout;
use gatehouse_protocol::form::decode_component;
use gatehouse_protocol::{FormError, FormParams};
use http_body_util::LengthLimitError;

use crate::dialect::oauth::OAuth;

/// The largest form body accepted: real token requests are under 4 KiB.
pub const MAX_FORM_BYTES: usize = 64 * 1024;

/// A strictly parsed `application/x-www-form-urlencoded` body, the HTTP Basic credentials if
/// any, the peer address and the request headers.
pub struct OAuthForm {
    pub params: FormParams,
    pub basic: Option<(String, String)>,
    pub source: Option<std::net::IpAddr>,
    pub headers: HeaderMap,
}

impl<S: Send + Sync> FromRequest<S> for OAuthForm {
    type Rejection = OAuth;

    async fn from_request(req: Request, state: &S) -> Result<Self, OAuth> {
        let (parts, body) = req.into_parts();
        let headers = parts.headers;
        let fail = OAuth;
        let source = crate::client_addr::client_addr(&parts.extensions);
        let is_form = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .map(|v| v.trim().eq_ignore_ascii_case("application/x-www-form-urlencoded"))
            .unwrap_or(false);
        if !is_form {
            return Err(fail(Error::ContentType));
        }
        let declared_too_big = headers
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<usize>().ok())
            .is_some_and(|n| n > MAX_FORM_BYTES);
        if declared_too_big {
            return Err(fail(Error::BodyTooLarge));
        }
        // hyper never passes both on (it drops Content-Length, and the listener refuses such a
        // head); a router driven some other way must not read such a body either.
        if headers.contains_key(header::CONTENT_LENGTH) && headers.contains_key(header::TRANSFER_ENCODING) {
            return Err(fail(Error::Malformed(
                "the request has both Content-Length and Transfer-Encoding; send only one".into(),
            )));
        }
        let body = match axum::body::to_bytes(body, MAX_FORM_BYTES).await {
            Ok(b) => b,
            Err(e) => return Err(fail(body_error(&e))),
        };
        let _ = state;
        let params = parse_form(&body).map_err(fail)?;
        let basic = basic_credentials(&headers).map_err(fail)?;
        Ok(Self {
            params,
            basic,
            source,
            headers,
        })
    }
}

/// Why a body could not be read: over the size limit, not arrived in time (the listener's body
/// deadline), or anything else (invalid chunked encoding, a broken connection).
pub(crate) fn body_error(error: &axum::Error) -> Error {
    if caused_by::<LengthLimitError>(error) {
        return Error::BodyTooLarge;
    }
    if BodyTimeout::is_cause_of(error) {
        return Error::BodyTimeout;
    }
    tracing::debug!(%error, "request body unreadable");
    Error::Malformed("the request body could not be read".into())
}

fn caused_by<E: StdError + 'static>(error: &(dyn StdError + 'static)) -> bool {
    let mut current = Some(error);
    while let Some(e) = current {
        if e.is::<E>() {
            return true;
        }
        current = e.source();
    }
    false
}

/// RFC 8707 allows several `resource` values; a token has one audience (as in Entra).
pub const ONE_RESOURCE: &str =
    "Send one resource per request: a token has one audience (several resource parameters were sent).";

fn parse_form(body: &Bytes) -> Result<FormParams, Error> {
    FormParams::parse(body).map_err(|e| match e {
        FormError::NotUtf8 => Error::Malformed("the body is not valid UTF-8".into()),
        FormError::Repeated(p) if p == "resource" => Error::InvalidTarget(ONE_RESOURCE.into()),
        FormError::Repeated(p) => Error::Malformed(format!(
            "parameter '{}' is repeated",
            p.chars().take(64).collect::<String>()
        )),
        FormError::TooMany(n) => Error::Malformed(format!("more than {n} parameters")),
    })
}

/// `Authorization: Basic base64(client_id:client_secret)`, each part form-urlencoded
/// (RFC 6749 2.3.1). Other schemes are ignored here (no client authentication).
pub fn basic_credentials(headers: &HeaderMap) -> Result<Option<(String, String)>, Error> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let malformed = || Error::Malformed("the Basic authorization header is not valid".into());
    let value = value.to_str().map_err(|_| malformed())?;
    let Some((scheme, rest)) = value.split_once(' ') else {
        return Ok(None);
    };
    if !scheme.eq_ignore_ascii_case("basic") {
        return Ok(None);
    }
    let decoded = STANDARD.decode(rest.trim()).map_err(|_| malformed())?;
    let text = String::from_utf8(decoded).map_err(|_| malformed())?;
    let (id, secret) = text.split_once(':').ok_or_else(malformed)?;
    let id = decode_component(id.as_bytes()).map_err(|_| malformed())?;
    let secret = decode_component(secret.as_bytes()).map_err(|_| malformed())?;
    if id.is_empty() {
        return Err(malformed());
    }
    Ok(Some((id, secret)))
}

#[cfg(test)]
mod tests {
    use std::pin::Pin;
    use std::task::{Context, Poll};

    use super::*;
    use axum::body::Body;
    use http_body_util::BodyExt;

    /// A body that fails with `error` after its first chunk.
    struct Failing(Option<BoxError>);
    type BoxError = Box<dyn StdError + Send + Sync>;

    impl http_body::Body for Failing {
        type Data = Bytes;
        type Error = BoxError;
        fn poll_frame(
            mut self: Pin<&mut Self>,
            _: &mut Context<'_>,
        ) -> Poll<Option<Result<http_body::Frame<Bytes>, BoxError>>> {
            Poll::Ready(self.0.take().map(Err))
        }
    }

    async fn extract(body: Body, extra: &[(&str, &str)]) -> Result<OAuthForm, (u16, serde_json::Value)> {
        let mut req = Request::builder()
            .method("POST")
            .uri("/t/oauth2/v2.0/token")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        for (n, v) in extra {
            req = req.header(*n, *v);
        }
        match OAuthForm::from_request(req.body(body).unwrap(), &()).await {
            Ok(form) => Ok(form),
            Err(rejection) => {
                let response = axum::response::IntoResponse::into_response(rejection);
                let status = response.status().as_u16();
                let bytes = response.into_body().collect().await.unwrap().to_bytes();
                Err((status, serde_json::from_slice(&bytes).unwrap()))
            }
        }
    }

    #[tokio::test]
    async fn an_unreadable_body_is_400_not_413() {
        let (status, body) = extract(Body::new(Failing(Some("invalid chunk size".into()))), &[])
            .await
            .err()
            .unwrap();
        assert_eq!(status, 400);
        assert_eq!(body["error"], "invalid_request");
        assert!(body["error_description"]
            .as_str()
            .unwrap()
            .contains("could not be read"));
    }

    #[tokio::test]
    async fn only_a_body_over_the_limit_is_413() {
        let big = Body::from(vec![b'a'; MAX_FORM_BYTES + 1]);
        assert_eq!(extract(big, &[]).await.err().unwrap().0, 413);
        assert!(extract(Body::from("grant_type=x"), &[]).await.is_ok());
    }

    #[tokio::test]
    async fn a_body_that_timed_out_is_408_in_entras_shape() {
        let timeout = Failing(Some(Box::new(BodyTimeout { received: 3 })));
        let (status, body) = extract(Body::new(timeout), &[]).await.err().unwrap();
        assert_eq!(status, 408);
        assert_eq!(body["error_codes"][0], 9002313);
        assert!(body["error_description"]
            .as_str()
            .unwrap()
            .contains("did not arrive in time"));
    }

    #[tokio::test]
    async fn content_length_with_transfer_encoding_is_400() {
        let both = [("content-length", "12"), ("transfer-encoding", "chunked")];
        let (status, body) = extract(Body::from("grant_type=x"), &both).await.err().unwrap();
        assert_eq!(status, 400);
        assert!(body["error_description"]
            .as_str()
            .unwrap()
            .contains("Transfer-Encoding"));
    }

    fn headers(v: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::AUTHORIZATION, v.parse().unwrap());
        h
    }

    #[test]
    fn basic_is_decoded_and_form_unescaped() {
        let v = format!("Basic {}", STANDARD.encode("app%3A1:s%2Bx~y"));
        assert_eq!(
            basic_credentials(&headers(&v)).unwrap(),
            Some(("app:1".into(), "s+x~y".into()))
        );
    }

    #[test]
    fn bad_basic_is_refused_and_bearer_ignored() {
        assert!(basic_credentials(&headers("Basic !!!")).is_err());
        assert!(basic_credentials(&headers(&format!("Basic {}", STANDARD.encode("nocolon")))).is_err());
        assert_eq!(basic_credentials(&headers("Bearer x")).unwrap(), None);
    }
}
