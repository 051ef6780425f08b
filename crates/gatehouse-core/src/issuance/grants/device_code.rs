//! The device-code grant (RFC 8628 section 3.4): the client polls with
//! `grant_type=urn:ietf:params:oauth:grant-type:device_code` (or the short `device_code`, which
//! msal-common sends and Entra accepts) and `device_code` (MSAL also sends the same value as
//! `code`, and no scope) until the user approved on the verification page.

use super::delegated::{self, UserGrant};
use super::{GrantContext, GrantEnv, Issued};
use crate::error::Error;
use crate::model::DeviceCodeState;
use crate::secret;

pub const GRANT_TYPE: &str = "urn:ietf:params:oauth:grant-type:device_code";
/// The short name Microsoft's JavaScript libraries poll with; Entra accepts both.
pub const SHORT_GRANT_TYPE: &str = "device_code";

/// Milliseconds of slack before a poll counts as too fast (clients sleep `interval` seconds
/// between polls, so a poll never legitimately comes a whole second early).
const SLACK_MS: i64 = 1_000;

pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

pub async fn grant(env: &GrantEnv<'_>, ctx: &GrantContext<'_>) -> Result<Issued, Error> {
    let GrantContext {
        tenant,
        client,
        params,
        dialect,
        method,
    } = *ctx;
    let code = params
        .get("device_code")
        .or_else(|| params.get("code"))
        .ok_or(Error::MissingParameter("device_code"))?;
    let hash = secret::sha256(code.as_bytes());
    let dc = env
        .devices
        .device_code_by_hash(&hash)
        .await?
        .ok_or(Error::DeviceCodeInvalid("unknown"))?;
    if dc.tenant_id != tenant.id || !dc.client_id.eq_ignore_ascii_case(&client.app.app_id) {
        return Err(Error::DeviceCodeInvalid("issued to another client or tenant"));
    }
    let t_ms = now_ms();
    if t_ms / 1000 >= dc.expires_at {
        return Err(Error::ExpiredToken);
    }
    match dc.state {
        DeviceCodeState::Declined => return Err(Error::AuthorizationDeclined),
        DeviceCodeState::Used => return Err(Error::DeviceCodeInvalid("already used")),
        DeviceCodeState::Pending => {
            let too_fast = dc.last_poll_ms > 0 && t_ms - dc.last_poll_ms < dc.interval * 1000 - SLACK_MS;
            let interval = if too_fast { dc.interval + 5 } else { dc.interval };
            env.devices.record_device_poll(&hash, t_ms, interval).await?;
            return Err(if too_fast {
                Error::SlowDown
            } else {
                Error::AuthorizationPending
            });
        }
        DeviceCodeState::Approved => {}
    }
    // The one atomic step: of any number of concurrent polls, one moves approved -> used.
    if !env.devices.redeem_device_code(&hash, t_ms / 1000).await? {
        return Err(Error::DeviceCodeInvalid("already used"));
    }
    let user_id = dc.user_id.as_deref().ok_or(Error::DeviceCodeInvalid("no user"))?;
    let user = env
        .users
        .user_by_id(&tenant.id, user_id)
        .await?
        .ok_or(Error::DeviceCodeInvalid("user deleted"))?;
    if !user.account_enabled {
        return Err(Error::UserDisabled);
    }
    let scope = delegated::parse(&dc.scope)?;
    let (family, refresh_token) = if scope.has("offline_access") {
        let (f, t) = delegated::start_family(env.refresh, tenant, &client.app.app_id, &user, &scope).await?;
        (Some(f), Some(t))
    } else {
        (None, None)
    };
    delegated::issue(
        env,
        UserGrant {
            client_auth: method.acr(),
            tenant,
            client,
            user: &user,
            scope: &scope,
            dialect,
            family: family.as_deref(),
            refresh_token,
            nonce: None,
            client_info: params.get("client_info") == Some("1"),
        },
    )
    .await
}
