//! Client authentication at the token endpoint: a secret in the body (`client_secret_post`), in
//! HTTP Basic (`client_secret_basic`), or a client assertion signed with a registered
//! certificate (`private_key_jwt`, [`crate::issuance::client_assertion`]), exactly one of them;
//! throttled per client and per source address (a bad assertion counts like a bad secret).
//! Every grant (and revocation) names its client through [`ClientAuth::client`], with the
//! [`Clients`] policy of the grant: confidential clients must authenticate; public clients are
//! named by `client_id` alone where the grant allows them.

use std::net::IpAddr;
use std::sync::Arc;

use gatehouse_protocol::FormParams;

use crate::error::Error;
use crate::issuance::client_assertion::{self, Assertion};
use crate::issuance::directory::ClientEntry;
use crate::issuance::directory::Directory;
use crate::issuance::throttle;
use crate::issuance::throttle::Throttle;
use crate::model::{now, Tenant};
use crate::secret;
use crate::store::AssertionStore;

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

/// How a client was authenticated: the `azpacr`/`appidacr` claim of its tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// A public client, named by `client_id` ("0").
    Public,
    /// A client secret ("1").
    Secret,
    /// A client assertion signed with a certificate ("2").
    Certificate,
}

impl Method {
    /// The `azpacr` / `appidacr` value.
    pub fn acr(self) -> &'static str {
        match self {
            Self::Public => "0",
            Self::Secret => "1",
            Self::Certificate => "2",
        }
    }
}

/// What client authentication needs: the directory (clients, their secrets and certificates),
/// the failed-attempt limits, the server's base URL (an assertion's audience) and the record of
/// used assertion ids.
#[derive(Clone, Copy)]
pub struct ClientAuth<'a> {
    pub directory: &'a Directory,
    pub throttle: &'a Throttle,
    /// `https://host:port`, no trailing slash.
    pub base_url: &'a str,
    pub assertions: &'a dyn AssertionStore,
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
        Ok(self.client_and_method(tenant, params, presented, clients).await?.0)
    }

    /// The client of a request and how it authenticated, under the grant's policy.
    pub async fn client_and_method(
        &self,
        tenant: &Tenant,
        params: &FormParams,
        presented: &Presented,
        clients: Clients,
    ) -> Result<(Arc<ClientEntry>, Method), Error> {
        let client = match clients {
            Clients::Confidential => self.authenticate(tenant, params, presented).await?,
            Clients::PublicOrConfidential => self.identify(tenant, params, presented).await?,
        };
        let method = if client.app.public_client {
            Method::Public
        } else if params.get("client_assertion").is_some() {
            Method::Certificate
        } else {
            Method::Secret
        };
        Ok((client, method))
    }

    /// The confidential client named `client_id`, under the failed-attempt limits of the client
    /// and the source: refused while locked, an unknown id counted against the source, a public
    /// client refused. Both the secret and the assertion path start here.
    async fn confidential(
        &self,
        tenant: &Tenant,
        client_id: &str,
        client_key: &str,
        source_key: Option<&str>,
    ) -> Result<Arc<ClientEntry>, Error> {
        let mut keys: Vec<&str> = vec![client_key];
        keys.extend(source_key);
        self.throttle.check(&keys)?;
        let client = match self.directory.client(tenant, client_id).await {
            Ok(c) => c,
            Err(e @ Error::ClientNotFound { .. }) => {
                self.throttle.failure(None, source_key).await?;
                return Err(e);
            }
            Err(e) => return Err(e),
        };
        if client.app.public_client {
            return Err(Error::PublicClient);
        }
        Ok(client)
    }

    /// Authenticates a confidential client and returns it.
    async fn authenticate(
        &self,
        tenant: &Tenant,
        params: &FormParams,
        presented: &Presented,
    ) -> Result<Arc<ClientEntry>, Error> {
        if params.get("client_assertion").is_some() || params.get("client_assertion_type").is_some() {
            return self.authenticate_assertion(tenant, params, presented).await;
        }
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
        let client = self
            .confidential(tenant, client_id, &client_key, source_key.as_deref())
            .await?;
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

    /// Authenticates a confidential client by its client assertion. The client is named by
    /// `client_id`, or by the assertion's `sub` when the request has none.
    async fn authenticate_assertion(
        &self,
        tenant: &Tenant,
        params: &FormParams,
        presented: &Presented,
    ) -> Result<Arc<ClientEntry>, Error> {
        if presented.basic.is_some() || params.get("client_secret").is_some() {
            return Err(Error::ClientAuthConflict);
        }
        let text = params
            .get("client_assertion")
            .ok_or(Error::MissingParameter("client_assertion"))?;
        match params.get("client_assertion_type") {
            Some(client_assertion::ASSERTION_TYPE) => {}
            Some(_) => {
                return Err(Error::Malformed(format!(
                    "client_assertion_type must be {}",
                    client_assertion::ASSERTION_TYPE
                )))
            }
            None => return Err(Error::MissingParameter("client_assertion_type")),
        }
        let parsed = Assertion::parse(text);
        let named: Option<String> = params
            .get("client_id")
            .or_else(|| parsed.as_ref().ok().and_then(|a| a.subject()))
            .map(str::to_owned);
        let source_key = presented.source.as_ref().map(throttle::source_key);
        let Some(client_id) = named else {
            self.throttle
                .check(&source_key.iter().map(String::as_str).collect::<Vec<_>>())?;
            self.throttle.failure(None, source_key.as_deref()).await?;
            return Err(parsed.err().unwrap_or(Error::MissingParameter("client_id")));
        };
        let client_key = throttle::client_key(&tenant.id, &client_id);
        let client = self
            .confidential(tenant, &client_id, &client_key, source_key.as_deref())
            .await?;
        match self.check_assertion(tenant, &client, &client_id, parsed).await {
            Ok(()) => Ok(client),
            Err(e @ Error::Store(_)) => Err(e),
            Err(e) => {
                self.throttle.failure(Some(&client_key), source_key.as_deref()).await?;
                Err(e)
            }
        }
    }

    /// Verifies the assertion for the client, then records its `jti` (once per tenant).
    async fn check_assertion(
        &self,
        tenant: &Tenant,
        client: &ClientEntry,
        client_id: &str,
        parsed: Result<Assertion, Error>,
    ) -> Result<(), Error> {
        let t = now();
        let verified = parsed?.verify(client_id, &client.certificates, &self.audiences(tenant), t)?;
        if self
            .assertions
            .use_assertion(&tenant.id, &verified.jti, verified.record_until, t)
            .await?
        {
            Ok(())
        } else {
            Err(Error::AssertionReplayed)
        }
    }

    /// The `aud` values an assertion may carry: this tenant's v2 and v1 token endpoints, the
    /// tenant named by id or by name.
    fn audiences(&self, tenant: &Tenant) -> Vec<String> {
        let mut out = Vec::with_capacity(4);
        for segment in [&tenant.id, &tenant.name] {
            for path in ["oauth2/v2.0/token", "oauth2/token"] {
                out.push(format!("{}/{segment}/{path}", self.base_url));
            }
        }
        out
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
            .or(presented.basic.as_ref().map(|(id, _)| id.as_str()));
        let Some(client_id) = client_id else {
            if params.get("client_assertion").is_some() {
                return self.authenticate(tenant, params, presented).await;
            }
            return Err(Error::MissingParameter("client_id"));
        };
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
