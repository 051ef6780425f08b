//! Extractors: bad input becomes an OAuth-dialect error before any handler runs.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::{header, HeaderMap};
use base64::{engine::general_purpose::STANDARD, Engine};
use gatehouse_core::Error;
use gatehouse_protocol::form::decode_component;
use gatehouse_protocol::{FormError, FormParams};

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
        let headers = req.headers().clone();
        let fail = OAuth;
        let source = crate::client_addr::client_addr(req.extensions());
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
        let body = match axum::body::to_bytes(req.into_body(), MAX_FORM_BYTES).await {
            Ok(b) => b,
            Err(_) => return Err(fail(Error::BodyTooLarge)),
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

fn parse_form(body: &Bytes) -> Result<FormParams, Error> {
    FormParams::parse(body).map_err(|e| match e {
        FormError::NotUtf8 => Error::Malformed("the body is not valid UTF-8".into()),
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
    use super::*;

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
