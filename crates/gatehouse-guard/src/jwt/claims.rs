//! The claims of a Gatehouse access token (docs/TOKENS.md), deserialized with strict types: a
//! string (or fractional, or negative) `exp`, `nbf` or `iat` fails deserialization and so refuses
//! the token. Then the checks `jsonwebtoken` does not do: `ver`, `tid` against the issuer and the
//! accepted tenants, `oid` present; and the conversion to a [`Caller`].

use serde::Deserialize;

use super::JwtError;
use crate::caller::{Caller, CredentialKind};
use crate::config::{is_guid, Issuer};

/// `aud`: one string or an array of strings.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub(crate) enum Audience {
    One(String),
    Many(Vec<String>),
}

impl Audience {
    pub(crate) fn contains_any(&self, accepted: &[String]) -> bool {
        match self {
            Audience::One(a) => accepted.iter().any(|x| x == a),
            Audience::Many(list) => list.iter().any(|a| accepted.iter().any(|x| x == a)),
        }
    }
}

/// Access-token claims. Unknown claims are ignored.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct AccessTokenClaims {
    pub iss: String,
    pub aud: Audience,
    pub exp: u64,
    #[serde(default)]
    pub nbf: Option<u64>,
    #[serde(default)]
    #[allow(dead_code)] // type-checked only: a string `iat` refuses the token
    pub iat: Option<u64>,
    pub tid: String,
    #[serde(default)]
    pub oid: Option<String>,
    #[serde(default)]
    pub sub: Option<String>,
    #[serde(default)]
    pub azp: Option<String>,
    #[serde(default)]
    pub appid: Option<String>,
    #[serde(default)]
    pub scp: Option<String>,
    #[serde(default)]
    pub roles: Option<Vec<String>>,
    #[serde(default)]
    pub uti: Option<String>,
    #[serde(default)]
    pub sid: Option<String>,
    pub ver: String,
    #[serde(default)]
    pub idtyp: Option<String>,
}

/// Checks what `jsonwebtoken` left (`iss`, `aud`, `exp`, `nbf` were checked by it; they are
/// checked again here so the guard does not depend on one library's defaults) and builds the
/// caller.
pub(crate) fn into_caller(
    claims: AccessTokenClaims,
    issuer: &Issuer,
    audiences: &[String],
    tenants: &[String],
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
    if tid != issuer.tenant_id || !tenants.contains(&tid) {
        return Err(JwtError::TenantNotAccepted);
    }
    let oid = match claims.oid {
        Some(oid) if !oid.is_empty() => oid,
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
    if let Some(roles) = claims.roles {
        builder = builder.roles(roles);
    }
    if let Some(uti) = claims.uti {
        builder = builder.token_id(uti);
    }
    if let Some(sid) = claims.sid {
        builder = builder.session_id(sid);
    }
    Ok(builder.build())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn numeric_dates_must_be_integers() {
        let base = json!({"iss": "i", "aud": "a", "exp": 10, "tid": "t", "ver": "2.0"});
        assert!(serde_json::from_value::<AccessTokenClaims>(base.clone()).is_ok());
        for (claim, bad) in [
            ("exp", json!("10")),
            ("exp", json!(10.5)),
            ("exp", json!(-1)),
            ("exp", json!(null)),
            ("nbf", json!("10")),
            ("iat", json!("10")),
            ("iat", json!(true)),
            ("aud", json!(5)),
            ("roles", json!("Admin")),
            ("scp", json!(["a"])),
        ] {
            let mut c = base.clone();
            c[claim] = bad.clone();
            assert!(
                serde_json::from_value::<AccessTokenClaims>(c).is_err(),
                "{claim} = {bad} was accepted"
            );
        }
    }
}
