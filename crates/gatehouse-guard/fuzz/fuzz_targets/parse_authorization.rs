//! `Authorization` header parser: never panics; accepts exactly what the documented grammar
//! allows (checked against an independent, deliberately naive reference); what it accepts
//! round-trips.
#![no_main]

use gatehouse_guard::{parse_authorization, MAX_AUTHORIZATION_LEN};
use libfuzzer_sys::fuzz_target;

/// RFC 9110 `tchar`.
fn tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// RFC 9110 `token68`: `1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="`.
fn token68(s: &[u8]) -> bool {
    let body = s.len() - s.iter().rev().take_while(|b| **b == b'=').count();
    body > 0
        && s[..body]
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~+/".contains(b))
}

/// `scheme SP credentials`, one space, visible ASCII, Bearer credentials a token68.
fn reference_accepts(v: &[u8]) -> bool {
    if v.is_empty() || v.len() > MAX_AUTHORIZATION_LEN {
        return false;
    }
    let Some(sp) = v.iter().position(|b| *b == b' ') else {
        return false;
    };
    let (scheme, creds) = (&v[..sp], &v[sp + 1..]);
    !scheme.is_empty()
        && !creds.is_empty()
        && scheme.iter().all(|b| tchar(*b))
        && if scheme.eq_ignore_ascii_case(b"bearer") {
            token68(creds)
        } else {
            creds.iter().all(|b| (0x21..=0x7e).contains(b))
        }
}

fuzz_target!(|data: &[u8]| {
    let parsed = parse_authorization(data);
    assert_eq!(
        parsed.is_ok(),
        reference_accepts(data),
        "{parsed:?} for {:?}",
        String::from_utf8_lossy(data)
    );
    if let Ok(auth) = parsed {
        let rebuilt = format!("{} {}", auth.scheme(), auth.credentials());
        assert_eq!(rebuilt.as_bytes(), data);
        assert!(!auth.credentials().contains(' '));
        assert_eq!(auth.scheme_is("Bearer"), auth.scheme().eq_ignore_ascii_case("bearer"));
    }
});
