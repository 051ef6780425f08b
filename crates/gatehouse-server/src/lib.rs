//! The Gatehouse HTTP application (axum), served over HTTPS (rustls).
//!
//! - [`router`]: every route in one table.
//! - [`routes`]: one file per endpoint family (token, device code, discovery, revocation).
//! - [`pages`]: server-rendered HTML pages (device-code verification), with CSP and CSRF tokens.
//! - [`extract`]: extractors that turn bad input (content type, size, encoding, repeated
//!   parameters, Basic credentials) into our error format before a handler runs.
//! - [`error`]: [`ApiError`], the only way an error leaves the server: Entra's body, a trace id,
//!   `Cache-Control: no-store`, the status `gatehouse_core::Error::wire` chose.
//! - [`client_addr`]: the caller's address (TCP peer, or `X-Forwarded-For` from trusted proxies).
//! - [`tls`]: the rustls server configuration from PEM files.
//! - [`serve`]: serving over HTTPS through `gatehouse-listener` (connection limits, graceful
//!   shutdown), the peer address as `ConnectInfo`.
//! - [`refusals`]: what the listener refuses before routing (bad or oversized heads, ambiguous
//!   framing), in Entra's error shape.

pub mod client_addr;
pub mod error;
pub mod extract;
pub mod pages;
pub mod refusals;
pub mod router;
pub mod routes;
pub mod serve;
pub mod tls;

pub use error::ApiError;
pub use router::{router, router_with, AppState, RouterOptions};
