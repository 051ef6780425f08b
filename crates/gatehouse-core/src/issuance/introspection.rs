//! Token introspection (RFC 7662) for resource servers: who may ask, and what a refresh token
//! says. The server checks an access token's signature, dates, issuer and revocation with the
//! same verifier as every bearer token on its routes, for the audiences [`ResourceServer`]
//! names; this module decides who asks and answers for refresh tokens, which only the store knows.
//!
//! Who may learn about a token: an authenticated confidential client of the tenant, about access
//! tokens whose audience is that client itself (its appId or one of its identifier URIs: it is
//! the resource server the token was minted for) and about refresh tokens issued to it. Every
//! other token, however valid, is answered `active: false`, as RFC 7662 section 4 allows, so a
//! client cannot use the endpoint to learn about tokens meant for others.

use gatehouse_protocol::introspection::{self as wire, Introspection};
use gatehouse_protocol::FormParams;

use crate::error::Error;
use crate::issuance::client_auth::{Clients, Presented};
use crate::model::now;
use crate::secret;
use crate::Gatehouse;

/// The authenticated client asking, as a resource server.
#[derive(Debug, Clone)]
pub struct ResourceServer {
    pub tenant_id: String,
    pub app_id: String,
    /// Every `aud` a token minted for this client carries: its appId and identifier URIs, each
    /// with and without a trailing slash (a resource may be asked for either way).
    pub audiences: Vec<String>,
}

impl Gatehouse {
    /// Authenticates the client of an introspection request (confidential clients only, through
    /// the path every grant uses, under the same failed-attempt limits).
    pub async fn introspecting_client(
        &self,
        segment: &str,
        params: &FormParams,
        presented: &Presented,
    ) -> Result<ResourceServer, Error> {
        let tenant = self.tenant(segment).await?;
        let client = self
            .client_auth()
            .client(&tenant, params, presented, Clients::Confidential)
            .await?;
        let mut audiences = Vec::new();
        for name in std::iter::once(&client.app.app_id).chain(client.app.identifier_uris.iter()) {
            let bare = name.trim_end_matches('/');
            if bare.is_empty() {
                continue;
            }
            audiences.push(bare.to_owned());
            audiences.push(format!("{bare}/"));
        }
        Ok(ResourceServer {
            tenant_id: tenant.id.clone(),
            app_id: client.app.app_id.clone(),
            audiences,
        })
    }

    /// What a refresh token says to `rs`: active only when it is the unused current token of a
    /// live family of `rs`'s tenant, issued to `rs` itself. `None` when it is not a refresh
    /// token of ours at all (the caller then answers inactive).
    pub async fn introspect_refresh(&self, rs: &ResourceServer, token: &str) -> Result<Option<Introspection>, Error> {
        let hash = secret::sha256(token.as_bytes());
        let Some((row, family)) = self.store().refresh_token_by_hash(&hash).await? else {
            return Ok(None);
        };
        let live = family.tenant_id == rs.tenant_id
            && family.client_id.eq_ignore_ascii_case(&rs.app_id)
            && !family.revoked
            && !row.used
            && family.expires_at > now();
        if !live {
            return Ok(Some(Introspection::inactive()));
        }
        Ok(Some(Introspection {
            active: true,
            scope: Some(family.scope),
            client_id: Some(family.client_id),
            token_type: Some(wire::REFRESH_TOKEN.to_owned()),
            exp: Some(family.expires_at),
            iat: Some(row.created_at),
            sub: Some(family.user_id.clone()),
            tid: Some(family.tenant_id),
            oid: Some(family.user_id),
            ..Default::default()
        }))
    }
}
