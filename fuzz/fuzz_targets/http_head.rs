//! Fuzzes the HTTP request-head parser and authority parsing: no panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use moat_gate::http::{parse_authority, parse_head, split_absolute};

fuzz_target!(|data: &[u8]| {
    if let Ok(Some(head)) = parse_head(data) {
        assert!(head.len <= data.len());
        let _ = parse_authority(&head.target, None);
        if let Ok((authority, _path)) = split_absolute(&head.target) {
            let _ = parse_authority(authority, Some(80));
        }
    }
});
