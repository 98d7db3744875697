//! HelloRetryRequest: the handshake's second ClientHello, parsed as purely as the first.
//!
//! In TLS 1.3 a server that wants another key share answers the first ClientHello with a
//! HelloRetryRequest (a ServerHello whose `random` is a fixed value, RFC 8446 §4.1.3), and
//! the client sends a second ClientHello, in plaintext, on the same connection. A gateway
//! that checks only the first hello lets a client name an allowed host there and another
//! host in the second: a shared upstream (a CDN) then serves the other name. So the
//! gateway follows the TLS record layer in both directions until the handshake leaves
//! plaintext, and checks every ClientHello.
//!
//! Two pure functions, in the style of [`parse_client_hello`](crate::hello::parse_client_hello):
//! - [`parse_server_first`] classifies the server's first handshake message (a retry, a
//!   real ServerHello — after which the client's handshake is encrypted in TLS 1.3 and
//!   needs no further look in TLS 1.2 either — or something else);
//! - [`parse_retry_hello`] finds the client's next ClientHello, skipping what RFC 8446 lets
//!   come before it: `change_cipher_spec` (middlebox compatibility, §D.4) and
//!   `application_data` records (0-RTT data the server skips after a retry, §4.2.10).
//!
//! Both answer `Err(Incomplete)` while every byte seen is a valid beginning, so the async
//! driver ([`crate::handshake`]) can call them on a growing buffer.

use crate::hello::{parse_client_hello_at, HelloError, Sni, CONTENT_HANDSHAKE, MAX_HELLO_LEN};

/// `ServerHello.random` of a HelloRetryRequest: SHA-256 of "HelloRetryRequest"
/// (RFC 8446 §4.1.3).
pub const HRR_RANDOM: [u8; 32] = [
    0xCF, 0x21, 0xAD, 0x74, 0xE5, 0x9A, 0x61, 0x11, 0xBE, 0x1D, 0x8C, 0x02, 0x1E, 0x65, 0xB8, 0x91,
    0xC2, 0xA2, 0x11, 0x16, 0x7A, 0xBB, 0x8C, 0x5E, 0x07, 0x9E, 0x09, 0xE2, 0xC8, 0xA8, 0x33, 0x9C,
];

/// Record content types (RFC 8446 §5.1).
const CONTENT_CHANGE_CIPHER_SPEC: u8 = 20;
const CONTENT_APPLICATION_DATA: u8 = 23;
/// Handshake message type of ServerHello (and HelloRetryRequest).
const HS_SERVER_HELLO: u8 = 2;
/// A TLSCiphertext record may carry 2^14 + 256 bytes (RFC 8446 §5.2).
const MAX_CIPHERTEXT: usize = (1 << 14) + 256;
/// The most bytes the client may send between a retry and its second ClientHello
/// (skipped 0-RTT records included) before the gateway gives up.
pub const MAX_BEFORE_RETRY_HELLO: usize = 4 * MAX_HELLO_LEN;

/// What the server answered the client's ClientHello with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServerFirst {
    /// A HelloRetryRequest: another ClientHello follows.
    Retry,
    /// A real ServerHello: no further plaintext ClientHello can follow.
    Hello,
    /// Not a TLS handshake (an alert, garbage): the handshake will not go on.
    Other,
}

/// Classifies the server's first handshake message; `change_cipher_spec` records before
/// it are skipped. Also returns the bytes taken by the records up to the end of that
/// message (only meaningful for [`ServerFirst::Retry`], where the next server message
/// starts after them).
pub fn parse_server_first(buf: &[u8]) -> Result<(ServerFirst, usize), HelloError> {
    let mut pos = 0usize;
    let mut message: Vec<u8> = Vec::new();
    loop {
        let Some(header) = buf.get(pos..pos + 5) else {
            return Err(HelloError::Incomplete {
                needed: pos + 5 - buf.len(),
            });
        };
        let (ct, len) = (
            header[0],
            usize::from(u16::from_be_bytes([header[3], header[4]])),
        );
        if header[1] != 3 || len == 0 || len > MAX_CIPHERTEXT {
            return Ok((ServerFirst::Other, pos));
        }
        let end = pos + 5 + len;
        let fragment = buf.get(pos + 5..end);
        match ct {
            CONTENT_CHANGE_CIPHER_SPEC if message.is_empty() => {}
            CONTENT_HANDSHAKE => {
                let available = fragment.unwrap_or(buf.get(pos + 5..).unwrap_or_default());
                let mut probe = message.clone();
                probe.extend_from_slice(available);
                if let Some(answer) = classify(&probe, fragment.is_some(), end) {
                    return Ok(answer);
                }
                let Some(fragment) = fragment else {
                    return Err(HelloError::Incomplete {
                        needed: end - buf.len(),
                    });
                };
                message.extend_from_slice(fragment);
            }
            _ => return Ok((ServerFirst::Other, pos)),
        }
        if buf.len() < end {
            return Err(HelloError::Incomplete {
                needed: end - buf.len(),
            });
        }
        pos = end;
        if pos > MAX_HELLO_LEN {
            return Ok((ServerFirst::Other, pos));
        }
    }
}

/// Decides from the start of the server's first handshake message, when it can:
/// `record_done` says the record ending at `end` is complete.
fn classify(message: &[u8], record_done: bool, end: usize) -> Option<(ServerFirst, usize)> {
    let &msg_type = message.first()?;
    if msg_type != HS_SERVER_HELLO {
        return Some((ServerFirst::Other, 0));
    }
    // type(1) length(3) legacy_version(2) random(32)
    let random = message.get(6..38)?;
    if random != HRR_RANDOM {
        return Some((ServerFirst::Hello, 0));
    }
    let header = message.get(..4)?;
    let msg_len =
        (usize::from(header[1]) << 16) | (usize::from(header[2]) << 8) | usize::from(header[3]);
    // The retry is complete when its whole message is here and its record has ended.
    (message.len() >= msg_len + 4 && record_done).then_some((ServerFirst::Retry, end))
}

/// Parses the client's next ClientHello after a HelloRetryRequest: skips
/// `change_cipher_spec` and `application_data` records, then reads a ClientHello exactly
/// as [`parse_client_hello`](crate::hello::parse_client_hello) does. Returns its SNI and
/// the bytes of `buf` up to the end of its last record.
pub fn parse_retry_hello(buf: &[u8]) -> Result<(Option<Sni>, usize), HelloError> {
    let mut pos = 0usize;
    loop {
        let Some(header) = buf.get(pos..pos + 5) else {
            return Err(HelloError::Incomplete {
                needed: pos + 5 - buf.len(),
            });
        };
        match header[0] {
            CONTENT_CHANGE_CIPHER_SPEC | CONTENT_APPLICATION_DATA => {
                if header[1] != 3 {
                    return Err(HelloError::Invalid {
                        offset: pos + 1,
                        reason: "record version is not 3.x",
                    });
                }
                let len = usize::from(u16::from_be_bytes([header[3], header[4]]));
                if len == 0 || len > MAX_CIPHERTEXT {
                    return Err(HelloError::Invalid {
                        offset: pos + 3,
                        reason: "bad record length before the second ClientHello",
                    });
                }
                pos += 5 + len;
                if pos > MAX_BEFORE_RETRY_HELLO {
                    return Err(HelloError::Invalid {
                        offset: pos,
                        reason: "too many bytes before the second ClientHello",
                    });
                }
            }
            CONTENT_HANDSHAKE => {
                let rest = buf.get(pos..).unwrap_or_default();
                return match parse_client_hello_at(rest) {
                    Ok((sni, used)) => Ok((sni, pos + used)),
                    Err(HelloError::Invalid { offset, reason }) => Err(HelloError::Invalid {
                        offset: pos + offset,
                        reason,
                    }),
                    Err(e) => Err(e),
                };
            }
            _ => {
                return Err(HelloError::Invalid {
                    offset: pos,
                    reason: "expected the second ClientHello after a HelloRetryRequest",
                })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(ct: u8, payload: &[u8]) -> Vec<u8> {
        let mut r = vec![ct, 3, 3, (payload.len() >> 8) as u8, payload.len() as u8];
        r.extend_from_slice(payload);
        r
    }

    fn server_hello(random: [u8; 32]) -> Vec<u8> {
        let mut body = vec![3, 3];
        body.extend_from_slice(&random);
        body.extend_from_slice(&[0, 0x13, 0x01, 0, 0, 6, 0, 0x2b, 0, 2, 3, 4]);
        let mut msg = vec![2, 0, 0, body.len() as u8];
        msg.extend_from_slice(&body);
        msg
    }

    /// A ClientHello record naming `name` (built like hello.rs's tests).
    fn client_hello(name: &[u8]) -> Vec<u8> {
        let mut list = vec![0];
        list.extend_from_slice(&(name.len() as u16).to_be_bytes());
        list.extend_from_slice(name);
        let mut ext = vec![0, 0];
        ext.extend_from_slice(&((list.len() + 2) as u16).to_be_bytes());
        ext.extend_from_slice(&(list.len() as u16).to_be_bytes());
        ext.extend_from_slice(&list);
        let mut body = vec![3, 3];
        body.extend_from_slice(&[7; 32]);
        body.push(0);
        body.extend_from_slice(&[0, 2, 0x13, 0x01, 1, 0]);
        body.extend_from_slice(&(ext.len() as u16).to_be_bytes());
        body.extend_from_slice(&ext);
        let mut msg = vec![1, 0, (body.len() >> 8) as u8, body.len() as u8];
        msg.extend_from_slice(&body);
        record(22, &msg)
    }

    /// Every prefix of a stream with an answer is `Incomplete` or that same answer.
    fn every_prefix<T: PartialEq + std::fmt::Debug>(
        stream: &[u8],
        f: impl Fn(&[u8]) -> Result<T, HelloError>,
    ) -> T {
        let whole = f(stream).expect("a complete answer");
        for cut in 0..stream.len() {
            match f(&stream[..cut]) {
                Err(HelloError::Incomplete { needed }) => assert!(needed >= 1),
                Ok(a) => assert_eq!(a, whole, "prefix {cut}"),
                Err(e) => panic!("prefix {cut}: {e}"),
            }
        }
        whole
    }

    #[test]
    fn tells_a_retry_from_a_server_hello_on_every_prefix() {
        let retry = record(22, &server_hello(HRR_RANDOM));
        let mut stream = record(20, &[1]);
        stream.extend_from_slice(&retry);
        let (kind, used) = every_prefix(&stream, parse_server_first);
        assert_eq!((kind, used), (ServerFirst::Retry, stream.len()));
        // The compat CCS after the retry is not part of it.
        let mut more = stream.clone();
        more.extend_from_slice(&record(20, &[1]));
        assert_eq!(
            parse_server_first(&more).unwrap(),
            (ServerFirst::Retry, stream.len())
        );

        let hello = record(22, &server_hello([9; 32]));
        assert_eq!(
            every_prefix(&hello, parse_server_first).0,
            ServerFirst::Hello
        );
        // A retry split over two records.
        let msg = server_hello(HRR_RANDOM);
        let mut split = record(22, &msg[..20]);
        split.extend_from_slice(&record(22, &msg[20..]));
        assert_eq!(
            every_prefix(&split, parse_server_first),
            (ServerFirst::Retry, split.len())
        );
        assert_eq!(
            parse_server_first(&record(21, &[2, 40])).unwrap().0,
            ServerFirst::Other
        );
        assert_eq!(
            parse_server_first(b"HTTP/1.1 400").unwrap().0,
            ServerFirst::Other
        );
    }

    #[test]
    fn finds_the_second_hello_after_ccs_and_early_data_on_every_prefix() {
        let mut stream = record(23, &[0xaa; 40]);
        stream.extend_from_slice(&record(20, &[1]));
        let ch = client_hello(b"B.test");
        stream.extend_from_slice(&ch);
        let (sni, used) = every_prefix(&stream, parse_retry_hello);
        assert_eq!(sni.unwrap().as_str(), "b.test");
        assert_eq!(used, stream.len());
        // What follows the hello is not consumed.
        let mut more = stream.clone();
        more.extend_from_slice(&record(23, &[1; 10]));
        assert_eq!(parse_retry_hello(&more).unwrap().1, stream.len());
    }

    #[test]
    fn refuses_what_cannot_precede_a_second_hello() {
        for bad in [
            record(21, &[2, 40]),
            b"GET / HTTP/1.1\r\n".to_vec(),
            record(22, &[2, 0, 0, 0]),
        ] {
            assert!(
                matches!(parse_retry_hello(&bad), Err(HelloError::Invalid { .. })),
                "{bad:?}"
            );
        }
        // Endless 0-RTT filler is cut at a bound.
        let mut flood = Vec::new();
        while flood.len() <= MAX_BEFORE_RETRY_HELLO {
            flood.extend_from_slice(&record(23, &[0; 16_000]));
        }
        assert!(matches!(
            parse_retry_hello(&flood),
            Err(HelloError::Invalid { .. })
        ));
    }
}
