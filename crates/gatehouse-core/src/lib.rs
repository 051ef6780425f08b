//! The Gatehouse domain, free of HTTP and SQL.
//!
//! - [`model`]: tenants, applications, service principals, secrets, app roles.
//! - [`store`]: the storage traits every backend implements (`gatehouse-store`).
//! - [`error`]: domain errors with a neutral [`ErrorKind`]; the server maps them per front door.
//! - [`service`]: [`Gatehouse`], what the HTTP layer calls: token, discovery, JWKS; and the
//!   change follower that keeps every cache within a second of the database.
//! - [`directory`], [`keyring`], [`throttle`]: the caches behind the token path (no database
//!   round trip for a known client) and the shared failed-attempt limits.
//! - [`client_auth`]: client authentication (secret post / basic, constant-time).
//! - [`grants`]: one file per grant type.
//! - [`token`]: access-token claims and minting.
//! - [`revocation`]: RFC 7009 revocation and the feed guards poll.
//! - [`resources`]: the resources every tenant knows (ARM, Graph, Dev Center, IoT Central, DevOps).
//! - [`admin`]: management operations used by the CLI (and later the Graph API).
//! - [`secret`]: client-secret generation and hashing.
//! - [`password`]: argon2id user passwords (blocking pool); [`sign_in`]: password checks with lockout.
//! - [`first_party`]: the Azure CLI and Azure PowerShell, public clients present in every tenant.
//! - [`authorize`]: the authorization endpoint (request checks, redirect URI rules, session,
//!   sign-in, consent, codes); [`consent`]: what users allowed each client.
//! - [`scopes`]: delegated permissions an API declares, their implication, what `scp` holds.
//! - [`authorized_apps`]: the apps a user authorized, revoking them; bearer user tokens.
//! - [`sign_out`]: the logout endpoint (session deleted, redirect only to a registered URI).
//! - [`device_flow`]: RFC 8628 device authorization and the verification page's steps.
//! - [`maintenance`]: purging expired rows and old sign-in log entries.

pub mod admin;
pub mod authorize;
pub mod authorized_apps;
pub mod client_auth;
pub mod consent;
pub mod device_flow;
pub mod directory;
pub mod error;
pub mod first_party;
pub mod grants;
pub mod keyring;
pub mod maintenance;
pub mod model;
pub mod password;
pub mod resources;
pub mod revocation;
pub mod scopes;
pub mod secret;
pub mod service;
pub mod sign_in;
pub mod sign_out;
pub mod store;
pub mod throttle;
pub mod token;

pub use error::{Error, ErrorKind};
pub use service::{Gatehouse, TokenRequest, TokenResponse};
pub use store::{Store, StoreError};
