//! The text of an opaque (reference) access token: `gthat_{tenant}_{secret}`, where `tenant` is
//! the issuing tenant's id (a lower-case GUID, so a guard knows which tenant to introspect at)
//! and `secret` is 32 random bytes in base64url without padding (43 characters). The server
//! keeps only its SHA-256; the token says nothing else about itself.

/// Every opaque access token starts with this.
pub const PREFIX: &str = "gthat_";
const GUID_LEN: usize = 36;
const SECRET_LEN: usize = 43;
/// The length of every opaque access token.
pub const LEN: usize = PREFIX.len() + GUID_LEN + 1 + SECRET_LEN;

/// An opaque access token, strictly parsed.
#[derive(Clone, PartialEq, Eq)]
pub struct ReferenceToken<'a> {
    text: &'a str,
}

impl std::fmt::Debug for ReferenceToken<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ReferenceToken({}..)", self.tenant())
    }
}

/// Why a text is not an opaque access token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("not an opaque access token")]
pub struct NotReference;

impl<'a> ReferenceToken<'a> {
    /// Reads `text` strictly: the prefix, a lower-case GUID, `_`, 43 base64url characters.
    pub fn parse(text: &'a str) -> Result<Self, NotReference> {
        let rest = text.strip_prefix(PREFIX).ok_or(NotReference)?;
        if text.len() != LEN || !rest.is_ascii() {
            return Err(NotReference);
        }
        let (tenant, secret) = rest.split_at(GUID_LEN);
        let guid = tenant.bytes().enumerate().all(|(i, b)| match i {
            8 | 13 | 18 | 23 => b == b'-',
            _ => b.is_ascii_digit() || (b'a'..=b'f').contains(&b),
        });
        let secret = secret.strip_prefix('_').ok_or(NotReference)?;
        let alphabet = secret
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if !guid || !alphabet {
            return Err(NotReference);
        }
        Ok(Self { text })
    }

    /// Whether `text` starts like an opaque access token (it may still be malformed).
    pub fn claims_to_be(text: &str) -> bool {
        text.starts_with(PREFIX)
    }

    /// The issuing tenant's id.
    pub fn tenant(&self) -> &'a str {
        &self.text[PREFIX.len()..PREFIX.len() + GUID_LEN]
    }

    /// The whole text (a secret: never log it).
    pub fn expose(&self) -> &'a str {
        self.text
    }
}

/// The text of a new token for `tenant` with the 43-character base64url `secret`.
pub fn format(tenant: &str, secret: &str) -> String {
    format!("{PREFIX}{tenant}_{secret}")
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: &str = "8eaef023-2b34-4da1-9baa-8bc8c9d6a490";

    #[test]
    fn opaque_token_text_is_parsed_strictly() {
        let secret = "A".repeat(43);
        let text = format(T, &secret);
        let t = ReferenceToken::parse(&text).unwrap();
        assert_eq!(t.tenant(), T);
        assert!(ReferenceToken::parse(&text[..text.len() - 1]).is_err());
        assert!(ReferenceToken::parse(&format!("{text}A")).is_err());
        assert!(ReferenceToken::parse(&format(&T.to_uppercase(), &secret)).is_err());
        assert!(ReferenceToken::parse(&format(T, &format!("{}!", "A".repeat(42)))).is_err());
        assert!(ReferenceToken::parse(&text.replacen("gthat_", "gthpa_", 1)).is_err());
        assert!(ReferenceToken::parse(&format!("{PREFIX}{}é{}", &T[..35], secret)).is_err());
        assert!(ReferenceToken::claims_to_be(&text));
        assert!(!format!("{t:?}").contains(&secret));
    }
}
