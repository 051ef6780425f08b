//! Wire types of Gatehouse, with no I/O.
//!
//! Everything a client or a guard sees on the wire is defined here, so that the server, the guard
//! and the tests agree on one shape:
//!
//! - [`form`]: strict `application/x-www-form-urlencoded` parsing (repeated parameters and
//!   non-UTF-8 text are errors, as RFC 6749 section 3.2 requires).
//! - [`error`]: OAuth 2.0 error codes and the Entra error body (`error`, `error_description`
//!   starting with `AADSTSnnnnn:`, `error_codes`, `timestamp`, `trace_id`, `correlation_id`).
//! - [`token`]: token responses in the v2 shape (numbers) and the v1 shape (strings), each
//!   with a hand-written `to_json` (`json`: byte for byte what `serde_json` writes, faster).
//! - [`claims`]: the access-token claim set (minted by the server, verified by the guard) and
//!   the issuer string of each dialect.
//! - [`device`]: the device authorization response (RFC 8628), v2 and v1.
//! - [`discovery`]: OpenID Provider metadata (v2 and v1), RFC 8414 metadata, instance discovery.
//! - [`introspection`]: the RFC 7662 introspection answer.
//! - [`jwk`]: JSON Web Keys and key sets.
//! - [`pat`]: the personal access token's text (prefix, body, CRC32 checksum), its strict
//!   parser and the leak scanner [`pat::find_pats`].
//! - [`reference`]: the opaque access token's text (`gthat_{tenant}_{secret}`), strict.
//! - [`revocation`]: the revocation feed the server serves and guards poll.
//! - [`sas`]: IoT Central's API-token text (`SharedAccessSignature sr=&sig=&skn=&se=`), strict.
//! - [`scope`]: parsing `scope` and `resource` values (`R/.default`, ARM's double slash).
//! - [`timefmt`]: the timestamp format of Entra error bodies.

pub mod claims;
pub mod device;
pub mod discovery;
pub mod error;
pub mod form;
pub mod introspection;
mod json;
pub mod jwk;
pub mod pat;
pub mod reference;
pub mod revocation;
pub mod sas;
pub mod scope;
pub mod timefmt;
pub mod token;

pub use error::{ErrorBody, OAuthError};
pub use form::{FormError, FormParams};
