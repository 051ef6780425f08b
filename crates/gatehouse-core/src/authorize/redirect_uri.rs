//! Redirect URI rules. A registered application's `redirect_uri` must equal one of its registered
//! URIs exactly (byte for byte: no case folding, no added query, no prefix matching). The
//! built-in clients (Azure CLI, Azure PowerShell) accept only loopback URIs on any port
//! (RFC 8252 section 7.3): `http://localhost:PORT[/path]` or `http://127.0.0.1:PORT[/path]`,
//! without query, fragment or user information.

use crate::directory::ClientEntry;

/// Whether `uri` may receive authorization responses for `client`.
pub fn allowed(client: &ClientEntry, uri: &str) -> bool {
    if client.first_party {
        return is_loopback(uri);
    }
    client.app.redirect_uris.iter().any(|r| r == uri)
}

/// `http://localhost[:port][/path]` or `http://127.0.0.1[:port][/path]`, nothing else.
pub fn is_loopback(uri: &str) -> bool {
    let Some(rest) = uri.strip_prefix("http://") else {
        return false;
    };
    let (authority, path) = match rest.find('/') {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    };
    let (host, port) = match authority.split_once(':') {
        Some((h, p)) => (h, Some(p)),
        None => (authority, None),
    };
    if host != "localhost" && host != "127.0.0.1" {
        return false;
    }
    if let Some(p) = port {
        let digits_ok = !p.is_empty() && p.len() <= 5 && p.bytes().all(|b| b.is_ascii_digit());
        if !digits_ok || !p.parse::<u32>().is_ok_and(|n| (1..=65535).contains(&n)) {
            return false;
        }
    }
    path.bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'/' | b'-' | b'.' | b'_' | b'~'))
}

/// The origin (`scheme://host[:port]`) of a redirect URI for a CSP `form-action` source, if it
/// is plainly an http(s) URL whose origin holds no character a CSP header could misread.
pub fn csp_origin(uri: &str) -> Option<String> {
    let (scheme, rest) = uri.split_once("://")?;
    if scheme != "http" && scheme != "https" {
        return None;
    }
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..end];
    let safe = !authority.is_empty()
        && authority
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b':' | b'[' | b']'));
    safe.then(|| format!("{scheme}://{authority}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_on_any_port_only() {
        for ok in [
            "http://localhost",
            "http://localhost:8400",
            "http://127.0.0.1:1/",
            "http://localhost:65535/cb/x",
        ] {
            assert!(is_loopback(ok), "{ok}");
        }
        for bad in [
            "https://localhost:8400",
            "http://localhost.evil.com:8400",
            "http://evil.com@localhost:80",
            "http://localhost:80@evil.com",
            "http://localhost:0",
            "http://localhost:65536",
            "http://localhost:/",
            "http://localhost:8400/?x=1",
            "http://localhost:8400/#f",
            "http://LOCALHOST:8400",
            "http://127.0.0.2:8400",
            "javascript:alert(1)//localhost",
            "http://localhost:8400/a b",
        ] {
            assert!(!is_loopback(bad), "{bad}");
        }
    }

    #[test]
    fn csp_origins() {
        assert_eq!(
            csp_origin("http://localhost:3000/cb?x=1").as_deref(),
            Some("http://localhost:3000")
        );
        assert_eq!(
            csp_origin("https://app.example.com").as_deref(),
            Some("https://app.example.com")
        );
        assert_eq!(csp_origin("javascript:alert(1)"), None);
        assert_eq!(csp_origin("https://a.com;script-src *"), None);
        assert_eq!(csp_origin("myapp://cb"), None);
    }
}
