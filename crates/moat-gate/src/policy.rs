//! The allowlist: which host names (and optionally ports) may be reached.
//!
//! Syntax, one entry per line, `#` starts a comment:
//!
//! ```text
//! api.stripe.com          # exactly this host, any port
//! licence.example.com:443 # exactly this host, port 443 only
//! *.example.org           # any name strictly below example.org (NOT example.org itself)
//! *.example.org:8443
//! ```
//!
//! **Apex rule**: `*.example.org` matches `a.example.org` and `a.b.example.org` but never
//! `example.org`; list the apex on its own line when it is needed. Entries are validated
//! by [`moat_allow::parse_entry`] (the one validator, shared with the spec and the
//! report): a wildcard with a public suffix at or below its base (`*.com`, `*.co.uk`,
//! `*.github.io`, `*.amazonaws.com`, per the Public Suffix List compiled into the binary),
//! a wildcard over a single label (`*.corp`), IP addresses and numeric host forms
//! (`2130706433`, `0x7f000001`, `127.1`) are refused at load.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// The two operating modes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// Allow every name (address defences still apply); log what `enforce` would deny.
    Discover,
    /// Allow only names on the allowlist.
    Enforce,
}

/// An allowlist that could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    /// The file could not be read.
    #[error("cannot read allowlist {path}: {source}")]
    Read {
        /// The allowlist path.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A line is not a valid entry.
    #[error("{path}:{line}:{column}: {message}")]
    Syntax {
        /// The allowlist path.
        path: PathBuf,
        /// 1-based line number.
        line: usize,
        /// 1-based column of the entry.
        column: usize,
        /// What is wrong and how to fix it.
        message: String,
    },
}

/// One allowlist entry, with the line it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The host pattern as written, lower-cased (`api.stripe.com` or `*.example.org`).
    pub pattern: String,
    /// `Some(port)` restricts the entry to one port.
    pub port: Option<u16>,
    /// 1-based line in the allowlist file.
    pub line: usize,
}

/// A loaded allowlist.
#[derive(Debug, Clone, Default)]
pub struct Allowlist {
    exact: HashMap<String, Vec<Entry>>,
    /// `(base, entry)`: base is `example.org` for `*.example.org`.
    wildcards: Vec<(String, Entry)>,
}

impl Allowlist {
    /// Reads and parses an allowlist file.
    pub fn load(path: &Path) -> Result<Allowlist, PolicyError> {
        let text = std::fs::read_to_string(path).map_err(|source| PolicyError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Allowlist::parse(&text, path)
    }

    /// Parses allowlist text; `path` is used in error messages only.
    pub fn parse(text: &str, path: &Path) -> Result<Allowlist, PolicyError> {
        let mut list = Allowlist::default();
        for (idx, raw) in text.lines().enumerate() {
            let line = idx + 1;
            let content = raw.split('#').next().unwrap_or_default();
            let trimmed = content.trim();
            if trimmed.is_empty() {
                continue;
            }
            let column = content.len() - content.trim_start().len() + 1;
            let err = |message: String| PolicyError::Syntax {
                path: path.to_path_buf(),
                line,
                column,
                message,
            };
            if trimmed.split_whitespace().count() > 1 {
                return Err(err("one entry per line".to_string()));
            }
            let entry = parse_entry(trimmed, line).map_err(err)?;
            match entry.pattern.strip_prefix("*.") {
                Some(base) => list.wildcards.push((base.to_string(), entry)),
                None => list
                    .exact
                    .entry(entry.pattern.clone())
                    .or_default()
                    .push(entry),
            }
        }
        Ok(list)
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.exact.values().map(Vec::len).sum::<usize>() + self.wildcards.len()
    }

    /// True when no entry was loaded.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The entry allowing `host:port`, if any. `host` must already be normalised
    /// (see [`normalize_host`]).
    pub fn find(&self, host: &str, port: u16) -> Option<&Entry> {
        let port_ok = |e: &&Entry| e.port.is_none_or(|p| p == port);
        if let Some(e) = self.exact.get(host).and_then(|v| v.iter().find(port_ok)) {
            return Some(e);
        }
        self.wildcards
            .iter()
            .filter(|(base, _)| {
                host.len() > base.len() + 1
                    && host.ends_with(base.as_str())
                    && host.as_bytes().get(host.len() - base.len() - 1) == Some(&b'.')
            })
            .map(|(_, e)| e)
            .find(port_ok)
    }
}

/// Lower-cases a host name and drops one trailing dot, so `API.Example.com.` and
/// `api.example.com` are the same name everywhere (policy, logs, SNI comparison).
pub fn normalize_host(host: &str) -> String {
    moat_allow::normalize_host(host)
}

/// One line's entry, validated by the one allowlist validator ([`moat_allow::parse_entry`],
/// shared with `moat.toml [egress].allow` and `moat gate report`).
fn parse_entry(text: &str, line: usize) -> Result<Entry, String> {
    let e = moat_allow::parse_entry(text).map_err(|e| e.0)?;
    Ok(Entry {
        pattern: e.host_text(),
        port: e.port,
        line,
    })
}

/// True when `name` is itself a suffix listed in the Public Suffix List (ICANN or
/// private section), e.g. `com`, `co.uk`, `github.io`.
pub fn is_public_suffix(name: &str) -> bool {
    moat_allow::is_public_suffix(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(t: &str) -> Result<Allowlist, PolicyError> {
        Allowlist::parse(t, Path::new("allow.txt"))
    }

    #[test]
    fn exact_wildcard_port_and_apex_rule() {
        let l =
            parse("# comment\n  API.stripe.com \n*.example.org:8443 # c\nlic.test:443\n").unwrap();
        assert_eq!(l.len(), 3);
        assert_eq!(l.find("api.stripe.com", 1).unwrap().line, 2);
        assert!(l.find("a.example.org", 8443).is_some());
        assert!(l.find("a.b.example.org", 8443).is_some());
        assert!(l.find("a.example.org", 443).is_none(), "port restricts");
        assert!(l.find("example.org", 8443).is_none(), "apex is not covered");
        assert!(l.find("badexample.org", 8443).is_none());
        assert!(l.find("lic.test", 443).is_some());
        assert!(l.find("lic.test", 80).is_none());
        assert!(l.find("x.api.stripe.com", 443).is_none());
    }

    #[test]
    fn public_suffix_wildcards_are_refused_with_location() {
        for (text, needle) in [
            ("ok.test\n*.com\n", "`com` is a public suffix"),
            ("*.co.uk", "`co.uk` is a public suffix"),
            ("*.github.io", "`github.io` is a public suffix"),
            ("*.corp", "top-level domain"),
            // Suffixes beneath the base (issue 12): any customer's bucket or instance.
            ("*.amazonaws.com", "beneath `amazonaws.com`"),
            ("*.compute.amazonaws.com", "public suffix"),
            ("*.elb.amazonaws.com", "public suffix"),
            // Numeric forms a resolver reads as 127.0.0.1.
            ("2130706433", "IP address"),
            ("0x7f000001", "IP address"),
            ("127.1", "IP address"),
            ("0177.0.0.1:443", "IP address"),
        ] {
            let e = parse(text).unwrap_err().to_string();
            assert!(e.contains(needle), "{e}");
            assert!(e.starts_with("allow.txt:"), "{e}");
        }
        let e = parse("ok.test\n\n   *.com").unwrap_err().to_string();
        assert!(e.starts_with("allow.txt:3:4:"), "{e}");
        assert!(parse("*.example.co.uk\n*.user.github.io").is_ok());
    }

    #[test]
    fn malformed_entries_are_refused() {
        for bad in [
            "a.*.test",
            "*",
            "host:0",
            "host:99999",
            "10.0.0.1",
            "[::1]:443",
            "a b",
            "a..b",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }
}
