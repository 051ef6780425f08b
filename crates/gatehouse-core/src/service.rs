//! [`Gatehouse`]: the service the HTTP layer and the CLI call. It owns the caches and is built
//! once per process, from a store and the key-encryption key.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use gatehouse_keys::Kek;
use gatehouse_protocol::discovery::{Dialect, MetadataInput, ProviderMetadata};
use gatehouse_protocol::token::{TokenResponseV1, TokenResponseV2};
use gatehouse_protocol::FormParams;

use crate::error::Error;
use crate::issuance::client_auth::{ClientAuth, Presented};
use crate::issuance::directory::Directory;
use crate::issuance::grants;
use crate::issuance::grants::user_assertion::TokenVerifier;
use crate::issuance::keyring::KeyRing;
use crate::issuance::throttle::{Throttle, ThrottlePolicy};
use crate::model::Tenant;
use crate::store::Store;

/// Names that stand for "any tenant" in Entra paths.
pub const TENANT_ALIASES: [&str; 3] = ["common", "organizations", "consumers"];

/// A token request, as plain values.
#[derive(Debug, Clone)]
pub struct TokenRequest {
    /// The `{tenant}` path segment: GUID, name, or an alias.
    pub tenant: String,
    pub dialect: Dialect,
    pub params: FormParams,
    pub basic: Option<(String, String)>,
    pub source: Option<IpAddr>,
}

#[derive(Debug, Clone)]
pub enum TokenResponse {
    V1(TokenResponseV1),
    V2(TokenResponseV2),
}

pub struct Gatehouse {
    pub(crate) directory: Directory,
    pub(crate) keys: KeyRing,
    pub(crate) formats: crate::issuance::formats::TokenFormats,
    pub(crate) throttle: Throttle,
    pub(crate) password_gate: crate::browser::sign_in::PasswordGate,
    pub(crate) rbac: crate::rbac::Rbac,
    /// The management operations of the front doors ([`Gatehouse::admin`]).
    admin: crate::admin::Admin,
    /// Personal access tokens ([`Gatehouse::pats`]).
    pats: crate::pats::Pats,
    /// IoT Central's operations ([`Gatehouse::iotc`]).
    iotc: crate::iotc::Iotc,
    /// `https://host:port`, no trailing slash: the base of every issuer and endpoint.
    pub(crate) base_url: String,
}

impl Gatehouse {
    pub fn new(store: Arc<dyn Store>, kek: Arc<Kek>, base_url: &str, policy: ThrottlePolicy) -> Self {
        let base_url = base_url.trim_end_matches('/').to_owned();
        Self {
            directory: Directory::new(store.clone()).serving(&base_url),
            keys: KeyRing::new(store.clone(), kek.clone(), base_url.clone()),
            formats: crate::issuance::formats::TokenFormats::new(store.clone(), kek.clone()),
            rbac: crate::rbac::Rbac::new(store.clone()),
            admin: crate::admin::Admin::new(store.clone(), kek),
            pats: crate::pats::Pats::new(store.clone()),
            iotc: crate::iotc::Iotc::new(store.clone()),
            throttle: Throttle::new(store, policy),
            password_gate: Default::default(),
            base_url,
        }
    }

    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    pub fn store(&self) -> &Arc<dyn Store> {
        self.directory.store()
    }

    /// The management operations (the same the CLI runs), for the management front doors.
    /// This one reads; for changes use [`Gatehouse::admin_as`].
    pub fn admin(&self) -> &crate::admin::Admin {
        &self.admin
    }

    /// The management operations acting as `actor`: every change is audited as theirs.
    pub fn admin_as(&self, actor: crate::model::Actor) -> crate::admin::Admin {
        self.admin.acting(actor)
    }

    /// The audit log, for reading and verifying.
    pub fn audit(&self) -> crate::audit::Audit {
        crate::audit::Audit::new(self.store().clone())
    }

    /// Personal access tokens: the PAT API, the PAT page and [`crate::pats::Pats::check`].
    pub fn pats(&self) -> &crate::pats::Pats {
        &self.pats
    }

    /// IoT Central's roles, organizations, users and API tokens.
    pub fn iotc(&self) -> &crate::iotc::Iotc {
        &self.iotc
    }

    /// RBAC decisions of the ARM front door, from caches that follow the change feed.
    pub fn rbac(&self) -> &crate::rbac::Rbac {
        &self.rbac
    }

    /// The ids of every group `principal_id` (a user, service principal or group) belongs to
    /// in the tenant, directly or through nested groups; cached, and followed within the
    /// one-second promise (`GroupMembership` changes). For the `groups` claim and for RBAC
    /// through groups.
    pub async fn groups_of(&self, tenant_id: &str, principal_id: &str) -> Result<Vec<String>, Error> {
        Ok(self.directory.groups(tenant_id, principal_id).await?.as_ref().clone())
    }

    /// Follows the store's change feed and the shared throttle state until the task is
    /// dropped: every entry drops exactly the cache entries it names, in order; a hole in the
    /// feed (this process fell behind) drops everything once. Errors (database briefly down)
    /// are logged and retried; caches keep serving.
    pub async fn follow_changes(self: Arc<Self>, every: Duration) {
        let mut follower = crate::issuance::directory::ChangeFollower::new(self.store().clone());
        let mut ticker = tokio::time::interval(every);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticker.tick().await;
            let followed = follower
                .poll(
                    |change| {
                        self.directory.apply(change);
                        self.keys.apply(change);
                        self.formats.apply(change);
                        self.rbac.apply(change);
                    },
                    || {
                        self.directory.invalidate();
                        self.keys.invalidate();
                        self.formats.invalidate();
                        self.rbac.invalidate();
                    },
                )
                .await;
            match followed {
                Ok(crate::issuance::directory::Followed::Applied(n)) => tracing::debug!(n, "directory changes applied"),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "cannot read the change feed; caches kept"),
            }
            if let Err(e) = self.throttle.refresh().await {
                tracing::warn!(error = %e, "cannot refresh throttle state");
            }
        }
    }

    /// A tenant named in a path; aliases (`common`, ...) are refused where a tenant is needed.
    pub async fn tenant(&self, segment: &str) -> Result<Arc<Tenant>, Error> {
        if TENANT_ALIASES.iter().any(|a| a.eq_ignore_ascii_case(segment)) {
            return Err(Error::NoTenant);
        }
        self.directory.tenant(segment).await
    }

    /// The token endpoint, both dialects: the tenant, then the one grant dispatch. Without a
    /// token verifier, on-behalf-of and token exchange are refused ([`Gatehouse::token_with`]).
    pub async fn token(&self, req: TokenRequest) -> Result<TokenResponse, Error> {
        self.token_checked(req, None).await
    }

    /// The token endpoint with `tokens` checking the user tokens that on-behalf-of and token
    /// exchange present (the server lends the verifier of its bearer routes).
    pub async fn token_with(&self, req: TokenRequest, tokens: &dyn TokenVerifier) -> Result<TokenResponse, Error> {
        self.token_checked(req, Some(tokens)).await
    }

    async fn token_checked(
        &self,
        req: TokenRequest,
        tokens: Option<&dyn TokenVerifier>,
    ) -> Result<TokenResponse, Error> {
        let grant_type = req
            .params
            .get("grant_type")
            .ok_or(Error::MissingParameter("grant_type"))?;
        // An unknown grant is refused before the tenant is looked up.
        grants::Grant::parse(grant_type)?;
        let tenant = self.tenant(&req.tenant).await?;
        let presented = Presented {
            basic: req.basic.clone(),
            source: req.source,
        };
        let env = grants::GrantEnv {
            tokens,
            ..self.grant_env()
        };
        let issued = grants::issue(&env, self.client_auth(), &tenant, &req.params, &presented, req.dialect).await?;
        Ok(match req.dialect {
            Dialect::V1 => TokenResponse::V1(issued.to_v1()),
            Dialect::V2 => TokenResponse::V2(issued.to_v2()),
        })
    }

    /// What client authentication reaches (the directory and the throttle).
    pub(crate) fn client_auth(&self) -> ClientAuth<'_> {
        ClientAuth {
            directory: &self.directory,
            throttle: &self.throttle,
            base_url: &self.base_url,
            assertions: self.store().as_ref(),
        }
    }

    /// What the grants reach: narrow handles borrowed from this service.
    pub(crate) fn grant_env(&self) -> grants::GrantEnv<'_> {
        let store = self.store().as_ref();
        grants::GrantEnv {
            directory: &self.directory,
            keys: &self.keys,
            formats: &self.formats,
            base_url: &self.base_url,
            codes: store,
            devices: store,
            refresh: store,
            users: store,
            revocations: store,
            consent: store,
            app_uses: store,
            pre_authorized: store,
            tokens: None,
        }
    }

    /// Access-token formats: minting in them, opening encrypted and opaque tokens.
    pub fn token_formats(&self) -> &crate::issuance::formats::TokenFormats {
        &self.formats
    }

    /// The OpenID configuration of a tenant in a dialect.
    pub async fn discovery(&self, segment: &str, dialect: Dialect) -> Result<ProviderMetadata, Error> {
        let tenant = self.tenant(segment).await?;
        Ok(ProviderMetadata::build(
            &MetadataInput {
                base: &self.base_url,
                tenant_id: &tenant.id,
                signing_algs: vec![tenant.signing_alg.as_str().to_owned()],
            },
            dialect,
        ))
    }

    /// The tenant's JWKS, serialized.
    pub async fn jwks(&self, segment: &str) -> Result<Arc<[u8]>, Error> {
        let tenant = self.tenant(segment).await?;
        Ok(self.keys.for_tenant(&tenant).await?.jwks_json.clone())
    }
}
