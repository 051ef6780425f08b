//! The client-credentials grant (RFC 6749 4.4) in Entra's two dialects: v2 `scope=R/.default`
//! (or an RFC 8707 `resource=R`, agreeing with `scope` when both are sent), v1 `resource=R`.

use gatehouse_protocol::discovery::Dialect;
use gatehouse_protocol::scope::{self, ScopeError};
use gatehouse_protocol::token::IssuedToken;
use gatehouse_protocol::FormParams;

use super::{GrantContext, GrantEnv, Issued};
use crate::error::Error;
use crate::issuance::mint::{self, MintInput};
use crate::issuance::resource_indicator;
use crate::model::now;

/// The resource the request names, as the token's audience.
pub fn requested_resource(params: &FormParams, dialect: Dialect) -> Result<String, Error> {
    match dialect {
        Dialect::V2 => {
            if let Some(r) = resource_indicator::indicated(params)? {
                return resource_indicator::client_credentials(params.get("scope"), r);
            }
            let scope = params.get("scope").ok_or(Error::MissingParameter("scope"))?;
            scope::client_credentials_resource(scope).map_err(|e| match e {
                ScopeError::NotDefault(s) => Error::ScopeNotDefault(s),
                other => Error::InvalidScope(other.to_string()),
            })
        }
        Dialect::V1 => {
            let resource = params.get("resource").ok_or(Error::MissingParameter("resource"))?;
            if !scope::valid_resource(resource) {
                return Err(Error::Invalid(
                    "The resource parameter is not a valid identifier.".into(),
                ));
            }
            Ok(resource.to_owned())
        }
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
    if !client.sp.account_enabled {
        return Err(Error::ClientDisabled);
    }
    let audience = requested_resource(params, dialect)?;
    let indicated = dialect == Dialect::V2 && params.get("resource").is_some();
    let resource = env.directory.resource(tenant, &audience).await.map_err(|e| {
        if indicated {
            resource_indicator::unknown(e)
        } else {
            e
        }
    })?;
    let roles = env.directory.roles(&client.sp.id, &resource).await?;
    let groups = env.directory.groups(&tenant.id, &client.sp.id).await?;
    let keys = env.keys.for_tenant(tenant).await?;
    let t = now();
    let (access_token, exp) = env
        .formats
        .mint(
            &keys,
            env.base_url,
            &resource,
            &MintInput {
                tenant,
                dialect,
                audience: &audience,
                client_id: &client.app.app_id,
                subject: &client.sp.id,
                roles: &roles,
                groups: &groups,
                scopes: None,
                family: None,
                app_only: true,
                client_auth: method.acr(),
                user: None,
                uti: &mint::new_uti(),
                act: None,
                now: t,
            },
        )
        .await?;
    let scope = match dialect {
        Dialect::V2 => Some(format!("{audience}/.default")),
        Dialect::V1 => None,
    };
    Ok(IssuedToken {
        access_token,
        resource: audience,
        scope,
        issued_at: t,
        expires_at: exp,
    }
    .into())
}
