//! Strict parsing of `application/x-www-form-urlencoded` bodies.
//!
//! RFC 6749 section 3.2: "Request and response parameters MUST NOT be included more than once."
//! Unlike `form_urlencoded::parse`, which replaces invalid UTF-8 silently, this parser refuses it.

use percent_encoding::percent_decode;

/// Why a form body was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FormError {
    #[error("the request body is not valid UTF-8")]
    NotUtf8,
    #[error("parameter '{0}' is included more than once")]
    Repeated(String),
    #[error("the request has more than {0} parameters")]
    TooMany(usize),
}

/// The most parameters a token request may carry; real clients send fewer than 15.
pub const MAX_PARAMS: usize = 64;

/// Parsed form parameters, in the order they were sent, each name at most once.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FormParams {
    pairs: Vec<(String, String)>,
}

impl FormParams {
    /// Parses a form body. Empty parameters (`a=&b`) are kept with an empty value.
    pub fn parse(body: &[u8]) -> Result<Self, FormError> {
        let mut pairs: Vec<(String, String)> = Vec::new();
        for part in body.split(|b| *b == b'&').filter(|p| !p.is_empty()) {
            if pairs.len() == MAX_PARAMS {
                return Err(FormError::TooMany(MAX_PARAMS));
            }
            let (name, value) = match part.iter().position(|b| *b == b'=') {
                Some(i) => (&part[..i], &part[i + 1..]),
                None => (part, &b""[..]),
            };
            let name = decode_component(name)?;
            let value = decode_component(value)?;
            if pairs.iter().any(|(n, _)| *n == name) {
                return Err(FormError::Repeated(name));
            }
            pairs.push((name, value));
        }
        Ok(Self { pairs })
    }

    /// The value of a parameter; an empty value counts as absent, as Entra treats it.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(n, v)| n == name && !v.is_empty())
            .map(|(_, v)| v.as_str())
    }

    /// Whether a parameter was sent at all (even empty).
    pub fn contains(&self, name: &str) -> bool {
        self.pairs.iter().any(|(n, _)| n == name)
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.pairs.iter().map(|(n, v)| (n.as_str(), v.as_str()))
    }
}

/// Decodes one form component (`+` is a space, `%XX` escapes), refusing invalid UTF-8.
pub fn decode_component(raw: &[u8]) -> Result<String, FormError> {
    let plus_as_space: Vec<u8> = raw.iter().map(|b| if *b == b'+' { b' ' } else { *b }).collect();
    percent_decode(&plus_as_space)
        .decode_utf8()
        .map(|s| s.into_owned())
        .map_err(|_| FormError::NotUtf8)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_decodes() {
        let p = FormParams::parse(b"grant_type=client_credentials&scope=https%3A%2F%2Fx%2F.default+openid").unwrap();
        assert_eq!(p.get("grant_type"), Some("client_credentials"));
        assert_eq!(p.get("scope"), Some("https://x/.default openid"));
    }

    #[test]
    fn repeated_parameter_is_refused() {
        assert_eq!(FormParams::parse(b"a=1&a=2"), Err(FormError::Repeated("a".into())));
    }

    #[test]
    fn invalid_utf8_is_refused_raw_and_percent_encoded() {
        assert_eq!(FormParams::parse(b"a=%FF%FE"), Err(FormError::NotUtf8));
        assert_eq!(FormParams::parse(b"a=\xff"), Err(FormError::NotUtf8));
    }

    #[test]
    fn empty_value_counts_as_absent_but_is_seen() {
        let p = FormParams::parse(b"a=&b").unwrap();
        assert_eq!(p.get("a"), None);
        assert!(p.contains("b"));
    }

    #[test]
    fn too_many_parameters_are_refused() {
        let body: Vec<String> = (0..=MAX_PARAMS).map(|i| format!("p{i}=1")).collect();
        assert_eq!(
            FormParams::parse(body.join("&").as_bytes()),
            Err(FormError::TooMany(MAX_PARAMS))
        );
    }
}
