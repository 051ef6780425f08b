//! The proxy's routes file parser: never panics on any text.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = gatehouse_guard::proxy::ProxyConfig::from_toml_str(text);
    }
});
