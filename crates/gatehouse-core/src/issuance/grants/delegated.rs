//! What the user grants (device code, refresh token) share: reading delegated scopes, minting
//! the access token, id_token and client_info for a user, and starting refresh-token families.

use base64::{engine::general_purpose::URL_SAFE_NO_PAD as B64, Engine};
use gatehouse_protocol::claims::Actor;
use gatehouse_protocol::discovery::Dialect;
use gatehouse_protocol::scope::{self, Delegated, ScopeError};
use gatehouse_protocol::token::IssuedToken;

use super::GrantEnv;
use super::Issued;
use crate::error::Error;
use crate::issuance::directory::ClientEntry;
use crate::issuance::mint::{self, MintInput};
use crate::issuance::resources::Resource;
use crate::model::{now, RefreshFamily, RefreshToken, Tenant, User};
use crate::secret;
use crate::store::RefreshStore;

/// Absolute lifetime of a refresh-token family, whatever its rotations.
pub const FAMILY_LIFETIME: i64 = 90 * 86_400;

pub fn parse(scope: &str) -> Result<Delegated, Error> {
    scope::delegated(scope).map_err(|e| match e {
        ScopeError::Empty => Error::MissingParameter("scope"),
        other => Error::InvalidScope(other.to_string()),
    })
}

/// Who gets which token.
pub struct UserGrant<'a> {
    pub tenant: &'a Tenant,
    pub client: &'a ClientEntry,
    pub user: &'a User,
    pub scope: &'a Delegated,
    pub dialect: Dialect,
    /// The refresh family (`sid`) when `offline_access` was granted.
    pub family: Option<&'a str>,
    pub refresh_token: Option<String>,
    pub nonce: Option<&'a str>,
    /// `client_info=1` was sent.
    pub client_info: bool,
    /// `azpacr` / `appidacr`: how the client authenticated.
    pub client_auth: &'static str,
}

/// Mints the access token (and id_token, client_info) for a signed-in user.
pub async fn issue(env: &GrantEnv<'_>, g: UserGrant<'_>) -> Result<Issued, Error> {
    let resource = env.directory.resource(g.tenant, &g.scope.resource).await?;
    let scp = crate::issuance::scopes::scp(env.consent, g.tenant, g.client, g.user, g.scope, &resource).await?;
    issue_scoped(env, g, &resource, &scp, None).await
}

/// Mints the user's tokens with `scp` already decided (on-behalf-of and token exchange decide
/// it from the middle application's entitlement) and an optional RFC 8693 `act` claim.
pub async fn issue_scoped(
    env: &GrantEnv<'_>,
    g: UserGrant<'_>,
    resource: &Resource,
    scp: &str,
    act: Option<&Actor>,
) -> Result<Issued, Error> {
    let groups = env.directory.groups(&g.tenant.id, &g.user.id).await?;
    let keys = env.keys.for_tenant(g.tenant).await?;
    let t = now();
    let uti = mint::new_uti();
    let (access_token, exp) = env
        .formats
        .mint(
            &keys,
            env.base_url,
            resource,
            &MintInput {
                tenant: g.tenant,
                dialect: g.dialect,
                audience: &g.scope.resource,
                client_id: &g.client.app.app_id,
                subject: &g.user.id,
                roles: &[],
                groups: &groups,
                scopes: Some(scp),
                family: g.family,
                app_only: false,
                client_auth: g.client_auth,
                user: Some(g.user),
                uti: &uti,
                act,
                now: t,
            },
        )
        .await?;
    if let (Some(family), Some(_)) = (g.family, &g.refresh_token) {
        // Seed 003: a refresh replaces the family's access token for this resource; the one it
        // replaces is revoked (published by its uti). Another resource's token is left alone.
        // Only a family with refresh tokens is recorded: without one there is no refresh.
        env.refresh
            .supersede_access_token(&g.tenant.id, family, &resource.app_id, &uti, exp, t)
            .await?;
    }
    let id_token = if g.scope.has("openid") {
        let input = mint::IdInput {
            tenant: g.tenant,
            dialect: g.dialect,
            client_id: &g.client.app.app_id,
            user: g.user,
            nonce: g.nonce,
            sid: g.family,
            now: t,
        };
        Some(mint::mint_id_token(&keys, env.base_url, &input)?)
    } else {
        None
    };
    crate::browser::authorized_apps::record_use(env.app_uses, g.tenant, g.user, &g.client.app.app_id).await;
    let client_info = g.client_info.then(|| {
        let json = serde_json::json!({"uid": g.user.id, "utid": g.tenant.id});
        B64.encode(json.to_string())
    });
    let scope = match g.dialect {
        Dialect::V2 => Some(g.scope.to_scope()),
        Dialect::V1 => None,
    };
    let token = IssuedToken {
        access_token,
        resource: g.scope.resource.clone(),
        scope,
        issued_at: t,
        expires_at: exp,
    };
    Ok(Issued {
        token,
        refresh_token: g.refresh_token,
        id_token,
        client_info,
        issued_token_type: None,
    })
}

/// A new refresh token of a family: its text (given to the client once) and its stored form.
pub fn new_refresh_token(family_id: &str) -> (String, RefreshToken) {
    let text = format!("ghr.{}", secret::random_token(32));
    let stored = RefreshToken {
        token_hash: secret::sha256(text.as_bytes()),
        family_id: family_id.to_owned(),
        used: false,
        created_at: now(),
    };
    (text, stored)
}

/// Starts a refresh-token family for a sign-in; returns its id (the `sid`) and first token.
pub async fn start_family(
    refresh: &dyn RefreshStore,
    tenant: &Tenant,
    client_id: &str,
    user: &User,
    granted: &Delegated,
) -> Result<(String, String), Error> {
    let t = now();
    let family = RefreshFamily {
        id: crate::model::new_guid(),
        tenant_id: tenant.id.clone(),
        client_id: client_id.to_ascii_lowercase(),
        user_id: user.id.clone(),
        scope: granted.to_scope(),
        created_at: t,
        expires_at: t + FAMILY_LIFETIME,
        revoked: false,
    };
    let (text, first) = new_refresh_token(&family.id);
    refresh.create_refresh_family(&family, &first).await?;
    Ok((family.id, text))
}
