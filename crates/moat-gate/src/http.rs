//! Just enough HTTP/1.x to route: read a bounded request head, split the request
//! line, find the target host, and rewrite an absolute-form request for the origin.

use std::net::IpAddr;
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt};

use crate::policy::normalize_host;

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

/// Parses a request head; `Ok(None)` while the blank line has not arrived.
pub fn parse_head(buf: &[u8]) -> Result<Option<RequestHead>, HttpError> {
    let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") else {
        if buf.len() >= MAX_HEAD_LEN {
            return Err(HttpError::TooLarge);
        }
        return Ok(None);
    };
    let text = std::str::from_utf8(buf.get(..end).unwrap_or_default())
        .map_err(|_| HttpError::Bad("request head is not UTF-8".into()))?;
    let mut lines = text.split("\r\n");
    let line = lines.next().unwrap_or_default();
    let mut parts = line.split(' ');
    let (Some(method), Some(target), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(HttpError::Bad(format!("malformed request line `{line}`")));
    };
    if !version.starts_with("HTTP/1.") || method.is_empty() || target.is_empty() {
        return Err(HttpError::Bad(format!("malformed request line `{line}`")));
    }
    let mut headers = Vec::new();
    for h in lines {
        let (k, v) = h
            .split_once(':')
            .ok_or_else(|| HttpError::Bad(format!("malformed header `{h}`")))?;
        if k.is_empty() || k.contains(char::is_whitespace) {
            return Err(HttpError::Bad(format!("malformed header name `{k}`")));
        }
        headers.push((k.to_string(), v.trim().to_string()));
    }
    Ok(Some(RequestHead {
        method: method.to_string(),
        target: target.to_string(),
        version: version.to_string(),
        headers,
        len: end + 4,
    }))
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
    if let Ok(ip) = host.parse::<IpAddr>() {
        return Ok((Host::Ip(ip), port));
    }
    let name = normalize_host(host);
    let valid = !name.is_empty()
        && name.len() <= 253
        && name.split('.').all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && l.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        });
    if !valid {
        return Err(bad());
    }
    Ok((Host::Name(name), port))
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

/// Rewrites an absolute-form request head for the origin server: origin-form target,
/// `Host` from the URI (RFC 9112 §3.2.2), hop-by-hop proxy headers dropped, and
/// `Connection: close` so each client connection carries one routed request.
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
