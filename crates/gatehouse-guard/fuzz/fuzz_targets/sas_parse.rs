//! SAS parser: never panics; what it accepts stays within the documented limits and rebuilds
//! to a text that parses to the same token.
#![no_main]

use gatehouse_protocol::sas::{Sas, MAX_SAS_LEN};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(sas) = Sas::parse(text) {
        assert!(text.len() <= MAX_SAS_LEN);
        let rebuilt = sas.to_header();
        assert_eq!(Sas::parse(&rebuilt).as_ref(), Ok(&sas));
        assert!(Sas::is_sas(text));
        // Same fields, maybe reordered and with another scheme case: same length.
        assert_eq!(rebuilt.len(), text.len());
    }
    let _ = Sas::parse_fields(text);
});
