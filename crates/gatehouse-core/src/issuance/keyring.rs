//! Each tenant's signing keys, unsealed and parsed once, and its published JWKS, in a bounded
//! cache that a signing-key change of a tenant invalidates for that tenant only
//! ([`KeyRing::apply`]). Which key signs and which are published is computed from the stored
//! schedule and the clock ([`gatehouse_keys::schedule`]); a computed entry is kept only until the
//! next scheduled activation or retirement, so a key activating at a future moment signs from
//! then on in every replica, with no write and no change event.

use std::collections::HashMap;
use std::sync::Arc;

use gatehouse_keys::{schedule, Algorithm, Kek, LocalSigner, Signer};
use gatehouse_protocol::jwk::{Jwk, Jwks};

use crate::error::Error;
use crate::issuance::directory::cache::GuardedCache;
use crate::model::{now, Tenant, UnixTime};
use crate::store::{Change, ChangeKind, KeyStore};

/// How many tenants' keys are held at most.
pub const CAPACITY: u64 = 5_000;

/// One tenant's keys, ready to sign.
pub struct TenantKeys {
    signers: HashMap<Algorithm, Arc<dyn Signer>>,
    /// Every key of the tenant by kid, to recognise tokens it signed.
    verifiers: HashMap<String, Arc<LocalSigner>>,
    /// The JWKS document, serialized once.
    pub jwks_json: Arc<[u8]>,
    /// The moment the schedule next changes (a key activates or retires): the entry is
    /// recomputed from then on. `None`: nothing scheduled.
    pub valid_until: Option<UnixTime>,
}

impl TenantKeys {
    /// Keys held outside a store (benchmarks, tests).
    pub fn from_signers(signers: Vec<Arc<dyn Signer>>) -> Self {
        Self {
            signers: signers.into_iter().map(|s| (s.algorithm(), s)).collect(),
            verifiers: HashMap::new(),
            jwks_json: Arc::from(&b"{\"keys\":[]}"[..]),
            valid_until: None,
        }
    }

    /// Still what the schedule says at `at`.
    pub fn current_at(&self, at: UnixTime) -> bool {
        self.valid_until.is_none_or(|until| at < until)
    }

    /// The public JWK of the tenant's key `kid`, if the tenant has that key.
    pub fn public_jwk(&self, kid: &str) -> Option<Jwk> {
        self.verifiers.get(kid).map(|k| k.public_jwk())
    }

    pub fn signer(&self, alg: Algorithm) -> Option<&Arc<dyn Signer>> {
        self.signers.get(&alg)
    }

    /// The claims of a JWT this tenant signed, if its signature checks with the key its `kid`
    /// names, the header's `alg` is that key's algorithm and the header has no `crit` (we
    /// understand no extension, so RFC 7515 section 4.1.11 says refuse). Time claims are not
    /// checked here.
    pub fn verified_claims(&self, token: &str) -> Option<serde_json::Value> {
        use base64::{engine::general_purpose::URL_SAFE_NO_PAD as B64, Engine};
        let mut parts = token.split('.');
        let (h, p, sig) = (parts.next()?, parts.next()?, parts.next()?);
        if parts.next().is_some() {
            return None;
        }
        let header: serde_json::Value = serde_json::from_slice(&B64.decode(h).ok()?).ok()?;
        if header.get("crit").is_some() {
            return None;
        }
        let key = self.verifiers.get(header.get("kid")?.as_str()?)?;
        if header.get("alg")?.as_str()? != key.algorithm().as_str() {
            return None;
        }
        let signature = B64.decode(sig).ok()?;
        let signed = &token[..h.len() + 1 + p.len()];
        if !key.verify(signed.as_bytes(), &signature) {
            return None;
        }
        serde_json::from_slice(&B64.decode(p).ok()?).ok()
    }
}

pub struct KeyRing {
    store: Arc<dyn KeyStore>,
    kek: Arc<Kek>,
    base_url: String,
    tenants: GuardedCache<Arc<TenantKeys>>,
}

impl KeyRing {
    pub fn new(store: Arc<dyn KeyStore>, kek: Arc<Kek>, base_url: String) -> Self {
        Self {
            store,
            kek,
            base_url,
            tenants: GuardedCache::new(CAPACITY),
        }
    }

    /// Drops every tenant's keys.
    pub fn invalidate(&self) {
        self.tenants.invalidate_all();
    }

    /// Drops the keys of the tenant a signing-key change names; other changes keep them.
    pub fn apply(&self, change: &Change) {
        if change.kind == ChangeKind::SigningKey {
            self.tenants.invalidate(&change.tenant_id);
        }
    }

    pub async fn for_tenant(&self, tenant: &Tenant) -> Result<Arc<TenantKeys>, Error> {
        let t = now();
        if let Some(k) = self.tenants.get(&tenant.id) {
            if k.current_at(t) {
                return Ok(k);
            }
            // A key activated or retired since this entry was computed.
            self.tenants.invalidate(&tenant.id);
        }
        let ticket = self.tenants.ticket(&tenant.id);
        let records = self.store.keys_for_tenant(&tenant.id).await?;
        let mut signers: HashMap<Algorithm, Arc<dyn Signer>> = HashMap::new();
        let mut verifiers: HashMap<String, Arc<LocalSigner>> = HashMap::new();
        let mut keys: Vec<Jwk> = Vec::new();
        let issuer = format!("{}/{}/v2.0", self.base_url, tenant.id);
        for record in schedule::published(&records, t) {
            let mut jwk: Jwk = serde_json::from_str(&record.public_jwk)
                .map_err(|e| Error::Internal(format!("stored JWK of {}: {e}", record.kid)))?;
            jwk.issuer = Some(issuer.clone());
            keys.push(jwk);
            let loaded = Arc::new(record.load(&self.kek)?);
            verifiers.insert(record.kid.clone(), loaded);
        }
        for alg in Algorithm::all() {
            if let Some(active) = schedule::signer(&records, alg, t) {
                if let Some(loaded) = verifiers.get(&active.kid) {
                    signers.insert(alg, loaded.clone());
                }
            }
        }
        let jwks_json: Arc<[u8]> = serde_json::to_vec(&Jwks { keys })
            .map_err(|e| Error::Internal(e.to_string()))?
            .into();
        let loaded = Arc::new(TenantKeys {
            signers,
            verifiers,
            jwks_json,
            valid_until: schedule::next_change(&records, t),
        });
        self.tenants.insert(ticket, tenant.id.clone(), loaded.clone());
        Ok(loaded)
    }
}
