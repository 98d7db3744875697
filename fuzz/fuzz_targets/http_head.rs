//! Fuzzes the HTTP request-head parser (httparse plus the strict rules on top) and the
//! routing of a parsed head: no panic, and a parsed head never contains what the strict
//! rules refuse (a bare LF, two Host headers, Content-Length with Transfer-Encoding).
#![no_main]

use libfuzzer_sys::fuzz_target;
use moat_gate::http::{parse_authority, parse_head, route, split_absolute};

fuzz_target!(|data: &[u8]| {
    if let Ok(Some(head)) = parse_head(data) {
        assert!(head.len <= data.len());
        let raw = &data[..head.len];
        for (i, &b) in raw.iter().enumerate() {
            if b == b'\n' {
                assert!(i > 0 && raw[i - 1] == b'\r', "bare LF accepted");
            }
        }
        let hosts = head.headers.iter().filter(|(k, _)| k.eq_ignore_ascii_case("host"));
        assert!(hosts.count() <= 1);
        assert!(!(head.header("content-length").is_some() && head.header("transfer-encoding").is_some()));
        assert!(head.target.bytes().all(|b| (0x21..=0x7e).contains(&b)));
        let _ = parse_authority(&head.target, None);
        if let Ok((authority, _path)) = split_absolute(&head.target) {
            let _ = parse_authority(authority, Some(80));
        }
        let _ = route(&head, None);
        let _ = route(&head, Some(80));
        let _ = head.body_length();
    }
});
