//! [`GuardLayer`]: a tower layer that runs the guard with one [`Requirement`] before the inner
//! service, answers refusals itself, and puts the verified [`crate::Caller`] in the request
//! extensions. Use it per route with axum's `route_layer`, or around a whole router.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::response::{IntoResponse, Response};
use http::Request;
use tower::{Layer, Service};

use crate::guard::Guard;
use crate::requirement::Requirement;

/// Tower layer applying a [`Guard`] with a [`Requirement`].
#[derive(Debug, Clone)]
pub struct GuardLayer {
    guard: Guard,
    requirement: Arc<Requirement>,
}

impl GuardLayer {
    /// A layer checking `requirement` with `guard`.
    pub fn new(guard: Guard, requirement: Requirement) -> Self {
        Self {
            guard,
            requirement: Arc::new(requirement),
        }
    }
}

impl<S> Layer<S> for GuardLayer {
    type Service = GuardService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        GuardService {
            inner,
            guard: self.guard.clone(),
            requirement: self.requirement.clone(),
        }
    }
}

/// The service made by [`GuardLayer`].
#[derive(Debug, Clone)]
pub struct GuardService<S> {
    inner: S,
    guard: Guard,
    requirement: Arc<Requirement>,
}

impl<S, B> Service<Request<B>> for GuardService<S>
where
    S: Service<Request<B>> + Clone + Send + 'static,
    S::Response: IntoResponse,
    S::Future: Send + 'static,
    B: Send + 'static,
{
    type Response = Response;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Response, S::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: Request<B>) -> Self::Future {
        // Take the service that was driven to readiness; leave a fresh clone in its place.
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let guard = self.guard.clone();
        let requirement = self.requirement.clone();
        Box::pin(async move {
            match guard.check(request.headers(), &requirement).await {
                Ok(caller) => {
                    request.extensions_mut().insert(caller);
                    inner.call(request).await.map(IntoResponse::into_response)
                }
                Err(rejection) => Ok(guard.reject(&rejection)),
            }
        })
    }
}
