//! The refresh-token grant (RFC 6749 section 6) with rotation: every use marks the presented
//! token used and returns a new one of the same family, atomically. Presenting a used token
//! (a replay: one of two holders is not the user) revokes the whole family and publishes its
//! `sid` in the revocation feed, so guards refuse its access tokens too. A refresh never widens
//! what was granted, except that built-in clients may switch to any resource (every resource
//! counts as consented for them), as MSAL and the Azure CLI do for Graph.

use gatehouse_protocol::discovery::Dialect;
use gatehouse_protocol::scope::Delegated;
use gatehouse_protocol::FormParams;

use super::delegated::{self, UserGrant};
use super::{GrantContext, GrantEnv, Issued};
use crate::error::Error;
use crate::issuance::directory::ClientEntry;
use crate::issuance::resources::same_identifier;
use crate::model::{now, RefreshFamily, RevocationKind};
use crate::secret;

pub async fn grant(env: &GrantEnv<'_>, ctx: &GrantContext<'_>) -> Result<Issued, Error> {
    let GrantContext {
        tenant,
        client,
        params,
        dialect,
        method,
    } = *ctx;
    let text = params
        .get("refresh_token")
        .ok_or(Error::MissingParameter("refresh_token"))?;
    let hash = secret::sha256(text.as_bytes());
    let (token, family) = env
        .refresh
        .refresh_token_by_hash(&hash)
        .await?
        .ok_or(Error::RefreshTokenInvalid("unknown"))?;
    if family.tenant_id != tenant.id || !family.client_id.eq_ignore_ascii_case(&client.app.app_id) {
        return Err(Error::RefreshTokenInvalid("issued to another client or tenant"));
    }
    if family.revoked {
        return Err(Error::RefreshTokenRevoked("family revoked"));
    }
    if family.expires_at <= now() {
        return Err(Error::RefreshTokenRevoked("family expired"));
    }
    if token.used {
        revoke_family(env, &family).await?;
        return Err(Error::RefreshTokenRevoked("reused: family revoked"));
    }
    let granted = delegated::parse(&family.scope)?;
    let asked = requested(params, dialect, &granted)?;
    if dialect == Dialect::V2 && params.get("resource").is_some() {
        // RFC 8707: an indicated resource the tenant does not know is `invalid_target`, before
        // the refresh token is spent.
        env.directory
            .resource(tenant, &asked.resource)
            .await
            .map_err(crate::issuance::resource_indicator::unknown)?;
    }
    check_not_wider(client, &granted, &asked)?;
    let user = env
        .users
        .user_by_id(&tenant.id, &family.user_id)
        .await?
        .ok_or(Error::RefreshTokenRevoked("user deleted"))?;
    if !user.account_enabled {
        return Err(Error::UserDisabled);
    }
    let (next_text, next) = delegated::new_refresh_token(&family.id);
    if !env.refresh.rotate_refresh_token(&hash, &next).await? {
        // Another request rotated (or revoked) it between our read and write: a replay.
        revoke_family(env, &family).await?;
        return Err(Error::RefreshTokenRevoked("reused: family revoked"));
    }
    delegated::issue(
        env,
        UserGrant {
            client_auth: method.acr(),
            tenant,
            client,
            user: &user,
            scope: &asked,
            dialect,
            family: Some(&family.id),
            refresh_token: Some(next_text),
            nonce: None,
            client_info: params.get("client_info") == Some("1"),
        },
    )
    .await
}

/// The scope of this refresh: v2 `scope` (with an RFC 8707 `resource`, agreeing with it), v1
/// `resource`, or (neither) what was granted.
fn requested(params: &FormParams, dialect: Dialect, granted: &Delegated) -> Result<Delegated, Error> {
    if dialect == Dialect::V2 {
        if let Some(r) = crate::issuance::resource_indicator::indicated(params)? {
            return match params.get("scope") {
                Some(s) => crate::issuance::resource_indicator::delegated(Some(s), r),
                None if same_identifier(&granted.resource, r) => Ok(granted.clone()),
                None => Ok(Delegated {
                    resource: r.to_owned(),
                    names: Vec::new(),
                    default: true,
                    oidc: granted.oidc.clone(),
                }),
            };
        }
    }
    match (dialect, params.get("scope"), params.get("resource")) {
        (Dialect::V2, Some(scope), _) => delegated::parse(scope),
        (Dialect::V1, _, Some(resource)) => Ok(Delegated {
            resource: resource.to_owned(),
            names: Vec::new(),
            default: true,
            oidc: granted.oidc.clone(),
        }),
        _ => Ok(granted.clone()),
    }
}

fn check_not_wider(client: &ClientEntry, granted: &Delegated, asked: &Delegated) -> Result<(), Error> {
    if client.first_party {
        return Ok(());
    }
    let refuse = || Error::ConsentRequired(asked.to_scope());
    if !same_identifier(&granted.resource, &asked.resource) || (asked.default && !granted.default) {
        return Err(refuse());
    }
    if !granted.default && asked.names.iter().any(|n| !granted.names.contains(n)) {
        return Err(refuse());
    }
    if asked.oidc.iter().any(|o| !granted.has(o)) {
        return Err(refuse());
    }
    Ok(())
}

/// Revokes a family and publishes its `sid`, so guards refuse the access tokens it produced.
pub async fn revoke_family(env: &GrantEnv<'_>, family: &RefreshFamily) -> Result<(), Error> {
    tracing::warn!(family = %family.id, tenant = %family.tenant_id, "refresh token replayed; family revoked");
    env.refresh.revoke_refresh_family(&family.id).await?;
    env.revocations
        .revoke(&family.tenant_id, RevocationKind::Sid, &family.id, family.expires_at)
        .await?;
    Ok(())
}
