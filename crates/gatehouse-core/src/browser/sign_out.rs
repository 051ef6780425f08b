//! Sign-out (`/{tenant}/oauth2/v2.0/logout`, OpenID Connect RP-Initiated Logout): the stored
//! session is deleted, and the browser is sent to `post_logout_redirect_uri` only when it equals,
//! byte for byte, a redirect URI registered for the `client_id` given (never for built-in
//! clients, whose loopback URIs are not registrations). Anything else gets the signed-out page:
//! never an open redirect.

use crate::browser::authorize::encode;
use crate::error::Error;
use crate::secret;
use crate::Gatehouse;

/// What a sign-out request may carry.
#[derive(Debug, Default)]
pub struct SignOutRequest<'a> {
    pub session: Option<&'a str>,
    pub client_id: Option<&'a str>,
    pub post_logout_redirect_uri: Option<&'a str>,
    pub state: Option<&'a str>,
}

impl Gatehouse {
    /// Ends the session; returns where to send the browser, if anywhere.
    pub async fn sign_out(&self, segment: &str, req: SignOutRequest<'_>) -> Result<Option<String>, Error> {
        if let Some(cookie) = req.session.filter(|c| c.len() == 43) {
            if self.store().delete_session(&secret::sha256(cookie.as_bytes())).await? {
                tracing::info!(segment = %segment.chars().take(64).collect::<String>(), "signed out");
            }
        }
        let (Some(client_id), Some(uri)) = (req.client_id, req.post_logout_redirect_uri) else {
            return Ok(None);
        };
        let Ok(tenant) = self.tenant(segment).await else {
            return Ok(None);
        };
        let client = match self.directory.client(&tenant, client_id).await {
            Ok(c) => c,
            Err(Error::ClientNotFound { .. }) => return Ok(None),
            Err(e) => return Err(e),
        };
        if client.first_party || crate::browser::authorize::redirect_uri::allowed(&client, uri).is_err() {
            return Ok(None);
        }
        Ok(Some(match req.state.filter(|s| s.len() <= 2048) {
            Some(state) => {
                let sep = if uri.contains('?') { '&' } else { '?' };
                format!("{uri}{sep}state={}", encode(state))
            }
            None => uri.to_owned(),
        }))
    }
}
