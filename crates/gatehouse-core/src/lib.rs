//! The Gatehouse domain, free of HTTP and SQL, in rooms by concern:
//!
//! - [`issuance`]: everything on the token path: client authentication, the directory cache,
//!   the key ring, throttling, minting, one file per grant under `issuance::grants`, the
//!   resources every tenant knows, declared scopes, revocation and its feed.
//! - [`browser`]: the flows a person drives in a browser: the authorization endpoint (request
//!   checks, redirect URI rules, session, sign-in, consent, codes), the device-code page, sign-in
//!   with lockout, sign-out, the apps a user authorized.
//! - [`admin`]: management operations on the directory (tenants, apps, credentials, users, APIs,
//!   consent): what the CLI and the management APIs share.
//! - [`audit`]: the hash-chained audit log of every change and sign-in result: its hash,
//!   verification (naming the entry that breaks the chain) and reading.
//! - [`pats`]: personal access tokens (Azure DevOps' shape): scopes and their implication,
//!   the lifecycle, and the check of a presented PAT.
//! - [`rbac`]: Azure RBAC for the ARM front door: built-in roles, action patterns, and the
//!   cached decision (a subscription's assignments, inherited down the scope tree).
//! - [`iotc`]: IoT Central's door: roles and permissions, organizations, role holders, API
//!   tokens and the check of a presented `SharedAccessSignature`.
//! - [`model`]: the domain's types, by concern.
//! - [`store`]: the storage traits, one per concern, and the unit of work (`gatehouse-store`
//!   implements them).
//! - [`error`]: domain errors with a neutral [`ErrorKind`]; the server maps them per front door.
//! - [`service`]: [`Gatehouse`], the service the HTTP layer calls, built once per process, and
//!   the change follower that keeps every cache within a second of the database.
//! - [`secret`]: random secrets and codes, SHA-256, constant-time comparison; [`password`]:
//!   argon2id user passwords on the blocking pool.
//! - [`maintenance`]: purging expired rows and old sign-in log entries.

pub mod admin;
pub mod audit;
pub mod browser;
pub mod error;
pub mod iotc;
pub mod issuance;
pub mod maintenance;
pub mod model;
pub mod password;
pub mod pats;
pub mod rbac;
pub mod secret;
pub mod service;
pub mod store;

pub use error::{Error, ErrorKind};
pub use service::{Gatehouse, TokenRequest, TokenResponse};
pub use store::{Store, StoreError};
