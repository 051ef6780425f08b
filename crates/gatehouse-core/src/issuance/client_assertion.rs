//! Client assertions (RFC 7523 `private_key_jwt`; Entra's certificate credentials): a JWT the
//! client signs with the private key of a certificate registered on its application.
//!
//! Accepted: `alg` RS256 or PS256 (nothing else: no `none`, no HMAC, so no algorithm
//! confusion), the certificate named by `x5t` (base64url SHA-1 of its DER), `x5t#S256`
//! (SHA-256), or a `kid` equal to either thumbprint (hex or base64url); no `crit`. Claims:
//! `iss` = `sub` = the client id; `aud` one of this tenant's token endpoints (v2 or v1, the
//! tenant by id or by name); `exp` a number, not past (with [`SKEW_SECONDS`]); `nbf` and `iat`,
//! when present, numbers not in the future; a lifetime of at most [`MAX_LIFETIME_SECONDS`]
//! from `nbf` (or `iat`, or now) to `exp`; `jti` a string, used once per tenant (the caller
//! records it until `exp` plus the skew). Dates given as strings are refused, never skipped.

use aws_lc_rs::signature::{self, UnparsedPublicKey};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::Deserialize;
use serde_json::Value;

use crate::error::Error;
use crate::model::{ClientCertificate, UnixTime};

/// `client_assertion_type` of a JWT client assertion.
pub const ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
/// Clock difference tolerated on `exp`, `nbf` and `iat`.
pub const SKEW_SECONDS: i64 = 60;
/// Longest lifetime accepted, from `nbf` (or `iat`) to `exp`: MSAL and azure-identity make
/// assertions of exactly ten minutes.
pub const MAX_LIFETIME_SECONDS: i64 = 600;
/// Longest assertion read (a certificate chain in `x5c` fits easily).
pub const MAX_ASSERTION_BYTES: usize = 16 * 1024;
/// Longest `jti` recorded.
pub const MAX_JTI_CHARS: usize = 256;

#[derive(Debug, Deserialize)]
struct Header {
    alg: String,
    #[serde(default)]
    x5t: Option<String>,
    #[serde(default, rename = "x5t#S256")]
    x5t_s256: Option<String>,
    #[serde(default)]
    kid: Option<String>,
    #[serde(default)]
    crit: Option<Value>,
}

#[derive(Debug, Deserialize)]
struct Claims {
    #[serde(default)]
    iss: Option<String>,
    #[serde(default)]
    sub: Option<String>,
    #[serde(default)]
    aud: Option<Value>,
    #[serde(default)]
    exp: Option<Value>,
    #[serde(default)]
    nbf: Option<Value>,
    #[serde(default)]
    iat: Option<Value>,
    #[serde(default)]
    jti: Option<Value>,
}

/// The signature algorithms accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Alg {
    Rs256,
    Ps256,
}

/// How the header names the certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
enum KeyRef {
    Sha1(Vec<u8>),
    Sha256(Vec<u8>),
    Kid(String),
}

/// A parsed, not yet verified assertion.
#[derive(Debug)]
pub struct Assertion {
    alg: Alg,
    key: KeyRef,
    claims: Claims,
    signing_input: String,
    signature: Vec<u8>,
}

/// What a verified assertion leaves to record: its `jti`, until when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    pub jti: String,
    pub record_until: UnixTime,
}

fn malformed(why: &'static str) -> Error {
    Error::AssertionMalformed(why)
}

fn segment(s: &str) -> Result<Vec<u8>, Error> {
    URL_SAFE_NO_PAD
        .decode(s)
        .map_err(|_| malformed("a part is not base64url"))
}

/// Base64url with or without padding (MSAL pads `x5t`).
fn thumbprint(s: &str, len: usize) -> Result<Vec<u8>, Error> {
    let bytes = URL_SAFE_NO_PAD
        .decode(s.trim_end_matches('='))
        .map_err(|_| malformed("x5t is not base64url"))?;
    if bytes.len() == len {
        Ok(bytes)
    } else {
        Err(malformed("x5t has the wrong length for its hash"))
    }
}

/// A JSON number as whole seconds; anything else (a string, `null`) is refused.
fn seconds(v: &Option<Value>, name: &'static str) -> Result<Option<i64>, Error> {
    match v {
        None => Ok(None),
        Some(Value::Number(n)) => match (n.as_i64(), n.as_f64()) {
            (Some(i), _) => Ok(Some(i)),
            (None, Some(f)) if f.is_finite() && f.abs() < 1e15 => Ok(Some(f.floor() as i64)),
            _ => Err(malformed(name)),
        },
        Some(_) => Err(malformed(name)),
    }
}

impl Assertion {
    /// Parses the compact JWS and its header and claims, strictly: three parts, JSON objects
    /// with each name once, an accepted `alg`, a certificate reference, no `crit`.
    pub fn parse(text: &str) -> Result<Self, Error> {
        if text.len() > MAX_ASSERTION_BYTES {
            return Err(malformed("the assertion is too long"));
        }
        let mut parts = text.split('.');
        let (Some(h), Some(c), Some(s), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
            return Err(malformed("a JWT has three parts separated by dots"));
        };
        let header: Header =
            serde_json::from_slice(&segment(h)?).map_err(|_| malformed("the header is not a JWT header"))?;
        let claims: Claims =
            serde_json::from_slice(&segment(c)?).map_err(|_| malformed("the payload is not a JSON object"))?;
        let alg = match header.alg.as_str() {
            "RS256" => Alg::Rs256,
            "PS256" => Alg::Ps256,
            _ => return Err(malformed("alg must be RS256 or PS256")),
        };
        if header.crit.is_some() {
            return Err(malformed("crit is not supported"));
        }
        let key = match (&header.x5t_s256, &header.x5t, &header.kid) {
            (Some(t), _, _) => KeyRef::Sha256(thumbprint(t, 32)?),
            (None, Some(t), _) => KeyRef::Sha1(thumbprint(t, 20)?),
            (None, None, Some(kid)) => KeyRef::Kid(kid.clone()),
            (None, None, None) => return Err(malformed("the header names no certificate: send x5t or x5t#S256")),
        };
        let signature = segment(s)?;
        if signature.is_empty() {
            return Err(malformed("the signature is empty"));
        }
        Ok(Self {
            alg,
            key,
            claims,
            signing_input: format!("{h}.{c}"),
            signature,
        })
    }

    /// The `sub` claim, unverified: names the client when the request has no `client_id`.
    pub fn subject(&self) -> Option<&str> {
        self.claims.sub.as_deref()
    }

    /// The registered certificate the header names.
    fn certificate<'c>(&self, certs: &'c [ClientCertificate]) -> Option<&'c ClientCertificate> {
        certs.iter().find(|c| match &self.key {
            KeyRef::Sha1(t) => c.thumbprint_sha1.as_slice() == t.as_slice(),
            KeyRef::Sha256(t) => c.thumbprint_sha256.as_slice() == t.as_slice(),
            KeyRef::Kid(kid) => kid_names(kid, c),
        })
    }

    /// Verifies the assertion for `client_id` against its registered certificates, the
    /// accepted audiences and the clock. The `jti` is left to the caller to record.
    pub fn verify(
        &self,
        client_id: &str,
        certs: &[ClientCertificate],
        audiences: &[String],
        now: UnixTime,
    ) -> Result<Verified, Error> {
        let cert = self.certificate(certs).ok_or(Error::AssertionSignature)?;
        let alg: &'static dyn signature::VerificationAlgorithm = match self.alg {
            Alg::Rs256 => &signature::RSA_PKCS1_2048_8192_SHA256,
            Alg::Ps256 => &signature::RSA_PSS_2048_8192_SHA256,
        };
        UnparsedPublicKey::new(alg, &cert.public_key)
            .verify(self.signing_input.as_bytes(), &self.signature)
            .map_err(|_| Error::AssertionSignature)?;
        if cert.end <= now || cert.start > now + SKEW_SECONDS {
            return Err(Error::AssertionCertificateExpired);
        }

        let c = &self.claims;
        let (Some(iss), Some(sub)) = (c.iss.as_deref(), c.sub.as_deref()) else {
            return Err(malformed("iss and sub are required"));
        };
        if iss != sub || !sub.eq_ignore_ascii_case(client_id) {
            return Err(Error::AssertionSubject);
        }

        let audience_ok = |a: &str| audiences.iter().any(|x| x.eq_ignore_ascii_case(a));
        match &c.aud {
            Some(Value::String(a)) if audience_ok(a.as_str()) => {}
            Some(Value::Array(list)) if list.len() == 1 && list[0].as_str().is_some_and(audience_ok) => {}
            Some(Value::String(_)) | Some(Value::Array(_)) => return Err(Error::AssertionAudience),
            _ => return Err(malformed("aud is required")),
        }

        let exp = seconds(&c.exp, "exp must be a number")?.ok_or(malformed("exp is required"))?;
        let nbf = seconds(&c.nbf, "nbf must be a number")?;
        let iat = seconds(&c.iat, "iat must be a number")?;
        if exp + SKEW_SECONDS <= now {
            return Err(Error::AssertionTime("it has expired"));
        }
        if nbf.is_some_and(|t| t > now + SKEW_SECONDS) || iat.is_some_and(|t| t > now + SKEW_SECONDS) {
            return Err(Error::AssertionTime("it is not valid yet"));
        }
        let start = nbf.or(iat).unwrap_or(now);
        if exp - start > MAX_LIFETIME_SECONDS + SKEW_SECONDS {
            return Err(Error::AssertionTime("it lives longer than ten minutes"));
        }

        let jti = match &c.jti {
            Some(Value::String(j)) if !j.is_empty() && j.chars().count() <= MAX_JTI_CHARS => j.clone(),
            Some(_) => return Err(malformed("jti must be a string of 1 to 256 characters")),
            None => return Err(malformed("jti is required")),
        };
        Ok(Verified {
            jti,
            record_until: exp + SKEW_SECONDS,
        })
    }
}

/// A `kid` naming a certificate: its SHA-1 or SHA-256 thumbprint, in hex or base64url.
fn kid_names(kid: &str, c: &ClientCertificate) -> bool {
    let hex = |b: &[u8]| b.iter().map(|x| format!("{x:02x}")).collect::<String>();
    let b64 = |b: &[u8]| URL_SAFE_NO_PAD.encode(b);
    let kid_trimmed = kid.trim_end_matches('=');
    kid.eq_ignore_ascii_case(&hex(&c.thumbprint_sha1))
        || kid.eq_ignore_ascii_case(&hex(&c.thumbprint_sha256))
        || kid_trimmed == b64(&c.thumbprint_sha1)
        || kid_trimmed == b64(&c.thumbprint_sha256)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b64(v: &Value) -> String {
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(v).unwrap())
    }

    fn jwt(header: Value, claims: Value) -> String {
        format!("{}.{}.c2ln", b64(&header), b64(&claims))
    }

    #[test]
    fn only_rs256_and_ps256_with_a_certificate_reference_parse() {
        let x5t = URL_SAFE_NO_PAD.encode([7u8; 20]);
        for alg in ["none", "HS256", "ES256", "RS512"] {
            let e =
                Assertion::parse(&jwt(serde_json::json!({"alg": alg, "x5t": x5t}), serde_json::json!({}))).unwrap_err();
            assert!(matches!(e, Error::AssertionMalformed(_)), "{alg}: {e}");
        }
        assert!(Assertion::parse(&jwt(serde_json::json!({"alg": "RS256"}), serde_json::json!({}))).is_err());
        let padded = format!("{x5t}=");
        let a = Assertion::parse(&jwt(
            serde_json::json!({"alg": "RS256", "x5t": padded}),
            serde_json::json!({}),
        ))
        .unwrap();
        assert_eq!(a.key, KeyRef::Sha1(vec![7; 20]));
        assert!(Assertion::parse("a.b").is_err());
        assert!(Assertion::parse(&format!(
            "{}.x",
            jwt(serde_json::json!({"alg": "RS256", "x5t": x5t}), serde_json::json!({}))
        ))
        .is_err());
        let crit = serde_json::json!({"alg": "RS256", "x5t": x5t, "crit": ["exp"]});
        assert!(Assertion::parse(&jwt(crit, serde_json::json!({}))).is_err());
    }

    #[test]
    fn dates_as_strings_are_refused_not_skipped() {
        assert!(seconds(&Some(Value::String("1".into())), "exp").is_err());
        assert_eq!(seconds(&Some(serde_json::json!(12.7)), "exp").unwrap(), Some(12));
        assert!(seconds(&Some(Value::Null), "exp").is_err());
    }
}
