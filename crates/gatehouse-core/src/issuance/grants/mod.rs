//! The token endpoint's grants: [`Grant`] names every grant type accepted, [`issue`] is the one
//! dispatch. It authenticates the client once, through [`ClientAuth`] with the grant's
//! [`Clients`] policy, then runs the grant's own file with the narrow [`GrantEnv`] (directory,
//! keys, issuer base, the store traits grants use) and the request's [`GrantContext`]. None sees
//! HTTP types or the whole service. `delegated` holds what the user grants share (scopes, user
//! tokens, refresh families).
//!
//! Adding a grant: a file here with `pub async fn grant(env, ctx) -> Result<Issued, Error>`, and
//! one arm in [`Grant`] (its name, its client policy, its dispatch).

pub mod authorization_code;
pub mod client_credentials;
pub mod delegated;
pub mod device_code;
pub mod entitlement;
pub mod on_behalf_of;
pub mod refresh_token;
pub mod token_exchange;
pub mod user_assertion;

use gatehouse_protocol::discovery::Dialect;
use gatehouse_protocol::token::{IssuedToken, TokenResponseV1, TokenResponseV2};
use gatehouse_protocol::FormParams;

use crate::error::Error;
use crate::issuance::client_auth::{ClientAuth, Clients, Method, Presented};
use crate::issuance::directory::{ClientEntry, Directory};
use crate::issuance::keyring::KeyRing;
use crate::model::Tenant;
use crate::store::{
    AuthCodeStore, AuthorizedAppStore, DeviceCodeStore, PreAuthorizationStore, RefreshStore, RevocationStore,
    SessionStore, UserStore,
};
use user_assertion::TokenVerifier;

/// A grant type the token endpoint accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grant {
    ClientCredentials,
    AuthorizationCode,
    RefreshToken,
    DeviceCode,
    /// Entra's on-behalf-of (`jwt-bearer` with `requested_token_use=on_behalf_of`).
    OnBehalfOf,
    /// RFC 8693 token exchange.
    TokenExchange,
}

impl Grant {
    /// The grant named by `grant_type`.
    pub fn parse(grant_type: &str) -> Result<Self, Error> {
        match grant_type {
            "client_credentials" => Ok(Self::ClientCredentials),
            "authorization_code" => Ok(Self::AuthorizationCode),
            "refresh_token" => Ok(Self::RefreshToken),
            device_code::GRANT_TYPE | device_code::SHORT_GRANT_TYPE => Ok(Self::DeviceCode),
            on_behalf_of::GRANT_TYPE => Ok(Self::OnBehalfOf),
            token_exchange::GRANT_TYPE => Ok(Self::TokenExchange),
            other => Err(Error::UnsupportedGrant(other.chars().take(100).collect())),
        }
    }

    /// Which clients may use it.
    pub fn clients(self) -> Clients {
        match self {
            Self::ClientCredentials | Self::OnBehalfOf | Self::TokenExchange => Clients::Confidential,
            Self::AuthorizationCode | Self::RefreshToken | Self::DeviceCode => Clients::PublicOrConfidential,
        }
    }
}

/// What the grants reach: the directory cache, the key ring, the issuer base and the store
/// traits they use. Borrowed from the service for one request.
#[derive(Clone, Copy)]
pub struct GrantEnv<'a> {
    pub directory: &'a Directory,
    pub keys: &'a KeyRing,
    /// Each API's access-token format (signed, encrypted, opaque).
    pub formats: &'a crate::issuance::formats::TokenFormats,
    /// `https://host:port`: the base of every issuer.
    pub base_url: &'a str,
    pub codes: &'a dyn AuthCodeStore,
    pub devices: &'a dyn DeviceCodeStore,
    pub refresh: &'a dyn RefreshStore,
    pub users: &'a dyn UserStore,
    pub revocations: &'a dyn RevocationStore,
    /// Consent lookups (`.default` means what was consented).
    pub consent: &'a dyn SessionStore,
    /// "Last used" of the apps a user authorized.
    pub app_uses: &'a dyn AuthorizedAppStore,
    /// The APIs' pre-authorized client applications (on-behalf-of, token exchange).
    pub pre_authorized: &'a dyn PreAuthorizationStore,
    /// Checks presented user tokens (on-behalf-of, token exchange): lent by the server for the
    /// request; `None` where no verifier is at hand (those grants are then refused).
    pub tokens: Option<&'a dyn TokenVerifier>,
}

/// One token request, as a grant sees it: the tenant, the authenticated client, the parameters.
#[derive(Clone, Copy)]
pub struct GrantContext<'a> {
    pub tenant: &'a Tenant,
    pub client: &'a ClientEntry,
    pub params: &'a FormParams,
    pub dialect: Dialect,
    /// How the client authenticated (`azpacr` / `appidacr`).
    pub method: Method,
}

/// The one dispatch: authenticates the client under the grant's policy, then runs the grant.
pub async fn issue(
    env: &GrantEnv<'_>,
    auth: ClientAuth<'_>,
    tenant: &Tenant,
    params: &FormParams,
    presented: &Presented,
    dialect: Dialect,
) -> Result<Issued, Error> {
    let grant = Grant::parse(params.get("grant_type").ok_or(Error::MissingParameter("grant_type"))?)?;
    let (client, method) = auth
        .client_and_method(tenant, params, presented, grant.clients())
        .await?;
    let ctx = GrantContext {
        tenant,
        client: &client,
        params,
        dialect,
        method,
    };
    match grant {
        Grant::ClientCredentials => client_credentials::grant(env, &ctx).await,
        Grant::AuthorizationCode => authorization_code::grant(env, &ctx).await,
        Grant::RefreshToken => refresh_token::grant(env, &ctx).await,
        Grant::DeviceCode => device_code::grant(env, &ctx).await,
        Grant::OnBehalfOf => on_behalf_of::grant(env, &ctx).await,
        Grant::TokenExchange => token_exchange::grant(env, &ctx).await,
    }
}

/// Everything a token answer carries.
#[derive(Debug, Clone)]
pub struct Issued {
    pub token: IssuedToken,
    pub refresh_token: Option<String>,
    pub id_token: Option<String>,
    pub client_info: Option<String>,
    /// RFC 8693's `issued_token_type` (token exchange only).
    pub issued_token_type: Option<&'static str>,
}

impl From<IssuedToken> for Issued {
    fn from(token: IssuedToken) -> Self {
        Self {
            token,
            refresh_token: None,
            id_token: None,
            client_info: None,
            issued_token_type: None,
        }
    }
}

impl Issued {
    pub fn to_v2(&self) -> TokenResponseV2 {
        let mut r = self.token.to_v2();
        r.refresh_token = self.refresh_token.clone();
        r.id_token = self.id_token.clone();
        r.client_info = self.client_info.clone();
        r.issued_token_type = self.issued_token_type.map(str::to_owned);
        r
    }

    pub fn to_v1(&self) -> TokenResponseV1 {
        let mut r = self.token.to_v1();
        r.refresh_token = self.refresh_token.clone();
        r.id_token = self.id_token.clone();
        r.issued_token_type = self.issued_token_type.map(str::to_owned);
        r
    }
}
