//! JWT header/claims parser, structure-aware: the fuzzer writes the three parts, separated by a
//! 0xFF byte (never part of UTF-8 JSON), and the target base64url-encodes them, so mutations
//! reach the JSON decoding instead of dying in base64. Seeds: `seeds/jwt_parts`.
//! Differential: `parse_unverified` must accept exactly the tokens whose header is a JSON object
//! with a string `alg` (and string `kid` / `typ` when present), whose claims are a JSON object and
//! whose signature is not empty, and must report what `serde_json` sees in them.
#![no_main]

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use gatehouse_guard::jwt::{parse_unverified, MAX_TOKEN_LEN};
use libfuzzer_sys::fuzz_target;
use serde_json::{Map, Value};

fn object(bytes: &[u8]) -> Option<Map<String, Value>> {
    match serde_json::from_slice::<Value>(bytes) {
        Ok(Value::Object(m)) => Some(m),
        _ => None,
    }
}

fn opt_string(m: &Map<String, Value>, k: &str) -> Result<Option<String>, ()> {
    match m.get(k) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(()),
    }
}

fuzz_target!(|data: &[u8]| {
    let mut parts = data.splitn(3, |b| *b == 0xFF);
    let header = parts.next().unwrap_or_default();
    let claims = parts.next().unwrap_or_default();
    let signature = parts.next().unwrap_or_default();
    let (h, c, s) = (
        URL_SAFE_NO_PAD.encode(header),
        URL_SAFE_NO_PAD.encode(claims),
        URL_SAFE_NO_PAD.encode(signature),
    );
    let token = format!("{h}.{c}.{s}");
    let parsed = parse_unverified(&token);

    let header_map = object(header);
    let claims_map = object(claims);
    let alg = header_map
        .as_ref()
        .and_then(|m| m.get("alg"))
        .and_then(Value::as_str)
        .map(str::to_owned);
    let kid = header_map.as_ref().map(|m| opt_string(m, "kid"));
    let typ = header_map.as_ref().map(|m| opt_string(m, "typ"));
    let expected_ok = token.len() <= MAX_TOKEN_LEN
        && !signature.is_empty()
        && alg.is_some()
        && matches!(kid, Some(Ok(_)))
        && matches!(typ, Some(Ok(_)))
        && claims_map.is_some();
    assert_eq!(parsed.is_ok(), expected_ok, "{parsed:?}");

    if let Ok(jwt) = parsed {
        let hm = header_map.as_ref().unwrap();
        assert_eq!(Some(&jwt.header.alg), alg.as_ref());
        assert_eq!(Some(Ok(jwt.header.kid.clone())), kid);
        assert_eq!(Some(Ok(jwt.header.typ.clone())), typ);
        assert_eq!(jwt.header.has_crit, hm.contains_key("crit"));
        assert_eq!(
            jwt.header.has_key_reference,
            ["jku", "x5u", "jwk", "x5c"].iter().any(|k| hm.contains_key(*k))
        );
        assert_eq!(Some(jwt.claims), claims_map);
        assert_eq!(jwt.signing_input, format!("{h}.{c}"));
        assert_eq!(jwt.signature, s);
    }
});
