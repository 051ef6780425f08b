//! Unit tests of the two configuration stages.

use super::*;

#[test]
fn flags_win_over_file_and_defaults_apply() {
    let s = Sources {
        file: FileConfig {
            listen: Some("127.0.0.1:1".into()),
            data_dir: Some("f".into()),
            ..Default::default()
        },
        listen: Some("127.0.0.1:2".into()),
        ..Default::default()
    }
    .resolve()
    .unwrap();
    assert_eq!(s.listen.port(), 2);
    assert_eq!(s.data_dir, PathBuf::from("f"));
    assert!(matches!(s.database, Database::Embedded));
}

#[test]
fn bad_values_are_explained() {
    let e = Sources {
        listen: Some("nope".into()),
        ..Default::default()
    }
    .resolve()
    .unwrap_err();
    assert!(e.to_string().contains("IP:PORT"));
    let e = Sources {
        public_url: Some("http://x".into()),
        ..Default::default()
    }
    .resolve()
    .unwrap_err();
    assert!(e.to_string().contains("https://"));
    let e = Sources {
        database_url: Some("mysql://x".into()),
        ..Default::default()
    }
    .resolve()
    .unwrap_err();
    assert!(e.to_string().contains("postgres://"));
    let e = Sources {
        tls_cert: Some("c".into()),
        ..Default::default()
    }
    .resolve()
    .unwrap_err();
    assert!(e.to_string().contains("tls_key"));
    let e = Sources {
        sign_in_log_retention_days: Some(40_000),
        ..Default::default()
    }
    .resolve()
    .unwrap_err();
    assert!(e.to_string().contains("0 to keep the log forever"));
    let e = Sources {
        purge_interval_minutes: Some(100_000),
        ..Default::default()
    }
    .resolve()
    .unwrap_err();
    assert!(e.to_string().contains("gatehouse purge"));
}

#[test]
fn trusted_proxies_take_networks_and_addresses() {
    let s = Sources {
        file: FileConfig {
            trusted_proxies: Some(vec!["10.0.0.0/8".into()]),
            ..Default::default()
        },
        ..Default::default()
    }
    .resolve()
    .unwrap();
    assert_eq!(s.trusted_proxies, vec!["10.0.0.0/8".parse::<IpNet>().unwrap()]);
    let s = Sources {
        file: FileConfig {
            trusted_proxies: Some(vec!["10.0.0.0/8".into()]),
            ..Default::default()
        },
        trusted_proxies: vec!["192.0.2.10".into(), " fd00::1/8 ".into()],
        ..Default::default()
    }
    .resolve()
    .unwrap();
    assert_eq!(
        s.trusted_proxies,
        vec![
            "192.0.2.10/32".parse::<IpNet>().unwrap(),
            "fd00::/8".parse::<IpNet>().unwrap()
        ],
        "the flag replaces the file's list; host bits are dropped"
    );
    let e = Sources {
        trusted_proxies: vec!["load-balancer".into()],
        ..Default::default()
    }
    .resolve()
    .unwrap_err();
    assert!(e.to_string().contains("10.0.0.0/8"), "{e}");
}

#[test]
fn retention_defaults_and_zero_means_keep() {
    let s = Sources::default().resolve().unwrap();
    assert_eq!(s.retention.sign_in_log, Some(Duration::from_secs(90 * 24 * 3600)));
    assert_eq!(s.purge_every, Some(Duration::from_secs(3600)));
    let s = Sources {
        file: FileConfig {
            sign_in_log_retention_days: Some(7),
            purge_interval_minutes: Some(0),
            ..Default::default()
        },
        sign_in_log_retention_days: Some(0),
        ..Default::default()
    }
    .resolve()
    .unwrap();
    assert_eq!(s.retention.sign_in_log, None, "the flag (0) wins over the file (7)");
    assert_eq!(s.purge_every, None);
}

#[test]
fn permission_override_and_quiet_bootstrap_default_off_and_the_flag_wins() {
    let s = Sources::default().resolve().unwrap();
    assert!(!s.allow_insecure_permissions && !s.quiet_bootstrap);
    let file: FileConfig = toml::from_str("allow_insecure_permissions = true\nquiet_bootstrap = true").unwrap();
    let s = Sources {
        file,
        allow_insecure_permissions: Some(false),
        ..Default::default()
    }
    .resolve()
    .unwrap();
    assert!(
        !s.allow_insecure_permissions,
        "the flag (false) wins over the file (true)"
    );
    assert!(s.quiet_bootstrap, "the file applies when no flag is given");
}

#[test]
fn unknown_file_keys_are_refused() {
    assert!(toml::from_str::<FileConfig>("lisen = \"x\"").is_err());
    assert!(toml::from_str::<FileConfig>("[connections]\nidle_timeout = 5").is_err());
}
