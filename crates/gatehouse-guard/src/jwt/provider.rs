//! Where the JWT verifier gets its verification keys: the [`KeyProvider`] trait, and
//! [`MemoryKeys`], a provider a host process fills itself (e.g. the server from its key ring,
//! per tenant issuer), so it can check its own tokens without fetching its own JWKS. The
//! JWKS-over-HTTPS fetcher (`keystore::JwksKeys`) is the provider a guard uses by default.

use std::collections::HashMap;
use std::sync::Arc;

use async_trait::async_trait;
use gatehouse_protocol::claims::issuer;
use gatehouse_protocol::discovery::Dialect;
use gatehouse_protocol::jwk::Jwks;
use parking_lot::RwLock;

use super::jwks::{parse_keys, JwksDocument, VerificationKey};
use crate::config::Issuer;

/// Outcome of a key lookup.
#[derive(Debug, Clone)]
pub enum KeyLookup {
    /// The key named by the token's `kid`.
    Found(Arc<VerificationKey>),
    /// The issuer's keys are known but none has this `kid`: the token is refused.
    UnknownKid,
    /// The provider holds no keys for this issuer: it is not one of ours, the token is refused.
    UnknownIssuer,
    /// The keys cannot be had now (e.g. the issuer was never reached): answered 503.
    Unavailable(String),
}

/// A source of verification keys per issuer.
///
/// The verifier asks only after the token's `iss` was found acceptable and its header passed
/// (`alg` RS256/ES256, a `kid`, no `crit`); it then pins the header's `alg` to the key's.
#[async_trait]
pub trait KeyProvider: Send + Sync + 'static {
    /// The key `kid` of `issuer` (`issuer.url` is exactly the token's `iss`).
    async fn key(&self, issuer: &Issuer, kid: &str) -> KeyLookup;

    /// Loads keys now (warm-up). Returns `(issuer, reason)` for each issuer that failed.
    /// Default: nothing to load.
    async fn refresh(&self) -> Vec<(String, String)> {
        Vec::new()
    }
}

type KeyMap = HashMap<String, Arc<VerificationKey>>;

/// Verification keys held in memory, by issuer then `kid`, filled by the host. Replacing an
/// issuer's keys is atomic: a verification sees the old set or the new one.
#[derive(Debug, Default)]
pub struct MemoryKeys {
    issuers: RwLock<HashMap<String, Arc<KeyMap>>>,
}

impl MemoryKeys {
    /// An empty provider: every issuer is unknown until its keys are set.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets (replaces) the keys of `issuer`, by `kid`.
    pub fn set_keys<I>(&self, issuer: impl Into<String>, keys: I)
    where
        I: IntoIterator<Item = (String, VerificationKey)>,
    {
        let map: KeyMap = keys.into_iter().map(|(kid, key)| (kid, Arc::new(key))).collect();
        self.issuers.write().insert(issuer.into(), Arc::new(map));
    }

    /// Sets (replaces) the keys of `issuer` from a JWKS, with the rules of a fetched one (only
    /// pinned RS256/ES256 keys; a `kid` listed twice is dropped). Returns the number kept.
    pub fn set_jwks(&self, issuer: impl Into<String>, jwks: &Jwks) -> usize {
        let map = Arc::new(jwks_keys(jwks));
        let kept = map.len();
        self.issuers.write().insert(issuer.into(), map);
        kept
    }

    /// Sets the keys of a tenant for both of its issuers, `{base_url}/{tenant}/v2.0` and
    /// `{base_url}/{tenant}/` (a Gatehouse tenant signs v1 and v2 tokens with the same keys).
    /// Returns the number of keys kept.
    pub fn set_tenant_jwks(&self, base_url: &str, tenant_id: &str, jwks: &Jwks) -> usize {
        let map = Arc::new(jwks_keys(jwks));
        let kept = map.len();
        let mut issuers = self.issuers.write();
        for dialect in [Dialect::V2, Dialect::V1] {
            issuers.insert(issuer(base_url, tenant_id, dialect), map.clone());
        }
        kept
    }

    /// Forgets `issuer`; its tokens are refused from now on. Returns whether it was held.
    pub fn remove(&self, issuer: &str) -> bool {
        self.issuers.write().remove(issuer).is_some()
    }

    /// Forgets both issuers of a tenant (see [`MemoryKeys::set_tenant_jwks`]).
    pub fn remove_tenant(&self, base_url: &str, tenant_id: &str) {
        let mut issuers = self.issuers.write();
        for dialect in [Dialect::V2, Dialect::V1] {
            issuers.remove(&issuer(base_url, tenant_id, dialect));
        }
    }

    /// Whether keys are held for `issuer`.
    pub fn contains(&self, issuer: &str) -> bool {
        self.issuers.read().contains_key(issuer)
    }
}

fn jwks_keys(jwks: &Jwks) -> KeyMap {
    let doc = JwksDocument {
        keys: jwks.keys.iter().filter_map(|k| serde_json::to_value(k).ok()).collect(),
    };
    parse_keys(&doc)
}

#[async_trait]
impl KeyProvider for MemoryKeys {
    async fn key(&self, issuer: &Issuer, kid: &str) -> KeyLookup {
        let Some(keys) = self.issuers.read().get(&issuer.url).cloned() else {
            return KeyLookup::UnknownIssuer;
        };
        match keys.get(kid) {
            Some(key) => KeyLookup::Found(key.clone()),
            None => KeyLookup::UnknownKid,
        }
    }
}
