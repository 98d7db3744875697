//! Just enough HTTP/1.x to route: read a bounded request head, split the request
//! line, find the target host, and rewrite an absolute-form request for the origin.

use std::net::IpAddr;
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt};

/// Largest request head the gateway reads.
pub const MAX_HEAD_LEN: usize = 64 * 1024;

/// A request the gateway cannot route.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum HttpError {
    /// Malformed request line, header or target.
    #[error("bad request: {0}")]
    Bad(String),
    /// The head did not end within [`MAX_HEAD_LEN`].
    #[error("request head larger than {MAX_HEAD_LEN} bytes")]
    TooLarge,
    /// The client closed or stalled before the head was complete.
    #[error("incomplete request head: {0}")]
    Incomplete(String),
    /// A request body framed by `Transfer-Encoding`: the gateway forwards one request per
    /// connection and frames it by `Content-Length` only.
    #[error("a Transfer-Encoding request body is not forwarded; send Content-Length")]
    LengthRequired,
}

/// A requested host: a name, or an IP literal the client chose.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Host {
    /// A DNS name, normalised (lower case, no trailing dot).
    Name(String),
    /// An IP literal.
    Ip(IpAddr),
}

impl Host {
    /// The host as text, for logs.
    pub fn text(&self) -> String {
        match self {
            Host::Name(n) => n.clone(),
            Host::Ip(ip) => ip.to_string(),
        }
    }
}

/// A parsed request head.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestHead {
    /// Method (`CONNECT`, `GET`, ...).
    pub method: String,
    /// Request target as sent.
    pub target: String,
    /// Protocol version (`HTTP/1.1`).
    pub version: String,
    /// Header fields in order.
    pub headers: Vec<(String, String)>,
    /// Bytes of the head, blank line included; what follows is body or tunnel data.
    pub len: usize,
}

impl RequestHead {
    /// The first header named `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Most header fields in one request head.
pub const MAX_HEADERS: usize = 100;

/// Parses a request head; `Ok(None)` while the blank line has not arrived.
///
/// The grammar is RFC 9112's, read by the `httparse` crate, with stricter rules on top
/// where a lenient upstream could read the same bytes differently from the gateway (each
/// one a way to smuggle a second `Host` or request past the decision):
/// - every line ends in CRLF: a bare LF or a lone CR is refused (§2.2);
/// - the request line is `method SP target SP HTTP/1.x` with single spaces (no tabs, §3);
/// - the target holds only visible ASCII (no control characters, no spaces);
/// - no whitespace between a field name and its colon (§5.1), no obs-fold line (§5.2);
/// - one `Host` at most (RFC 9110 §7.2), one `Content-Length` at most, and never
///   `Content-Length` together with `Transfer-Encoding` (§6.1); `Transfer-Encoding` only in
///   HTTP/1.1.
pub fn parse_head(buf: &[u8]) -> Result<Option<RequestHead>, HttpError> {
    let end = buf.windows(4).position(|w| w == b"\r\n\r\n");
    // Line endings are checked on what has arrived, so a bare LF is refused at once
    // (it could otherwise end the head, for a lenient reader, before ours does).
    check_line_endings(buf.get(..end.map_or(buf.len(), |e| e + 4)).unwrap_or(buf))?;
    let Some(end) = end else {
        if buf.len() >= MAX_HEAD_LEN {
            return Err(HttpError::TooLarge);
        }
        return Ok(None);
    };
    let head = buf.get(..end + 4).unwrap_or(buf);
    check_lines(head)?;
    let mut fields = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut req = httparse::Request::new(&mut fields);
    match req.parse(head) {
        Ok(httparse::Status::Complete(n)) if n == end + 4 => {}
        Ok(_) => return Err(bad("request head does not end where its blank line is")),
        Err(e) => return Err(bad(format!("malformed request head: {e}"))),
    }
    let (Some(method), Some(target), Some(minor)) = (req.method, req.path, req.version) else {
        return Err(bad("incomplete request line"));
    };
    let mut headers = Vec::with_capacity(req.headers.len());
    for h in req.headers.iter() {
        let value = std::str::from_utf8(h.value)
            .ok()
            .filter(|v| !v.bytes().any(|b| b.is_ascii_control() && b != b'\t'))
            .ok_or_else(|| bad(format!("invalid value in header `{}`", h.name)))?;
        headers.push((h.name.to_string(), value.trim().to_string()));
    }
    let head = RequestHead {
        method: method.to_string(),
        target: target.to_string(),
        version: format!("HTTP/1.{minor}"),
        headers,
        len: end + 4,
    };
    check_framing(&head)?;
    Ok(Some(head))
}

fn bad(msg: impl Into<String>) -> HttpError {
    HttpError::Bad(msg.into())
}

/// Every LF follows a CR and every CR precedes an LF (a CR at the very end may still
/// get its LF).
fn check_line_endings(buf: &[u8]) -> Result<(), HttpError> {
    for (i, &b) in buf.iter().enumerate() {
        let prev = i.checked_sub(1).and_then(|p| buf.get(p));
        if b == b'\n' && prev != Some(&b'\r') {
            return Err(bad(format!("bare LF at byte {i}: lines end in CRLF")));
        }
        if b == b'\r' && buf.get(i + 1).is_some_and(|&n| n != b'\n') {
            return Err(bad(format!("CR without LF at byte {i}")));
        }
    }
    Ok(())
}

/// The request line's shape and each field line's start, before httparse reads them.
fn check_lines(head: &[u8]) -> Result<(), HttpError> {
    let body = head.get(..head.len() - 4).unwrap_or_default();
    let mut lines = body
        .split(|&b| b == b'\n')
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l));
    let line = lines.next().unwrap_or_default();
    let shown = String::from_utf8_lossy(line);
    let parts: Vec<&[u8]> = line.split(|&b| b == b' ').collect();
    let [method, target, version] = parts.as_slice() else {
        return Err(bad(format!(
            "malformed request line `{shown}` (method SP target SP version)"
        )));
    };
    if method.is_empty() || target.is_empty() || !version.starts_with(b"HTTP/1.") {
        return Err(bad(format!("malformed request line `{shown}`")));
    }
    if line.contains(&b'\t') {
        return Err(bad(format!("tab in the request line `{shown}`")));
    }
    if let Some(b) = target.iter().find(|&&b| !(0x21..=0x7e).contains(&b)) {
        return Err(bad(format!("byte 0x{b:02x} in the request target")));
    }
    for l in lines {
        match l.first() {
            Some(b' ' | b'\t') => return Err(bad("obs-fold (a line starting with whitespace)")),
            None => return Err(bad("empty line inside the head")),
            _ => {}
        }
        let name = l.split(|&b| b == b':').next().unwrap_or_default();
        if name.len() == l.len() {
            return Err(bad(format!(
                "header line without a colon: `{}`",
                String::from_utf8_lossy(l)
            )));
        }
        if name.last().is_some_and(|b| b.is_ascii_whitespace()) {
            return Err(bad(format!(
                "whitespace before the colon in `{}`",
                String::from_utf8_lossy(name)
            )));
        }
    }
    Ok(())
}

/// Host and message framing headers that two parsers could read differently.
fn check_framing(head: &RequestHead) -> Result<(), HttpError> {
    let count = |n: &str| {
        head.headers
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case(n))
            .count()
    };
    if count("host") > 1 {
        return Err(bad("more than one Host header"));
    }
    let (cl, te) = (count("content-length"), count("transfer-encoding"));
    if cl > 1 {
        return Err(bad("more than one Content-Length header"));
    }
    if cl > 0 && te > 0 {
        return Err(bad("both Content-Length and Transfer-Encoding"));
    }
    if te > 0 && head.version != "HTTP/1.1" {
        return Err(bad("Transfer-Encoding in an HTTP/1.0 request"));
    }
    if let Some(v) = head.header("content-length") {
        if v.is_empty() || !v.bytes().all(|b| b.is_ascii_digit()) || v.parse::<u64>().is_err() {
            return Err(bad(format!("invalid Content-Length `{v}`")));
        }
    }
    Ok(())
}

impl RequestHead {
    /// The request body's length: `Content-Length`, or 0 when there is none. A
    /// `Transfer-Encoding` body is not forwarded (411: send a Content-Length).
    pub fn body_length(&self) -> Result<u64, HttpError> {
        if self.header("transfer-encoding").is_some() {
            return Err(HttpError::LengthRequired);
        }
        Ok(self
            .header("content-length")
            .and_then(|v| v.parse().ok())
            .unwrap_or(0))
    }
}

/// Reads until a complete head is buffered (bounded by size and time).
pub async fn read_head<R: AsyncRead + Unpin>(
    r: &mut R,
    buf: &mut Vec<u8>,
    timeout: Duration,
) -> Result<RequestHead, HttpError> {
    let work = async {
        loop {
            if let Some(head) = parse_head(buf)? {
                return Ok(head);
            }
            let room = (MAX_HEAD_LEN - buf.len()) as u64;
            let n = (&mut *r)
                .take(room)
                .read_buf(buf)
                .await
                .map_err(|e| HttpError::Incomplete(e.to_string()))?;
            if n == 0 {
                return Err(HttpError::Incomplete("connection closed".into()));
            }
        }
    };
    tokio::time::timeout(timeout, work)
        .await
        .unwrap_or_else(|_| {
            Err(HttpError::Incomplete(format!(
                "no request within {timeout:?}"
            )))
        })
}

/// Parses `host[:port]` or `[v6]:port`. A missing port takes `default_port`; `None`
/// requires one (CONNECT).
pub fn parse_authority(s: &str, default_port: Option<u16>) -> Result<(Host, u16), HttpError> {
    let bad = || HttpError::Bad(format!("invalid authority `{s}`"));
    let (host, port) = if let Some(rest) = s.strip_prefix('[') {
        let (h, after) = rest.split_once(']').ok_or_else(bad)?;
        let port = match after.strip_prefix(':') {
            Some(p) => Some(p),
            None if after.is_empty() => None,
            None => return Err(bad()),
        };
        let ip: IpAddr = h.parse().map_err(|_| bad())?;
        return Ok((
            Host::Ip(ip),
            resolve_port(port, default_port).ok_or_else(bad)?,
        ));
    } else {
        match s.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (s, None),
        }
    };
    let port = resolve_port(port, default_port).ok_or_else(bad)?;
    // The one validator decides what the host is: numeric forms a resolver reads as an
    // address (`127.1`, `2130706433`, `0x7f000001`) are IP literals here, and go to the
    // special-range denial like any literal.
    match moat_allow::classify_host(host) {
        Ok(moat_allow::Target::Ip(ip)) => Ok((Host::Ip(ip), port)),
        Ok(moat_allow::Target::Name(name)) => Ok((Host::Name(name), port)),
        Err(_) => Err(bad()),
    }
}

fn resolve_port(p: Option<&str>, default: Option<u16>) -> Option<u16> {
    match p {
        Some(p) => p.parse().ok().filter(|&p| p != 0),
        None => default,
    }
}

/// Splits an absolute-form `http://authority/path` target into authority and path.
pub fn split_absolute(target: &str) -> Result<(&str, &str), HttpError> {
    let rest = target
        .get(..7)
        .filter(|p| p.eq_ignore_ascii_case("http://"))
        .and_then(|_| target.get(7..))
        .ok_or_else(|| {
            HttpError::Bad(format!(
                "`{target}`: only absolute http:// targets are proxied (use CONNECT for https)"
            ))
        })?;
    let cut = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, path) = rest.split_at(cut);
    if authority.contains('@') {
        return Err(HttpError::Bad("userinfo in the request target".into()));
    }
    Ok((authority, if path.is_empty() { "/" } else { path }))
}

/// Where a plain-HTTP request goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    /// The host to reach.
    pub host: Host,
    /// The port to reach.
    pub port: u16,
    /// The authority for the upstream's `Host` header.
    pub authority: String,
    /// The origin-form target for the upstream.
    pub path: String,
}

/// Routes a plain-HTTP request. An absolute-form target is routed by its URI on every
/// listener (as the upstream would read it, RFC 9112 §3.2.2), and a `Host` header naming
/// anything else is refused. An origin-form target is routed by `Host`, and only on the
/// transparent listener (`transparent_port`, which also fixes the upstream port: the
/// listener stands for one destination port).
pub fn route(head: &RequestHead, transparent_port: Option<u16>) -> Result<Route, HttpError> {
    let host_header = head.header("host");
    let is_absolute = head
        .target
        .get(..7)
        .is_some_and(|p| p.eq_ignore_ascii_case("http://"));
    if is_absolute {
        let (authority, path) = split_absolute(&head.target)?;
        let (host, uri_port) = parse_authority(authority, Some(80))?;
        if let Some(h) = host_header {
            let (hh, hp) = parse_authority(h, Some(80))?;
            if (&hh, hp) != (&host, uri_port) {
                return Err(bad(format!(
                    "Host `{h}` differs from the request target's authority `{authority}`"
                )));
            }
        }
        return Ok(Route {
            host,
            port: transparent_port.unwrap_or(uri_port),
            authority: authority.to_string(),
            path: path.to_string(),
        });
    }
    let Some(port) = transparent_port else {
        // Reuses split_absolute's message: a proxy needs an absolute http:// target.
        return Err(split_absolute(&head.target)
            .err()
            .unwrap_or_else(|| bad("not absolute")));
    };
    let origin_form = head.target.starts_with('/')
        || (head.target == "*" && head.method.eq_ignore_ascii_case("OPTIONS"));
    if !origin_form {
        return Err(bad(format!(
            "request target `{}` is neither origin-form nor absolute http://",
            head.target
        )));
    }
    let h = host_header.ok_or_else(|| bad("no Host header"))?;
    // The Host header's own port is ignored: the listener stands for one port.
    let (host, _) = parse_authority(h, Some(port))?;
    Ok(Route {
        host,
        port,
        authority: h.to_string(),
        path: head.target.clone(),
    })
}

/// Rewrites a request head for the origin server: origin-form target, `Host` from the
/// route (the URI's authority for an absolute-form target, RFC 9112 §3.2.2), hop-by-hop
/// proxy headers dropped, and `Connection: close`: each client connection carries one
/// routed request, and the upstream must not read a second one (RFC 9112 §9.6).
pub fn origin_request(head: &RequestHead, authority: &str, path: &str) -> Vec<u8> {
    let mut out = format!(
        "{} {} {}\r\nHost: {}\r\n",
        head.method, path, head.version, authority
    );
    for (k, v) in &head.headers {
        let drop = [
            "host",
            "connection",
            "proxy-connection",
            "proxy-authorization",
            "keep-alive",
        ]
        .iter()
        .any(|d| k.eq_ignore_ascii_case(d));
        if !drop {
            out.push_str(&format!("{k}: {v}\r\n"));
        }
    }
    out.push_str("Connection: close\r\n\r\n");
    out.into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_connect_and_absolute_requests() {
        let h = parse_head(b"CONNECT a.test:443 HTTP/1.1\r\nHost: a.test:443\r\n\r\nXYZ")
            .unwrap()
            .unwrap();
        assert_eq!(
            (h.method.as_str(), h.target.as_str(), h.len),
            ("CONNECT", "a.test:443", 49)
        );
        assert_eq!(h.header("HOST"), Some("a.test:443"));
        assert_eq!(parse_head(b"GET / HTTP/1.1\r\nHost: x\r\n").unwrap(), None);
        assert!(parse_head(b"GET /\r\n\r\n").is_err());

        let (auth, path) = split_absolute("http://B.test:8080/p?q=1").unwrap();
        assert_eq!((auth, path), ("B.test:8080", "/p?q=1"));
        assert_eq!(split_absolute("http://b.test").unwrap(), ("b.test", "/"));
        assert!(split_absolute("https://b.test/").is_err());
        assert!(split_absolute("http://u:p@b.test/").is_err());
    }

    #[test]
    fn parses_authorities() {
        assert_eq!(
            parse_authority("A.Test.:443", None).unwrap(),
            (Host::Name("a.test".into()), 443)
        );
        assert_eq!(parse_authority("a.test", Some(80)).unwrap().1, 80);
        assert!(parse_authority("a.test", None).is_err());
        assert_eq!(
            parse_authority("[::1]:8443", None).unwrap(),
            (Host::Ip("::1".parse().unwrap()), 8443)
        );
        assert_eq!(
            parse_authority("169.254.169.254:80", None).unwrap().0,
            Host::Ip("169.254.169.254".parse().unwrap())
        );
        for bad in ["a.test:0", "a.test:x", "a b:1", ":443", "[::1", "a..b:1"] {
            assert!(parse_authority(bad, Some(1)).is_err(), "{bad}");
        }
    }

    #[test]
    fn origin_request_rewrites_host_and_drops_proxy_headers() {
        let h = parse_head(
            b"POST http://a.test/x HTTP/1.1\r\nHost: evil.test\r\nProxy-Authorization: s\r\n\
              Connection: keep-alive\r\nContent-Length: 2\r\n\r\nhi",
        )
        .unwrap()
        .unwrap();
        let out = String::from_utf8(origin_request(&h, "a.test", "/x")).unwrap();
        assert_eq!(
            out,
            "POST /x HTTP/1.1\r\nHost: a.test\r\nContent-Length: 2\r\nConnection: close\r\n\r\n"
        );
    }
}
