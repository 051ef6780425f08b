//! [`PageForm`]: a page's posted form, strictly parsed (as token requests are), with the
//! request's headers and the caller's address.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::{header, HeaderMap};
use gatehouse_protocol::FormParams;

/// Page forms are small; anything bigger is refused before parsing.
const MAX_PAGE_FORM: usize = 16 * 1024;

/// `params` is `None` when the body is not a valid form (wrong content type, too big, repeated
/// fields, bad encoding): pages answer that with their own HTML error, never a rejection.
pub struct PageForm {
    pub params: Option<FormParams>,
    pub source: Option<std::net::IpAddr>,
    pub headers: HeaderMap,
}

impl<S: Send + Sync> FromRequest<S> for PageForm {
    type Rejection = std::convert::Infallible;

    async fn from_request(req: Request, _state: &S) -> Result<Self, Self::Rejection> {
        let headers = req.headers().clone();
        let source = crate::client_addr::client_addr(req.extensions());
        let is_form = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| {
                v.split(';')
                    .next()
                    .unwrap_or("")
                    .trim()
                    .eq_ignore_ascii_case("application/x-www-form-urlencoded")
            });
        let body: Option<Bytes> = if is_form {
            axum::body::to_bytes(req.into_body(), MAX_PAGE_FORM).await.ok()
        } else {
            None
        };
        let params = body.and_then(|b| FormParams::parse(&b).ok());
        Ok(Self {
            params,
            source,
            headers,
        })
    }
}
