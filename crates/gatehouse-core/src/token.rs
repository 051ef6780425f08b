//! Access-token claims and minting. The claim set is documented in docs/TOKENS.md.

use gatehouse_keys::jws;
use gatehouse_protocol::discovery::Dialect;
use serde::Serialize;

use crate::error::Error;
use crate::keyring::TenantKeys;
use crate::model::{Tenant, UnixTime, User};

/// The claims of an access token. Field order is the serialization order.
#[derive(Debug, Clone, Serialize)]
pub struct AccessClaims<'a> {
    pub aud: &'a str,
    pub iss: String,
    pub iat: UnixTime,
    pub nbf: UnixTime,
    pub exp: UnixTime,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub azp: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub azpacr: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub appid: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub appidacr: Option<&'a str>,
    pub idtyp: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<&'a str>,
    pub oid: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub preferred_username: Option<&'a str>,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    pub roles: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scp: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sid: Option<&'a str>,
    pub sub: &'a str,
    pub tid: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unique_name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub upn: Option<&'a str>,
    pub uti: String,
    pub ver: &'a str,
}

/// Who the token is for, and in what shape.
pub struct MintInput<'a> {
    pub tenant: &'a Tenant,
    pub dialect: Dialect,
    pub audience: &'a str,
    pub client_id: &'a str,
    /// The caller's object id (service principal or user).
    pub subject: &'a str,
    pub roles: &'a [String],
    pub scopes: Option<&'a str>,
    pub family: Option<&'a str>,
    pub app_only: bool,
    /// `azpacr`/`appidacr`: "0" public client, "1" client secret.
    pub client_auth: &'a str,
    /// The signed-in user of a delegated token.
    pub user: Option<&'a User>,
    pub now: UnixTime,
}

/// Builds the issuer of a tenant in a dialect.
pub fn issuer(base_url: &str, tenant_id: &str, dialect: Dialect) -> String {
    match dialect {
        Dialect::V2 => format!("{base_url}/{tenant_id}/v2.0"),
        Dialect::V1 => format!("{base_url}/{tenant_id}/"),
    }
}

/// Signs an access token with the tenant's active key for its algorithm.
pub fn mint(keys: &TenantKeys, base_url: &str, input: &MintInput<'_>) -> Result<(String, UnixTime), Error> {
    let signer = keys.signer(input.tenant.signing_alg).ok_or_else(|| {
        Error::Internal(format!(
            "tenant {} has no active {} key",
            input.tenant.id, input.tenant.signing_alg
        ))
    })?;
    let exp = input.now + input.tenant.token_lifetime_seconds;
    let v2 = input.dialect == Dialect::V2;
    let claims = AccessClaims {
        aud: input.audience,
        iss: issuer(base_url, &input.tenant.id, input.dialect),
        iat: input.now,
        nbf: input.now,
        exp,
        azp: v2.then_some(input.client_id),
        azpacr: v2.then_some(input.client_auth),
        appid: (!v2).then_some(input.client_id),
        appidacr: (!v2).then_some(input.client_auth),
        idtyp: if input.app_only { "app" } else { "user" },
        name: input.user.map(|u| u.display_name.as_str()),
        oid: input.subject,
        preferred_username: input.user.filter(|_| v2).map(|u| u.user_principal_name.as_str()),
        roles: input.roles,
        scp: input.scopes,
        sid: input.family,
        sub: input.subject,
        tid: &input.tenant.id,
        unique_name: input.user.filter(|_| !v2).map(|u| u.user_principal_name.as_str()),
        upn: input.user.filter(|_| !v2).map(|u| u.user_principal_name.as_str()),
        uti: uuid::Uuid::new_v4().simple().to_string(),
        ver: if v2 { "2.0" } else { "1.0" },
    };
    let payload = serde_json::to_vec(&claims).map_err(|e| Error::Internal(e.to_string()))?;
    Ok((jws::encode(signer.as_ref(), &payload)?, exp))
}

/// The claims of an id_token (OpenID Connect Core 2), as MSAL and the Azure CLI read them.
#[derive(Debug, Clone, Serialize)]
pub struct IdClaims<'a> {
    pub aud: &'a str,
    pub iss: String,
    pub iat: UnixTime,
    pub nbf: UnixTime,
    pub exp: UnixTime,
    pub name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nonce: Option<&'a str>,
    pub oid: &'a str,
    pub preferred_username: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sid: Option<&'a str>,
    pub sub: &'a str,
    pub tid: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub upn: Option<&'a str>,
    pub ver: &'a str,
}

/// Who an id_token is about and for.
#[derive(Clone, Copy)]
pub struct IdInput<'a> {
    pub tenant: &'a Tenant,
    pub dialect: Dialect,
    pub client_id: &'a str,
    pub user: &'a User,
    pub nonce: Option<&'a str>,
    pub sid: Option<&'a str>,
    pub now: UnixTime,
}

/// Signs an id_token for the user, addressed to the client.
pub fn mint_id_token(keys: &TenantKeys, base_url: &str, input: &IdInput<'_>) -> Result<String, Error> {
    let IdInput {
        tenant,
        dialect,
        client_id,
        user,
        nonce,
        sid,
        now,
    } = *input;
    let signer = keys
        .signer(tenant.signing_alg)
        .ok_or_else(|| Error::Internal(format!("tenant {} has no active {} key", tenant.id, tenant.signing_alg)))?;
    let v2 = dialect == Dialect::V2;
    let claims = IdClaims {
        aud: client_id,
        iss: issuer(base_url, &tenant.id, dialect),
        iat: now,
        nbf: now,
        exp: now + tenant.token_lifetime_seconds,
        name: &user.display_name,
        nonce,
        oid: &user.id,
        preferred_username: &user.user_principal_name,
        sid,
        sub: &user.id,
        tid: &tenant.id,
        upn: (!v2).then_some(user.user_principal_name.as_str()),
        ver: if v2 { "2.0" } else { "1.0" },
    };
    let payload = serde_json::to_vec(&claims).map_err(|e| Error::Internal(e.to_string()))?;
    Ok(jws::encode(signer.as_ref(), &payload)?)
}
