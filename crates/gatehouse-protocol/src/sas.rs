//! IoT Central's API-token text, `SharedAccessSignature sr={tenant}&sig={secret}&skn={id}&se={ms}`,
//! built and parsed strictly: exactly the four fields `sr` (the tenant), `sig` (the token's
//! secret), `skn` (the token's id) and `se` (its expiry in epoch **milliseconds**), each once, in
//! any order, with no percent-encoding and no other field. Anything else (a missing or repeated
//! field, an empty value, a character outside a field's alphabet, a text longer than
//! [`MAX_SAS_LEN`]) is a [`SasError`] that says which rule was broken; the error never repeats
//! the secret.
//!
//! `sig` is the token's secret itself (base64url of 32 random bytes): the server stores only its
//! SHA-256 and compares digests in constant time (docs/DECISIONS.md, "API token secrets").

use std::fmt;

/// The scheme word of the `Authorization` header.
pub const SAS_SCHEME: &str = "SharedAccessSignature";

/// The longest SAS text accepted, scheme included.
pub const MAX_SAS_LEN: usize = 1024;

/// The longest `skn` (token id) accepted.
pub const MAX_ID_LEN: usize = 128;

/// The longest `sr` (tenant id or name) accepted.
pub const MAX_RESOURCE_LEN: usize = 256;

/// The longest `sig` accepted.
pub const MAX_SIG_LEN: usize = 256;

/// A parsed API token.
#[derive(Clone, PartialEq, Eq)]
pub struct Sas {
    /// `sr`: the tenant the token belongs to.
    pub resource: String,
    /// `sig`: the token's secret.
    pub signature: String,
    /// `skn`: the token's id.
    pub key_name: String,
    /// `se`: the expiry, epoch milliseconds.
    pub expiry_ms: u64,
}

impl fmt::Debug for Sas {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sas")
            .field("resource", &self.resource)
            .field("signature", &"<redacted>")
            .field("key_name", &self.key_name)
            .field("expiry_ms", &self.expiry_ms)
            .finish()
    }
}

/// Why a text is not a SAS token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SasError {
    #[error("the token is longer than {MAX_SAS_LEN} characters")]
    TooLong,
    #[error("the token does not start with 'SharedAccessSignature '")]
    Scheme,
    #[error("a field of the token is not name=value")]
    Field,
    #[error("the token has a field other than sr, sig, skn and se")]
    UnknownField,
    #[error("the token repeats the field {0}")]
    Repeated(&'static str),
    #[error("the token lacks the field {0}")]
    Missing(&'static str),
    #[error("the token's field {0} has a character or length it may not have")]
    BadValue(&'static str),
}

/// `sr`: a tenant GUID or name.
fn resource_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'-' || b == b'.'
}

/// `sig`: base64url without padding.
fn sig_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'-' || b == b'_'
}

/// `skn`: a token id as IoT Central's paths accept it.
pub fn id_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.' || b == b'~'
}

/// `true` when `id` can be a token id (`skn`): 1 to [`MAX_ID_LEN`] of `A-Z a-z 0-9 - _ . ~`.
pub fn valid_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= MAX_ID_LEN && id.bytes().all(id_char)
}

fn check(name: &'static str, v: &str, max: usize, ok: fn(u8) -> bool) -> Result<(), SasError> {
    if v.is_empty() || v.len() > max || !v.bytes().all(ok) {
        return Err(SasError::BadValue(name));
    }
    Ok(())
}

impl Sas {
    /// Parses a whole header value, `SharedAccessSignature sr=...&sig=...&skn=...&se=...` (the
    /// scheme compares case-insensitively, one space after it).
    pub fn parse(text: &str) -> Result<Self, SasError> {
        if text.len() > MAX_SAS_LEN {
            return Err(SasError::TooLong);
        }
        let n = SAS_SCHEME.len();
        let scheme = text.get(..n).ok_or(SasError::Scheme)?;
        if !scheme.eq_ignore_ascii_case(SAS_SCHEME) || text.as_bytes().get(n) != Some(&b' ') {
            return Err(SasError::Scheme);
        }
        Self::parse_fields(&text[n + 1..])
    }

    /// Parses the part after the scheme, `sr=...&sig=...&skn=...&se=...`.
    pub fn parse_fields(fields: &str) -> Result<Self, SasError> {
        if fields.len() > MAX_SAS_LEN {
            return Err(SasError::TooLong);
        }
        let (mut sr, mut sig, mut skn, mut se) = (None, None, None, None);
        for field in fields.split('&') {
            let (name, value) = field.split_once('=').ok_or(SasError::Field)?;
            let (slot, label) = match name {
                "sr" => (&mut sr, "sr"),
                "sig" => (&mut sig, "sig"),
                "skn" => (&mut skn, "skn"),
                "se" => (&mut se, "se"),
                _ => return Err(SasError::UnknownField),
            };
            if slot.is_some() {
                return Err(SasError::Repeated(label));
            }
            *slot = Some(value);
        }
        let sr = sr.ok_or(SasError::Missing("sr"))?;
        let sig = sig.ok_or(SasError::Missing("sig"))?;
        let skn = skn.ok_or(SasError::Missing("skn"))?;
        let se = se.ok_or(SasError::Missing("se"))?;
        check("sr", sr, MAX_RESOURCE_LEN, resource_char)?;
        check("sig", sig, MAX_SIG_LEN, sig_char)?;
        check("skn", skn, MAX_ID_LEN, id_char)?;
        // At most 16 digits: epoch milliseconds until the year 318857, and no u64 overflow.
        check("se", se, 16, |b| b.is_ascii_digit())?;
        if se.len() > 1 && se.starts_with('0') {
            return Err(SasError::BadValue("se"));
        }
        let expiry_ms = se.parse().map_err(|_| SasError::BadValue("se"))?;
        Ok(Self {
            resource: sr.to_owned(),
            signature: sig.to_owned(),
            key_name: skn.to_owned(),
            expiry_ms,
        })
    }

    /// The header value, in IoT Central's field order (`sr`, `sig`, `skn`, `se`).
    pub fn to_header(&self) -> String {
        format!(
            "{SAS_SCHEME} sr={}&sig={}&skn={}&se={}",
            self.resource, self.signature, self.key_name, self.expiry_ms
        )
    }

    /// `true` when `header` has the SAS scheme (whether or not the rest parses): how a guard
    /// recognizes this kind of opaque credential by its shape.
    pub fn is_sas(header: &str) -> bool {
        let b = header.as_bytes();
        let n = SAS_SCHEME.len();
        b.len() > n && b[..n].eq_ignore_ascii_case(SAS_SCHEME.as_bytes()) && b[n] == b' '
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = "SharedAccessSignature sr=5782ed70-1111-2222-3333-444455556666&sig=dvZZE_abc-1&skn=operator-token&se=1647948035850";

    #[test]
    fn the_seed_shape_parses_and_round_trips() {
        let s = Sas::parse(GOOD).unwrap();
        assert_eq!(s.resource, "5782ed70-1111-2222-3333-444455556666");
        assert_eq!(s.key_name, "operator-token");
        assert_eq!(s.expiry_ms, 1647948035850);
        assert_eq!(s.to_header(), GOOD);
        assert!(Sas::is_sas(GOOD));
        assert!(!format!("{s:?}").contains("dvZZE"), "Debug must not show the secret");
    }

    #[test]
    fn fields_in_any_order_and_the_scheme_in_any_case() {
        let s = Sas::parse("sharedaccesssignature se=5&skn=a&sig=b&sr=c").unwrap();
        assert_eq!((s.expiry_ms, s.key_name.as_str()), (5, "a"));
    }

    #[test]
    fn malformed_tokens_are_typed_errors() {
        let cases: &[(&str, SasError)] = &[
            ("Bearer x", SasError::Scheme),
            ("SharedAccessSignature", SasError::Scheme),
            ("SharedAccessSignaturesr=a&sig=b&skn=c&se=1", SasError::Scheme),
            ("SharedAccessSignature sr=a&sig=b&skn=c", SasError::Missing("se")),
            (
                "SharedAccessSignature sr=a&sig=b&skn=c&se=1&x=2",
                SasError::UnknownField,
            ),
            (
                "SharedAccessSignature sr=a&sr=a&sig=b&skn=c&se=1",
                SasError::Repeated("sr"),
            ),
            ("SharedAccessSignature sr=a&sig=b&skn=c&se", SasError::Field),
            ("SharedAccessSignature sr=a&sig=b&skn=c&se=", SasError::BadValue("se")),
            ("SharedAccessSignature sr=a&sig=b&skn=c&se=-1", SasError::BadValue("se")),
            ("SharedAccessSignature sr=a&sig=b&skn=c&se=01", SasError::BadValue("se")),
            (
                "SharedAccessSignature sr=a&sig=b&skn=c&se=99999999999999999",
                SasError::BadValue("se"),
            ),
            (
                "SharedAccessSignature sr=a&sig=b%2F&skn=c&se=1",
                SasError::BadValue("sig"),
            ),
            (
                "SharedAccessSignature sr=a b&sig=b&skn=c&se=1",
                SasError::BadValue("sr"),
            ),
            ("SharedAccessSignature sr=a&sig=b&skn=&se=1", SasError::BadValue("skn")),
            ("SharedAccessSignature sr=a&sig=b&skn=c&se=1&", SasError::Field),
        ];
        for (text, want) in cases {
            assert_eq!(Sas::parse(text), Err(*want), "{text}");
        }
        let long = format!("{GOOD}{}", "a".repeat(MAX_SAS_LEN));
        assert_eq!(Sas::parse(&long), Err(SasError::TooLong));
        // Truncated anywhere, the seed token never parses as a different token silently.
        for cut in 0..GOOD.len() {
            if let Ok(s) = Sas::parse(&GOOD[..cut]) {
                assert_ne!(s.to_header(), GOOD);
            }
        }
    }

    #[test]
    fn shapes_with_multibyte_text_never_panic() {
        for text in [
            "SharedAccessSignatur\u{e9} x",
            "SharedAccessSignature\u{e9}",
            "\u{e9}",
            "",
        ] {
            assert!(!Sas::is_sas(text));
            assert!(Sas::parse(text).is_err());
        }
    }

    #[test]
    fn ids_follow_the_path_alphabet() {
        assert!(valid_id("operator-token"));
        assert!(!valid_id(""));
        assert!(!valid_id("a/b"));
        assert!(!valid_id(&"a".repeat(MAX_ID_LEN + 1)));
    }
}
