//! Compact JWE parsing and decryption (`gatehouse_keys::jwe`), what the guard runs on a
//! presented five-part Bearer token: never panics on any text; reading the header's `kid` and
//! decrypting agree on what is malformed; nothing but a token made with the key's public half
//! decrypts (the fuzzer cannot forge one, so any success must round-trip).
#![no_main]

use std::sync::OnceLock;

use gatehouse_keys::jwe::{header_kid, looks_like_jwe, DecryptionKey};
use libfuzzer_sys::fuzz_target;

fn key() -> &'static DecryptionKey {
    static KEY: OnceLock<DecryptionKey> = OnceLock::new();
    KEY.get_or_init(|| DecryptionKey::generate().expect("an RSA key").0)
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = looks_like_jwe(text);
    let kid = header_kid(text);
    let opened = key().decrypt(text);
    if kid.is_err() {
        assert!(opened.is_err(), "a header that cannot be read never decrypts");
    }
    assert!(opened.is_err(), "random input never decrypts under a fresh key");
});
