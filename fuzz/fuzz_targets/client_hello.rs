//! Fuzzes the pure ClientHello parser: no panic, and answers that are consistent
//! with more input (a complete answer never changes when bytes are appended; an
//! Incomplete answer never turns into a different answer for a prefix).
#![no_main]

use libfuzzer_sys::fuzz_target;
use moat_gate::hello::{parse_client_hello, HelloError};

fuzz_target!(|data: &[u8]| {
    let whole = parse_client_hello(data);
    match &whole {
        Ok(_) => {
            // Bytes after a complete hello (early data, the next record) change nothing.
            let mut more = data.to_vec();
            more.extend_from_slice(&[23, 3, 3, 0, 1, 0]);
            assert_eq!(parse_client_hello(&more), whole);
        }
        Err(HelloError::Incomplete { needed }) => assert!(*needed >= 1),
        Err(HelloError::Invalid { .. }) => {}
    }
    // A prefix of an input with an answer is either Incomplete or the same answer
    // (never a different name), checked on a few cut points to stay fast.
    if let Ok(answer) = &whole {
        for cut in [data.len() / 2, data.len().saturating_sub(1)] {
            match parse_client_hello(&data[..cut]) {
                Err(HelloError::Incomplete { .. }) => {}
                Ok(a) => assert_eq!(&a, answer),
                Err(HelloError::Invalid { .. }) => {}
            }
        }
    }
});
