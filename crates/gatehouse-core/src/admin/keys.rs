//! Signing keys as `gatehouse keys list|rotate` sees them: each key's schedule and where it is in
//! its life now, and a rotation on request (after the pre-publication delay, or at once).

use gatehouse_keys::{schedule, Algorithm, KeyRecord, KeyStatus};

use super::Admin;
use crate::error::Error;
use crate::issuance::rotation::{self, Activation, RotationPolicy};
use crate::model::{now, Tenant, UnixTime};

/// A key without its private half, and its status at the moment it was listed.
#[derive(Debug, Clone)]
pub struct KeyInfo {
    pub kid: String,
    pub alg: Algorithm,
    pub generation: i64,
    pub status: KeyStatus,
    pub created_at: UnixTime,
    pub activates_at: UnixTime,
    pub retires_at: Option<UnixTime>,
}

impl KeyInfo {
    fn of(all: &[KeyRecord], k: &KeyRecord, at: UnixTime) -> Self {
        Self {
            kid: k.kid.clone(),
            alg: k.alg,
            generation: k.generation,
            status: schedule::status(all, k, at),
            created_at: k.created_at,
            activates_at: k.activates_at,
            retires_at: k.retires_at,
        }
    }
}

impl Admin {
    /// Every key of the tenant (retired ones too), oldest first, with its status now.
    pub async fn list_keys(&self, tenant: &Tenant) -> Result<Vec<KeyInfo>, Error> {
        let keys = self.store.keys_for_tenant(&tenant.id).await?;
        let t = now();
        Ok(keys.iter().map(|k| KeyInfo::of(&keys, k, t)).collect())
    }

    /// Rotates the tenant's keys of `alg` (both algorithms when `None`): a new key, published at
    /// once, signing after the policy's pre-publication delay or (`Activation::Now`) at once.
    /// Refused, writing nothing, when a scheduled rotation would follow a key that is itself
    /// still waiting to sign (the rotation in progress would never sign); `Now` is allowed then.
    pub async fn rotate_keys(
        &self,
        tenant: &Tenant,
        alg: Option<Algorithm>,
        activation: Activation,
        policy: &RotationPolicy,
    ) -> Result<Vec<KeyInfo>, Error> {
        let algs: Vec<Algorithm> = match alg {
            Some(a) => vec![a],
            None => Algorithm::all().to_vec(),
        };
        let t = now();
        let keys = self.store.keys_for_tenant(&tenant.id).await?;
        if activation == Activation::Scheduled {
            if let Some(p) = algs.iter().find_map(|a| schedule::pending(&keys, *a, t)) {
                return Err(Error::Invalid(format!(
                    "The {} key {} is already waiting to sign (from {}): a second scheduled rotation would replace it before it signs. Wait until it activates, or rotate now.",
                    p.alg,
                    p.kid,
                    gatehouse_protocol::timefmt::iso8601(p.activates_at)
                )));
            }
        }
        let mut added = Vec::new();
        for a in algs {
            match rotation::rotate(self.store.as_ref(), &self.kek, &tenant.id, a, policy, activation, t).await? {
                Some(k) => added.push(k.kid),
                None => {
                    return Err(Error::Conflict {
                        object: crate::error::Object::Record,
                        name: format!("{a} key (another process rotated it at the same moment)"),
                    })
                }
            }
        }
        let keys = self.store.keys_for_tenant(&tenant.id).await?;
        let t = now();
        let added = keys
            .iter()
            .filter(|k| added.contains(&k.kid))
            .map(|k| KeyInfo::of(&keys, k, t))
            .collect();
        Ok(added)
    }
}
