//! Signing-key rotation settings: the pre-publication delay and the rotation interval (flags,
//! `GATEHOUSE_KEY_*`, or the file's `key_pre_publication_seconds` and
//! `key_rotation_interval_seconds`).

use anyhow::{bail, Result};
use clap::Args;
use gatehouse_core::issuance::rotation::{RotationPolicy, DEFAULT_INTERVAL, DEFAULT_PRE_PUBLICATION};

/// The longest pre-publication delay accepted: 30 days.
const MAX_PRE_PUBLICATION: u64 = 30 * 86_400;
/// The longest rotation interval accepted: two years.
const MAX_INTERVAL: u64 = 730 * 86_400;

/// Flags of the verbs that rotate keys (`serve` on a schedule, `keys rotate` on request).
#[derive(Debug, Clone, Default, Args)]
pub struct RotationArgs {
    /// Seconds a new signing key is in the JWKS before it signs, so guards have it before they
    /// see a token it signed. Default 86400 (24 h).
    #[arg(long, env = "GATEHOUSE_KEY_PRE_PUBLICATION_SECONDS", value_name = "SECONDS")]
    pub key_pre_publication_seconds: Option<u64>,
    /// Seconds between scheduled rotations of every tenant's signing keys (from the newest
    /// key's creation); 0: only `gatehouse keys rotate` rotates. Default 2592000 (30 days).
    #[arg(long, env = "GATEHOUSE_KEY_ROTATION_INTERVAL_SECONDS", value_name = "SECONDS")]
    pub key_rotation_interval_seconds: Option<u64>,
}

/// Flag or environment first, then the file, then the defaults; checked.
pub fn resolve(args: &RotationArgs, file_pre: Option<u64>, file_interval: Option<u64>) -> Result<RotationPolicy> {
    let pre = args
        .key_pre_publication_seconds
        .or(file_pre)
        .unwrap_or(DEFAULT_PRE_PUBLICATION as u64);
    if pre > MAX_PRE_PUBLICATION {
        bail!("key_pre_publication_seconds is {pre}: give at most {MAX_PRE_PUBLICATION} (30 days)");
    }
    let interval = args
        .key_rotation_interval_seconds
        .or(file_interval)
        .unwrap_or(DEFAULT_INTERVAL as u64);
    if interval > MAX_INTERVAL {
        bail!("key_rotation_interval_seconds is {interval}: give at most {MAX_INTERVAL} (two years), or 0 to rotate only with `gatehouse keys rotate`");
    }
    if interval != 0 && interval <= pre {
        bail!(
            "key_rotation_interval_seconds ({interval}) must be longer than key_pre_publication_seconds ({pre}), \
             so that each new key signs before the next one is made (or 0 to rotate only by hand)"
        );
    }
    Ok(RotationPolicy {
        pre_publication: pre as i64,
        interval: (interval > 0).then_some(interval as i64),
        ..RotationPolicy::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_then_file_then_flags() {
        let p = resolve(&RotationArgs::default(), None, None).unwrap();
        assert_eq!((p.pre_publication, p.interval), (86_400, Some(30 * 86_400)));
        let p = resolve(&RotationArgs::default(), Some(10), Some(0)).unwrap();
        assert_eq!((p.pre_publication, p.interval), (10, None));
        let flags = RotationArgs {
            key_pre_publication_seconds: Some(2),
            key_rotation_interval_seconds: Some(5),
        };
        let p = resolve(&flags, Some(10), Some(0)).unwrap();
        assert_eq!((p.pre_publication, p.interval), (2, Some(5)));
    }

    #[test]
    fn an_interval_shorter_than_the_pre_publication_is_refused() {
        let e = resolve(&RotationArgs::default(), Some(100), Some(50)).unwrap_err();
        assert!(e.to_string().contains("must be longer"), "{e}");
        let e = resolve(&RotationArgs::default(), Some(MAX_PRE_PUBLICATION + 1), Some(0)).unwrap_err();
        assert!(e.to_string().contains("at most"), "{e}");
    }
}
