//! Password sign-in, shared by every page that asks for a password. Failures are counted per
//! account (by the name typed, existing or not) and per source address, and a locked account or
//! source is refused even with the right password. Unknown users and wrong passwords get the
//! same answer after the same work (an argon2 check against a dummy hash).

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::net::IpAddr;

use tokio::sync::{Mutex, Semaphore};

use crate::error::Error;
use crate::issuance::throttle;
use crate::model::{SignInEvent, Tenant, User};
use crate::password;
use crate::Gatehouse;

/// The longest user principal name accepted (Entra: 113 before the `@` plus the domain).
pub const MAX_UPN: usize = 256;

pub fn normalize_upn(upn: &str) -> String {
    upn.trim().to_lowercase()
}

/// Bounds password checks in this process: at most one per CPU at once (argon2id uses 19 MiB
/// each, so memory stays bounded under any load), and one at a time per account name, so
/// parallel guesses at one account are counted one after the other and stop at its limit.
pub struct PasswordGate {
    checks: Semaphore,
    accounts: Vec<Mutex<()>>,
}

/// Account names are spread over this many locks (two names may share one; they then wait for
/// each other, which costs only time).
const ACCOUNT_STRIPES: usize = 1024;

impl Default for PasswordGate {
    fn default() -> Self {
        let cpus = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2);
        Self {
            checks: Semaphore::new(cpus),
            accounts: (0..ACCOUNT_STRIPES).map(|_| Mutex::new(())).collect(),
        }
    }
}

impl PasswordGate {
    fn account(&self, key: &str) -> &Mutex<()> {
        let mut h = DefaultHasher::new();
        key.hash(&mut h);
        &self.accounts[(h.finish() as usize) % self.accounts.len()]
    }
}

impl Gatehouse {
    /// Checks a user's password; the user on success. A user who must change their password
    /// gets [`Error::PasswordChangeRequired`] (after a right password only): the page then asks
    /// for a new one with [`Gatehouse::change_expired_password`].
    pub async fn check_password(
        &self,
        tenant: &Tenant,
        upn: &str,
        password: &str,
        source: Option<IpAddr>,
    ) -> Result<User, Error> {
        let user = self.verify_password(tenant, upn, password, source).await?;
        if user.password_change_required {
            return Err(Error::PasswordChangeRequired);
        }
        Ok(user)
    }

    /// The forced change at sign-in: checks the current password like [`Self::check_password`]
    /// (same lockout and log), then stores `new` (typed twice, valid, different from the current
    /// one) as an argon2id hash and clears the flag. The user, ready to continue, on success.
    pub async fn change_expired_password(
        &self,
        tenant: &Tenant,
        upn: &str,
        current: &str,
        new: &str,
        confirm: &str,
        source: Option<IpAddr>,
    ) -> Result<User, Error> {
        let mut user = self.verify_password(tenant, upn, current, source).await?;
        if !user.password_change_required {
            return Ok(user);
        }
        if new != confirm {
            return Err(Error::Invalid(
                "The new passwords do not match. Type the same password twice.".into(),
            ));
        }
        password::validate(new)?;
        if new == current {
            return Err(Error::Invalid(
                "The new password must differ from the current one.".into(),
            ));
        }
        user.password_hash = password::hash(new.to_owned()).await?;
        user.password_change_required = false;
        let actor = crate::model::Actor::for_user(&user).from_origin(source.map(|ip| ip.to_string()));
        self.store().with_actor(actor).update_user(&user).await?;
        tracing::info!(tenant = %tenant.id, user = %user.id, "password changed at sign-in");
        Ok(user)
    }

    async fn verify_password(
        &self,
        tenant: &Tenant,
        upn: &str,
        password: &str,
        source: Option<IpAddr>,
    ) -> Result<User, Error> {
        let upn = normalize_upn(upn);
        if upn.is_empty() || upn.len() > MAX_UPN || password.len() > password::MAX_LEN * 4 {
            return Err(Error::InvalidCredentials);
        }
        let user_key = throttle::user_key(&tenant.id, &upn);
        let source_key = source.as_ref().map(throttle::source_key);
        let mut keys: Vec<&str> = vec![&user_key];
        if let Some(s) = &source_key {
            keys.push(s);
        }
        // One check at a time per account: the next attempt sees this one's failure counted.
        let _account = self.password_gate.account(&user_key).lock().await;
        self.throttle.check(&keys)?;
        let user = self.store().user_by_upn(&tenant.id, &upn).await?;
        let ok = {
            let _permit = self
                .password_gate
                .checks
                .acquire()
                .await
                .map_err(|_| Error::Internal("password check gate closed".into()))?;
            password::verify(password.to_owned(), user.as_ref().map(|u| u.password_hash.clone())).await?
        };
        match user {
            Some(u) if ok => {
                tracing::info!(tenant = %tenant.id, user = %u.id, "sign-in succeeded");
                let result = if u.account_enabled { "ok" } else { "disabled" };
                self.log_sign_in(tenant, &upn, Some(&u.id), u.account_enabled, result, source)
                    .await;
                if !u.account_enabled {
                    return Err(Error::UserDisabled);
                }
                Ok(u)
            }
            _ => {
                tracing::info!(tenant = %tenant.id, upn = %upn, source = ?source, "sign-in failed");
                let user_id = user.as_ref().map(|u| u.id.as_str());
                self.log_sign_in(tenant, &upn, user_id, false, "invalid_credentials", source)
                    .await;
                let policy = self.throttle.policy();
                self.throttle
                    .record(&[
                        (Some(&user_key), policy.per_user),
                        (source_key.as_deref(), policy.per_source),
                    ])
                    .await?;
                Err(Error::InvalidCredentials)
            }
        }
    }

    /// Writes the sign-in log. A failure to write is logged, not returned: the person's answer
    /// does not depend on the log (the attempt is also in the server log).
    async fn log_sign_in(
        &self,
        tenant: &Tenant,
        upn: &str,
        user_id: Option<&str>,
        success: bool,
        result: &str,
        source: Option<IpAddr>,
    ) {
        let event = SignInEvent {
            // Time-ordered (UUID v7), so events of the same second keep their order.
            id: uuid::Uuid::now_v7().to_string(),
            tenant_id: tenant.id.clone(),
            at: crate::model::now(),
            user_principal_name: upn.to_owned(),
            user_id: user_id.map(str::to_owned),
            success,
            result: result.to_owned(),
            source: source.map(|s| s.to_string()),
        };
        if let Err(e) = self.store().record_sign_in(&event).await {
            tracing::warn!(error = %e, "cannot write the sign-in log");
        }
    }
}
