//! The flows a person drives in a browser (the server renders their pages):
//!
//! - [`authorize`]: the authorization endpoint: request checks, redirect URI rules, the
//!   signed-in session, sign-in, consent and codes.
//! - [`device_flow`]: RFC 8628 device authorization and the verification page's steps.
//! - [`sign_in`]: password checks with lockout, shared by every page that asks for a password.
//! - [`consent`]: what users (and administrators, tenant-wide) allowed each client.
//! - [`sign_out`]: the logout endpoint (session deleted, redirect only to a registered URI).
//! - [`authorized_apps`]: the apps a user authorized and revoking them; what the server's own
//!   bearer checks ask of the domain.

pub mod authorize;
pub mod authorized_apps;
pub mod consent;
pub mod device_flow;
pub mod sign_in;
pub mod sign_out;
