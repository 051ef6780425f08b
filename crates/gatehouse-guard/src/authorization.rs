//! Strict parser of the `Authorization` request header (RFC 9110 §11.6.2, RFC 6750 §2.1).
//!
//! Grammar accepted: `scheme SP credentials`, where `scheme` is an RFC 9110 `token`, exactly one
//! space separates it from the credentials, and the credentials are visible ASCII without spaces.
//! For the `Bearer` scheme (compared case-insensitively) the credentials must be a `token68`.
//! Anything else (leading or trailing blanks, tabs, two spaces, control or non-ASCII bytes, an
//! empty part, a value longer than [`MAX_AUTHORIZATION_LEN`]) is refused. Never panics.

use thiserror::Error;

/// Longest `Authorization` value the guard reads. Gatehouse tokens are a few kilobytes at most.
pub const MAX_AUTHORIZATION_LEN: usize = 16 * 1024;

/// A parsed `Authorization` header: the scheme as sent and the credentials after the space.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Authorization<'a> {
    scheme: &'a str,
    credentials: &'a str,
}

impl<'a> Authorization<'a> {
    /// The scheme exactly as sent (compare it with [`Authorization::scheme_is`]).
    pub fn scheme(&self) -> &'a str {
        self.scheme
    }

    /// The credentials after the single space.
    pub fn credentials(&self) -> &'a str {
        self.credentials
    }

    /// Whether the scheme equals `name`, ignoring ASCII case.
    pub fn scheme_is(&self, name: &str) -> bool {
        self.scheme.eq_ignore_ascii_case(name)
    }
}

/// Why an `Authorization` header was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum AuthorizationError {
    /// The header value is empty.
    #[error("authorization header is empty")]
    Empty,
    /// The value is longer than [`MAX_AUTHORIZATION_LEN`].
    #[error("authorization header is too long")]
    TooLong,
    /// A byte outside visible ASCII and the single separating space.
    #[error("authorization header contains a forbidden character")]
    ForbiddenCharacter,
    /// No space, or nothing after it.
    #[error("authorization header has no credentials")]
    MissingCredentials,
    /// The scheme is empty or is not an RFC 9110 token.
    #[error("authorization scheme is malformed")]
    MalformedScheme,
    /// More than one space, or a space inside the credentials.
    #[error("authorization header has unexpected whitespace")]
    UnexpectedWhitespace,
    /// Bearer credentials that are not a token68.
    #[error("bearer token is not a token68")]
    NotToken68,
}

/// Parses an `Authorization` header value strictly. See the module documentation for the grammar.
pub fn parse_authorization(value: &[u8]) -> Result<Authorization<'_>, AuthorizationError> {
    match split_valid(value) {
        Some((scheme, credentials)) => {
            // Every byte was checked to be visible ASCII, so both parts are valid UTF-8.
            match (std::str::from_utf8(scheme), std::str::from_utf8(credentials)) {
                (Ok(scheme), Ok(credentials)) => Ok(Authorization { scheme, credentials }),
                _ => Err(AuthorizationError::ForbiddenCharacter),
            }
        }
        None => Err(classify_error(value)),
    }
}

/// The accepting path, one pass over the credentials: `Some((scheme, credentials))` exactly
/// when [`classify_error`] would find nothing wrong.
fn split_valid(value: &[u8]) -> Option<(&[u8], &[u8])> {
    if value.len() > MAX_AUTHORIZATION_LEN {
        return None;
    }
    let space = value.iter().position(|b| *b == b' ')?;
    let (scheme, credentials) = (&value[..space], &value[space + 1..]);
    if scheme.is_empty() || credentials.is_empty() || !scheme.iter().all(|b| has(*b, TCHAR)) {
        return None;
    }
    let ok = if scheme.eq_ignore_ascii_case(b"bearer") {
        is_token68_bytes(credentials)
    } else {
        credentials.iter().all(|b| has(*b, VCHAR))
    };
    ok.then_some((scheme, credentials))
}

/// Why `value` is refused (only called once [`split_valid`] refused it).
fn classify_error(value: &[u8]) -> AuthorizationError {
    use AuthorizationError::*;
    if value.is_empty() {
        return Empty;
    }
    if value.len() > MAX_AUTHORIZATION_LEN {
        return TooLong;
    }
    if !value.iter().all(|b| has(*b, VCHAR | SP)) {
        return ForbiddenCharacter;
    }
    let Some(space) = value.iter().position(|b| *b == b' ') else {
        return if value.iter().all(|b| has(*b, TCHAR)) {
            MissingCredentials
        } else {
            MalformedScheme
        };
    };
    let (scheme, credentials) = (&value[..space], &value[space + 1..]);
    if scheme.is_empty() {
        UnexpectedWhitespace
    } else if !scheme.iter().all(|b| has(*b, TCHAR)) {
        MalformedScheme
    } else if credentials.is_empty() {
        MissingCredentials
    } else if credentials.contains(&b' ') {
        UnexpectedWhitespace
    } else {
        NotToken68
    }
}

fn has(b: u8, class: u8) -> bool {
    CLASS[b as usize] & class != 0
}

const VCHAR: u8 = 1;
const SP: u8 = 2;
const TCHAR: u8 = 4;
const TOKEN68: u8 = 8;

/// Character classes of every byte value, computed at compile time.
const CLASS: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut i = 0;
    while i < 256 {
        let b = i as u8;
        let mut class = 0;
        if b >= 0x21 && b <= 0x7e {
            class |= VCHAR;
        }
        if b == b' ' {
            class |= SP;
        }
        let alnum = b.is_ascii_alphanumeric();
        if alnum
            || matches!(
                b,
                b'!' | b'#' | b'$' | b'%' | b'&' | b'\'' | b'*' | b'+' | b'-' | b'.' | b'^' | b'_' | b'`' | b'|' | b'~'
            )
        {
            class |= TCHAR;
        }
        if alnum || matches!(b, b'-' | b'.' | b'_' | b'~' | b'+' | b'/') {
            class |= TOKEN68;
        }
        table[i] = class;
        i += 1;
    }
    table
};

/// RFC 9110 `token68`: `1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="`.
fn is_token68_bytes(s: &[u8]) -> bool {
    let body_len = s.len() - s.iter().rev().take_while(|b| **b == b'=').count();
    body_len > 0 && s[..body_len].iter().all(|b| has(*b, TOKEN68))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_bearer_in_any_case() {
        for scheme in ["Bearer", "bearer", "BEARER", "bEaReR"] {
            let value = format!("{scheme} abc.def-_~+/ghi==");
            let parsed = parse_authorization(value.as_bytes()).unwrap();
            assert!(parsed.scheme_is("bearer"));
            assert_eq!(parsed.credentials(), "abc.def-_~+/ghi==");
        }
    }

    #[test]
    fn accepts_shared_access_signature() {
        let v = b"SharedAccessSignature sr=a&sig=b%2F&skn=c&se=1";
        let parsed = parse_authorization(v).unwrap();
        assert_eq!(parsed.scheme(), "SharedAccessSignature");
        assert_eq!(parsed.credentials(), "sr=a&sig=b%2F&skn=c&se=1");
    }

    #[test]
    fn refuses_malformed_values() {
        use AuthorizationError::*;
        let cases: &[(&[u8], AuthorizationError)] = &[
            (b"", Empty),
            (b"Bearer", MissingCredentials),
            (b"Bearer ", MissingCredentials),
            (b"Bearer  abc", UnexpectedWhitespace),
            (b" Bearer abc", UnexpectedWhitespace),
            (b"Bearer abc ", UnexpectedWhitespace),
            (b"Bearer\tabc", ForbiddenCharacter),
            (b"Bearer abc\r\n", ForbiddenCharacter),
            (b"Bearer ab\xc3\xa9", ForbiddenCharacter),
            (b"Bearer a=bc", NotToken68),
            (b"Bearer ====", NotToken68),
            (b"Bearer a,b", NotToken68),
            (b"Bea(rer abc", MalformedScheme),
            (b"Bea\"rer", MalformedScheme),
        ];
        for (value, expected) in cases {
            assert_eq!(
                parse_authorization(value),
                Err(*expected),
                "{:?}",
                String::from_utf8_lossy(value)
            );
        }
    }

    #[test]
    fn refuses_overlong_values() {
        let mut v = b"Bearer ".to_vec();
        v.extend(std::iter::repeat_n(b'a', MAX_AUTHORIZATION_LEN));
        assert_eq!(parse_authorization(&v), Err(AuthorizationError::TooLong));
    }
}
