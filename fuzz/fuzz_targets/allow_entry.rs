//! Fuzzes the one allowlist validator: no panic; an accepted entry prints back to text
//! that parses to the same entry; classify_host never panics and never calls a numeric
//! form a name.
#![no_main]

use libfuzzer_sys::fuzz_target;
use moat_allow::{classify_host, parse_entry, Target};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(e) = parse_entry(text) {
        assert_eq!(parse_entry(&e.to_string()), Ok(e.clone()));
        assert!(matches!(classify_host(&e.host_text().replace("*.", "x.")), Ok(Target::Name(_))));
    }
    if let Ok(Target::Name(n)) = classify_host(text) {
        let last = n.rsplit('.').next().unwrap_or_default();
        assert!(!last.bytes().all(|b| b.is_ascii_digit()));
    }
});
