//! moat-allow: the egress allowlist grammar and its one validator.
//!
//! The gateway (`moat gate`), the spec (`moat.toml [egress].allow`) and the suggestions of
//! `moat gate report` all accept exactly what [`parse_entry`] accepts, so an entry the spec
//! takes never makes the deployed gateway refuse to start, and a suggestion is always
//! loadable. The same rules decide what a requested host is: [`classify_host`] turns a
//! CONNECT authority, a `Host` header or an SNI into a name or an IP literal.
//!
//! Grammar, one entry:
//!
//! ```text
//! api.stripe.com          exactly this host, any port
//! licence.example.com:443 exactly this host, port 443 only
//! *.example.org           any name strictly below example.org (not example.org itself)
//! *.example.org:8443
//! ```
//!
//! Refused: IP addresses and every numeric host form a resolver reads as one
//! (`2130706433`, `0x7f000001`, `127.1`, `0177.0.0.1`: a name whose last label is a
//! number); a wildcard whose base is a public suffix or has a public suffix beneath it,
//! in the ICANN or the private section of the Public Suffix List (`*.com`, `*.co.uk`,
//! `*.github.io`, `*.amazonaws.com`, `*.compute.amazonaws.com`); a wildcard over a single
//! label (`*.corp`); anything not a host name.
//!
//! ```
//! use moat_allow::{parse_entry, classify_host, Target};
//! let e = parse_entry("*.Example.org:8443").unwrap();
//! assert!(e.matches("a.example.org", 8443) && !e.matches("example.org", 8443));
//! assert!(parse_entry("*.amazonaws.com").is_err());
//! assert!(parse_entry("0x7f000001").is_err());
//! assert_eq!(classify_host("127.1"), Ok(Target::Ip("127.0.0.1".parse().unwrap())));
//! ```

#![no_std]
extern crate alloc;

use alloc::format;
use alloc::string::{String, ToString};
use core::fmt;
use core::net::{IpAddr, Ipv4Addr};

mod suffix;

pub use suffix::{is_public_suffix, suffix_at_or_below};

/// The host part of an entry.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Pattern {
    /// Exactly this name (lower case, no trailing dot).
    Exact(String),
    /// Every name strictly below this base (`*.base`).
    Wildcard(String),
}

/// One validated allowlist entry.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Entry {
    /// The host pattern.
    pub pattern: Pattern,
    /// `Some(port)` restricts the entry to one port.
    pub port: Option<u16>,
}

impl Entry {
    /// True when this entry allows `host:port`; `host` must be normalised
    /// ([`normalize_host`]).
    pub fn matches(&self, host: &str, port: u16) -> bool {
        if self.port.is_some_and(|p| p != port) {
            return false;
        }
        match &self.pattern {
            Pattern::Exact(name) => host == name,
            Pattern::Wildcard(base) => {
                host.len() > base.len() + 1
                    && host.ends_with(base.as_str())
                    && host.as_bytes().get(host.len() - base.len() - 1) == Some(&b'.')
            }
        }
    }

    /// The host pattern as written in an allowlist (`*.example.org` or `api.example.com`).
    pub fn host_text(&self) -> String {
        match &self.pattern {
            Pattern::Exact(n) => n.clone(),
            Pattern::Wildcard(b) => format!("*.{b}"),
        }
    }
}

impl fmt::Display for Entry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.host_text())?;
        match self.port {
            Some(p) => write!(f, ":{p}"),
            None => Ok(()),
        }
    }
}

/// Why an entry or a host is refused. The message says how to fix it; callers add the
/// location (file:line:column).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AllowError(pub String);

impl fmt::Display for AllowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// What a requested host is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A DNS name, normalised.
    Name(String),
    /// An IP address: a literal, or a numeric form a resolver would read as one.
    Ip(IpAddr),
}

/// Lower-cases a host name and drops one trailing dot, so `API.Example.com.` and
/// `api.example.com` are the same name everywhere.
pub fn normalize_host(host: &str) -> String {
    host.strip_suffix('.').unwrap_or(host).to_ascii_lowercase()
}

/// Parses and validates one allowlist entry (`host`, `host:port`, `*.base`, `*.base:port`).
pub fn parse_entry(text: &str) -> Result<Entry, AllowError> {
    let text = text.trim();
    if text.starts_with('[') || text.matches(':').count() > 1 {
        return Err(AllowError(format!(
            "`{text}` is an IP address; the allowlist holds names (the gateway opens \
             addresses with --allow-range CIDR)"
        )));
    }
    let (host, port) = match text.rsplit_once(':') {
        Some((h, p)) => (h, Some(parse_port(p)?)),
        None => (text, None),
    };
    let host = normalize_host(host);
    let (wildcard, base) = match host.strip_prefix("*.") {
        Some(base) => (true, base),
        None => (false, host.as_str()),
    };
    if numeric_form(base) {
        return Err(AllowError(format!(
            "`{host}` is an IP address (resolvers read a name ending in a number as one, e.g. \
             `2130706433` or `127.1` is 127.0.0.1); the allowlist holds names (the gateway opens \
             addresses with --allow-range CIDR)"
        )));
    }
    if !valid_name(base) {
        return Err(AllowError(format!(
            "`{host}` is not a valid host name (letters, digits, `-`, `_` and dots; `*.` only \
             as the first label)"
        )));
    }
    if !wildcard {
        return Ok(Entry {
            pattern: Pattern::Exact(host),
            port,
        });
    }
    if let Some(suffix) = suffix_at_or_below(base) {
        let at = if suffix == base {
            format!("`{base}` is a public suffix")
        } else {
            format!("public suffixes lie beneath `{base}` (e.g. `{suffix}`)")
        };
        return Err(AllowError(format!(
            "`{host}` is a wildcard over a public suffix: {at}, so it would allow names \
             registered by anyone (the Public Suffix List, ICANN and private sections); list \
             the hosts you need"
        )));
    }
    if !base.contains('.') {
        return Err(AllowError(format!(
            "`{host}` covers a whole top-level domain; name the domain (e.g. `*.example.{base}`)"
        )));
    }
    Ok(Entry {
        pattern: Pattern::Wildcard(base.to_string()),
        port,
    })
}

fn parse_port(p: &str) -> Result<u16, AllowError> {
    Some(p)
        .filter(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|p| p.parse::<u16>().ok())
        .filter(|&p| p != 0)
        .ok_or_else(|| AllowError(format!("invalid port `{p}` (expected 1-65535)")))
}

/// Decides what a requested host is: an IP literal (or a numeric form, decoded as a
/// resolver would: `127.1`, `0x7f000001`, `2130706433`, octal parts), or a valid name.
pub fn classify_host(host: &str) -> Result<Target, AllowError> {
    if let Ok(ip) = host.parse::<IpAddr>() {
        return Ok(Target::Ip(ip));
    }
    let name = normalize_host(host);
    if numeric_form(&name) {
        return match parse_ipv4_numeric(&name) {
            Some(ip) => Ok(Target::Ip(IpAddr::V4(ip))),
            None => Err(AllowError(format!(
                "`{host}` ends in a number but is not an IPv4 address"
            ))),
        };
    }
    if !valid_name(&name) {
        return Err(AllowError(format!("`{host}` is not a valid host name")));
    }
    Ok(Target::Name(name))
}

/// True when a name's last label is a number (decimal, `0x` hex or octal): the WHATWG URL
/// host parser and `inet_aton` read such a host as an IPv4 address, never as a name.
fn numeric_form(name: &str) -> bool {
    let last = name.rsplit('.').next().unwrap_or_default();
    (!last.is_empty() && last.bytes().all(|b| b.is_ascii_digit()))
        || last
            .strip_prefix("0x")
            .or_else(|| last.strip_prefix("0X"))
            .is_some_and(|h| h.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// One `inet_aton` part: decimal, `0x` hex or `0` octal.
fn parse_number(part: &str) -> Option<u64> {
    let (digits, radix) =
        if let Some(h) = part.strip_prefix("0x").or_else(|| part.strip_prefix("0X")) {
            (h, 16)
        } else if part.len() > 1 && part.starts_with('0') {
            (&part[1..], 8)
        } else {
            (part, 10)
        };
    if digits.is_empty() {
        return (radix == 16).then_some(0);
    }
    if digits.len() > 12 {
        return None;
    }
    u64::from_str_radix(digits, radix).ok()
}

/// `inet_aton`'s forms: `a`, `a.b`, `a.b.c`, `a.b.c.d`, the last part filling the rest.
fn parse_ipv4_numeric(name: &str) -> Option<Ipv4Addr> {
    let parts: alloc::vec::Vec<u64> = name.split('.').map(parse_number).collect::<Option<_>>()?;
    let (last, init) = parts.split_last()?;
    if init.len() > 3 || init.iter().any(|&p| p > 255) {
        return None;
    }
    let room = 8 * (4 - init.len() as u32);
    if *last >= 1u64 << room {
        return None;
    }
    let mut v: u64 = 0;
    for (i, &p) in init.iter().enumerate() {
        v |= p << (24 - 8 * i as u32);
    }
    Some(Ipv4Addr::from((v | last) as u32))
}

/// An LDH name (underscores tolerated, as real names use them): 1..=253 bytes, labels
/// 1..=63 bytes not starting or ending with `-`.
fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 253
        && name.split('.').all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
}

#[cfg(test)]
mod tests;
