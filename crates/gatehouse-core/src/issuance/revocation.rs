//! Revocation: RFC 7009 for access tokens (signed, encrypted or opaque) and refresh tokens, and
//! the feed guards poll.
//!
//! A revoked access token (`uti`) or family (`sid`) is published in the store's revocation feed;
//! guards refuse what is listed within their polling bound, without calling the server per request.

use gatehouse_protocol::revocation::{self as wire, RevocationEntry, RevocationPage};
use gatehouse_protocol::FormParams;

use crate::error::Error;
use crate::issuance::client_auth::{Clients, Presented};
use crate::issuance::formats::Opened;
use crate::model::{now, RevocationKind, Tenant};
use crate::Gatehouse;

/// The most entries one feed answer carries; a guard asks again from the returned `seq`.
pub const FEED_PAGE: i64 = 1000;

impl Gatehouse {
    /// `GET /{tenant}/gatehouse/revocations?since=SEQ`.
    pub async fn revocation_feed(&self, segment: &str, since: i64) -> Result<RevocationPage, Error> {
        let tenant = self.tenant(segment).await?;
        let rows = self
            .store()
            .revocations_since(&tenant.id, since.max(0), now(), FEED_PAGE)
            .await?;
        let seq = rows.last().map(|r| r.seq).unwrap_or(since.max(0));
        Ok(RevocationPage {
            seq: u64::try_from(seq).unwrap_or(0),
            more: rows.len() as i64 == FEED_PAGE,
            entries: rows
                .into_iter()
                .map(|r| RevocationEntry {
                    kind: wire::RevocationKind::from_name(r.kind.as_str()),
                    value: r.value,
                    exp: u64::try_from(r.expires_at).unwrap_or(0),
                })
                .collect(),
        })
    }

    /// RFC 7009 `POST /{tenant}/oauth2/v2.0/revoke`: a client revokes a token issued to it, an
    /// access token (its `uti` is published) or a refresh token (its whole family is revoked and
    /// the family's `sid` published, so every access token it minted is refused too). A
    /// confidential client authenticates; a public client names itself with `client_id`
    /// (RFC 7009 section 2.1). `token_type_hint` only says where to look first: the other kind
    /// is looked up too. A token issued to another client is refused (`unauthorized_client`)
    /// and nothing is revoked; an unknown, malformed or expired token gets 200, as the RFC says.
    pub async fn revoke_token(&self, segment: &str, params: &FormParams, presented: &Presented) -> Result<(), Error> {
        let tenant = self.tenant(segment).await?;
        let client = self
            .client_auth()
            .client(&tenant, params, presented, Clients::PublicOrConfidential)
            .await?;
        let token = params.get("token").ok_or(Error::MissingParameter("token"))?;
        let refresh_first = params.get("token_type_hint") == Some("refresh_token");
        for kind in if refresh_first {
            [Kind::Refresh, Kind::Access]
        } else {
            [Kind::Access, Kind::Refresh]
        } {
            let revoked = match kind {
                Kind::Access => self.revoke_access_token(&tenant, &client.app.app_id, token).await?,
                Kind::Refresh => self.revoke_refresh_token(&tenant, &client.app.app_id, token).await?,
            };
            if revoked {
                return Ok(());
            }
        }
        Ok(())
    }

    /// True when `token` is an access token of this tenant (revoked now, or already expired).
    async fn revoke_access_token(&self, tenant: &Tenant, client_id: &str, token: &str) -> Result<bool, Error> {
        let keys = self.keys.for_tenant(tenant).await?;
        // An encrypted or opaque token is opened first: the signed JWT inside (verified as
        // any other), or the claims its stored record says.
        let claims = match self.formats.open(&tenant.id, token).await? {
            Some(Opened::Signed(inner)) => keys.verified_claims(&inner),
            Some(Opened::Stored(claims)) => Some(serde_json::Value::Object(claims)),
            None => keys.verified_claims(token),
        };
        let Some(claims) = claims else {
            return Ok(false);
        };
        if claims.get("tid").and_then(|v| v.as_str()) != Some(tenant.id.as_str()) {
            return Ok(false);
        }
        let issued_to = claims
            .get("azp")
            .or_else(|| claims.get("appid"))
            .and_then(|v| v.as_str());
        if !issued_to.is_some_and(|a| a.eq_ignore_ascii_case(client_id)) {
            return Err(Error::RevokeForeignToken);
        }
        let (Some(uti), Some(exp)) = (
            claims.get("uti").and_then(|v| v.as_str()),
            claims.get("exp").and_then(|v| v.as_i64()),
        ) else {
            return Ok(true);
        };
        if exp > now() {
            self.store().revoke(&tenant.id, RevocationKind::Uti, uti, exp).await?;
            tracing::info!(tenant = %tenant.id, client = %client_id, "access token revoked");
        }
        Ok(true)
    }

    /// True when `token` is a refresh token of this tenant (its family revoked now, or before).
    async fn revoke_refresh_token(&self, tenant: &Tenant, client_id: &str, token: &str) -> Result<bool, Error> {
        let hash = crate::secret::sha256(token.as_bytes());
        let Some((_, family)) = self.store().refresh_token_by_hash(&hash).await? else {
            return Ok(false);
        };
        if family.tenant_id != tenant.id {
            return Ok(false);
        }
        if !family.client_id.eq_ignore_ascii_case(client_id) {
            return Err(Error::RevokeForeignToken);
        }
        if !family.revoked {
            self.store().revoke_refresh_family(&family.id).await?;
            self.store()
                .revoke(&tenant.id, RevocationKind::Sid, &family.id, family.expires_at)
                .await?;
            tracing::info!(tenant = %tenant.id, client = %client_id, family = %family.id, "refresh token family revoked");
        }
        Ok(true)
    }
}

#[derive(Clone, Copy)]
enum Kind {
    Access,
    Refresh,
}
