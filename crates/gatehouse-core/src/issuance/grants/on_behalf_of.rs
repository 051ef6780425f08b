//! The on-behalf-of grant, as Entra ID speaks it: `grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer`,
//! `requested_token_use=on_behalf_of`, `assertion` (a user access token this tenant issued to
//! the calling application as a resource: its appId or identifier URI is the `aud`), `scope`
//! (v2) or `resource` (v1). The calling application authenticates as a confidential client (a
//! secret or a certificate). The answer is a user token for the next API with the user's
//! identity (`oid`, `sub`, `upn`/`preferred_username`, `tid`) and the `scp` the calling
//! application is entitled to ([`super::entitlement`]); a refresh token only when
//! `offline_access` was asked and is allowed.
//!
//! Like Entra's, an on-behalf-of token carries no `act` claim (`azp`/`appid` already names the
//! calling application), except when the assertion itself came from a token exchange and has
//! one: then the chain is kept, with the calling application as the current actor.

use gatehouse_protocol::claims::Actor;
use gatehouse_protocol::discovery::Dialect;
use gatehouse_protocol::scope::Delegated;
use gatehouse_protocol::FormParams;

use super::delegated::{self, UserGrant};
use super::entitlement::entitled;
use super::user_assertion::{audiences_of, user_of, verified};
use super::{GrantContext, GrantEnv, Issued};
use crate::error::Error;

pub const GRANT_TYPE: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";

/// The longest actor chain a token carries (RFC 8693 nesting); a longer one is refused.
pub const MAX_ACTORS: usize = 8;

pub async fn grant(env: &GrantEnv<'_>, ctx: &GrantContext<'_>) -> Result<Issued, Error> {
    let GrantContext {
        tenant,
        client,
        params,
        dialect,
        method,
    } = *ctx;
    match params.get("requested_token_use") {
        Some("on_behalf_of") => {}
        None => return Err(Error::MissingParameter("requested_token_use")),
        Some(_) => {
            return Err(Error::Malformed(
                "requested_token_use must be on_behalf_of for the jwt-bearer grant".into(),
            ))
        }
    }
    let assertion = params.get("assertion").ok_or(Error::MissingParameter("assertion"))?;
    let asked = requested(params, dialect)?;
    let claims = verified(env.tokens, tenant, assertion, &audiences_of(client)).await?;
    let user = user_of(env.users, tenant, &claims).await?;
    let e = entitled(env, tenant, client, &user, &asked).await?;
    let (family, refresh_token) = if e.offline {
        let (id, text) = delegated::start_family(env.refresh, tenant, &client.app.app_id, &user, &e.granted).await?;
        (Some(id), Some(text))
    } else {
        (None, None)
    };
    let act = claims.act.map(|prior| Actor {
        sub: client.sp.id.clone(),
        client_id: Some(client.app.app_id.clone()),
        act: Some(Box::new(prior)),
    });
    if act.as_ref().is_some_and(|a| a.depth() > MAX_ACTORS) {
        return Err(Error::Malformed(format!(
            "the assertion's actor chain is longer than {MAX_ACTORS}"
        )));
    }
    let answered = Delegated {
        oidc: asked
            .oidc
            .iter()
            .filter(|o| e.offline || o.as_str() != "offline_access")
            .cloned()
            .collect(),
        ..asked.clone()
    };
    delegated::issue_scoped(
        env,
        UserGrant {
            client_auth: method.acr(),
            tenant,
            client,
            user: &user,
            scope: &answered,
            dialect,
            family: family.as_deref(),
            refresh_token,
            nonce: None,
            client_info: params.get("client_info") == Some("1"),
        },
        &e.resource,
        &e.scp,
        act.as_ref(),
    )
    .await
}

/// v2 `scope` (permissions of one API), v1 `resource` (all that is allowed there).
fn requested(params: &FormParams, dialect: Dialect) -> Result<Delegated, Error> {
    match dialect {
        Dialect::V2 => delegated::parse(params.get("scope").ok_or(Error::MissingParameter("scope"))?),
        Dialect::V1 => Ok(Delegated {
            resource: params
                .get("resource")
                .ok_or(Error::MissingParameter("resource"))?
                .to_owned(),
            names: Vec::new(),
            default: true,
            oidc: Vec::new(),
        }),
    }
}
