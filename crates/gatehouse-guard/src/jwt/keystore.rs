//! [`JwksKeys`], the default [`KeyProvider`]: per configured issuer a [`KeySet`], the issuer's
//! signing keys fetched through its discovery document and held in memory as parsed keys.
//!
//! Refetch policy: a token naming an unknown `kid` triggers a fetch, but at most once per
//! `jwks_refetch_interval` (default 30 s; 5 s at most while no fetch has ever succeeded), and a
//! single fetch runs at a time. Keys older than `jwks_max_age` are refreshed in the background.
//! A failed fetch keeps the keys already held, so a brief issuer outage changes nothing.
//! Nothing in a token (`jku`, `x5u`, `jwk`, `kid`) is ever used as a fetch target.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use gatehouse_protocol::discovery::ProviderMetadata;
use parking_lot::RwLock;

use super::jwks::{parse_keys, JwksDocument, VerificationKey};
use super::provider::{KeyLookup, KeyProvider};
use crate::config::{GuardConfig, Issuer};
use crate::fetch::Fetcher;

const FIRST_LOAD_RETRY: Duration = Duration::from_secs(5);

/// The keys of every configured issuer, fetched over HTTPS (JWKS via discovery).
#[derive(Debug)]
pub(crate) struct JwksKeys {
    sets: HashMap<String, Arc<KeySet>>,
}

impl JwksKeys {
    pub(crate) fn new(config: &GuardConfig, fetcher: &Fetcher) -> Self {
        let sets = config
            .issuers
            .iter()
            .map(|issuer| {
                let set = KeySet::new(
                    issuer.discovery_url.clone(),
                    fetcher.clone(),
                    config.jwks_refetch_interval,
                    config.jwks_max_age,
                    config.allow_insecure_http_for_tests,
                );
                (issuer.url.clone(), Arc::new(set))
            })
            .collect();
        Self { sets }
    }
}

#[async_trait]
impl KeyProvider for JwksKeys {
    async fn key(&self, issuer: &Issuer, kid: &str) -> KeyLookup {
        match self.sets.get(&issuer.url) {
            Some(set) => set.key(kid).await,
            None => KeyLookup::UnknownIssuer,
        }
    }

    async fn refresh(&self) -> Vec<(String, String)> {
        let mut failed = Vec::new();
        for (issuer, set) in &self.sets {
            if let Err(e) = set.refresh().await {
                failed.push((issuer.clone(), e));
            }
        }
        failed.sort();
        failed
    }
}

#[derive(Debug, Default)]
struct KeyState {
    keys: HashMap<String, Arc<VerificationKey>>,
    last_attempt: Option<Instant>,
    last_success: Option<Instant>,
    last_error: Option<String>,
}

/// Keys of one issuer.
#[derive(Debug)]
pub(crate) struct KeySet {
    discovery_url: String,
    fetcher: Fetcher,
    refetch_interval: Duration,
    max_age: Duration,
    allow_http: bool,
    state: RwLock<KeyState>,
    fetch_lock: tokio::sync::Mutex<()>,
}

impl KeySet {
    pub(crate) fn new(
        discovery_url: String,
        fetcher: Fetcher,
        refetch_interval: Duration,
        max_age: Duration,
        allow_http: bool,
    ) -> Self {
        Self {
            discovery_url,
            fetcher,
            refetch_interval,
            max_age,
            allow_http,
            state: RwLock::new(KeyState::default()),
            fetch_lock: tokio::sync::Mutex::new(()),
        }
    }

    /// The key named `kid`, fetching the JWKS when the policy allows.
    pub(crate) async fn key(self: &Arc<Self>, kid: &str) -> KeyLookup {
        {
            let state = self.state.read();
            if let Some(key) = state.keys.get(kid) {
                let stale = state.last_success.is_some_and(|t| t.elapsed() > self.max_age);
                if stale && self.may_attempt(&state) {
                    self.spawn_background_refresh();
                }
                return KeyLookup::Found(key.clone());
            }
            if !self.may_attempt(&state) {
                return self.not_found(&state);
            }
        }
        let _guard = self.fetch_lock.lock().await;
        {
            // Another task may have fetched while this one waited.
            let state = self.state.read();
            if let Some(key) = state.keys.get(kid) {
                return KeyLookup::Found(key.clone());
            }
            if !self.may_attempt(&state) {
                return self.not_found(&state);
            }
        }
        self.refresh_locked().await;
        let state = self.state.read();
        match state.keys.get(kid) {
            Some(key) => KeyLookup::Found(key.clone()),
            None => self.not_found(&state),
        }
    }

    /// Fetches now unless a fetch ran less than the refetch interval ago. For warm-up and tests.
    pub(crate) async fn refresh(&self) -> Result<(), String> {
        let _guard = self.fetch_lock.lock().await;
        if self.may_attempt(&self.state.read()) {
            self.refresh_locked().await;
        }
        let state = self.state.read();
        match (&state.last_success, &state.last_error) {
            (Some(_), _) if !state.keys.is_empty() => Ok(()),
            (_, Some(e)) => Err(e.clone()),
            _ => Err("no keys loaded".to_string()),
        }
    }

    fn not_found(&self, state: &KeyState) -> KeyLookup {
        if state.keys.is_empty() {
            KeyLookup::Unavailable(
                state
                    .last_error
                    .clone()
                    .unwrap_or_else(|| "signing keys not loaded".to_string()),
            )
        } else {
            KeyLookup::UnknownKid
        }
    }

    fn may_attempt(&self, state: &KeyState) -> bool {
        let interval = if state.last_success.is_none() {
            self.refetch_interval.min(FIRST_LOAD_RETRY)
        } else {
            self.refetch_interval
        };
        state.last_attempt.is_none_or(|t| t.elapsed() >= interval)
    }

    fn spawn_background_refresh(self: &Arc<Self>) {
        let Ok(handle) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let this = Arc::clone(self);
        handle.spawn(async move {
            let _guard = this.fetch_lock.lock().await;
            if this.may_attempt(&this.state.read()) {
                this.refresh_locked().await;
            }
        });
    }

    /// Fetches discovery then JWKS. Call with `fetch_lock` held.
    async fn refresh_locked(&self) {
        self.state.write().last_attempt = Some(Instant::now());
        let result = self.fetch_keys().await;
        let mut state = self.state.write();
        match result {
            Ok(keys) => {
                tracing::debug!(issuer = %self.discovery_url, keys = keys.len(), "JWKS loaded");
                state.keys = keys;
                state.last_success = Some(Instant::now());
                state.last_error = None;
            }
            Err(error) => {
                tracing::warn!(issuer = %self.discovery_url, %error, "JWKS fetch failed; keeping cached keys");
                state.last_error = Some(error);
            }
        }
    }

    async fn fetch_keys(&self) -> Result<HashMap<String, Arc<VerificationKey>>, String> {
        let discovery: ProviderMetadata = self
            .fetcher
            .get_json(&self.discovery_url)
            .await
            .map_err(|e| e.to_string())?;
        let jwks_uri = url::Url::parse(&discovery.jwks_uri)
            .map_err(|_| format!("jwks_uri {:?} is not a URL", discovery.jwks_uri))?;
        let scheme_ok = jwks_uri.scheme() == "https" || (self.allow_http && jwks_uri.scheme() == "http");
        if !scheme_ok {
            return Err(format!("jwks_uri {jwks_uri} is not https"));
        }
        let doc: JwksDocument = self
            .fetcher
            .get_json(jwks_uri.as_str())
            .await
            .map_err(|e| e.to_string())?;
        let keys = parse_keys(&doc);
        if keys.is_empty() {
            return Err(format!("JWKS at {jwks_uri} holds no usable RS256/ES256 key"));
        }
        Ok(keys)
    }
}
