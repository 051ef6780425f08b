//! Signing-key rotation: the policy (how long a new key is published before it signs, how often
//! keys rotate, how long an old key stays published) and the one rotation step that
//! `gatehouse keys rotate` and the server's maintenance loop share.
//!
//! A rotation adds the successor of the newest key of an algorithm: published at once, signing
//! after the pre-publication delay; the keys before it leave the JWKS once every token they can
//! have signed has expired (the successor's activation plus [`RotationPolicy::retain_after`]).
//! Which key signs is then a pure function of the rows and the clock
//! ([`gatehouse_keys::schedule`]). Two processes rotating at once add one key: the store's
//! write is conditional on the generation ([`crate::store::KeyStore::rotate_key`]).

use gatehouse_keys::{schedule, Algorithm, Kek, KeyRecord};

use crate::error::Error;
use crate::model::{UnixTime, MAX_TOKEN_LIFETIME};
use crate::store::Store;

/// The guards' largest clock skew: a token is accepted this long past its `exp`.
pub const CLOCK_SKEW: i64 = 300;
/// Default pre-publication delay: a new key is in the JWKS a day before it signs.
pub const DEFAULT_PRE_PUBLICATION: i64 = 24 * 3600;
/// Default interval between scheduled rotations.
pub const DEFAULT_INTERVAL: i64 = 30 * 24 * 3600;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RotationPolicy {
    /// Seconds between a new key's publication and its first signature.
    pub pre_publication: i64,
    /// Seconds between scheduled rotations (measured from the newest key's creation); `None`:
    /// only `gatehouse keys rotate` rotates.
    pub interval: Option<i64>,
    /// Seconds an old key stays published after its successor activates: the longest token
    /// lifetime plus the guards' clock skew.
    pub retain_after: i64,
}

impl Default for RotationPolicy {
    fn default() -> Self {
        Self {
            pre_publication: DEFAULT_PRE_PUBLICATION,
            interval: Some(DEFAULT_INTERVAL),
            retain_after: MAX_TOKEN_LIFETIME + CLOCK_SKEW,
        }
    }
}

/// When the new key signs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Activation {
    /// After the pre-publication delay (guards have refreshed their JWKS by then).
    Scheduled,
    /// At once (an emergency): guards that have not refreshed their JWKS since fetch it when
    /// they first see the new `kid`.
    Now,
}

/// Adds the successor of the newest `alg` key of a tenant. `Ok(None)`: another process rotated
/// first (nothing written). The store handle must carry an actor (the write is audited).
pub async fn rotate(
    store: &dyn Store,
    kek: &Kek,
    tenant_id: &str,
    alg: Algorithm,
    policy: &RotationPolicy,
    activation: Activation,
    now: UnixTime,
) -> Result<Option<KeyRecord>, Error> {
    let keys = store.keys_for_tenant(tenant_id).await?;
    let Some(previous) = schedule::newest(&keys, alg) else {
        return Err(Error::Internal(format!(
            "tenant {tenant_id} has no {alg} key to rotate"
        )));
    };
    successor(store, kek, previous, policy, activation, now).await
}

async fn successor(
    store: &dyn Store,
    kek: &Kek,
    previous: &KeyRecord,
    policy: &RotationPolicy,
    activation: Activation,
    now: UnixTime,
) -> Result<Option<KeyRecord>, Error> {
    let activates_at = match activation {
        Activation::Scheduled => now.saturating_add(policy.pre_publication),
        Activation::Now => now,
    };
    let next = KeyRecord::successor(kek, previous, now, activates_at)?;
    let retire = next.activates_at.saturating_add(policy.retain_after);
    Ok(store.rotate_key(&next, retire).await?.then_some(next))
}

/// The scheduled rotations due at `now`, in every tenant and algorithm: the keys added (none
/// when the policy has no interval, nothing is due, or another replica rotated first).
pub async fn rotate_due(
    store: &dyn Store,
    kek: &Kek,
    policy: &RotationPolicy,
    now: UnixTime,
) -> Result<Vec<KeyRecord>, Error> {
    let Some(interval) = policy.interval else {
        return Ok(Vec::new());
    };
    let mut added = Vec::new();
    for tenant in store.list_tenants().await? {
        let keys = store.keys_for_tenant(&tenant.id).await?;
        for alg in Algorithm::all() {
            if let Some(previous) = schedule::rotation_due(&keys, alg, now, interval) {
                if let Some(next) = successor(store, kek, previous, policy, Activation::Scheduled, now).await? {
                    added.push(next);
                }
            }
        }
    }
    Ok(added)
}
