//! OAuth 2.0 Token Exchange (RFC 8693): `grant_type=urn:ietf:params:oauth:grant-type:token-exchange`.
//!
//! The authenticated confidential client (the actor) presents a `subject_token`, a user access
//! token this tenant issued to it as a resource (`subject_token_type` access_token or jwt), and
//! names the next API by `audience` and/or `resource` (its identifier URI or appId) and
//! optionally `scope` (bare permission names of that API, or `API/name` as in v2). It gets a
//! user token for the next API under the same entitlement rules as on-behalf-of
//! ([`super::entitlement`]), with `issued_token_type`, and no refresh token.
//!
//! The token carries `act` (section 4.1): the current actor is the client, or, when an
//! `actor_token` is presented (an access token of this tenant for the client, e.g. its own
//! client-credentials token), that token's subject; the subject token's own `act` (an exchanged
//! token exchanged again) nests inside, so the chain of actors is kept, at most
//! [`super::on_behalf_of::MAX_ACTORS`] long.

use gatehouse_protocol::claims::Actor;
use gatehouse_protocol::scope::{Delegated, OIDC_SCOPES};
use gatehouse_protocol::FormParams;

use super::delegated::{self, UserGrant};
use super::entitlement::entitled;
use super::on_behalf_of::MAX_ACTORS;
use super::user_assertion::{audiences_of, user_of, verified};
use super::{GrantContext, GrantEnv, Issued};
use crate::error::Error;
use crate::issuance::directory::ClientEntry;
use crate::issuance::resources::same_identifier;
use crate::model::Tenant;

pub const GRANT_TYPE: &str = "urn:ietf:params:oauth:grant-type:token-exchange";
pub const ACCESS_TOKEN_TYPE: &str = "urn:ietf:params:oauth:token-type:access_token";
pub const JWT_TOKEN_TYPE: &str = "urn:ietf:params:oauth:token-type:jwt";

/// An access token of ours is both an access token and a JWT.
fn token_type(parameter: &'static str, value: &str) -> Result<&'static str, Error> {
    match value {
        ACCESS_TOKEN_TYPE => Ok(ACCESS_TOKEN_TYPE),
        JWT_TOKEN_TYPE => Ok(JWT_TOKEN_TYPE),
        other => Err(Error::UnsupportedTokenType {
            parameter,
            value: other.to_owned(),
        }),
    }
}

pub async fn grant(env: &GrantEnv<'_>, ctx: &GrantContext<'_>) -> Result<Issued, Error> {
    let GrantContext {
        tenant,
        client,
        params,
        dialect,
        method,
    } = *ctx;
    let subject = params
        .get("subject_token")
        .ok_or(Error::MissingParameter("subject_token"))?;
    token_type(
        "subject_token_type",
        params
            .get("subject_token_type")
            .ok_or(Error::MissingParameter("subject_token_type"))?,
    )?;
    let issued_type = match params.get("requested_token_type") {
        None => ACCESS_TOKEN_TYPE,
        Some(t) => token_type("requested_token_type", t)?,
    };
    let actor_token = match (params.get("actor_token"), params.get("actor_token_type")) {
        (None, None) => None,
        (Some(_), None) => return Err(Error::MissingParameter("actor_token_type")),
        (None, Some(_)) => {
            return Err(Error::Malformed(
                "actor_token_type is sent only with an actor_token".into(),
            ))
        }
        (Some(token), Some(t)) => {
            token_type("actor_token_type", t)?;
            Some(token)
        }
    };
    let asked = target(env, tenant, params).await?;
    let audiences = audiences_of(client);
    let claims = verified(env.tokens, tenant, subject, &audiences).await?;
    let user = user_of(env.users, tenant, &claims).await?;
    let current = match actor_token {
        Some(token) => {
            let a = verified(env.tokens, tenant, token, &audiences).await?;
            Actor {
                sub: a
                    .sub
                    .or(a.oid)
                    .ok_or(Error::UserAssertionInvalid("actor token without sub"))?
                    .into_owned(),
                client_id: a.azp.or(a.appid).map(|c| c.into_owned()),
                act: None,
            }
        }
        None => acting_client(client),
    };
    let act = Actor {
        act: claims.act.map(Box::new),
        ..current
    };
    if act.depth() > MAX_ACTORS {
        return Err(Error::Malformed(format!(
            "the subject token's actor chain is longer than {MAX_ACTORS}"
        )));
    }
    let e = entitled(env, tenant, client, &user, &asked)
        .await
        .map_err(|e| match e {
            Error::UnknownResource { resource, .. } => {
                Error::ExchangeTarget(format!("no resource '{resource}' in this tenant"))
            }
            other => other,
        })?;
    let answered = Delegated {
        oidc: Vec::new(),
        ..asked
    };
    let mut issued = delegated::issue_scoped(
        env,
        UserGrant {
            client_auth: method.acr(),
            tenant,
            client,
            user: &user,
            scope: &answered,
            dialect,
            family: None,
            refresh_token: None,
            nonce: None,
            client_info: false,
        },
        &e.resource,
        &e.scp,
        Some(&act),
    )
    .await?;
    issued.issued_token_type = Some(issued_type);
    Ok(issued)
}

/// The client itself as the actor: its service principal and appId.
fn acting_client(client: &ClientEntry) -> Actor {
    Actor {
        sub: client.sp.id.clone(),
        client_id: Some(client.app.app_id.clone()),
        act: None,
    }
}

/// The API and permissions asked for: `resource` and/or `audience` (which must name the same
/// API), `scope` as bare names of it (or `API/name`, whose API must be the same); without
/// `scope`, everything allowed (`.default`).
async fn target(env: &GrantEnv<'_>, tenant: &Tenant, params: &FormParams) -> Result<Delegated, Error> {
    let resource = params.get("resource");
    let audience = params.get("audience");
    let named = match (resource, audience) {
        (Some(r), Some(a)) => {
            if !same_api(env, tenant, r, a).await? {
                return Err(Error::ExchangeTarget(
                    "'audience' and 'resource' name different APIs".into(),
                ));
            }
            Some(r)
        }
        (r, a) => r.or(a),
    };
    let Some(scope) = params.get("scope") else {
        let resource = named.ok_or(Error::ExchangeTarget(
            "no 'audience', 'resource' or 'scope' names the API".into(),
        ))?;
        return Ok(Delegated {
            resource: resource.to_owned(),
            names: Vec::new(),
            default: true,
            oidc: Vec::new(),
        });
    };
    let items: Vec<&str> = scope.split(' ').filter(|s| !s.is_empty()).collect();
    let bare = items.iter().all(|i| !i.contains('/'));
    match named {
        Some(resource) if bare => {
            let names: Vec<&str> = items.into_iter().filter(|i| !OIDC_SCOPES.contains(i)).collect();
            let default = names.is_empty() || names.contains(&".default");
            if default && names.len() > 1 {
                return Err(Error::InvalidScope(
                    "'.default' cannot be combined with other names".into(),
                ));
            }
            Ok(Delegated {
                resource: resource.to_owned(),
                names: if default {
                    Vec::new()
                } else {
                    names.into_iter().map(str::to_owned).collect()
                },
                default,
                oidc: Vec::new(),
            })
        }
        Some(resource) => {
            let d = delegated::parse(scope)?;
            if !same_identifier(&d.resource, resource) && !same_api(env, tenant, &d.resource, resource).await? {
                return Err(Error::ExchangeTarget(
                    "'scope' names another API than 'audience'/'resource'".into(),
                ));
            }
            Ok(d)
        }
        None if bare => Err(Error::ExchangeTarget(
            "bare scope names need 'audience' or 'resource' to name their API".into(),
        )),
        None => delegated::parse(scope),
    }
}

/// Whether two identifiers name the same API of the tenant (unknown ones: invalid target).
async fn same_api(env: &GrantEnv<'_>, tenant: &Tenant, a: &str, b: &str) -> Result<bool, Error> {
    let resolve = |id: &str| {
        let id = id.to_owned();
        async move {
            env.directory.resource(tenant, &id).await.map_err(|e| match e {
                Error::UnknownResource { resource, .. } => {
                    Error::ExchangeTarget(format!("no resource '{resource}' in this tenant"))
                }
                other => other,
            })
        }
    };
    Ok(resolve(a).await?.app_id == resolve(b).await?.app_id)
}
