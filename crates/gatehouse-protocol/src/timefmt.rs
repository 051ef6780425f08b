//! Time formats on the wire.

use time::{macros::format_description, OffsetDateTime};

/// Entra's error timestamp: `2026-11-21 20:04:18Z`.
pub fn entra_timestamp(t: OffsetDateTime) -> String {
    t.format(format_description!("[year]-[month]-[day] [hour]:[minute]:[second]Z"))
        .unwrap_or_default()
}

/// RFC 3339 / ISO 8601 in UTC with a `Z`, as the Graph API and `az` print dates.
pub fn iso8601(unix_seconds: i64) -> String {
    OffsetDateTime::from_unix_timestamp(unix_seconds)
        .ok()
        .and_then(|t| {
            t.format(format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z"))
                .ok()
        })
        .unwrap_or_default()
}

/// Now, in Entra's error timestamp format.
pub fn entra_now() -> String {
    entra_timestamp(OffsetDateTime::now_utc())
}

#[cfg(test)]
mod tests {
    #[test]
    fn formats() {
        let t = time::OffsetDateTime::from_unix_timestamp(0).unwrap();
        assert_eq!(super::entra_timestamp(t), "1970-01-01 00:00:00Z");
        assert_eq!(super::iso8601(86400), "1970-01-02T00:00:00Z");
    }
}
