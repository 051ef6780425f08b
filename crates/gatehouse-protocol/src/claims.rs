//! The claim set of a Gatehouse access token (docs/TOKENS.md), defined once for both sides:
//! the server serializes [`AccessClaims`] when it mints (field order is the order on the wire),
//! and the guard deserializes the same type strictly when it verifies. Also the issuer string of
//! a tenant in each dialect ([`issuer`]).
//!
//! Strict types: `exp` (required), `nbf` and `iat` are non-negative integers (a string,
//! fractional, negative or null `exp` fails deserialization, and so refuses the token); `aud` is
//! a string or an array of strings; `roles` an array of strings; every other claim named here a
//! string. Claims not named here are ignored. A claim named twice fails deserialization.

use std::borrow::Cow;

use serde::{Deserialize, Deserializer, Serialize};

use crate::discovery::Dialect;

/// The issuer of `tenant_id`'s tokens: `{base_url}/{tid}/v2.0` (v2) or `{base_url}/{tid}/` (v1).
/// `base_url` has no trailing slash.
pub fn issuer(base_url: &str, tenant_id: &str, dialect: Dialect) -> String {
    match dialect {
        Dialect::V2 => format!("{base_url}/{tenant_id}/v2.0"),
        Dialect::V1 => format!("{base_url}/{tenant_id}/"),
    }
}

/// `aud`: one string (what Gatehouse mints) or an array of strings (accepted when verifying).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Audience<'a> {
    One(Cow<'a, str>),
    Many(Vec<Cow<'a, str>>),
}

impl Audience<'_> {
    /// Whether any of the token's audiences is one of `accepted`.
    pub fn contains_any(&self, accepted: &[String]) -> bool {
        match self {
            Audience::One(a) => accepted.iter().any(|x| x == a),
            Audience::Many(list) => list.iter().any(|a| accepted.iter().any(|x| x == a)),
        }
    }
}

/// The claims of an access token. Borrowed when minting, owned (`AccessClaims<'static>`) when
/// verifying. Every optional claim is left out of the JSON when `None` (and `roles` when empty).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessClaims<'a> {
    pub aud: Audience<'a>,
    pub iss: Cow<'a, str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub iat: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nbf: Option<u64>,
    pub exp: u64,
    /// RFC 8693 section 4.1: who acts for the subject (tokens from a token exchange); prior
    /// actors nest inside it, the outermost being the current one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub act: Option<Actor>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub azp: Option<Cow<'a, str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub azpacr: Option<Cow<'a, str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub appid: Option<Cow<'a, str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub appidacr: Option<Cow<'a, str>>,
    /// Object ids of the groups the subject belongs to (transitively); left out past the
    /// overage limit, where [`AccessClaims::claim_names`] points to where to read them.
    #[serde(
        default,
        skip_serializing_if = "<[String]>::is_empty",
        deserialize_with = "roles_or_null"
    )]
    pub groups: Cow<'a, [String]>,
    /// Entra's groups overage indicator: `{"groups": "src1"}`.
    #[serde(rename = "_claim_names", default, skip_serializing_if = "Option::is_none")]
    pub claim_names: Option<ClaimNames<'a>>,
    /// `{"src1": {"endpoint": ".../directoryObjects/{oid}/getMemberObjects"}}`.
    #[serde(rename = "_claim_sources", default, skip_serializing_if = "Option::is_none")]
    pub claim_sources: Option<ClaimSources<'a>>,
    /// `app` or `user`; always minted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub idtyp: Option<Cow<'a, str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<Cow<'a, str>>,
    /// Always minted; a verifier refuses a token without it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub oid: Option<Cow<'a, str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub preferred_username: Option<Cow<'a, str>>,
    /// App roles; `null` reads as none.
    #[serde(
        default,
        skip_serializing_if = "<[String]>::is_empty",
        deserialize_with = "roles_or_null"
    )]
    pub roles: Cow<'a, [String]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scp: Option<Cow<'a, str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sid: Option<Cow<'a, str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sub: Option<Cow<'a, str>>,
    pub tid: Cow<'a, str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unique_name: Option<Cow<'a, str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub upn: Option<Cow<'a, str>>,
    /// Always minted (revocable token id).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uti: Option<Cow<'a, str>>,
    /// `2.0` or `1.0`.
    pub ver: Cow<'a, str>,
}

/// An `act` claim (RFC 8693 section 4.1): the acting party's `sub` and `client_id`, and the
/// actor before it (`act`), if any.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    pub sub: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub act: Option<Box<Actor>>,
}

impl Actor {
    /// How many actors the chain names (this one and every prior one).
    pub fn depth(&self) -> usize {
        1 + self.act.as_ref().map_or(0, |a| a.depth())
    }
}

/// Past this many groups a token carries the overage indicator instead (Entra's JWT limit).
pub const GROUPS_LIMIT: usize = 200;

/// `_claim_names` of a groups overage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClaimNames<'a> {
    pub groups: Cow<'a, str>,
}

/// `_claim_sources` of a groups overage: where the full list is read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClaimSources<'a> {
    pub src1: ClaimSource<'a>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClaimSource<'a> {
    pub endpoint: Cow<'a, str>,
}

fn roles_or_null<'de, 'a, D: Deserializer<'de>>(d: D) -> Result<Cow<'a, [String]>, D::Error> {
    Ok(Cow::Owned(Option::<Vec<String>>::deserialize(d)?.unwrap_or_default()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn issuer_has_the_v2_and_v1_shapes() {
        assert_eq!(issuer("https://h:1", "T", Dialect::V2), "https://h:1/T/v2.0");
        assert_eq!(issuer("https://h:1", "T", Dialect::V1), "https://h:1/T/");
    }

    #[test]
    fn numeric_dates_must_be_integers_and_claims_typed() {
        let base = json!({"iss": "i", "aud": "a", "exp": 10, "tid": "t", "ver": "2.0"});
        assert!(serde_json::from_value::<AccessClaims<'static>>(base.clone()).is_ok());
        for (claim, bad) in [
            ("exp", json!("10")),
            ("exp", json!(10.5)),
            ("exp", json!(10.0)),
            ("exp", json!(-1)),
            ("exp", json!(null)),
            ("nbf", json!("10")),
            ("nbf", json!(-5)),
            ("iat", json!("10")),
            ("iat", json!(true)),
            ("aud", json!(5)),
            ("aud", json!([5])),
            ("roles", json!("Admin")),
            ("scp", json!(["a"])),
            ("tid", json!(7)),
            ("ver", json!(2)),
        ] {
            let mut c = base.clone();
            c[claim] = bad.clone();
            assert!(
                serde_json::from_value::<AccessClaims<'static>>(c).is_err(),
                "{claim} = {bad} was accepted"
            );
        }
        for missing in ["iss", "aud", "exp", "tid", "ver"] {
            let mut c = base.clone();
            c.as_object_mut().unwrap().remove(missing);
            assert!(
                serde_json::from_value::<AccessClaims<'static>>(c).is_err(),
                "{missing} missing"
            );
        }
    }

    #[test]
    fn a_claim_named_twice_is_refused() {
        let text = r#"{"iss":"i","aud":"a","exp":10,"tid":"t","ver":"2.0","iss":"j"}"#;
        assert!(serde_json::from_str::<AccessClaims<'static>>(text).is_err());
    }

    #[test]
    fn audience_array_and_null_roles_read() {
        let c: AccessClaims<'static> = serde_json::from_value(json!({
            "iss": "i", "aud": ["x", "y"], "exp": 10, "tid": "t", "ver": "2.0", "roles": null
        }))
        .unwrap();
        assert!(c.aud.contains_any(&["y".to_owned()]));
        assert!(!c.aud.contains_any(&["z".to_owned()]));
        assert!(c.roles.is_empty());
    }

    #[test]
    fn minimal_claims_serialize_in_wire_order_without_absent_ones() {
        let c = AccessClaims {
            aud: Audience::One("a".into()),
            iss: "i".into(),
            iat: Some(1),
            nbf: Some(1),
            exp: 2,
            act: None,
            azp: None,
            azpacr: None,
            appid: Some("c".into()),
            appidacr: None,
            groups: Cow::Borrowed(&[]),
            claim_names: None,
            claim_sources: None,
            idtyp: Some("app".into()),
            name: None,
            oid: Some("o".into()),
            preferred_username: None,
            roles: Cow::Borrowed(&[]),
            scp: None,
            sid: None,
            sub: Some("o".into()),
            tid: "t".into(),
            unique_name: None,
            upn: None,
            uti: Some("u".into()),
            ver: "1.0".into(),
        };
        assert_eq!(
            serde_json::to_string(&c).unwrap(),
            r#"{"aud":"a","iss":"i","iat":1,"nbf":1,"exp":2,"appid":"c","idtyp":"app","oid":"o","sub":"o","tid":"t","uti":"u","ver":"1.0"}"#
        );
        let back: AccessClaims<'static> = serde_json::from_str(&serde_json::to_string(&c).unwrap()).unwrap();
        assert_eq!(back, c);
    }

    #[test]
    fn nested_act_claims_read_back_with_their_depth() {
        let c: AccessClaims<'static> = serde_json::from_value(json!({
            "iss": "i", "aud": "a", "exp": 10, "tid": "t", "ver": "2.0",
            "act": {"sub": "s2", "client_id": "c2", "act": {"sub": "s1"}}
        }))
        .unwrap();
        let act = c.act.unwrap();
        assert_eq!((act.sub.as_str(), act.depth()), ("s2", 2));
        assert_eq!(act.act.unwrap().client_id, None);
        let bad = json!({"iss": "i", "aud": "a", "exp": 10, "tid": "t", "ver": "2.0", "act": "s"});
        assert!(serde_json::from_value::<AccessClaims<'static>>(bad).is_err());
    }
}
