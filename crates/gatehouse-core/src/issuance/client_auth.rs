//! Client authentication at the token endpoint: a secret in the body (`client_secret_post`) or in
//! HTTP Basic (`client_secret_basic`), never both; throttled per client and per source address.
//! Every grant (and revocation) names its client through [`ClientAuth::client`], with the
//! [`Clients`] policy of the grant: confidential clients must authenticate; public clients are
//! named by `client_id` alone where the grant allows them.

use std::net::IpAddr;
use std::sync::Arc;

use gatehouse_protocol::FormParams;

use crate::error::Error;
use crate::issuance::directory::ClientEntry;
use crate::issuance::directory::Directory;
use crate::issuance::throttle;
use crate::issuance::throttle::Throttle;
use crate::model::{now, Tenant};
use crate::secret;

/// The credentials a request presented, as plain values (no HTTP types).
#[derive(Debug, Clone, Default)]
pub struct Presented {
    /// From `Authorization: Basic`, already decoded (RFC 6749 2.3.1 form-decoding applied).
    pub basic: Option<(String, String)>,
    pub source: Option<IpAddr>,
}

/// Which clients a grant accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Clients {
    /// Only confidential clients, authenticated (client credentials).
    Confidential,
    /// Public clients by `client_id`, confidential ones authenticated (the user grants).
    PublicOrConfidential,
}

/// What client authentication needs: the directory (clients and their secrets) and the
/// failed-attempt limits.
#[derive(Clone, Copy)]
pub struct ClientAuth<'a> {
    pub directory: &'a Directory,
    pub throttle: &'a Throttle,
}

impl ClientAuth<'_> {
    /// The client of a request, under the grant's policy.
    pub async fn client(
        &self,
        tenant: &Tenant,
        params: &FormParams,
        presented: &Presented,
        clients: Clients,
    ) -> Result<Arc<ClientEntry>, Error> {
        match clients {
            Clients::Confidential => self.authenticate(tenant, params, presented).await,
            Clients::PublicOrConfidential => self.identify(tenant, params, presented).await,
        }
    }

    /// Authenticates a confidential client and returns it.
    async fn authenticate(
        &self,
        tenant: &Tenant,
        params: &FormParams,
        presented: &Presented,
    ) -> Result<Arc<ClientEntry>, Error> {
        let (client_id, secret) = match (&presented.basic, params.get("client_id"), params.get("client_secret")) {
            (Some(_), _, Some(_)) => return Err(Error::ClientAuthConflict),
            (Some((id, _)), Some(body_id), None) if !id.eq_ignore_ascii_case(body_id) => {
                return Err(Error::ClientAuthConflict)
            }
            (Some((id, s)), _, None) => (id.as_str(), Some(s.as_str())),
            (None, Some(id), s) => (id, s),
            (None, None, _) => return Err(Error::MissingParameter("client_id")),
        };
        let client_key = throttle::client_key(&tenant.id, client_id);
        let source_key = presented.source.as_ref().map(throttle::source_key);
        let mut keys: Vec<&str> = vec![&client_key];
        if let Some(s) = &source_key {
            keys.push(s);
        }
        self.throttle.check(&keys)?;

        let client = match self.directory.client(tenant, client_id).await {
            Ok(c) => c,
            Err(e @ Error::ClientNotFound { .. }) => {
                self.throttle.failure(None, source_key.as_deref()).await?;
                return Err(e);
            }
            Err(e) => return Err(e),
        };
        if client.app.public_client {
            return Err(Error::PublicClient);
        }
        let Some(secret) = secret else {
            return Err(Error::ClientSecretMissing);
        };
        match check_secret(&client, secret) {
            Ok(()) => Ok(client),
            Err(e) => {
                self.throttle.failure(Some(&client_key), source_key.as_deref()).await?;
                Err(e)
            }
        }
    }

    /// A public client is named by `client_id` alone; a confidential client must authenticate.
    async fn identify(
        &self,
        tenant: &Tenant,
        params: &FormParams,
        presented: &Presented,
    ) -> Result<Arc<ClientEntry>, Error> {
        let client_id = params
            .get("client_id")
            .or(presented.basic.as_ref().map(|(id, _)| id.as_str()))
            .ok_or(Error::MissingParameter("client_id"))?;
        let client = self.directory.client(tenant, client_id).await?;
        if client.app.public_client {
            Ok(client)
        } else {
            self.authenticate(tenant, params, presented).await
        }
    }
}

/// One SHA-256, then a constant-time compare with each stored hash.
pub fn check_secret(client: &ClientEntry, presented: &str) -> Result<(), Error> {
    let hash = secret::sha256(presented.as_bytes());
    let t = now();
    let mut matched = None;
    for s in &client.secrets {
        if secret::hashes_equal(&hash, &s.secret_hash) {
            matched = Some(s);
        }
    }
    match matched {
        None => Err(Error::ClientSecretInvalid),
        Some(s) if s.end <= t => Err(Error::ClientSecretExpired),
        Some(s) if s.start > t => Err(Error::ClientSecretInvalid),
        Some(_) => Ok(()),
    }
}
