//! The steps of an authorization request: use the signed-in session or ask for a password
//! (the same [`Gatehouse::check_password`] as the device page: lockout, same answer for unknown
//! users), ask for consent when something is new, then issue a code bound to the client, the
//! redirect URI, the PKCE challenge and the nonce.
//!
//! The session is a random 256-bit value in a cookie, stored only as SHA-256, per tenant.

use std::net::IpAddr;

use super::{AuthResponse, AuthorizeError, Prompt, ValidRequest, CODE_LIFETIME};
use crate::error::Error;
use crate::model::{new_guid, now, AuthCode, SignInSession, Tenant, User};
use crate::secret;
use crate::Gatehouse;

/// How long a signed-in browser session lasts.
pub const SESSION_LIFETIME: i64 = 12 * 3600;

/// What the page does next.
#[derive(Debug)]
pub enum Step {
    /// Ask for user name and password (`error` after a failed attempt).
    SignIn {
        req: Box<ValidRequest>,
        upn: String,
        error: Option<Error>,
    },
    /// The right password of a user who must replace it: ask for a new one (`error` after a
    /// refused change).
    ChangePassword {
        req: Box<ValidRequest>,
        upn: String,
        error: Option<Error>,
    },
    /// `prompt=select_account` with a signed-in session: continue as `user`, or use another
    /// account.
    PickAccount { req: Box<ValidRequest>, user: User },
    /// Ask the signed-in user to consent to `scopes` (labels).
    Consent {
        req: Box<ValidRequest>,
        user: User,
        scopes: Vec<String>,
    },
    /// Answer the client.
    Respond(AuthResponse),
}

/// A step, and the session cookie value to set when the person just signed in.
#[derive(Debug)]
pub struct Outcome {
    pub step: Step,
    pub new_session: Option<String>,
}

impl From<Step> for Outcome {
    fn from(step: Step) -> Self {
        Self {
            step,
            new_session: None,
        }
    }
}

impl Gatehouse {
    /// The user of a session cookie, if it is valid for this tenant and the user may sign in.
    pub async fn session_user(&self, tenant_id: &str, cookie: Option<&str>) -> Result<Option<User>, Error> {
        let Some(cookie) = cookie.filter(|c| c.len() == 43) else {
            return Ok(None);
        };
        let store = self.store();
        let Some(s) = store.session_by_hash(&secret::sha256(cookie.as_bytes())).await? else {
            return Ok(None);
        };
        if s.tenant_id != tenant_id || s.expires_at <= now() {
            return Ok(None);
        }
        Ok(store
            .user_by_id(tenant_id, &s.user_id)
            .await?
            .filter(|u| u.account_enabled))
    }

    /// Stores a new signed-in session for `user`; returns the cookie value.
    pub async fn start_session(&self, tenant: &Tenant, user: &User) -> Result<String, Error> {
        let token = secret::random_token(32);
        let t = now();
        let session = SignInSession {
            id_hash: secret::sha256(token.as_bytes()),
            tenant_id: tenant.id.clone(),
            user_id: user.id.clone(),
            created_at: t,
            expires_at: t + SESSION_LIFETIME,
        };
        self.store().create_session(&session).await?;
        Ok(token)
    }

    /// `GET /{tenant}/oauth2/v2.0/authorize` (or a POST of the same parameters).
    pub async fn authorize(&self, segment: &str, raw: &str, session: Option<&str>) -> Result<Outcome, AuthorizeError> {
        let req = self.authorize_request(segment, raw).await?;
        let redirect = req.redirect.clone();
        let fail = |e: Error| AuthorizeError::Redirect(AuthResponse::error(&redirect, e));
        let user = match req.prompt {
            Prompt::Login => None,
            _ => self.session_user(&req.tenant.id, session).await.map_err(fail)?,
        };
        if let (Prompt::SelectAccount, Some(user)) = (req.prompt, &user) {
            return Ok(Step::PickAccount {
                user: user.clone(),
                req: Box::new(req),
            }
            .into());
        }
        let Some(user) = user else {
            if req.prompt == Prompt::None {
                return Err(fail(Error::LoginRequired));
            }
            return Ok(sign_in_page(req));
        };
        Ok(self.after_sign_in(req, user).await?.into())
    }

    /// The sign-in form was posted.
    pub async fn authorize_sign_in(
        &self,
        segment: &str,
        raw: &str,
        upn: &str,
        password: &str,
        source: Option<IpAddr>,
    ) -> Result<Outcome, AuthorizeError> {
        let req = self.authorize_request(segment, raw).await?;
        let user = match self.check_password(&req.tenant, upn, password, source).await {
            Ok(u) => u,
            Err(Error::PasswordChangeRequired) => {
                return Ok(Step::ChangePassword {
                    req: Box::new(req),
                    upn: crate::browser::sign_in::normalize_upn(upn),
                    error: None,
                }
                .into())
            }
            Err(e @ (Error::InvalidCredentials | Error::UserDisabled | Error::Throttled { .. })) => {
                return Ok(Step::SignIn {
                    req: Box::new(req),
                    upn: upn.chars().take(crate::browser::sign_in::MAX_UPN).collect(),
                    error: Some(e),
                }
                .into())
            }
            Err(e) => return Err(AuthorizeError::Redirect(AuthResponse::error(&req.redirect, e))),
        };
        self.signed_in(req, user).await
    }

    /// The forced password change was posted (current password again, the new one twice).
    /// Only once the new password is stored does the flow go on (consent or code).
    #[allow(clippy::too_many_arguments)]
    pub async fn authorize_change_password(
        &self,
        segment: &str,
        raw: &str,
        upn: &str,
        current: &str,
        new: &str,
        confirm: &str,
        source: Option<IpAddr>,
    ) -> Result<Outcome, AuthorizeError> {
        let req = self.authorize_request(segment, raw).await?;
        let upn: String = upn.chars().take(crate::browser::sign_in::MAX_UPN).collect();
        let user = match self
            .change_expired_password(&req.tenant, &upn, current, new, confirm, source)
            .await
        {
            Ok(u) => u,
            Err(e @ Error::Invalid(_)) => {
                return Ok(Step::ChangePassword {
                    req: Box::new(req),
                    upn,
                    error: Some(e),
                }
                .into())
            }
            Err(e @ (Error::InvalidCredentials | Error::UserDisabled | Error::Throttled { .. })) => {
                return Ok(Step::SignIn {
                    req: Box::new(req),
                    upn,
                    error: Some(e),
                }
                .into())
            }
            Err(e) => return Err(AuthorizeError::Redirect(AuthResponse::error(&req.redirect, e))),
        };
        self.signed_in(req, user).await
    }

    /// Starts the session of a user who just signed in, then consent or the code.
    async fn signed_in(&self, req: ValidRequest, user: User) -> Result<Outcome, AuthorizeError> {
        let redirect = req.redirect.clone();
        let fail = |e: Error| AuthorizeError::Redirect(AuthResponse::error(&redirect, e));
        let token = self.start_session(&req.tenant, &user).await.map_err(fail)?;
        let step = self.after_sign_in(req, user).await?;
        Ok(Outcome {
            step,
            new_session: Some(token),
        })
    }

    /// The account picker was posted: go on as the session's user (`keep`), or sign in as
    /// someone else.
    pub async fn authorize_pick_account(
        &self,
        segment: &str,
        raw: &str,
        session: Option<&str>,
        keep: bool,
    ) -> Result<Outcome, AuthorizeError> {
        let req = self.authorize_request(segment, raw).await?;
        if !keep {
            return Ok(sign_in_page(req));
        }
        let redirect = req.redirect.clone();
        let fail = |e: Error| AuthorizeError::Redirect(AuthResponse::error(&redirect, e));
        match self.session_user(&req.tenant.id, session).await.map_err(fail)? {
            Some(user) => Ok(self.after_sign_in(req, user).await?.into()),
            None => Ok(session_ended(req)),
        }
    }

    /// The consent form was posted (by a signed-in session).
    pub async fn authorize_consent(
        &self,
        segment: &str,
        raw: &str,
        session: Option<&str>,
        approve: bool,
    ) -> Result<Outcome, AuthorizeError> {
        let req = self.authorize_request(segment, raw).await?;
        let redirect = req.redirect.clone();
        let fail = |e: Error| AuthorizeError::Redirect(AuthResponse::error(&redirect, e));
        let Some(user) = self.session_user(&req.tenant.id, session).await.map_err(fail)? else {
            return Ok(session_ended(req));
        };
        if !approve {
            tracing::info!(tenant = %req.tenant.id, user = %user.id, "consent declined");
            return Err(fail(Error::AccessDenied));
        }
        self.record_consent(&req.tenant, &user, &req.client, &req.scope)
            .await
            .map_err(fail)?;
        Ok(Step::Respond(self.issue_code(&req, &user).await.map_err(fail)?).into())
    }

    /// Consent if something is new (or `prompt=consent`), else the code.
    async fn after_sign_in(&self, req: ValidRequest, user: User) -> Result<Step, AuthorizeError> {
        let redirect = req.redirect.clone();
        let fail = |e: Error| AuthorizeError::Redirect(AuthResponse::error(&redirect, e));
        let missing = self
            .missing_consent(&req.tenant, &user, &req.client, &req.scope)
            .await
            .map_err(fail)?;
        let ask = !missing.is_empty() || (req.prompt == Prompt::Consent && !req.client.first_party);
        if ask {
            if req.prompt == Prompt::None {
                return Err(fail(Error::ConsentNeeded));
            }
            let scopes = crate::browser::consent::describe(&req.scope);
            return Ok(Step::Consent {
                req: Box::new(req),
                user,
                scopes,
            });
        }
        Ok(Step::Respond(self.issue_code(&req, &user).await.map_err(fail)?))
    }

    /// Stores a new code (hash only) and returns the answer carrying it.
    async fn issue_code(&self, req: &ValidRequest, user: &User) -> Result<AuthResponse, Error> {
        let code = secret::random_token(32);
        let t = now();
        let stored = AuthCode {
            code_hash: secret::sha256(code.as_bytes()),
            tenant_id: req.tenant.id.clone(),
            client_id: req.client.app.app_id.to_ascii_lowercase(),
            user_id: user.id.clone(),
            redirect_uri: req.redirect.uri.clone(),
            scope: req.scope.to_scope(),
            code_challenge: req.code_challenge.clone(),
            nonce: req.nonce.clone(),
            sid: new_guid(),
            used: false,
            created_at: t,
            expires_at: t + CODE_LIFETIME,
        };
        self.store().create_auth_code(&stored).await?;
        tracing::info!(tenant = %req.tenant.id, user = %user.id, client = %stored.client_id, "authorization code issued");
        Ok(AuthResponse::code(&req.redirect, code))
    }
}

/// The sign-in page, with `login_hint` as the user name.
fn sign_in_page(req: ValidRequest) -> Outcome {
    let upn = req.login_hint.clone().unwrap_or_default();
    Step::SignIn {
        req: Box::new(req),
        upn,
        error: None,
    }
    .into()
}

/// The session ended between two pages: sign in again.
fn session_ended(req: ValidRequest) -> Outcome {
    Step::SignIn {
        req: Box::new(req),
        upn: String::new(),
        error: Some(Error::FormExpired),
    }
    .into()
}
