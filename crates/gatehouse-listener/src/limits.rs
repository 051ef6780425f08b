//! [`Limits`]: what one connection may cost before it is closed, with safe defaults; and
//! [`LimitsFile`], the same settings as optional whole numbers (the `[connections]` TOML table,
//! or flags), applied over a base and checked with messages that name the key to change.

use std::time::Duration;

use serde::Deserialize;

/// Connection limits. [`Limits::default`] is what `gatehouse serve` and `gatehouse proxy` use
/// when nothing is configured.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// A TLS handshake must finish this long after the connection was accepted.
    pub tls_handshake_timeout: Duration,
    /// A request head (HTTP/1.1), or the preface and first SETTINGS frame (HTTP/2), must be
    /// complete this long after its first byte arrived. Not reset by further bytes.
    pub header_read_timeout: Duration,
    /// A request body may take this long from the end of its head, plus one second for every
    /// [`Limits::body_min_bytes_per_second`] bytes received.
    pub body_read_timeout: Duration,
    /// See [`Limits::body_read_timeout`]; 0: the body must be complete within the timeout.
    pub body_min_bytes_per_second: u64,
    /// A connection with no request in progress is closed after this long: between requests,
    /// and right after the TLS handshake.
    pub idle_timeout: Duration,
    /// HTTP/2 keep-alive PING interval (`None`: no PINGs).
    pub http2_keep_alive_interval: Option<Duration>,
    /// An HTTP/2 PING not acknowledged within this closes the connection.
    pub http2_keep_alive_timeout: Duration,
    /// `SETTINGS_MAX_CONCURRENT_STREAMS` announced to HTTP/2 clients.
    pub http2_max_concurrent_streams: u32,
    /// Connections served at once; at the cap, accepting pauses (new connections wait in the
    /// kernel's listen backlog) until one closes.
    pub max_connections: usize,
    /// Largest request head: HTTP/1.1 read buffer for the head, HTTP/2 header list size.
    pub max_header_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            tls_handshake_timeout: Duration::from_secs(10),
            header_read_timeout: Duration::from_secs(10),
            body_read_timeout: Duration::from_secs(20),
            body_min_bytes_per_second: 500,
            idle_timeout: Duration::from_secs(75),
            http2_keep_alive_interval: Some(Duration::from_secs(30)),
            http2_keep_alive_timeout: Duration::from_secs(10),
            http2_max_concurrent_streams: 100,
            max_connections: 512,
            max_header_bytes: 64 * 1024,
        }
    }
}

/// A setting out of its range.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{key} is {value}: give {range}")]
pub struct LimitsError {
    /// The TOML key (the flag is the same with dashes).
    pub key: &'static str,
    pub value: u64,
    /// What is accepted, in words.
    pub range: &'static str,
}

struct Rule {
    key: &'static str,
    min: u64,
    max: u64,
    range: &'static str,
}

const TLS_HANDSHAKE: Rule = Rule {
    key: "tls_handshake_timeout_seconds",
    min: 1,
    max: 300,
    range: "1 to 300 seconds",
};
const HEADER_READ: Rule = Rule {
    key: "header_read_timeout_seconds",
    min: 1,
    max: 300,
    range: "1 to 300 seconds",
};
const BODY_READ: Rule = Rule {
    key: "body_read_timeout_seconds",
    min: 1,
    max: 3600,
    range: "1 to 3600 seconds",
};
const BODY_RATE: Rule = Rule {
    key: "body_min_bytes_per_second",
    min: 0,
    max: 1 << 30,
    range: "0 (a fixed deadline) to 1073741824 bytes per second",
};
const IDLE: Rule = Rule {
    key: "idle_timeout_seconds",
    min: 1,
    max: 3600,
    range: "1 to 3600 seconds",
};
const PING_INTERVAL: Rule = Rule {
    key: "http2_keep_alive_interval_seconds",
    min: 0,
    max: 3600,
    range: "0 (no PINGs) to 3600 seconds",
};
const PING_TIMEOUT: Rule = Rule {
    key: "http2_keep_alive_timeout_seconds",
    min: 1,
    max: 300,
    range: "1 to 300 seconds",
};
const STREAMS: Rule = Rule {
    key: "http2_max_concurrent_streams",
    min: 1,
    max: 10_000,
    range: "1 to 10000 streams",
};
const CONNECTIONS: Rule = Rule {
    key: "max_connections",
    min: 1,
    max: 1_000_000,
    range: "1 to 1000000 connections",
};
const HEADER_BYTES: Rule = Rule {
    key: "max_header_bytes",
    min: 8192,
    max: 1 << 20,
    range: "8192 to 1048576 bytes",
};

impl Rule {
    fn check(&self, value: u64) -> Result<u64, LimitsError> {
        if (self.min..=self.max).contains(&value) {
            Ok(value)
        } else {
            Err(LimitsError {
                key: self.key,
                value,
                range: self.range,
            })
        }
    }

    /// A duration in whole seconds, rounded up (sub-second values count as their next second).
    fn check_duration(&self, d: Duration) -> Result<(), LimitsError> {
        let secs = d.as_secs() + u64::from(d.subsec_nanos() > 0);
        if d.is_zero() {
            return Err(LimitsError {
                key: self.key,
                value: 0,
                range: self.range,
            });
        }
        self.check(secs).map(|_| ())
    }
}

impl Limits {
    /// Checks every value against its range (library callers that build `Limits` by hand).
    pub fn check(&self) -> Result<(), LimitsError> {
        TLS_HANDSHAKE.check_duration(self.tls_handshake_timeout)?;
        HEADER_READ.check_duration(self.header_read_timeout)?;
        BODY_READ.check_duration(self.body_read_timeout)?;
        BODY_RATE.check(self.body_min_bytes_per_second)?;
        IDLE.check_duration(self.idle_timeout)?;
        if let Some(interval) = self.http2_keep_alive_interval {
            PING_INTERVAL.check_duration(interval)?;
        }
        PING_TIMEOUT.check_duration(self.http2_keep_alive_timeout)?;
        STREAMS.check(u64::from(self.http2_max_concurrent_streams))?;
        CONNECTIONS.check(self.max_connections as u64)?;
        HEADER_BYTES.check(self.max_header_bytes as u64)?;
        Ok(())
    }
}

/// The limits as optional whole numbers: the `[connections]` table of a TOML file, or the
/// flags of a command. Unknown keys are refused.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LimitsFile {
    pub tls_handshake_timeout_seconds: Option<u64>,
    pub header_read_timeout_seconds: Option<u64>,
    pub body_read_timeout_seconds: Option<u64>,
    pub body_min_bytes_per_second: Option<u64>,
    pub idle_timeout_seconds: Option<u64>,
    pub http2_keep_alive_interval_seconds: Option<u64>,
    pub http2_keep_alive_timeout_seconds: Option<u64>,
    pub http2_max_concurrent_streams: Option<u64>,
    pub max_connections: Option<u64>,
    pub max_header_bytes: Option<u64>,
}

impl LimitsFile {
    /// Each value of `self`, else the one of `fallback` (flags over the file).
    pub fn or(self, fallback: LimitsFile) -> LimitsFile {
        LimitsFile {
            tls_handshake_timeout_seconds: self
                .tls_handshake_timeout_seconds
                .or(fallback.tls_handshake_timeout_seconds),
            header_read_timeout_seconds: self
                .header_read_timeout_seconds
                .or(fallback.header_read_timeout_seconds),
            body_read_timeout_seconds: self.body_read_timeout_seconds.or(fallback.body_read_timeout_seconds),
            body_min_bytes_per_second: self.body_min_bytes_per_second.or(fallback.body_min_bytes_per_second),
            idle_timeout_seconds: self.idle_timeout_seconds.or(fallback.idle_timeout_seconds),
            http2_keep_alive_interval_seconds: self
                .http2_keep_alive_interval_seconds
                .or(fallback.http2_keep_alive_interval_seconds),
            http2_keep_alive_timeout_seconds: self
                .http2_keep_alive_timeout_seconds
                .or(fallback.http2_keep_alive_timeout_seconds),
            http2_max_concurrent_streams: self
                .http2_max_concurrent_streams
                .or(fallback.http2_max_concurrent_streams),
            max_connections: self.max_connections.or(fallback.max_connections),
            max_header_bytes: self.max_header_bytes.or(fallback.max_header_bytes),
        }
    }

    /// `base` with every value given here replaced, each checked against its range.
    pub fn apply(&self, base: &Limits) -> Result<Limits, LimitsError> {
        let secs = |rule: &Rule, v: u64| rule.check(v).map(Duration::from_secs);
        let mut l = base.clone();
        if let Some(v) = self.tls_handshake_timeout_seconds {
            l.tls_handshake_timeout = secs(&TLS_HANDSHAKE, v)?;
        }
        if let Some(v) = self.header_read_timeout_seconds {
            l.header_read_timeout = secs(&HEADER_READ, v)?;
        }
        if let Some(v) = self.body_read_timeout_seconds {
            l.body_read_timeout = secs(&BODY_READ, v)?;
        }
        if let Some(v) = self.body_min_bytes_per_second {
            l.body_min_bytes_per_second = BODY_RATE.check(v)?;
        }
        if let Some(v) = self.idle_timeout_seconds {
            l.idle_timeout = secs(&IDLE, v)?;
        }
        if let Some(v) = self.http2_keep_alive_interval_seconds {
            l.http2_keep_alive_interval = (PING_INTERVAL.check(v)? > 0).then(|| Duration::from_secs(v));
        }
        if let Some(v) = self.http2_keep_alive_timeout_seconds {
            l.http2_keep_alive_timeout = secs(&PING_TIMEOUT, v)?;
        }
        if let Some(v) = self.http2_max_concurrent_streams {
            l.http2_max_concurrent_streams = STREAMS.check(v)? as u32;
        }
        if let Some(v) = self.max_connections {
            l.max_connections = CONNECTIONS.check(v)? as usize;
        }
        if let Some(v) = self.max_header_bytes {
            l.max_header_bytes = HEADER_BYTES.check(v)? as usize;
        }
        l.check()?;
        Ok(l)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_in_range() {
        Limits::default().check().unwrap();
        assert_eq!(
            LimitsFile::default().apply(&Limits::default()).unwrap(),
            Limits::default()
        );
    }

    #[test]
    fn given_values_replace_the_base_and_first_wins_over_fallback() {
        let flags = LimitsFile {
            idle_timeout_seconds: Some(5),
            ..Default::default()
        };
        let file = LimitsFile {
            idle_timeout_seconds: Some(9),
            max_connections: Some(7),
            http2_keep_alive_interval_seconds: Some(0),
            ..Default::default()
        };
        let l = flags.or(file).apply(&Limits::default()).unwrap();
        assert_eq!(l.idle_timeout, Duration::from_secs(5));
        assert_eq!(l.max_connections, 7);
        assert_eq!(l.http2_keep_alive_interval, None);
        assert_eq!(l.header_read_timeout, Limits::default().header_read_timeout);
    }

    #[test]
    fn out_of_range_values_name_their_key_and_range() {
        let e = LimitsFile {
            header_read_timeout_seconds: Some(0),
            ..Default::default()
        }
        .apply(&Limits::default())
        .unwrap_err();
        assert_eq!(e.to_string(), "header_read_timeout_seconds is 0: give 1 to 300 seconds");
        let e = LimitsFile {
            max_header_bytes: Some(100),
            ..Default::default()
        }
        .apply(&Limits::default())
        .unwrap_err();
        assert_eq!(e.key, "max_header_bytes");
        let bad = Limits {
            max_connections: 0,
            ..Limits::default()
        };
        assert_eq!(bad.check().unwrap_err().key, "max_connections");
    }

    #[test]
    fn the_toml_table_refuses_unknown_keys() {
        let ok: LimitsFile = toml::from_str("idle_timeout_seconds = 30").unwrap();
        assert_eq!(ok.idle_timeout_seconds, Some(30));
        assert!(toml::from_str::<LimitsFile>("idle_timeout = 30").is_err());
    }
}
