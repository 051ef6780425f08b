//! HTTPS to a Gatehouse server for the client verbs, sent as MSAL and the Azure CLI send it: the
//! devicecode and token endpoints (device code, client credentials, refresh) and ARM's
//! subscription list. A refusal is worded with what to do next.

use std::path::Path;
use std::time::Duration;

use anyhow::{anyhow, bail, Context, Result};
use base64::Engine;
use serde_json::Value;

use super::client_profile::{CachedToken, Identity, SERVICE_PRINCIPAL};

/// The Azure CLI's public client id: user sign-in as `az login` does it.
pub const AZURE_CLI: &str = "04b07795-8ddb-461a-bbee-02f9e1bf7b46";
/// ARM's default scope (note the double slash, as az sends it).
pub const ARM_SCOPE: &str = "https://management.core.windows.net//.default";
/// What user sign-ins add to the resource's scope.
pub const USER_SCOPES: &str = "offline_access openid profile";
pub const DEVICE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";
pub const DEFAULT_SERVER: &str = "https://127.0.0.1:8443";
/// A token with this little left counts as expired (MSAL's five minutes).
pub const EXPIRY_MARGIN: i64 = 300;

pub struct Http {
    client: reqwest::Client,
    pub server: String,
}

/// A refusal in Entra's shape.
#[derive(Debug)]
pub struct OAuthError {
    pub error: String,
    pub description: String,
    pub code: Option<u64>,
}

impl OAuthError {
    /// `AADSTS…: text`, without the trace lines.
    pub fn summary(&self) -> String {
        let first = self.description.lines().next().unwrap_or("").trim();
        if first.is_empty() {
            self.error.clone()
        } else {
            format!("{}: {first}", self.error)
        }
    }
}

/// A successful token answer.
#[derive(Debug)]
pub struct TokenAnswer {
    pub access_token: String,
    pub expires_in: i64,
    pub refresh_token: Option<String>,
    pub id_token: Option<String>,
}

pub struct DeviceCode {
    pub device_code: String,
    pub message: String,
    pub interval: u64,
    pub expires_in: u64,
}

pub fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

/// The base URL, without a trailing slash; only `https://` (as MSAL and the Azure CLI insist).
pub fn normalize_server(server: &str) -> Result<String> {
    let trimmed = server.trim().trim_end_matches('/');
    let url = reqwest::Url::parse(trimmed).map_err(|e| {
        anyhow!("--server '{server}' is not a URL ({e}): give the Gatehouse base URL, like {DEFAULT_SERVER}")
    })?;
    if url.scheme() != "https" {
        bail!("--server must be an https:// URL (Gatehouse serves tokens over HTTPS only), like {DEFAULT_SERVER}");
    }
    Ok(trimmed.to_owned())
}

impl Http {
    /// Trusts only `ca_file` when given, else the system's roots.
    pub fn new(server: &str, ca_file: Option<&Path>) -> Result<Self> {
        let mut builder = reqwest::Client::builder()
            .user_agent(concat!("gatehouse-cli/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(60));
        if let Some(path) = ca_file {
            let pem = std::fs::read(path).with_context(|| format!("reading the CA file {}", path.display()))?;
            let certs = reqwest::Certificate::from_pem_bundle(&pem)
                .ok()
                .filter(|c| !c.is_empty())
                .ok_or_else(|| {
                    anyhow!(
                        "{} holds no PEM certificate: give the server's CA (DATA_DIR/tls/ca.pem) with --ca-file",
                        path.display()
                    )
                })?;
            builder = builder.tls_certs_only(certs);
        }
        Ok(Self {
            client: builder.build().context("building the HTTPS client")?,
            server: server.to_owned(),
        })
    }

    fn unreachable(&self, e: reqwest::Error) -> anyhow::Error {
        let mut chain = e.to_string();
        let mut source = std::error::Error::source(&e);
        while let Some(s) = source {
            chain.push_str(&format!(": {s}"));
            source = s.source();
        }
        anyhow!(
            "cannot talk to the Gatehouse server at {} ({chain}); check that it runs and the URL (--server); \
             for a certificate error give its CA with --ca-file (the server's DATA_DIR/tls/ca.pem)",
            self.server
        )
    }

    /// A JSON request with a bearer token: the status and the JSON body (`Null` when empty).
    pub async fn json(
        &self,
        method: reqwest::Method,
        path: &str,
        bearer: &str,
        body: Option<&Value>,
    ) -> Result<(u16, Value)> {
        let mut req = self
            .client
            .request(method, format!("{}{path}", self.server))
            .bearer_auth(bearer)
            .header("client-request-id", uuid::Uuid::new_v4().to_string());
        if let Some(b) = body {
            req = req.json(b);
        }
        let r = req.send().await.map_err(|e| self.unreachable(e))?;
        let status = r.status().as_u16();
        let text = r.text().await.map_err(|e| self.unreachable(e))?;
        Ok((status, serde_json::from_str(&text).unwrap_or(Value::Null)))
    }

    async fn post_form(&self, path: &str, form: &[(&str, &str)]) -> Result<(u16, Value)> {
        let r = self
            .client
            .post(format!("{}{path}", self.server))
            .header("client-request-id", uuid::Uuid::new_v4().to_string())
            .form(form)
            .send()
            .await
            .map_err(|e| self.unreachable(e))?;
        let status = r.status().as_u16();
        let text = r.text().await.map_err(|e| self.unreachable(e))?;
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Ok((status, body))
    }

    /// A token request on the v2 endpoint: the answer, or the server's refusal.
    pub async fn token(&self, tenant: &str, form: &[(&str, &str)]) -> Result<Result<TokenAnswer, OAuthError>> {
        let (status, body) = self.post_form(&format!("/{tenant}/oauth2/v2.0/token"), form).await?;
        if let Some(error) = body["error"].as_str() {
            return Ok(Err(oauth_error(error, &body)));
        }
        let access_token = body["access_token"].as_str().filter(|_| status == 200);
        let Some(access_token) = access_token else {
            bail!(
                "{} answered the token request with HTTP {status} and no token: is --server a Gatehouse server?",
                self.server
            );
        };
        let expires_in = body["expires_in"]
            .as_i64()
            .or_else(|| body["expires_in"].as_str().and_then(|s| s.parse().ok()))
            .unwrap_or(3599);
        let text = |k: &str| body[k].as_str().map(str::to_owned);
        Ok(Ok(TokenAnswer {
            access_token: access_token.to_owned(),
            expires_in,
            refresh_token: text("refresh_token"),
            id_token: text("id_token"),
        }))
    }

    pub async fn device_code(&self, tenant: &str, scope: &str) -> Result<DeviceCode> {
        let (status, body) = self
            .post_form(
                &format!("/{tenant}/oauth2/v2.0/devicecode"),
                &[("client_id", AZURE_CLI), ("scope", scope)],
            )
            .await?;
        if let Some(error) = body["error"].as_str() {
            let e = oauth_error(error, &body);
            bail!(
                "the server refused to start a device sign-in: {}{}",
                e.summary(),
                tenant_hint(&e, tenant)
            );
        }
        let text = |k: &str| body[k].as_str().map(str::to_owned);
        match (text("device_code"), text("message")) {
            (Some(device_code), Some(message)) => Ok(DeviceCode {
                device_code,
                message,
                interval: body["interval"].as_u64().unwrap_or(5).max(1),
                expires_in: body["expires_in"].as_u64().unwrap_or(900),
            }),
            _ => bail!(
                "{} answered the device-code request with HTTP {status} and no code: is --server a Gatehouse server?",
                self.server
            ),
        }
    }

    /// `GET /subscriptions` on the ARM door, following `nextLink` on this server only.
    pub async fn subscriptions(&self, bearer: &str) -> Result<Vec<Value>> {
        let mut url = format!("{}/subscriptions?api-version=2022-12-01", self.server);
        let mut all = Vec::new();
        loop {
            let r = self
                .client
                .get(&url)
                .bearer_auth(bearer)
                .send()
                .await
                .map_err(|e| self.unreachable(e))?;
            let status = r.status().as_u16();
            let body: Value = r.json().await.unwrap_or(Value::Null);
            if status != 200 {
                let why = body["error"]["message"].as_str().unwrap_or("no ARM error body");
                bail!(
                    "listing subscriptions failed: HTTP {status} ({why}); a Gatehouse server older than the ARM door cannot list them"
                );
            }
            all.extend(body["value"].as_array().cloned().unwrap_or_default());
            match body["nextLink"].as_str() {
                Some(next) if next.starts_with(&format!("{}/", self.server)) => url = next.to_owned(),
                _ => return Ok(all),
            }
        }
    }
}

fn oauth_error(error: &str, body: &Value) -> OAuthError {
    OAuthError {
        error: error.to_owned(),
        description: body["error_description"].as_str().unwrap_or("").to_owned(),
        code: body["error_codes"][0].as_u64(),
    }
}

/// What to check when the tenant itself is unknown (AADSTS90002).
pub fn tenant_hint(e: &OAuthError, tenant: &str) -> String {
    if e.code == Some(90002) {
        format!(" (check --tenant '{tenant}': see 'gatehouse tenant list' on the server)")
    } else {
        String::new()
    }
}

/// The claims of a JWT, unverified: only read for names and ids of a token the server just
/// handed over TLS.
pub fn claims(jwt: &str) -> Result<Value> {
    let payload = jwt
        .split('.')
        .nth(1)
        .ok_or_else(|| anyhow!("the server's access token is not a JWT"))?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .context("the server's access token is not a JWT")?;
    serde_json::from_slice(&bytes).context("the server's access token is not a JWT")
}

/// The scope az asks for a resource: the resource id and `/.default`.
pub fn resource_scope(resource: &str) -> String {
    format!("{resource}/.default")
}

/// A cached token for `scope` with more than five minutes left, else a new one (a user's refresh
/// token, whose rotated successor is kept; a service principal's client credentials). The caller
/// writes the identity back.
pub async fn silent(identity: &mut Identity, scope: &str) -> Result<CachedToken> {
    let now = now();
    if let Some(t) = identity
        .access_tokens
        .iter()
        .find(|t| t.scope == scope && t.expires_on - EXPIRY_MARGIN > now)
    {
        return Ok(t.clone());
    }
    let http = Http::new(&identity.server, identity.ca_file.as_deref())?;
    let tenant = identity.tenant_id.clone();
    let relogin = |why: String| {
        anyhow!(
            "the sign-in of '{}' can no longer get tokens ({why}): run 'gatehouse login --tenant {tenant}{}' again",
            identity.user,
            if identity.kind == SERVICE_PRINCIPAL {
                format!(" --service-principal -u {}", identity.user)
            } else {
                " --use-device-code".to_owned()
            }
        )
    };
    let answer = if identity.kind == SERVICE_PRINCIPAL {
        let secret = identity
            .client_secret
            .clone()
            .ok_or_else(|| relogin("no secret is stored".into()))?;
        http.token(
            &tenant,
            &[
                ("grant_type", "client_credentials"),
                ("client_id", &identity.client_id),
                ("client_secret", &secret),
                ("scope", scope),
                ("client_info", "1"),
            ],
        )
        .await?
    } else {
        let refresh = identity
            .refresh_token
            .clone()
            .ok_or_else(|| relogin("no refresh token is stored".into()))?;
        let scopes = format!("{scope} {USER_SCOPES}");
        http.token(
            &tenant,
            &[
                ("grant_type", "refresh_token"),
                ("client_id", &identity.client_id),
                ("refresh_token", &refresh),
                ("scope", &scopes),
                ("client_info", "1"),
            ],
        )
        .await?
    };
    let answer = match answer {
        Ok(a) => a,
        Err(e)
            if matches!(
                e.error.as_str(),
                "invalid_grant" | "invalid_client" | "unauthorized_client"
            ) =>
        {
            return Err(relogin(e.summary()))
        }
        Err(e) => bail!("the server refused a token for '{scope}': {}", e.summary()),
    };
    if let Some(rotated) = answer.refresh_token {
        identity.refresh_token = Some(rotated);
    }
    let token = CachedToken {
        scope: scope.to_owned(),
        access_token: answer.access_token,
        expires_on: now + answer.expires_in,
    };
    identity
        .access_tokens
        .retain(|t| t.scope != scope && t.expires_on > now);
    identity.access_tokens.push(token.clone());
    Ok(token)
}
