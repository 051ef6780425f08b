//! The one HTTP client of a guard: discovery, JWKS and revocation fetches, and the
//! introspection of opaque credentials. It trusts only the
//! configured CA when one is given, never follows redirects, refuses `http://` unless the test
//! flag is set, times out, and reads at most [`MAX_BODY`] bytes.

use std::time::Duration;

use serde::de::DeserializeOwned;
use thiserror::Error;

use crate::config::{ConfigError, GuardConfig};

/// Largest document the guard reads from the issuer.
pub const MAX_BODY: usize = 1024 * 1024;

/// Why a fetch failed. Logged, never shown to clients.
#[derive(Debug, Error)]
pub enum FetchError {
    #[error("request to {url} failed: {source}")]
    Transport {
        url: String,
        #[source]
        source: reqwest::Error,
    },
    #[error("{url} answered HTTP {status}")]
    Status { url: String, status: u16 },
    #[error("{url} answered more than {MAX_BODY} bytes")]
    TooLarge { url: String },
    #[error("{url} answered a document that does not parse: {source}")]
    Json {
        url: String,
        #[source]
        source: serde_json::Error,
    },
}

/// Shared HTTP client.
#[derive(Debug, Clone)]
pub(crate) struct Fetcher {
    client: reqwest::Client,
}

impl Fetcher {
    pub(crate) fn new(ca_pem: Option<&[u8]>, timeout: Duration, allow_http: bool) -> Result<Self, ConfigError> {
        let mut builder = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout)
            .redirect(reqwest::redirect::Policy::none())
            .https_only(!allow_http)
            .user_agent(concat!("gatehouse-guard/", env!("CARGO_PKG_VERSION")));
        if let Some(pem) = ca_pem {
            let certs = reqwest::Certificate::from_pem_bundle(pem).map_err(|_| ConfigError::CaPem)?;
            builder = builder.tls_certs_only(certs);
        }
        let client = builder.build().map_err(|e| ConfigError::HttpClient(e.to_string()))?;
        Ok(Self { client })
    }

    /// GETs `url` and parses its JSON body into `T`.
    pub(crate) async fn get_json<T: DeserializeOwned>(&self, url: &str) -> Result<T, FetchError> {
        let request = self.client.get(url);
        self.json(url, request).await
    }

    /// POSTs `form` to `url` with HTTP Basic `user:password` and parses the JSON answer.
    pub(crate) async fn post_form_json<T: DeserializeOwned>(
        &self,
        url: &str,
        form: &[(&str, &str)],
        basic: (&str, &str),
    ) -> Result<T, FetchError> {
        let request = self.client.post(url).basic_auth(basic.0, Some(basic.1)).form(form);
        self.json(url, request).await
    }

    async fn json<T: DeserializeOwned>(&self, url: &str, request: reqwest::RequestBuilder) -> Result<T, FetchError> {
        let transport = |source| FetchError::Transport {
            url: url.to_string(),
            source,
        };
        let mut response = request
            .header(http::header::ACCEPT, "application/json")
            .send()
            .await
            .map_err(transport)?;
        let status = response.status();
        if status != reqwest::StatusCode::OK {
            return Err(FetchError::Status {
                url: url.to_string(),
                status: status.as_u16(),
            });
        }
        if response.content_length().is_some_and(|n| n > MAX_BODY as u64) {
            return Err(FetchError::TooLarge { url: url.to_string() });
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(transport)? {
            if body.len() + chunk.len() > MAX_BODY {
                return Err(FetchError::TooLarge { url: url.to_string() });
            }
            body.extend_from_slice(&chunk);
        }
        serde_json::from_slice(&body).map_err(|source| FetchError::Json {
            url: url.to_string(),
            source,
        })
    }
}

/// The guard's one HTTP client, built at the first need and shared by everything that fetches.
pub(crate) fn shared(config: &GuardConfig, slot: &mut Option<Fetcher>) -> Result<Fetcher, ConfigError> {
    if let Some(fetcher) = slot {
        return Ok(fetcher.clone());
    }
    let fetcher = Fetcher::new(
        config.ca_pem.as_deref(),
        config.http_timeout,
        config.allow_insecure_http_for_tests,
    )?;
    *slot = Some(fetcher.clone());
    Ok(fetcher)
}
