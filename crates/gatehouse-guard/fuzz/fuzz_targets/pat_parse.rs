//! The PAT parser and leak scanner (`gatehouse_protocol::pat`). Differential: `Pat::parse` accepts
//! exactly the texts made of the prefix, `BODY_LEN + CHECKSUM_LEN` letters or digits and the
//! right checksum (rebuilt with `Pat::from_body`); every scanner match is a substring of the
//! input at its range that parses, and never panics on any text. Seeds: `seeds/pat_parse`.
#![no_main]

use gatehouse_protocol::pat::{find_pats, Pat, BODY_LEN, PAT_LEN, PREFIX};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let parsed = Pat::parse(text);
    let shaped = text.len() == PAT_LEN
        && text.starts_with(PREFIX)
        && text[PREFIX.len()..].bytes().all(|b| b.is_ascii_alphanumeric());
    if shaped {
        let rebuilt = Pat::from_body(&text[PREFIX.len()..PREFIX.len() + BODY_LEN]).unwrap();
        assert_eq!(parsed.is_ok(), rebuilt.expose() == text);
    } else {
        assert!(parsed.is_err());
    }
    for m in find_pats(text) {
        assert_eq!(&text[m.start..m.end], m.pat.expose());
        assert!(Pat::parse(m.pat.expose()).is_ok());
    }
});
