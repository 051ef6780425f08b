//! The Gatehouse HTTP application (axum), served over HTTPS (rustls).
//!
//! - [`router`]: the whole application: every door's router nested, middleware, fallbacks.
//! - [`state`]: [`AppState`], what handlers reach through `State`.
//! - [`bearer`]: our own bearer tokens on our own routes, checked by the guard's verifier with the
//!   tenants' keys in memory and revocation read from the store.
//! - [`context`]: the one middleware giving every answer its trace id, correlation id and
//!   `Cache-Control: no-store`.
//! - [`dialect`]: every front door's error dialect (OAuth/Entra, ARM, Graph, IoT Central), one
//!   module each: the only place statuses and wire codes are chosen.
//! - [`api`]: the JSON front doors, one folder each (`api::oauth`: token, device code,
//!   revocation, discovery, userinfo and `me`).
//! - [`pages`]: server-rendered HTML pages (sign-in, consent, device code, my apps, sign-out) on
//!   maud templates, with CSP and CSRF tokens.
//! - [`extract`]: extractors that turn bad input (content type, size, encoding, repeated
//!   parameters, Basic credentials) into the route's error dialect before a handler runs.
//! - [`actor`]: who a management request acts as, for the audit log.
//! - [`client_addr`]: the caller's address (TCP peer, or `X-Forwarded-For` from trusted proxies).
//! - [`tls`]: the rustls server configuration from PEM files.
//! - [`serve`]: serving over HTTPS through `gatehouse-listener` (connection limits, graceful
//!   shutdown), the peer address as `ConnectInfo`.
//! - [`refusals`]: what the listener refuses before routing (bad or oversized heads, ambiguous
//!   framing), in Entra's error shape.

pub mod actor;
pub mod api;
pub mod bearer;
pub mod client_addr;
pub mod context;
pub mod dialect;
pub mod extract;
pub mod pages;
pub mod refusals;
pub mod router;
pub mod serve;
pub mod state;
pub mod tls;

pub use router::{router, router_with, RouterOptions};
pub use state::AppState;
