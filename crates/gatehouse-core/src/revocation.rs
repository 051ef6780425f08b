//! Revocation: RFC 7009 for access tokens, and the feed guards poll.
//!
//! A revoked access token (`uti`) or family (`sid`) is published in the store's revocation feed;
//! guards refuse what is listed within their polling bound, without calling the server per request.

use gatehouse_protocol::revocation::{self as wire, RevocationEntry, RevocationPage};
use gatehouse_protocol::FormParams;

use crate::client_auth::{self, Presented};
use crate::error::Error;
use crate::model::{now, RevocationKind};
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

    /// RFC 7009 `POST /{tenant}/oauth2/v2.0/revoke`: an authenticated client revokes an access
    /// token issued to it. As the RFC says, an unknown or foreign token still gets 200: the
    /// answer reveals nothing about it.
    pub async fn revoke_token(&self, segment: &str, params: &FormParams, presented: &Presented) -> Result<(), Error> {
        let tenant = self.tenant(segment).await?;
        let client = client_auth::authenticate(self, &tenant, params, presented).await?;
        let token = params.get("token").ok_or(Error::MissingParameter("token"))?;
        let keys = self.keys.for_tenant(&tenant).await?;
        let Some(claims) = keys.verified_claims(token) else {
            return Ok(());
        };
        let issued_to = claims
            .get("azp")
            .or_else(|| claims.get("appid"))
            .and_then(|v| v.as_str());
        let same_tenant = claims.get("tid").and_then(|v| v.as_str()) == Some(tenant.id.as_str());
        if !same_tenant || !issued_to.is_some_and(|a| a.eq_ignore_ascii_case(&client.app.app_id)) {
            return Ok(());
        }
        let (Some(uti), Some(exp)) = (
            claims.get("uti").and_then(|v| v.as_str()),
            claims.get("exp").and_then(|v| v.as_i64()),
        ) else {
            return Ok(());
        };
        if exp > now() {
            self.store().revoke(&tenant.id, RevocationKind::Uti, uti, exp).await?;
        }
        Ok(())
    }
}
