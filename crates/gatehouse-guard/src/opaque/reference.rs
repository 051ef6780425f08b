//! Opaque access tokens (`gthat_...`) at the guard: what an introspection answer about one must
//! say before it becomes a [`Caller`].

use gatehouse_protocol::introspection::Introspection;

use super::Recognized;
use crate::caller::{Caller, CredentialKind};
use crate::verifier::CredentialError;

/// The caller an introspection answer about an opaque access token names: active, of the
/// token's tenant, an access token with an id, for one of `audiences`, not expired.
pub fn reference_caller(
    seen: &Recognized,
    answer: &Introspection,
    audiences: &[String],
    now: u64,
) -> Result<Caller, CredentialError> {
    const REFUSED: &str = "access token unknown, expired or revoked";
    let same = answer.active
        && answer.tid.as_deref() == Some(seen.tenant.as_str())
        && answer.token_type.as_deref() == Some(gatehouse_protocol::introspection::ACCESS_TOKEN)
        && answer.jti.as_deref().is_some_and(|j| !j.is_empty())
        && answer.oid.as_deref().is_some_and(|o| !o.is_empty());
    let exp = answer.exp.and_then(|e| u64::try_from(e).ok()).filter(|e| *e > now);
    let (true, Some(exp)) = (same, exp) else {
        return Err(CredentialError::invalid(
            REFUSED,
            "inactive or another token at introspection",
        ));
    };
    let aud = answer.aud.as_deref().unwrap_or_default();
    if !audiences
        .iter()
        .any(|a| a.trim_end_matches('/') == aud.trim_end_matches('/'))
    {
        return Err(CredentialError::invalid("token audience not accepted", aud.to_owned()));
    }
    let oid = answer.oid.as_deref().unwrap_or_default();
    let mut b = Caller::builder(CredentialKind::OpaqueToken, &seen.tenant, oid)
        .token_id(answer.jti.as_deref().unwrap_or_default())
        .subject(answer.sub.as_deref().unwrap_or(oid))
        .identity_type(if answer.scope.is_some() { "user" } else { "app" })
        .scopes(answer.scope.as_deref().unwrap_or_default().split_whitespace())
        .roles(answer.roles.iter().cloned())
        .expires_at(exp);
    if let Some(client) = &answer.client_id {
        b = b.app_id(client);
    }
    if let Some(sid) = &answer.sid {
        b = b.session_id(sid);
    }
    Ok(b.build())
}
