//! Flags and environment variables for the connection limits of `serve` (`GATEHOUSE_*`) and
//! `proxy` (`GATEHOUSE_PROXY_*`): the same settings as the `[connections]` table of their TOML
//! files (`gatehouse_listener::LimitsFile`), so one range check and one set of key names serve
//! all three sources. `serve` adds `--tls-handshake-timeout-seconds` (the proxy has no TLS).

use gatehouse_listener::{LimitsError, LimitsFile};

macro_rules! connection_args {
    ($(#[$meta:meta])* $name:ident, $env:literal) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Default, clap::Args)]
        pub struct $name {
            /// Seconds a request head (HTTP/2: the preface and first SETTINGS frame) may take
            /// from its first byte; later bytes do not extend it. Default 10.
            #[arg(long, env = concat!($env, "HEADER_READ_TIMEOUT_SECONDS"), value_name = "SECONDS")]
            pub header_read_timeout_seconds: Option<u64>,
            /// Seconds a request body may take from the end of its head (plus one second per
            /// --body-min-bytes-per-second bytes received). Default 20.
            #[arg(long, env = concat!($env, "BODY_READ_TIMEOUT_SECONDS"), value_name = "SECONDS")]
            pub body_read_timeout_seconds: Option<u64>,
            /// Bytes per second that earn a slow body one more second; 0: a fixed deadline.
            /// Default 500.
            #[arg(long, env = concat!($env, "BODY_MIN_BYTES_PER_SECOND"), value_name = "BYTES")]
            pub body_min_bytes_per_second: Option<u64>,
            /// Seconds a connection may sit with no request (after connecting, between
            /// requests). Default 75.
            #[arg(long, env = concat!($env, "IDLE_TIMEOUT_SECONDS"), value_name = "SECONDS")]
            pub idle_timeout_seconds: Option<u64>,
            /// Seconds between HTTP/2 keep-alive PINGs; 0 sends none. Default 30.
            #[arg(long, env = concat!($env, "HTTP2_KEEP_ALIVE_INTERVAL_SECONDS"), value_name = "SECONDS")]
            pub http2_keep_alive_interval_seconds: Option<u64>,
            /// Seconds an HTTP/2 PING may go unanswered before the connection is closed. Default 10.
            #[arg(long, env = concat!($env, "HTTP2_KEEP_ALIVE_TIMEOUT_SECONDS"), value_name = "SECONDS")]
            pub http2_keep_alive_timeout_seconds: Option<u64>,
            /// Concurrent streams per HTTP/2 connection. Default 100.
            #[arg(long, env = concat!($env, "HTTP2_MAX_CONCURRENT_STREAMS"), value_name = "STREAMS")]
            pub http2_max_concurrent_streams: Option<u64>,
            /// Connections served at once; at the cap new connections wait (in the listen
            /// backlog) until one closes. Default 512.
            #[arg(long, env = concat!($env, "MAX_CONNECTIONS"), value_name = "CONNECTIONS")]
            pub max_connections: Option<u64>,
            /// Largest request head in bytes (larger: 431). Default 65536.
            #[arg(long, env = concat!($env, "MAX_HEADER_BYTES"), value_name = "BYTES")]
            pub max_header_bytes: Option<u64>,
        }

        impl $name {
            /// What was given, as the `[connections]` table would say it.
            pub fn to_limits_file(&self) -> LimitsFile {
                LimitsFile {
                    tls_handshake_timeout_seconds: None,
                    header_read_timeout_seconds: self.header_read_timeout_seconds,
                    body_read_timeout_seconds: self.body_read_timeout_seconds,
                    body_min_bytes_per_second: self.body_min_bytes_per_second,
                    idle_timeout_seconds: self.idle_timeout_seconds,
                    http2_keep_alive_interval_seconds: self.http2_keep_alive_interval_seconds,
                    http2_keep_alive_timeout_seconds: self.http2_keep_alive_timeout_seconds,
                    http2_max_concurrent_streams: self.http2_max_concurrent_streams,
                    max_connections: self.max_connections,
                    max_header_bytes: self.max_header_bytes,
                }
            }
        }
    };
}

connection_args!(
    /// Connection limits of `gatehouse serve`.
    ServeConnectionArgs,
    "GATEHOUSE_"
);

connection_args!(
    /// Connection limits of `gatehouse proxy`.
    ProxyConnectionArgs,
    "GATEHOUSE_PROXY_"
);

/// A limit out of range, with every place it can be set.
pub fn explain(error: LimitsError, env_prefix: &str, file: &str) -> anyhow::Error {
    anyhow::anyhow!(
        "{error} (set by --{flag}, {env_prefix}{env} or {key} in the [connections] table of {file})",
        flag = error.key.replace('_', "-"),
        env = error.key.to_ascii_uppercase(),
        key = error.key,
    )
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::config::{FileConfig, Sources};
    use clap::Parser;
    use gatehouse_listener::Limits;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        limits: ProxyConnectionArgs,
    }

    #[test]
    fn flags_become_the_connections_table() {
        let cli = Cli::try_parse_from(["x", "--idle-timeout-seconds", "5", "--max-connections", "3"]).unwrap();
        let file = cli.limits.to_limits_file();
        assert_eq!(file.idle_timeout_seconds, Some(5));
        assert_eq!(file.max_connections, Some(3));
        assert_eq!(file.header_read_timeout_seconds, None);
    }

    #[test]
    fn the_proxy_reads_its_own_variables() {
        // Only this test uses these names, so setting them cannot disturb another test.
        std::env::set_var("GATEHOUSE_PROXY_BODY_MIN_BYTES_PER_SECOND", "7");
        std::env::set_var("GATEHOUSE_BODY_MIN_BYTES_PER_SECOND", "9");
        let cli = Cli::try_parse_from(["x"]).unwrap();
        std::env::remove_var("GATEHOUSE_PROXY_BODY_MIN_BYTES_PER_SECOND");
        std::env::remove_var("GATEHOUSE_BODY_MIN_BYTES_PER_SECOND");
        assert_eq!(cli.limits.to_limits_file().body_min_bytes_per_second, Some(7));
    }

    #[test]
    fn a_bad_limit_names_the_flag_the_variable_and_the_key() {
        let error = LimitsFile {
            idle_timeout_seconds: Some(0),
            ..Default::default()
        }
        .apply(&Default::default())
        .unwrap_err();
        let text = explain(error, "GATEHOUSE_PROXY_", "the routes file").to_string();
        assert!(
            text.starts_with("idle_timeout_seconds is 0: give 1 to 3600 seconds"),
            "{text}"
        );
        assert!(text.contains("--idle-timeout-seconds"), "{text}");
        assert!(text.contains("GATEHOUSE_PROXY_IDLE_TIMEOUT_SECONDS"), "{text}");
    }

    #[test]
    fn connection_limits_take_flags_over_the_file_and_are_checked() {
        let file: FileConfig = toml::from_str(
            "[connections]\nidle_timeout_seconds = 30\nmax_connections = 100\ntls_handshake_timeout_seconds = 4\n",
        )
        .unwrap();
        let s = Sources {
            file,
            connections: LimitsFile {
                idle_timeout_seconds: Some(5),
                ..Default::default()
            },
            ..Default::default()
        }
        .resolve()
        .unwrap();
        assert_eq!(s.connections.idle_timeout, Duration::from_secs(5));
        assert_eq!(s.connections.max_connections, 100);
        assert_eq!(s.connections.tls_handshake_timeout, Duration::from_secs(4));
        assert_eq!(Sources::default().resolve().unwrap().connections, Limits::default());
        let e = Sources {
            connections: LimitsFile {
                max_connections: Some(0),
                ..Default::default()
            },
            ..Default::default()
        }
        .resolve()
        .unwrap_err()
        .to_string();
        assert!(e.contains("max_connections is 0"), "{e}");
        assert!(
            e.contains("--max-connections") && e.contains("GATEHOUSE_MAX_CONNECTIONS"),
            "{e}"
        );
    }
}
