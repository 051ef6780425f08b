//! The checks of a verified token's claims that `jsonwebtoken` does not do, and the conversion
//! to a [`Caller`]. The claim set itself, with its strict types (a string, fractional or negative
//! `exp`, `nbf` or `iat` fails deserialization and so refuses the token), is
//! `gatehouse_protocol::claims::AccessClaims`, the type the server mints.

use gatehouse_protocol::claims::AccessClaims;

use super::JwtError;
use crate::caller::{Caller, CredentialKind};
use crate::config::{is_guid, Issuer};

/// Checks the claims (`iss`, `aud`, `exp`, `nbf` were checked by `jsonwebtoken` too; they are
/// checked again here so the guard does not depend on one library's defaults) and builds the
/// caller. `tenants` is `None` when every tenant of the issuer base is accepted.
pub(crate) fn into_caller(
    claims: AccessClaims<'static>,
    issuer: &Issuer,
    audiences: &[String],
    tenants: Option<&[String]>,
    now: u64,
    skew: u64,
) -> Result<Caller, JwtError> {
    if claims.iss != issuer.url {
        return Err(JwtError::IssuerNotAccepted);
    }
    if !claims.aud.contains_any(audiences) {
        return Err(JwtError::AudienceNotAccepted);
    }
    if claims.exp.saturating_add(skew) < now {
        return Err(JwtError::Expired);
    }
    if claims.nbf.is_some_and(|nbf| nbf > now.saturating_add(skew)) {
        return Err(JwtError::NotYetValid);
    }
    if claims.ver != "1.0" && claims.ver != "2.0" {
        return Err(JwtError::Version);
    }
    if !is_guid(&claims.tid) {
        return Err(JwtError::TenantNotAccepted);
    }
    let tid = claims.tid.to_ascii_lowercase();
    if tid != issuer.tenant_id || tenants.is_some_and(|accepted| !accepted.contains(&tid)) {
        return Err(JwtError::TenantNotAccepted);
    }
    let oid = match claims.oid {
        Some(oid) if !oid.is_empty() => oid.into_owned(),
        _ => return Err(JwtError::MissingClaim("oid")),
    };
    let mut builder = Caller::builder(CredentialKind::Jwt, tid, oid).expires_at(claims.exp);
    if let Some(app) = claims.azp.or(claims.appid) {
        builder = builder.app_id(app);
    }
    if let Some(sub) = claims.sub {
        builder = builder.subject(sub);
    }
    if let Some(idtyp) = claims.idtyp {
        builder = builder.identity_type(idtyp);
    }
    if let Some(scp) = &claims.scp {
        builder = builder.scopes(scp.split(' ').filter(|s| !s.is_empty()));
    }
    if !claims.roles.is_empty() {
        builder = builder.roles(claims.roles.into_owned());
    }
    if let Some(uti) = claims.uti {
        builder = builder.token_id(uti);
    }
    if let Some(sid) = claims.sid {
        builder = builder.session_id(sid);
    }
    Ok(builder.build())
}
