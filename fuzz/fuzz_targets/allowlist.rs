//! Fuzzes allowlist parsing and matching: no panic on any text.
#![no_main]

use libfuzzer_sys::fuzz_target;
use moat_gate::policy::{normalize_host, Allowlist};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(list) = Allowlist::parse(text, std::path::Path::new("fuzz.txt")) {
        for line in text.lines() {
            let host = normalize_host(line.trim().trim_start_matches("*."));
            let _ = list.find(&host, 443);
        }
    }
});
