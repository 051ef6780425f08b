//! The hyper service of one connection: counts each request in flight (until hyper drops its
//! response body), refuses a head that had both `Content-Length` and `Transfer-Encoding`, gives
//! the body its read deadline and calls the embedder's handler with the peer address.

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;

use bytes::Bytes;
use http::{Request, Response};
use http_body_util::{Either, Full};
use hyper::body::Incoming;

use crate::body::{BodyLimits, RequestBody, TrackedBody};
use crate::refusal::{closing, Refusal, Refusals};
use crate::server::Handler;
use crate::watch::ConnState;

pub(crate) type ServiceBody<B> = TrackedBody<Either<B, Full<Bytes>>>;

pub(crate) struct ConnService<H> {
    handler: H,
    peer: SocketAddr,
    conn: Arc<ConnState>,
    refusals: Refusals,
    body: BodyLimits,
}

impl<H> ConnService<H> {
    pub(crate) fn new(
        handler: H,
        peer: SocketAddr,
        conn: Arc<ConnState>,
        refusals: Refusals,
        body: BodyLimits,
    ) -> Self {
        Self {
            handler,
            peer,
            conn,
            refusals,
            body,
        }
    }
}

type ServiceFuture<B> = Pin<Box<dyn Future<Output = Result<Response<ServiceBody<B>>, Infallible>> + Send>>;

impl<H: Handler> hyper::service::Service<Request<Incoming>> for ConnService<H> {
    type Response = Response<ServiceBody<H::Body>>;
    type Error = Infallible;
    type Future = ServiceFuture<H::Body>;

    fn call(&self, request: Request<Incoming>) -> Self::Future {
        let (in_flight, framing) = self.conn.begin_request();
        if framing.conflicting {
            tracing::debug!(peer = %self.peer, "Content-Length with Transfer-Encoding refused");
            let answer = self.refusals.answer(Refusal::ConflictingFraming);
            // The unread body is dropped with the request: hyper closes after the answer.
            drop(request);
            return Box::pin(async move {
                let response = closing(answer.await);
                Ok(response.map(|b| TrackedBody::new(Either::Right(Full::new(b)), in_flight)))
            });
        }
        let request = request.map(|b| RequestBody::new(b, self.body));
        let answer = self.handler.call(self.peer, request);
        Box::pin(async move {
            let response = answer.await;
            Ok(response.map(|b| TrackedBody::new(Either::Left(b), in_flight)))
        })
    }
}
