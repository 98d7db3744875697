//! `moat gate report LOG`: the hosts a workload reached, and a ready allowlist.
//!
//! Run the gateway in `discover` mode for a while, then report on its log: every
//! `host:port` seen with its count, first and last time, and how many connections
//! enforce mode would deny (or did deny). The suggested allowlist holds the names that
//! were allowed (by the allowlist or by discover mode), exactly, with their port:
//! never a wildcard, never an IP literal, never a name refused for its address.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::log::{Decision, Record};

/// Output format of the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// A table and the allowlist.
    Text,
    /// One JSON object.
    Json,
}

/// A log that could not be reported on.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// The log could not be read.
    #[error("cannot read log {path}: {source}")]
    Read {
        /// The log path.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
}

/// Aggregate for one `host:port`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HostSummary {
    /// Requested host (or SNI when no host was recorded).
    pub host: String,
    /// Requested port.
    pub port: u16,
    /// Connections seen.
    pub count: u64,
    /// Time of the first connection.
    pub first_seen: String,
    /// Time of the last connection.
    pub last_seen: String,
    /// Connections allowed only because the gateway ran in discover mode.
    pub would_deny: u64,
    /// Connections denied.
    pub denied: u64,
    /// Connections allowed.
    pub allowed: u64,
}

/// The whole report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report {
    /// Every host seen, sorted by host then port.
    pub hosts: Vec<HostSummary>,
    /// Allowlist lines suggested from what was allowed.
    pub allowlist: Vec<String>,
    /// Lines that were not decision records (ignored).
    pub skipped_lines: u64,
}

/// Reasons that mean the name itself must not be suggested.
const SECURITY_REASONS: &[&str] = &["denied_address", "ip_literal", "allow_range"];

/// Builds the report from log text.
pub fn build(text: &str) -> Report {
    let mut by_key: BTreeMap<(String, u16), HostSummary> = BTreeMap::new();
    let mut insecure: BTreeMap<(String, u16), bool> = BTreeMap::new();
    let mut skipped = 0;
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let Ok(rec) = serde_json::from_str::<Record>(line) else {
            skipped += 1;
            continue;
        };
        let Some(host) = rec.host.clone().or_else(|| rec.sni.clone()) else {
            continue;
        };
        let port = rec.port.unwrap_or(0);
        let key = (host.clone(), port);
        let s = by_key.entry(key.clone()).or_insert_with(|| HostSummary {
            host,
            port,
            count: 0,
            first_seen: rec.time.clone(),
            last_seen: rec.time.clone(),
            would_deny: 0,
            denied: 0,
            allowed: 0,
        });
        s.count += 1;
        // RFC 3339 UTC stamps of one format order correctly as strings.
        if rec.time < s.first_seen {
            s.first_seen = rec.time.clone();
        }
        if rec.time > s.last_seen {
            s.last_seen = rec.time.clone();
        }
        s.would_deny += u64::from(rec.would_deny);
        match rec.decision {
            Decision::Allow => s.allowed += 1,
            Decision::Deny => s.denied += 1,
        }
        if SECURITY_REASONS.contains(&rec.reason.as_str()) {
            insecure.insert(key, true);
        }
    }
    let allowlist = by_key
        .iter()
        .filter(|(k, s)| {
            s.allowed > 0 && !insecure.contains_key(*k) && k.0.parse::<IpAddr>().is_err()
        })
        .map(|((h, p), _)| format!("{h}:{p}"))
        .collect();
    Report {
        hosts: by_key.into_values().collect(),
        allowlist,
        skipped_lines: skipped,
    }
}

/// Reads a log file and renders the report.
pub fn render_file(path: &Path, format: Format) -> Result<String, ReportError> {
    let text = std::fs::read_to_string(path).map_err(|source| ReportError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    Ok(render(&build(&text), format))
}

/// Renders a report as text or JSON.
pub fn render(r: &Report, format: Format) -> String {
    match format {
        Format::Json => serde_json::to_string_pretty(r).unwrap_or_default() + "\n",
        Format::Text => {
            let w = r
                .hosts
                .iter()
                .map(|h| h.host.len())
                .max()
                .unwrap_or(4)
                .max(4);
            let mut out = format!(
                "{:<w$}  {:>5}  {:>6}  {:<24}  {:<24}  {:>10}  {:>6}\n",
                "HOST", "PORT", "COUNT", "FIRST SEEN", "LAST SEEN", "WOULD-DENY", "DENIED"
            );
            for h in &r.hosts {
                out.push_str(&format!(
                    "{:<w$}  {:>5}  {:>6}  {:<24}  {:<24}  {:>10}  {:>6}\n",
                    h.host, h.port, h.count, h.first_seen, h.last_seen, h.would_deny, h.denied
                ));
            }
            if r.skipped_lines > 0 {
                out.push_str(&format!(
                    "({} non-record line(s) skipped)\n",
                    r.skipped_lines
                ));
            }
            out.push_str("\n# allowlist suggested from allowed connections (review before use)\n");
            for l in &r.allowlist {
                out.push_str(l);
                out.push('\n');
            }
            out
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(
        time: &str,
        host: &str,
        port: u16,
        decision: &str,
        would_deny: bool,
        reason: &str,
    ) -> String {
        format!(
            r#"{{"time":"{time}","listener":"connect","client":"127.0.0.1:1","host":"{host}","sni":null,"port":{port},"resolved":null,"decision":"{decision}","would_deny":{would_deny},"reason":"{reason}","bytes_up":0,"bytes_down":0,"duration_ms":1}}"#
        )
    }

    #[test]
    fn aggregates_and_suggests_only_safe_names() {
        let log = [
            line(
                "2026-01-01T00:00:02.000Z",
                "api.stripe.com",
                443,
                "allow",
                true,
                "not_allowlisted",
            ),
            line(
                "2026-01-01T00:00:01.000Z",
                "api.stripe.com",
                443,
                "allow",
                true,
                "not_allowlisted",
            ),
            line(
                "2026-01-01T00:00:03.000Z",
                "meta.test",
                80,
                "deny",
                false,
                "denied_address",
            ),
            line(
                "2026-01-01T00:00:04.000Z",
                "10.0.0.1",
                443,
                "deny",
                false,
                "ip_literal",
            ),
            "not json".to_string(),
            line(
                "2026-01-01T00:00:05.000Z",
                "lic.test",
                8443,
                "allow",
                false,
                "allowlisted",
            ),
        ]
        .join("\n");
        let r = build(&log);
        assert_eq!(r.skipped_lines, 1);
        let stripe = &r.hosts.iter().find(|h| h.host == "api.stripe.com").unwrap();
        assert_eq!((stripe.count, stripe.would_deny), (2, 2));
        assert_eq!(stripe.first_seen, "2026-01-01T00:00:01.000Z");
        assert_eq!(stripe.last_seen, "2026-01-01T00:00:02.000Z");
        assert_eq!(r.allowlist, vec!["api.stripe.com:443", "lic.test:8443"]);
        let text = render(&r, Format::Text);
        assert!(text.contains("meta.test"));
        assert!(text.trim_end().ends_with("lic.test:8443"));
        let json: serde_json::Value = serde_json::from_str(&render(&r, Format::Json)).unwrap();
        assert_eq!(json["hosts"].as_array().unwrap().len(), 4);
    }
}
