//! The authorization endpoint (`/{tenant}/oauth2/v2.0/authorize`): reading and checking the
//! request, and the answers it sends back to the client.
//!
//! Until the client and its `redirect_uri` are known to match, every problem is an
//! [`AuthorizeError::Page`]: shown to the person, never redirected (no open redirects). After
//! that, problems go back to the client's redirect URI ([`AuthorizeError::Redirect`]) with
//! `error`, `error_description`, `state` and `iss` (RFC 9207). The steps of the flow (session,
//! sign-in, consent, code) are in [`flow`]; redirect URI rules in [`redirect_uri`]; the v1
//! endpoint (`/{tenant}/oauth2/authorize`, `resource=`) in [`v1`].

pub mod flow;
pub mod redirect_uri;
pub mod v1;

use std::sync::Arc;

use gatehouse_protocol::discovery::Dialect;
use gatehouse_protocol::scope::Delegated;
use gatehouse_protocol::FormParams;

use crate::error::Error;
use crate::issuance::directory::ClientEntry;
use crate::issuance::grants::delegated;
use crate::issuance::mint::issuer;
use crate::issuance::resource_indicator as indicator;
use crate::model::Tenant;
use crate::Gatehouse;

/// How long an authorization code can be redeemed.
pub const CODE_LIFETIME: i64 = 300;
/// The longest `state`, `nonce` or `login_hint` accepted.
const MAX_VALUE: usize = 2048;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResponseMode {
    Query,
    FormPost,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Prompt {
    /// No `prompt`: use the session if there is one.
    Default,
    Login,
    Consent,
    None,
    SelectAccount,
}

/// Where and how answers go: a redirect URI already checked against the client's registration.
#[derive(Debug, Clone)]
pub struct Redirect {
    pub uri: String,
    pub mode: ResponseMode,
    pub state: Option<String>,
    /// The v2 issuer, sent as `iss` in every answer (RFC 9207).
    pub iss: String,
}

/// An answer to the client: where it goes, and what it says (a code or an error). The server
/// renders it in the OAuth dialect (`error`, `error_description`, `error_codes`), with `state`
/// and `iss` (RFC 9207) in every answer.
#[derive(Debug)]
pub struct AuthResponse {
    pub redirect: Redirect,
    pub answer: Answer,
}

#[derive(Debug)]
pub enum Answer {
    Code(String),
    Error(Box<Error>),
}

impl AuthResponse {
    pub fn code(redirect: &Redirect, code: String) -> Self {
        Self {
            redirect: redirect.clone(),
            answer: Answer::Code(code),
        }
    }

    pub fn error(redirect: &Redirect, e: Error) -> Self {
        Self {
            redirect: redirect.clone(),
            answer: Answer::Error(Box::new(e)),
        }
    }
}

/// Percent-encodes everything but RFC 3986 unreserved characters.
pub fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Why an authorization request stopped.
#[derive(Debug)]
pub enum AuthorizeError {
    /// No trusted redirect URI: the person sees the error on a page.
    Page(Error),
    /// Sent back to the client.
    Redirect(AuthResponse),
}

impl From<Error> for AuthorizeError {
    fn from(e: Error) -> Self {
        Self::Page(e)
    }
}

/// A checked authorization request.
#[derive(Debug, Clone)]
pub struct ValidRequest {
    pub tenant: Arc<Tenant>,
    pub client: Arc<ClientEntry>,
    pub redirect: Redirect,
    pub scope: Delegated,
    /// S256 challenge (43 base64url characters).
    pub code_challenge: Option<String>,
    pub nonce: Option<String>,
    pub prompt: Prompt,
    pub login_hint: Option<String>,
    /// The request as received (query string or form body), carried through the pages' forms.
    pub raw: String,
}

fn short(params: &FormParams, name: &'static str) -> Result<Option<String>, Error> {
    match params.get(name) {
        Some(v) if v.len() > MAX_VALUE => Err(Error::Malformed(format!("'{name}' is too long"))),
        v => Ok(v.map(str::to_owned)),
    }
}

impl Gatehouse {
    /// Reads and checks an authorization request (query string or form body).
    pub async fn authorize_request(&self, segment: &str, raw: &str) -> Result<ValidRequest, AuthorizeError> {
        let params = FormParams::parse(raw.as_bytes()).map_err(|e| match e {
            gatehouse_protocol::form::FormError::Repeated(p) if p == "resource" => {
                Error::InvalidTarget("Send one resource per request: a token has one audience.".into())
            }
            e => Error::Malformed(e.to_string().chars().take(120).collect()),
        })?;
        let tenant = self.tenant(segment).await?;
        let client_id = params.get("client_id").ok_or(Error::MissingParameter("client_id"))?;
        let client = self.directory.client(&tenant, client_id).await?;
        let uri = params
            .get("redirect_uri")
            .ok_or(Error::MissingParameter("redirect_uri"))?;
        redirect_uri::allowed(&client, uri)?;
        // From here on the redirect URI is trusted: errors go back to the client.
        let mode = match params.get("response_mode") {
            None | Some("query") => Some(ResponseMode::Query),
            Some("form_post") => Some(ResponseMode::FormPost),
            Some(_) => None,
        };
        let redirect = Redirect {
            uri: uri.to_owned(),
            mode: mode.unwrap_or(ResponseMode::Query),
            state: params.get("state").map(|s| s.chars().take(MAX_VALUE).collect()),
            iss: issuer(&self.base_url, &tenant.id, Dialect::V2),
        };
        let fail = |e: Error| AuthorizeError::Redirect(AuthResponse::error(&redirect, e));
        let checked = async {
            if mode.is_none() {
                return Err(Error::Malformed("response_mode must be query or form_post".into()));
            }
            if !client.sp.account_enabled {
                return Err(Error::ClientDisabled);
            }
            match params.get("response_type") {
                Some("code") => {}
                Some(other) => return Err(Error::UnsupportedResponseType(other.chars().take(64).collect())),
                None => return Err(Error::MissingParameter("response_type")),
            }
            let indicated = indicator::indicated(&params)?;
            let scope = match indicated {
                Some(r) => indicator::delegated(params.get("scope"), r)?,
                None => delegated::parse(params.get("scope").ok_or(Error::MissingParameter("scope"))?)?,
            };
            let resource = self.directory.resource(&tenant, &scope.resource).await.map_err(|e| {
                if indicated.is_some() {
                    indicator::unknown(e)
                } else {
                    e
                }
            })?;
            crate::issuance::scopes::check(&resource, &scope)?;
            let code_challenge = pkce_challenge(&params, client.app.public_client)?;
            let prompt = match params.get("prompt") {
                None => Prompt::Default,
                Some("login") => Prompt::Login,
                Some("consent") => Prompt::Consent,
                Some("none") => Prompt::None,
                Some("select_account") => Prompt::SelectAccount,
                Some(_) => {
                    return Err(Error::Malformed(
                        "prompt must be login, consent, none or select_account".into(),
                    ))
                }
            };
            Ok((
                scope,
                code_challenge,
                prompt,
                short(&params, "nonce")?,
                short(&params, "login_hint")?,
            ))
        }
        .await;
        let (scope, code_challenge, prompt, nonce, login_hint) = checked.map_err(fail)?;
        Ok(ValidRequest {
            tenant,
            client,
            redirect,
            scope,
            code_challenge,
            nonce,
            prompt,
            login_hint,
            raw: raw.to_owned(),
        })
    }
}

/// PKCE (RFC 7636): S256 only; required for public clients.
fn pkce_challenge(params: &FormParams, public_client: bool) -> Result<Option<String>, Error> {
    match (params.get("code_challenge"), params.get("code_challenge_method")) {
        (None, None) if public_client => Err(Error::PkceRequired),
        (None, None) => Ok(None),
        (Some(c), Some("S256"))
            if c.len() == 43 && c.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') =>
        {
            Ok(Some(c.to_owned()))
        }
        // `plain` (also implied by a missing method), unknown methods, malformed challenges.
        _ => Err(Error::PkceMethodUnsupported),
    }
}
