//! The rotation schedule as pure functions of the stored keys and the clock: which key signs,
//! which keys are published, when the answer next changes, and whether a rotation is due.
//!
//! Every replica computes the same answers from the same rows at the same moment, so replicas
//! agree on the signer without talking to each other, and a key that activates at a future
//! moment starts signing then without any write or change event.
//!
//! A key's life: created and published at `created_at`; signs from `activates_at` until a newer
//! key of its algorithm (a higher generation) has activated; stays in the JWKS until
//! `retires_at` (its successor's activation plus the longest token lifetime), then is retired.

use crate::{Algorithm, KeyRecord, KeyStatus};

/// The key that signs for `alg` at `now`: the newest generation that has activated and is not
/// retired. `None` when no key of that algorithm is active (a store without keys).
pub fn signer(keys: &[KeyRecord], alg: Algorithm, now: i64) -> Option<&KeyRecord> {
    keys.iter()
        .filter(|k| k.alg == alg && k.activates_at <= now && k.retires_at.is_none_or(|r| r > now))
        .max_by_key(|k| (k.generation, k.activates_at, k.created_at))
}

/// Where `key` is in its life at `now`, among the tenant's `keys`.
pub fn status(keys: &[KeyRecord], key: &KeyRecord, now: i64) -> KeyStatus {
    if key.retires_at.is_some_and(|r| r <= now) {
        KeyStatus::Retired
    } else if key.activates_at > now {
        KeyStatus::Published
    } else if signer(keys, key.alg, now).is_some_and(|s| s.kid == key.kid) {
        KeyStatus::Active
    } else {
        KeyStatus::Inactive
    }
}

/// The keys in the JWKS at `now` (every key not yet retired, published ones included).
pub fn published(keys: &[KeyRecord], now: i64) -> impl Iterator<Item = &KeyRecord> {
    keys.iter().filter(move |k| k.retires_at.is_none_or(|r| r > now))
}

/// The next moment after `now` at which [`signer`] or [`published`] may answer differently (a
/// key activates or retires); `None` when nothing is scheduled. A cache of the computed answer
/// is good until then.
pub fn next_change(keys: &[KeyRecord], now: i64) -> Option<i64> {
    keys.iter()
        .flat_map(|k| [Some(k.activates_at), k.retires_at])
        .flatten()
        .filter(|t| *t > now)
        .min()
}

/// The newest key (highest generation) of `alg`: the one a rotation follows.
pub fn newest(keys: &[KeyRecord], alg: Algorithm) -> Option<&KeyRecord> {
    keys.iter()
        .filter(|k| k.alg == alg)
        .max_by_key(|k| (k.generation, k.created_at))
}

/// A key of `alg` published but not yet signing (a rotation in progress), if any.
pub fn pending(keys: &[KeyRecord], alg: Algorithm, now: i64) -> Option<&KeyRecord> {
    newest(keys, alg).filter(|k| k.activates_at > now)
}

/// The key a scheduled rotation of `alg` follows, when one is due at `now`: the newest key was
/// created `interval` seconds ago or more. `None`: not due (or no key to follow).
pub fn rotation_due(keys: &[KeyRecord], alg: Algorithm, now: i64, interval: i64) -> Option<&KeyRecord> {
    newest(keys, alg).filter(|k| k.created_at.saturating_add(interval) <= now)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(
        kid: &str,
        alg: Algorithm,
        generation: i64,
        created: i64,
        activates: i64,
        retires: Option<i64>,
    ) -> KeyRecord {
        KeyRecord {
            kid: kid.into(),
            tenant_id: "t".into(),
            alg,
            sealed_private: Vec::new(),
            public_jwk: String::new(),
            created_at: created,
            activates_at: activates,
            retires_at: retires,
            generation,
        }
    }

    /// k0 signs from 0; k1 is published at 100 and activates at 200; k0 retires at 200 + 50.
    fn rotation() -> Vec<KeyRecord> {
        vec![
            key("k0", Algorithm::RS256, 0, 0, 0, Some(250)),
            key("k1", Algorithm::RS256, 1, 100, 200, None),
            key("e0", Algorithm::ES256, 0, 0, 0, None),
        ]
    }

    #[test]
    fn a_key_is_published_before_it_signs() {
        let keys = rotation();
        for now in [100, 150, 199] {
            assert_eq!(signer(&keys, Algorithm::RS256, now).unwrap().kid, "k0", "at {now}");
            assert!(
                published(&keys, now).any(|k| k.kid == "k1"),
                "k1 is in the JWKS at {now}"
            );
            assert_eq!(status(&keys, &keys[1], now), KeyStatus::Published);
        }
        assert_eq!(signer(&keys, Algorithm::RS256, 200).unwrap().kid, "k1");
        assert_eq!(status(&keys, &keys[1], 200), KeyStatus::Active);
    }

    #[test]
    fn an_old_key_stays_published_until_its_tokens_expire() {
        let keys = rotation();
        for now in [200, 249] {
            assert_eq!(status(&keys, &keys[0], now), KeyStatus::Inactive, "at {now}");
            assert!(published(&keys, now).any(|k| k.kid == "k0"));
        }
        assert_eq!(status(&keys, &keys[0], 250), KeyStatus::Retired);
        assert!(!published(&keys, 250).any(|k| k.kid == "k0"));
        // Other algorithms are untouched.
        assert_eq!(signer(&keys, Algorithm::ES256, 250).unwrap().kid, "e0");
    }

    #[test]
    fn the_next_change_is_the_next_activation_or_retirement() {
        let keys = rotation();
        assert_eq!(next_change(&keys, 50), Some(200));
        assert_eq!(next_change(&keys, 200), Some(250));
        assert_eq!(next_change(&keys, 250), None);
    }

    #[test]
    fn an_emergency_successor_wins_over_a_pending_one() {
        let mut keys = rotation();
        keys[1].retires_at = Some(160);
        keys.push(key("k2", Algorithm::RS256, 2, 110, 110, None));
        assert_eq!(signer(&keys, Algorithm::RS256, 120).unwrap().kid, "k2");
        assert_eq!(status(&keys, &keys[1], 120), KeyStatus::Published);
        assert_eq!(status(&keys, &keys[0], 120), KeyStatus::Inactive);
        assert_eq!(pending(&keys, Algorithm::RS256, 120).map(|k| k.kid.as_str()), None);
    }

    #[test]
    fn a_rotation_is_due_an_interval_after_the_newest_key() {
        let keys = rotation();
        assert!(rotation_due(&keys, Algorithm::RS256, 150, 100).is_none());
        assert_eq!(rotation_due(&keys, Algorithm::RS256, 200, 100).unwrap().kid, "k1");
        assert_eq!(pending(&keys, Algorithm::RS256, 150).unwrap().kid, "k1");
        assert_eq!(rotation_due(&keys, Algorithm::ES256, 200, 100).unwrap().kid, "e0");
    }
}
