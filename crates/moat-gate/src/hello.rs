//! A pure, synchronous TLS ClientHello parser that extracts the SNI host name.
//!
//! The parser sees the first bytes a client sent and answers one of:
//! `Ok(Some(sni))` (a complete ClientHello naming a host), `Ok(None)` (a complete
//! ClientHello without a `server_name` extension), `Err(Incomplete { needed })`
//! (every byte seen so far is consistent with a ClientHello; at least `needed`
//! more are required) or `Err(Invalid { .. })` (this is not a ClientHello we accept).
//!
//! It reassembles a ClientHello spread over several TLS records, so the result
//! does not depend on how the client fragmented it, and it never reads past the
//! end of its input. A hello may not exceed [`MAX_HELLO_LEN`] bytes on the wire.
//!
//! It is deliberately strict where leniency would let the gateway and the upstream
//! server disagree about the name: duplicate extensions, several host names, an
//! empty name list or trailing bytes are refused rather than guessed at.

use std::borrow::Cow;
use std::fmt;

/// The most bytes (records included) the gateway buffers to find a ClientHello.
pub const MAX_HELLO_LEN: usize = 64 * 1024;

/// TLS record content type for handshake messages (RFC 8446 §5.1).
pub(crate) const CONTENT_HANDSHAKE: u8 = 22;
/// Handshake message type for ClientHello (RFC 8446 §4).
const HS_CLIENT_HELLO: u8 = 1;
/// Extension number of `server_name` (RFC 6066 §3).
const EXT_SERVER_NAME: u16 = 0;
/// `NameType` value for a DNS host name (RFC 6066 §3).
const NAME_TYPE_HOST: u8 = 0;
/// A TLSPlaintext fragment may not exceed 2^14 bytes (RFC 8446 §5.1).
pub(crate) const MAX_RECORD_PAYLOAD: usize = 1 << 14;

/// A validated, lower-cased SNI host name (ASCII, no trailing dot).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Sni(String);

impl Sni {
    /// The host name as a string slice.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Consumes the value and returns the host name.
    pub fn into_string(self) -> String {
        self.0
    }
}

impl fmt::Display for Sni {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Why [`parse_client_hello`] could not return an answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HelloError {
    /// The bytes so far are a valid beginning; at least `needed` more bytes are required.
    #[error("incomplete ClientHello: at least {needed} more byte(s) needed")]
    Incomplete {
        /// A lower bound on the number of further bytes needed.
        needed: usize,
    },
    /// The bytes are not a ClientHello this parser accepts.
    #[error("invalid ClientHello at byte {offset}: {reason}")]
    Invalid {
        /// Offset of the offending byte in the record stream (or in the reassembled
        /// handshake message, for errors inside the ClientHello body).
        offset: usize,
        /// What was wrong, for logs.
        reason: &'static str,
    },
}

impl HelloError {
    fn invalid(offset: usize, reason: &'static str) -> Self {
        HelloError::Invalid { offset, reason }
    }
}

/// Parses the start of a TLS connection and returns the SNI host name, if any.
///
/// ```
/// use moat_gate::hello::{parse_client_hello, HelloError};
/// // A lone record header is a valid beginning, but not yet an answer.
/// assert!(matches!(
///     parse_client_hello(&[22, 3, 1, 0, 200]),
///     Err(HelloError::Incomplete { .. })
/// ));
/// // Plain HTTP is not TLS.
/// assert!(matches!(
///     parse_client_hello(b"GET / HTTP/1.1\r\n"),
///     Err(HelloError::Invalid { .. })
/// ));
/// ```
pub fn parse_client_hello(buf: &[u8]) -> Result<Option<Sni>, HelloError> {
    parse_client_hello_at(buf).map(|(sni, _)| sni)
}

/// [`parse_client_hello`] that also returns how many bytes of `buf` the records holding
/// the ClientHello take (the end of the record in which the message ends).
pub fn parse_client_hello_at(buf: &[u8]) -> Result<(Option<Sni>, usize), HelloError> {
    let (message, end) = reassemble(buf)?;
    Ok((parse_body(&message)?, end))
}

/// Collects the ClientHello handshake message (header included) from the records
/// at the start of `buf`, borrowing when a single record holds all of it; also returns
/// the end of the last record read.
fn reassemble(buf: &[u8]) -> Result<(Cow<'_, [u8]>, usize), HelloError> {
    let mut assembled: Cow<'_, [u8]> = Cow::Borrowed(&[]);
    let mut pos = 0usize;
    loop {
        let header = match buf.get(pos..pos + 5) {
            Some(h) => h,
            None => {
                // Check what we do have of the header, so garbage is refused early.
                check_partial_header(buf.get(pos..).unwrap_or_default(), pos)?;
                return Err(HelloError::Incomplete {
                    needed: pos + 5 - buf.len(),
                });
            }
        };
        check_partial_header(header, pos)?;
        let len = usize::from(u16::from_be_bytes([header[3], header[4]]));
        if len == 0 {
            return Err(HelloError::invalid(pos + 3, "empty handshake record"));
        }
        if len > MAX_RECORD_PAYLOAD {
            return Err(HelloError::invalid(
                pos + 3,
                "record longer than 2^14 bytes",
            ));
        }
        let end = pos + 5 + len;
        if end > MAX_HELLO_LEN {
            return Err(HelloError::invalid(pos, "ClientHello exceeds 64 KiB"));
        }
        let Some(payload) = buf.get(pos + 5..end) else {
            return Err(HelloError::Incomplete {
                needed: end - buf.len(),
            });
        };
        assembled = match assembled {
            Cow::Borrowed([]) => Cow::Borrowed(payload),
            other => {
                let mut owned = other.into_owned();
                owned.extend_from_slice(payload);
                Cow::Owned(owned)
            }
        };
        pos = end;
        if let Some(&msg_type) = assembled.first() {
            if msg_type != HS_CLIENT_HELLO {
                return Err(HelloError::invalid(
                    0,
                    "first handshake message is not a ClientHello",
                ));
            }
        }
        if let Some(h) = assembled.get(..4) {
            let msg_len = (usize::from(h[1]) << 16) | (usize::from(h[2]) << 8) | usize::from(h[3]);
            if msg_len + 4 > MAX_HELLO_LEN {
                return Err(HelloError::invalid(1, "ClientHello exceeds 64 KiB"));
            }
            if assembled.len() >= msg_len + 4 {
                let message = match assembled {
                    Cow::Borrowed(b) => Cow::Borrowed(b.get(..msg_len + 4).unwrap_or(b)),
                    Cow::Owned(mut v) => {
                        v.truncate(msg_len + 4);
                        Cow::Owned(v)
                    }
                };
                return Ok((message, pos));
            }
        }
    }
}

/// Validates as much of a 5-byte record header as is present.
fn check_partial_header(h: &[u8], pos: usize) -> Result<(), HelloError> {
    if let Some(&ct) = h.first() {
        if ct != CONTENT_HANDSHAKE {
            return Err(HelloError::invalid(pos, "not a TLS handshake record"));
        }
    }
    if let Some(&major) = h.get(1) {
        if major != 3 {
            return Err(HelloError::invalid(pos + 1, "record version is not 3.x"));
        }
    }
    if let Some(&minor) = h.get(2) {
        // Legacy record versions 3.0 (SSL 3) through 3.4 are seen from real clients.
        if minor > 4 {
            return Err(HelloError::invalid(pos + 2, "unknown record version"));
        }
    }
    Ok(())
}

/// A bounds-checked cursor over a complete handshake message.
struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize, what: &'static str) -> Result<&'a [u8], HelloError> {
        let s = self
            .data
            .get(self.pos..self.pos + n)
            .ok_or(HelloError::invalid(self.pos, what))?;
        self.pos += n;
        Ok(s)
    }
    fn u8(&mut self, what: &'static str) -> Result<u8, HelloError> {
        Ok(self.take(1, what)?[0])
    }
    fn u16(&mut self, what: &'static str) -> Result<u16, HelloError> {
        let b = self.take(2, what)?;
        Ok(u16::from_be_bytes([b[0], b[1]]))
    }
    fn vec8(&mut self, what: &'static str) -> Result<&'a [u8], HelloError> {
        let n = usize::from(self.u8(what)?);
        self.take(n, what)
    }
    fn vec16(&mut self, what: &'static str) -> Result<&'a [u8], HelloError> {
        let n = usize::from(self.u16(what)?);
        self.take(n, what)
    }
    fn remaining(&self) -> usize {
        self.data.len().saturating_sub(self.pos)
    }
}

/// Parses a complete ClientHello message (4-byte handshake header included).
fn parse_body(message: &[u8]) -> Result<Option<Sni>, HelloError> {
    let mut r = Reader {
        data: message,
        pos: 4,
    };
    let version = r.u16("truncated legacy_version")?;
    if version >> 8 != 3 {
        return Err(HelloError::invalid(4, "legacy_version is not 3.x"));
    }
    r.take(32, "truncated random")?;
    let session_id = r.vec8("truncated legacy_session_id")?;
    if session_id.len() > 32 {
        return Err(HelloError::invalid(
            r.pos,
            "session id longer than 32 bytes",
        ));
    }
    let suites = r.vec16("truncated cipher_suites")?;
    if suites.is_empty() || suites.len() % 2 != 0 {
        return Err(HelloError::invalid(r.pos, "malformed cipher_suites"));
    }
    let compression = r.vec8("truncated compression_methods")?;
    if compression.is_empty() {
        return Err(HelloError::invalid(r.pos, "no compression method"));
    }
    if r.remaining() == 0 {
        // A pre-TLS-1.2 style hello may omit the extensions block entirely.
        return Ok(None);
    }
    let ext_start = r.pos;
    let extensions = r.vec16("truncated extensions")?;
    if r.remaining() != 0 {
        return Err(HelloError::invalid(
            r.pos,
            "bytes after the extensions block",
        ));
    }
    let mut exts = Reader {
        data: extensions,
        pos: 0,
    };
    let mut seen: Vec<u16> = Vec::new();
    let mut sni = None;
    while exts.remaining() > 0 {
        let at = ext_start + 2 + exts.pos;
        let ext_type = exts.u16("truncated extension type")?;
        let body = exts.vec16("truncated extension body")?;
        if seen.contains(&ext_type) {
            // RFC 8446 §4.2: duplicates are illegal; two server_name values would
            // let the gateway and the server read different names.
            return Err(HelloError::invalid(at, "duplicate extension"));
        }
        seen.push(ext_type);
        if ext_type == EXT_SERVER_NAME {
            sni = Some(parse_server_name(body, at + 4)?);
        }
    }
    Ok(sni)
}

/// Parses the `server_name` extension body (RFC 6066 §3): exactly one host name.
fn parse_server_name(body: &[u8], offset: usize) -> Result<Sni, HelloError> {
    let mut r = Reader { data: body, pos: 0 };
    let list = r.vec16("truncated server_name_list")?;
    if r.remaining() != 0 {
        return Err(HelloError::invalid(offset, "bytes after server_name_list"));
    }
    let mut names = Reader { data: list, pos: 0 };
    let mut host: Option<Sni> = None;
    while names.remaining() > 0 {
        let name_type = names.u8("truncated name_type")?;
        let name = names.vec16("truncated host_name")?;
        if name_type != NAME_TYPE_HOST {
            continue;
        }
        if host.is_some() {
            return Err(HelloError::invalid(offset, "more than one host_name"));
        }
        host = Some(validate_host(name).ok_or(HelloError::invalid(offset, "malformed host_name"))?);
    }
    host.ok_or(HelloError::invalid(
        offset,
        "server_name extension without a host_name",
    ))
}

/// Accepts an LDH-style DNS name (underscores tolerated, as real names use them),
/// 1..=253 bytes, labels 1..=63 bytes, no trailing dot (RFC 6066 forbids it).
fn validate_host(name: &[u8]) -> Option<Sni> {
    if name.is_empty() || name.len() > 253 {
        return None;
    }
    for label in name.split(|&b| b == b'.') {
        if label.is_empty() || label.len() > 63 {
            return None;
        }
        if !label
            .iter()
            .all(|&b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            return None;
        }
    }
    let s = std::str::from_utf8(name).ok()?;
    Some(Sni(s.to_ascii_lowercase()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Builds a minimal ClientHello body with the given extensions block.
    fn hello(exts: &[u8]) -> Vec<u8> {
        let mut body = vec![3, 3];
        body.extend_from_slice(&[7; 32]);
        body.push(0); // session id
        body.extend_from_slice(&[0, 2, 0x13, 0x01]); // one suite
        body.extend_from_slice(&[1, 0]); // null compression
        body.extend_from_slice(&(exts.len() as u16).to_be_bytes());
        body.extend_from_slice(exts);
        let mut msg = vec![1, 0, (body.len() >> 8) as u8, body.len() as u8];
        msg.extend_from_slice(&body);
        let mut rec = vec![22, 3, 1, (msg.len() >> 8) as u8, msg.len() as u8];
        rec.extend_from_slice(&msg);
        rec
    }

    fn sni_ext(names: &[(u8, &[u8])]) -> Vec<u8> {
        let mut list = Vec::new();
        for (t, n) in names {
            list.push(*t);
            list.extend_from_slice(&(n.len() as u16).to_be_bytes());
            list.extend_from_slice(n);
        }
        let mut ext = vec![0, 0];
        ext.extend_from_slice(&((list.len() + 2) as u16).to_be_bytes());
        ext.extend_from_slice(&(list.len() as u16).to_be_bytes());
        ext.extend_from_slice(&list);
        ext
    }

    #[test]
    fn reads_and_lowercases_sni() {
        let h = hello(&sni_ext(&[(0, b"Api.Stripe.COM")]));
        assert_eq!(
            parse_client_hello(&h).unwrap().unwrap().as_str(),
            "api.stripe.com"
        );
    }

    #[test]
    fn refuses_duplicate_server_name_extensions() {
        let mut exts = sni_ext(&[(0, b"a.test")]);
        exts.extend(sni_ext(&[(0, b"b.test")]));
        assert!(matches!(
            parse_client_hello(&hello(&exts)),
            Err(HelloError::Invalid {
                reason: "duplicate extension",
                ..
            })
        ));
    }

    #[test]
    fn refuses_two_host_names_and_bad_names() {
        let two = sni_ext(&[(0, b"a.test"), (0, b"b.test")]);
        assert!(matches!(
            parse_client_hello(&hello(&two)),
            Err(HelloError::Invalid { .. })
        ));
        for bad in [&b"a..test"[..], b"a.test.", b"a b", b"", b"\xc3\xa9.test"] {
            let h = hello(&sni_ext(&[(0, bad)]));
            assert!(
                matches!(parse_client_hello(&h), Err(HelloError::Invalid { .. })),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn no_sni_and_no_extensions_are_complete_answers() {
        assert_eq!(
            parse_client_hello(&hello(&[0x00, 0x0b, 0, 2, 1, 0])),
            Ok(None)
        );
        // Strip the extensions block length too: an old-style hello.
        let mut h = hello(&[]);
        h.truncate(h.len() - 2);
        h[4] -= 2;
        h[8] -= 2;
        assert_eq!(parse_client_hello(&h), Ok(None));
    }

    #[test]
    fn refuses_non_tls_and_oversized() {
        assert!(matches!(
            parse_client_hello(b"SSH-2.0-x"),
            Err(HelloError::Invalid { .. })
        ));
        // A handshake message claiming 70 000 bytes is refused before it is buffered.
        let rec = [22, 3, 1, 0, 4, 1, 0x01, 0x11, 0x70];
        assert!(matches!(
            parse_client_hello(&rec),
            Err(HelloError::Invalid { .. })
        ));
        // Application data before the hello.
        assert!(matches!(
            parse_client_hello(&[23, 3, 3, 0, 1, 0]),
            Err(HelloError::Invalid { .. })
        ));
    }

    #[test]
    fn trailing_bytes_after_the_hello_are_ignored() {
        let mut h = hello(&sni_ext(&[(0, b"a.test")]));
        h.extend_from_slice(&[23, 3, 3, 0, 5, 1, 2, 3]);
        assert_eq!(parse_client_hello(&h).unwrap().unwrap().as_str(), "a.test");
    }
}
