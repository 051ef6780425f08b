//! Personal access tokens (Azure DevOps' PATs), the room:
//!
//! | file | what |
//! |---|---|
//! | `scopes.rs` | the scope families (`vso.code` … `vso.code_full`, …, `app_token`), parsing, implication, the default entitlement |
//! | `tokens.rs` | [`Pats`]: create, list, get, update, revoke (each takes the acting [`PatCaller`]), entitlements, and [`Pats::check`] of a presented PAT |
//!
//! The token text format (prefix, body, CRC32 checksum) and the leak scanner are wire matters:
//! `gatehouse_protocol::pat`. Only SHA-256 of a token is stored ([`crate::store::PatStore`]).
//!
//! Rules kept here (each with a test): a PAT holds only scopes its user holds (implication
//! counted), lives at most [`MAX_LIFETIME`], dies with its user (the row cascades, and the
//! user's delete publishes a `credential` revocation per live PAT), stops working while its
//! user is disabled, and is refused once revoked or expired.

pub mod scopes;
pub mod tokens;

pub use tokens::{Created, NewPat, PatCaller, PatPage, PatPrincipal, PatUpdate, Pats, DEFAULT_LIFETIME, MAX_LIFETIME};
