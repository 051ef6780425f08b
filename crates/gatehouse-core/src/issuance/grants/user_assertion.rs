//! The user token an application presents to act for a user: the on-behalf-of `assertion` and a
//! token exchange's `subject_token` and `actor_token`. The signature, dates, issuer, audience and
//! revocation are checked by a [`TokenVerifier`] the server lends for the request (the same
//! verifier as every bearer token on its routes: the core knows no JWT verification); this module
//! adds what the grants need on top: the token belongs to the request's tenant, it is a user
//! token (for a subject), and its user still exists and may sign in.

use async_trait::async_trait;
use gatehouse_protocol::claims::AccessClaims;
use serde_json::{Map, Value};

use crate::error::Error;
use crate::issuance::directory::ClientEntry;
use crate::model::{Tenant, User};
use crate::store::UserStore;

/// Checks an access token of ours: signature by a published key of its tenant, `exp`/`nbf`,
/// the issuer, one of `audiences`, and the revocation feed.
#[async_trait]
pub trait TokenVerifier: Send + Sync {
    /// The token's claims when every check passes; `None` when any fails (whichever). Only a
    /// store that cannot be read is an error.
    async fn verify_claims(&self, token: &str, audiences: &[String]) -> Result<Option<Map<String, Value>>, Error>;
}

/// Every `aud` a token minted for `client` as a resource carries: its appId and identifier
/// URIs, each with and without a trailing slash.
pub fn audiences_of(client: &ClientEntry) -> Vec<String> {
    let mut out = Vec::new();
    for name in std::iter::once(&client.app.app_id).chain(client.app.identifier_uris.iter()) {
        let bare = name.trim_end_matches('/');
        if !bare.is_empty() {
            out.push(bare.to_owned());
            out.push(format!("{bare}/"));
        }
    }
    out
}

/// The claims of `token` when it is a valid access token of `tenant` for one of `audiences`.
pub async fn verified(
    verifier: Option<&dyn TokenVerifier>,
    tenant: &Tenant,
    token: &str,
    audiences: &[String],
) -> Result<AccessClaims<'static>, Error> {
    let verifier = verifier.ok_or(Error::UserAssertionInvalid("no verifier on this path"))?;
    let claims = verifier
        .verify_claims(token, audiences)
        .await?
        .ok_or(Error::UserAssertionInvalid(
            "signature, lifetime, issuer, audience or revocation",
        ))?;
    let claims: AccessClaims<'static> =
        serde_json::from_value(Value::Object(claims)).map_err(|_| Error::UserAssertionInvalid("claims"))?;
    if claims.tid != tenant.id.as_str() {
        return Err(Error::UserAssertionInvalid("issued by another tenant"));
    }
    Ok(claims)
}

/// The user a subject token speaks for: it must be a user token (`idtyp` user, with `scp`) of a
/// user of the tenant whose account is enabled.
pub async fn user_of(users: &dyn UserStore, tenant: &Tenant, claims: &AccessClaims<'_>) -> Result<User, Error> {
    if claims.idtyp.as_deref() != Some("user") || claims.scp.is_none() {
        return Err(Error::UserAssertionInvalid("not a user token"));
    }
    let oid = claims.oid.as_deref().ok_or(Error::UserAssertionInvalid("no oid"))?;
    let user = users
        .user_by_id(&tenant.id, oid)
        .await?
        .ok_or(Error::UserAssertionInvalid("user deleted"))?;
    if !user.account_enabled {
        return Err(Error::UserDisabled);
    }
    Ok(user)
}
