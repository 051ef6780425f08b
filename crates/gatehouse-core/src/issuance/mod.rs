//! The token path: everything a token request touches, and nothing a browser page needs alone.
//!
//! - [`client_auth`]: client authentication (secret in the body or HTTP Basic, constant-time,
//!   or a certificate-signed client assertion), the one path every grant authenticates its
//!   client through; [`client_assertion`] parses and verifies the assertions.
//! - [`directory`]: the cache of tenants, clients, resources and role assignments (no database
//!   round trip for anything already seen), following the store's change feed.
//! - [`keyring`]: each tenant's signing keys, unsealed and parsed once, and its JWKS.
//! - [`rotation`]: signing-key rotation (policy, the rotation step, scheduled rotations).
//! - [`throttle`]: failed-attempt limits shared by every replica.
//! - [`mint`]: access-token and id_token minting.
//! - [`formats`]: each API's access-token format (signed, encrypted, opaque): writing tokens
//!   in it and opening them again.
//! - [`grants`]: the typed grant dispatch, one file per grant type.
//! - [`resource_indicator`]: RFC 8707 `resource` on the v2 endpoints.
//! - [`resources`], [`first_party`]: what every tenant knows without registration.
//! - [`scopes`]: delegated permissions an API declares and what `scp` holds.
//! - [`revocation`]: RFC 7009 revocation and the feed guards poll.
//! - [`introspection`]: RFC 7662: who may ask, and what a refresh token says.

pub mod client_assertion;
pub mod client_auth;
pub mod directory;
pub mod first_party;
pub mod formats;
pub mod grants;
pub mod introspection;
pub mod keyring;
pub mod mint;
pub mod resource_indicator;
pub mod resources;
pub mod revocation;
pub mod rotation;
pub mod scopes;
pub mod throttle;
