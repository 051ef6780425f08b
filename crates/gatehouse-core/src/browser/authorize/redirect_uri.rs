//! Redirect URI rules.
//!
//! Registration ([`check_registrable`]): an absolute URI of at most [`MAX_REDIRECT_URI`]
//! characters, without fragment, user information, wildcard, spaces or characters a browser or
//! an HTML attribute could reinterpret; `https`, `http` only to a loopback host (`localhost`,
//! `127.0.0.1`, `[::1]`), or a private-use scheme of a native app (RFC 8252 section 7.1: a
//! reverse domain name such as `com.example.app`), never a scheme that runs code or reads
//! files (`javascript`, `data`, `vbscript`, `file`, ...).
//!
//! Use ([`allowed`]): a registered application's `redirect_uri` must equal one of its registered
//! URIs exactly (byte for byte: no case folding, no added query, no prefix matching), and that
//! registered URI must still pass the registration rules (values stored before the rules existed
//! are refused with a page, never redirected to). The built-in clients (Azure CLI, Azure
//! PowerShell) accept only loopback URIs on any port (RFC 8252 section 7.3):
//! `http://localhost:PORT[/path]` or `http://127.0.0.1:PORT[/path]`, without query, fragment or
//! user information.

use crate::error::Error;
use crate::issuance::directory::ClientEntry;

/// The longest redirect URI accepted (Entra's limit).
pub const MAX_REDIRECT_URI: usize = 256;

/// Schemes that run code or read local files when a browser navigates to them.
const FORBIDDEN_SCHEMES: &[&str] = &[
    "javascript",
    "data",
    "vbscript",
    "file",
    "about",
    "blob",
    "filesystem",
    "view-source",
    "jar",
];

/// Whether `uri` may receive authorization responses for `client`: a mismatch, or a registered
/// URI that breaks the registration rules, is an error shown on a page.
pub fn allowed(client: &ClientEntry, uri: &str) -> Result<(), Error> {
    if client.first_party {
        return if is_loopback(uri) {
            Ok(())
        } else {
            Err(Error::RedirectUriMismatch)
        };
    }
    if !client.app.redirect_uris.iter().any(|r| r == uri) {
        return Err(Error::RedirectUriMismatch);
    }
    check_registrable(uri).map_err(|_| Error::RedirectUriUnsafe)
}

/// Why a redirect URI cannot be registered, in words for the person registering it.
pub fn check_registrable(uri: &str) -> Result<(), &'static str> {
    if uri.is_empty() {
        return Err("it is empty");
    }
    if uri.len() > MAX_REDIRECT_URI {
        return Err("it is longer than 256 characters");
    }
    let unsafe_byte = |b: u8| {
        b <= 0x20 || b >= 0x7f || matches!(b, b'"' | b'\'' | b'<' | b'>' | b'\\' | b'`' | b'{' | b'}' | b'|' | b'^')
    };
    if uri.bytes().any(unsafe_byte) {
        return Err("it contains spaces, control characters, quotes, angle brackets or backslashes");
    }
    if uri.contains('#') {
        return Err("it has a fragment ('#')");
    }
    if uri.contains('*') {
        return Err("it has a wildcard ('*')");
    }
    let Some((scheme, rest)) = uri.split_once(':') else {
        return Err("it is not an absolute URI (scheme:...)");
    };
    let scheme_ok = scheme.bytes().next().is_some_and(|b| b.is_ascii_lowercase())
        && scheme
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'+' | b'-' | b'.'));
    if !scheme_ok {
        return Err("its scheme must be lower-case letters, digits, '+', '-' or '.'");
    }
    if FORBIDDEN_SCHEMES.contains(&scheme) {
        return Err("its scheme runs code or reads local files in a browser");
    }
    let parsed = url::Url::parse(uri).map_err(|_| "it is not an absolute URI")?;
    if !parsed.username().is_empty() || parsed.password().is_some() || authority(rest).contains('@') {
        return Err("it has user information ('user@')");
    }
    if matches!(scheme, "http" | "https") && authority(rest).is_empty() {
        return Err("it has no host (write scheme://host/path)");
    }
    match scheme {
        "https" => match parsed.host_str() {
            Some(h) if !h.is_empty() => Ok(()),
            _ => Err("it has no host"),
        },
        "http" => match parsed.host() {
            Some(url::Host::Domain("localhost")) => Ok(()),
            Some(url::Host::Ipv4(ip)) if ip == std::net::Ipv4Addr::LOCALHOST => Ok(()),
            Some(url::Host::Ipv6(ip)) if ip == std::net::Ipv6Addr::LOCALHOST => Ok(()),
            _ => Err("plain http is allowed only to localhost, 127.0.0.1 or [::1]: use https"),
        },
        // RFC 8252 section 7.1: a private-use scheme is a reverse domain name the app controls.
        private if private.contains('.') && private.split('.').all(|label| !label.is_empty()) => Ok(()),
        _ => Err(
            "use https, http to a loopback address, or a reverse-domain private-use scheme (com.example.app:/callback)",
        ),
    }
}

/// The authority part of `//authority/...` (empty when there is none).
fn authority(rest: &str) -> &str {
    match rest.strip_prefix("//") {
        Some(r) => &r[..r.find(['/', '?']).unwrap_or(r.len())],
        None => "",
    }
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
    fn registration_refuses_script_schemes_fragments_userinfo_and_plain_http() {
        for bad in [
            "JaVaScRiPt:alert(document.domain)//",
            "javascript:alert(1)",
            "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
            "DATA:text/html,<script>alert(1)</script>",
            "data:text/html,hello",
            "vbscript:msgbox(1)",
            "VBScript:msgbox(1)",
            "file:///etc/passwd",
            "https://app.example.com/cb#frag",
            "https://user@app.example.com/cb",
            "https://user:pw@app.example.com/cb",
            "https://evil.com\\@good.com/cb",
            "http://app.example.com/cb",
            "http://localhost.evil.com/cb",
            "http://127.0.0.2/cb",
            "https://*.example.com/cb",
            "https://app.example.com/a b",
            "https://app.example.com/\"onmouseover=",
            "/relative/path",
            "app.example.com/cb",
            "myapp:/cb",
            "",
            "about:blank",
            "blob:https://a.com/x",
            "HTTPS://app.example.com/cb",
            "https:///nohost",
        ] {
            assert!(check_registrable(bad).is_err(), "{bad} was accepted");
        }
        let long = format!("https://app.example.com/{}", "a".repeat(300));
        assert!(check_registrable(&long).is_err());
        for ok in [
            "https://app.example.com/callback",
            "https://app.example.com:8443/cb?x=1",
            "http://localhost:3000/callback",
            "http://localhost",
            "http://127.0.0.1:8400/",
            "http://[::1]:5000/cb",
            "com.example.app:/oauth2redirect",
            "msal04b07795-8ddb.auth://auth",
        ] {
            assert!(
                check_registrable(ok).is_ok(),
                "{ok} was refused: {:?}",
                check_registrable(ok)
            );
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
