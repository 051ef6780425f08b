//! Device authorization (RFC 8628): the `devicecode` endpoint, and the steps of the verification
//! page where a person types the user code, signs in, and approves or declines.
//!
//! Device codes are 256-bit random values stored only as SHA-256; user codes are 9 letters from
//! a 20-consonant alphabet (about 39 bits, no words). Wrong user codes count against the source
//! address's failure limit; wrong passwords against the account's and the source's
//! ([`crate::browser::sign_in`]). Between sign-in and approval the page holds a one-time approval token
//! whose hash is stored on the device code, so no server-side session is needed.

use std::net::IpAddr;

use gatehouse_protocol::device::DeviceAuthorizationV2;
use gatehouse_protocol::discovery::Dialect;
use gatehouse_protocol::FormParams;

use crate::error::Error;
use crate::issuance::grants::delegated;
use crate::issuance::throttle;
use crate::model::{now, DeviceCode, DeviceCodeState, Tenant, User};
use crate::secret;
use crate::store::StoreError;
use crate::Gatehouse;

/// How long a device code can be approved and redeemed.
pub const DEVICE_CODE_LIFETIME: i64 = 900;
/// The polling interval announced (seconds).
pub const POLL_INTERVAL: i64 = 5;
const USER_CODE_ALPHABET: &[u8] = b"BCDFGHJKLMNPQRSTVWXZ";
pub const USER_CODE_LEN: usize = 9;

/// What the page shows about a pending device authorization.
#[derive(Debug, Clone)]
pub struct DevicePrompt {
    pub tenant: std::sync::Arc<Tenant>,
    pub user_code: String,
    pub client_name: String,
    pub resource: String,
    /// The permissions asked for, as shown to the person.
    pub scopes: Vec<String>,
}

/// After a successful password: the prompt, the user, and the one-time approval token.
#[derive(Debug, Clone)]
pub struct SignedIn {
    pub prompt: DevicePrompt,
    pub user: User,
    pub approval: String,
}

/// Upper-case letters only (people type `bcdf-ghjk l`); `None` if it cannot be a user code.
pub fn normalize_user_code(typed: &str) -> Option<String> {
    let code: String = typed
        .chars()
        .filter(|c| !matches!(c, '-' | ' '))
        .map(|c| c.to_ascii_uppercase())
        .collect();
    (code.len() == USER_CODE_LEN && code.bytes().all(|b| USER_CODE_ALPHABET.contains(&b))).then_some(code)
}

impl Gatehouse {
    pub fn verification_uri(&self, tenant_id: &str) -> String {
        format!("{}/{tenant_id}/oauth2/deviceauth", self.base_url)
    }

    /// `POST /{tenant}/oauth2/v2.0/devicecode` (and v1 `/oauth2/devicecode` with `resource`).
    pub async fn device_authorize(
        &self,
        segment: &str,
        params: &FormParams,
        dialect: Dialect,
    ) -> Result<DeviceAuthorizationV2, Error> {
        let tenant = self.tenant(segment).await?;
        let client_id = params.get("client_id").ok_or(Error::MissingParameter("client_id"))?;
        let client = self.directory.client(&tenant, client_id).await?;
        if !client.app.public_client {
            // Entra's answer when a confidential client tries a public-client flow.
            return Err(Error::ClientSecretMissing);
        }
        if !client.sp.account_enabled {
            return Err(Error::ClientDisabled);
        }
        let scope = match dialect {
            Dialect::V2 => params.get("scope").ok_or(Error::MissingParameter("scope"))?.to_owned(),
            Dialect::V1 => format!(
                "{}/.default openid offline_access",
                params.get("resource").ok_or(Error::MissingParameter("resource"))?
            ),
        };
        let scope = delegated::parse(&scope)?;
        let resource = self.directory.resource(&tenant, &scope.resource).await?;
        crate::issuance::scopes::check(&resource, &scope)?;
        let device_code = secret::random_token(32);
        let t = now();
        let mut stored = DeviceCode {
            device_code_hash: secret::sha256(device_code.as_bytes()),
            user_code: String::new(),
            tenant_id: tenant.id.clone(),
            client_id: client.app.app_id.clone(),
            scope: scope.to_scope(),
            state: DeviceCodeState::Pending,
            user_id: None,
            approval_hash: None,
            interval: POLL_INTERVAL,
            last_poll_ms: 0,
            created_at: t,
            expires_at: t + DEVICE_CODE_LIFETIME,
        };
        let mut attempts = 0;
        loop {
            stored.user_code = secret::random_from(USER_CODE_ALPHABET, USER_CODE_LEN);
            match self.store().create_device_code(&stored).await {
                Ok(()) => break,
                Err(StoreError::Conflict(_)) if attempts < 5 => attempts += 1,
                Err(e) => return Err(e.into()),
            }
        }
        let uri = self.verification_uri(&tenant.id);
        Ok(DeviceAuthorizationV2 {
            message: format!(
                "To sign in, use a web browser to open the page {uri} and enter the code {} to authenticate.",
                stored.user_code
            ),
            device_code,
            user_code: stored.user_code,
            verification_uri: uri,
            expires_in: DEVICE_CODE_LIFETIME as u64,
            interval: POLL_INTERVAL as u64,
        })
    }

    /// Step 1 of the page: the person typed a user code.
    pub async fn device_prompt(
        &self,
        segment: &str,
        typed: &str,
        source: Option<IpAddr>,
    ) -> Result<DevicePrompt, Error> {
        let tenant = self.tenant(segment).await?;
        let source_key = source.as_ref().map(throttle::source_key);
        if let Some(k) = &source_key {
            self.throttle.check(&[k])?;
        }
        let found = match normalize_user_code(typed) {
            Some(code) => self.store().device_code_by_user_code(&tenant.id, &code).await?,
            None => None,
        };
        let Some(dc) = found.filter(|d| d.state == DeviceCodeState::Pending && d.expires_at > now()) else {
            tracing::info!(tenant = %tenant.id, source = ?source, "wrong or expired user code");
            let limit = self.throttle.policy().per_source;
            self.throttle.record(&[(source_key.as_deref(), limit)]).await?;
            return Err(Error::BadUserCode);
        };
        let client = self.directory.client(&tenant, &dc.client_id).await?;
        let scope = delegated::parse(&dc.scope)?;
        let scopes = crate::browser::consent::describe(&scope);
        Ok(DevicePrompt {
            tenant,
            user_code: dc.user_code,
            client_name: client.app.display_name.clone(),
            resource: scope.resource,
            scopes,
        })
    }

    /// Step 2: the person signed in; the code is bound to them until they decide.
    pub async fn device_sign_in(
        &self,
        segment: &str,
        typed: &str,
        upn: &str,
        password: &str,
        source: Option<IpAddr>,
    ) -> Result<SignedIn, Error> {
        let prompt = self.device_prompt(segment, typed, source).await?;
        let user = self.check_password(&prompt.tenant, upn, password, source).await?;
        self.bind_device_user(prompt, user).await
    }

    /// Step 2 for a user who must replace their password ([`Error::PasswordChangeRequired`]
    /// from [`Self::device_sign_in`]): the current password again and the new one twice. Only
    /// once the new password is stored is the user bound to the code, as after a sign-in.
    #[allow(clippy::too_many_arguments)]
    pub async fn device_change_password(
        &self,
        segment: &str,
        typed: &str,
        upn: &str,
        current: &str,
        new: &str,
        confirm: &str,
        source: Option<IpAddr>,
    ) -> Result<SignedIn, Error> {
        let prompt = self.device_prompt(segment, typed, source).await?;
        let user = self
            .change_expired_password(&prompt.tenant, upn, current, new, confirm, source)
            .await?;
        self.bind_device_user(prompt, user).await
    }

    async fn bind_device_user(&self, prompt: DevicePrompt, user: User) -> Result<SignedIn, Error> {
        let approval = secret::random_token(32);
        let bound = self
            .store()
            .attach_device_user(
                &prompt.tenant.id,
                &prompt.user_code,
                &user.id,
                &secret::sha256(approval.as_bytes()),
                now(),
            )
            .await?;
        if !bound {
            return Err(Error::BadUserCode);
        }
        Ok(SignedIn { prompt, user, approval })
    }

    /// Step 3: approve or decline, with the approval token of step 2.
    pub async fn device_decide(
        &self,
        segment: &str,
        typed: &str,
        approval: &str,
        approve: bool,
    ) -> Result<DevicePrompt, Error> {
        let tenant = self.tenant(segment).await?;
        let code = normalize_user_code(typed).ok_or(Error::BadUserCode)?;
        let prompt = self.device_prompt(segment, &code, None).await?;
        let decided = self
            .store()
            .decide_device_code(&tenant.id, &code, &secret::sha256(approval.as_bytes()), approve, now())
            .await?;
        if !decided {
            return Err(Error::FormExpired);
        }
        tracing::info!(tenant = %tenant.id, approve, "device authorization decided");
        if approve {
            self.record_device_consent(&tenant, &code).await?;
        }
        Ok(prompt)
    }

    /// Approving on the device page is consent: recorded like the authorize page's.
    async fn record_device_consent(&self, tenant: &Tenant, user_code: &str) -> Result<(), Error> {
        let Some(dc) = self.store().device_code_by_user_code(&tenant.id, user_code).await? else {
            return Ok(());
        };
        let Some(user_id) = dc.user_id.as_deref() else {
            return Ok(());
        };
        let Some(user) = self.store().user_by_id(&tenant.id, user_id).await? else {
            return Ok(());
        };
        let client = self.directory.client(tenant, &dc.client_id).await?;
        if !client.first_party {
            self.record_consent(tenant, &user, &client, &delegated::parse(&dc.scope)?)
                .await?;
        }
        Ok(())
    }
}
