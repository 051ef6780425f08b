//! [`Refusal`]: a request the listener answers by itself, before any handler sees it; and
//! [`Refusals`], the embedder's wording of those answers, so they come in the dialect of the
//! server (Entra's error body for `gatehouse serve`, the guard's for `gatehouse proxy`).

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use bytes::{BufMut, Bytes, BytesMut};
use http::header::{CONNECTION, CONTENT_LENGTH, CONTENT_TYPE, DATE, TRANSFER_ENCODING};
use http::{HeaderValue, Response, StatusCode};

/// What the listener refuses without calling the handler.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// hyper could not parse the HTTP/1.1 request head (400).
    MalformedHead,
    /// The request head is larger than `max_header_bytes` (431).
    HeadTooLarge,
    /// The request target is too long (414).
    UriTooLong,
    /// The head has both `Content-Length` and `Transfer-Encoding` (400, RFC 9112 §6.3); the
    /// connection is closed after the answer.
    ConflictingFraming,
}

impl Refusal {
    /// The status of the answer.
    pub fn status(self) -> StatusCode {
        match self {
            Refusal::MalformedHead | Refusal::ConflictingFraming => StatusCode::BAD_REQUEST,
            Refusal::HeadTooLarge => StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            Refusal::UriTooLong => StatusCode::URI_TOO_LONG,
        }
    }

    /// A short sentence safe to show a client.
    pub fn description(self) -> &'static str {
        match self {
            Refusal::MalformedHead => "the request line or headers are not valid HTTP/1.1",
            Refusal::HeadTooLarge => "the request headers are larger than the server accepts",
            Refusal::UriTooLong => "the request target is longer than the server accepts",
            Refusal::ConflictingFraming => "the request has both Content-Length and Transfer-Encoding; send only one",
        }
    }

    /// The refusal behind one of hyper's automatic answers to a head it could not parse.
    pub(crate) fn from_hyper_status(status: u16) -> Option<Refusal> {
        match status {
            400 => Some(Refusal::MalformedHead),
            431 => Some(Refusal::HeadTooLarge),
            414 => Some(Refusal::UriTooLong),
            _ => None,
        }
    }
}

/// A future answer.
pub type Answer = Pin<Box<dyn Future<Output = Response<Bytes>> + Send>>;

/// How refusals are worded: a function from [`Refusal`] to a complete response. The listener
/// sets `Content-Length`, `Connection: close` and `Date` itself.
#[derive(Clone)]
pub struct Refusals(Arc<dyn Fn(Refusal) -> Answer + Send + Sync>);

impl std::fmt::Debug for Refusals {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Refusals")
    }
}

impl Refusals {
    pub fn new(f: impl Fn(Refusal) -> Answer + Send + Sync + 'static) -> Self {
        Self(Arc::new(f))
    }

    /// `text/plain` answers with the refusal's description (the default).
    pub fn plain() -> Self {
        Self::new(|refusal| {
            Box::pin(async move {
                let mut response = Response::new(Bytes::from_static(refusal.description().as_bytes()));
                *response.status_mut() = refusal.status();
                response
                    .headers_mut()
                    .insert(CONTENT_TYPE, HeaderValue::from_static("text/plain; charset=utf-8"));
                response
            })
        })
    }

    /// The answer to `refusal`.
    pub fn answer(&self, refusal: Refusal) -> Answer {
        (self.0)(refusal)
    }
}

/// Marks an answer as the last on its connection.
pub(crate) fn closing(mut response: Response<Bytes>) -> Response<Bytes> {
    response
        .headers_mut()
        .insert(CONNECTION, HeaderValue::from_static("close"));
    response
}

/// The bytes of `response` as an HTTP/1.1 message that ends its connection.
pub(crate) fn encode_http1(response: &Response<Bytes>) -> Bytes {
    let body = response.body();
    let status = response.status();
    let mut out = BytesMut::with_capacity(256 + body.len());
    out.put_slice(b"HTTP/1.1 ");
    out.put_slice(status.as_str().as_bytes());
    out.put_u8(b' ');
    out.put_slice(status.canonical_reason().unwrap_or("Error").as_bytes());
    out.put_slice(b"\r\n");
    for (name, value) in response.headers() {
        if [CONTENT_LENGTH, TRANSFER_ENCODING, CONNECTION, DATE].contains(name) {
            continue;
        }
        out.put_slice(name.as_str().as_bytes());
        out.put_slice(b": ");
        out.put_slice(value.as_bytes());
        out.put_slice(b"\r\n");
    }
    out.put_slice(b"content-length: ");
    out.put_slice(body.len().to_string().as_bytes());
    out.put_slice(b"\r\nconnection: close\r\ndate: ");
    out.put_slice(httpdate::fmt_http_date(std::time::SystemTime::now()).as_bytes());
    out.put_slice(b"\r\n\r\n");
    out.put_slice(body);
    out.freeze()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_answer_is_encoded_as_a_closing_http1_message() {
        let mut response = Response::new(Bytes::from_static(b"{\"error\":\"x\"}"));
        *response.status_mut() = StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE;
        let h = response.headers_mut();
        h.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        h.insert(CONTENT_LENGTH, HeaderValue::from_static("999"));
        let text = String::from_utf8(encode_http1(&response).to_vec()).unwrap();
        let (head, body) = text.split_once("\r\n\r\n").unwrap();
        assert!(
            head.starts_with("HTTP/1.1 431 Request Header Fields Too Large\r\n"),
            "{head}"
        );
        assert!(head.contains("\r\ncontent-type: application/json\r\n"));
        assert!(
            head.contains("\r\ncontent-length: 13\r\n"),
            "our length, not the handler's"
        );
        assert!(!head.contains("999"));
        assert!(head.contains("\r\nconnection: close\r\n"));
        assert!(head.contains("\r\ndate: "));
        assert_eq!(body, "{\"error\":\"x\"}");
    }

    #[test]
    fn only_the_answers_hyper_makes_for_bad_heads_are_mapped() {
        assert_eq!(Refusal::from_hyper_status(431), Some(Refusal::HeadTooLarge));
        assert_eq!(Refusal::from_hyper_status(400), Some(Refusal::MalformedHead));
        assert_eq!(Refusal::from_hyper_status(414), Some(Refusal::UriTooLong));
        assert_eq!(Refusal::from_hyper_status(200), None);
        assert_eq!(Refusal::ConflictingFraming.status(), StatusCode::BAD_REQUEST);
    }
}
