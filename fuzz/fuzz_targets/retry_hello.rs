//! Fuzzes the HelloRetryRequest parsers (server's first message, the client's second
//! ClientHello): no panic, consumed lengths inside the input, and answers consistent with
//! more input (a complete answer never changes when bytes are appended).
#![no_main]

use libfuzzer_sys::fuzz_target;
use moat_gate::hello::HelloError;
use moat_gate::retry::{parse_retry_hello, parse_server_first};

fuzz_target!(|data: &[u8]| {
    let mut more = data.to_vec();
    more.extend_from_slice(&[23, 3, 3, 0, 1, 0]);
    match parse_retry_hello(data) {
        Ok((sni, used)) => {
            assert!(used <= data.len());
            assert_eq!(parse_retry_hello(&more), Ok((sni, used)));
        }
        Err(HelloError::Incomplete { needed }) => assert!(needed >= 1),
        Err(HelloError::Invalid { .. }) => {}
    }
    match parse_server_first(data) {
        Ok((kind, used)) => {
            assert!(used <= data.len());
            assert_eq!(parse_server_first(&more).map(|(k, _)| k), Ok(kind));
        }
        Err(HelloError::Incomplete { needed }) => assert!(needed >= 1),
        Err(HelloError::Invalid { .. }) => {}
    }
});
