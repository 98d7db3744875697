//! `moat gate report LOG`: the hosts a workload reached, and a ready allowlist.
//!
//! Run the gateway in `discover` mode for a while, then report on its log: every
//! `host:port` seen with its count, first and last time, how many connections enforce
//! mode would deny (or did deny), and why (every reason, e.g. `not_allowlisted` and
//! `no_sni` for one connection). The suggested allowlist holds the names that were
//! allowed (by the allowlist or by discover mode), exactly, with their port: never a
//! wildcard, never an IP literal, never a name refused for its address, and only entries
//! the one allowlist validator ([`moat_allow::parse_entry`]) accepts, which is also what
//! `moat.toml [egress].allow` accepts.
//!
//! The log is read as the gateway writes it (JSON lines) and as CloudWatch Logs delivers
//! it, since the gateway runs on Fargate with the awslogs driver: `aws logs tail` lines
//! (a timestamp and the stream name before each JSON record, on one line or, with
//! `--format json`, spread over several) and the JSON output of
//! `aws logs filter-log-events` / `get-log-events` (`{"events":[{"message":"…"}]}`).

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
    /// Reasons enforce mode denied (or would deny) these connections for, with counts.
    pub reasons: BTreeMap<String, u64>,
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

/// The decision records in a log, in any of the shapes it is read in (see the module
/// docs), and how many non-empty lines held none.
pub fn records(text: &str) -> (Vec<Record>, u64) {
    if let Some(events) = cloudwatch_events(text) {
        let mut skipped = 0;
        let recs = events
            .iter()
            .filter_map(|m| {
                let r = serde_json::from_str::<Record>(m.trim()).ok();
                skipped += u64::from(r.is_none());
                r
            })
            .collect();
        return (recs, skipped);
    }
    let mut skipped = 0;
    let mut recs = Vec::new();
    let mut pos = 0;
    while pos < text.len() {
        let line_end = text[pos..].find('\n').map_or(text.len(), |i| pos + i + 1);
        let line = &text[pos..line_end];
        // A gateway line is the JSON object; `aws logs tail` puts a timestamp and the
        // stream name before it, and `--format json` spreads it over several lines, so
        // the object is read from its brace for as many lines as it takes.
        let at = line.find('{').map(|i| pos + i);
        let mut next = line_end;
        let mut found = false;
        if let Some(at) = at {
            let mut stream = serde_json::Deserializer::from_str(&text[at..]).into_iter::<Record>();
            if let Some(Ok(r)) = stream.next() {
                recs.push(r);
                found = true;
                let end = at + stream.byte_offset();
                next = text[end..].find('\n').map_or(text.len(), |i| end + i + 1);
            }
        }
        if !found && !line.trim().is_empty() && !is_tail_header(line) {
            skipped += 1;
        }
        pos = next;
    }
    (recs, skipped)
}

/// `aws logs tail --format json` writes `TIMESTAMP STREAM` on a line of its own before
/// each pretty-printed message.
fn is_tail_header(line: &str) -> bool {
    let mut tokens = line.split_whitespace();
    let stamp = tokens.next().unwrap_or_default();
    stamp.len() >= 10
        && stamp.as_bytes()[..4].iter().all(u8::is_ascii_digit)
        && stamp.as_bytes()[4] == b'-'
        && tokens.count() <= 1
}

/// The `events[].message` strings of `filter-log-events` / `get-log-events` JSON output
/// (one or several documents, as paginated output can be), or `None` for another shape.
fn cloudwatch_events(text: &str) -> Option<Vec<String>> {
    if !text.trim_start().starts_with('{') {
        return None;
    }
    let mut messages = Vec::new();
    for doc in serde_json::Deserializer::from_str(text).into_iter::<serde_json::Value>() {
        let events = doc.ok()?.get("events")?.as_array()?.clone();
        for e in events {
            messages.push(e.get("message")?.as_str()?.to_string());
        }
    }
    Some(messages)
}

/// The reasons one record counts for: every would-deny reason in discover mode, the
/// denial's reason when it was denied.
fn reasons_of(rec: &Record) -> Vec<String> {
    match rec.decision {
        Decision::Deny => vec![rec.reason.clone()],
        Decision::Allow if !rec.would_deny_reasons.is_empty() => rec.would_deny_reasons.clone(),
        Decision::Allow if rec.would_deny => vec![rec.reason.clone()],
        Decision::Allow => Vec::new(),
    }
}

/// The allowlist line suggested for `host:port`, if the one validator accepts it (port 0:
/// no port was recorded, so the entry has none).
fn suggestion(host: &str, port: u16) -> Option<String> {
    let text = if port == 0 {
        host.to_string()
    } else {
        format!("{host}:{port}")
    };
    moat_allow::parse_entry(&text).ok().map(|e| e.to_string())
}

/// Builds the report from log text.
pub fn build(text: &str) -> Report {
    let mut by_key: BTreeMap<(String, u16), HostSummary> = BTreeMap::new();
    let mut insecure: BTreeMap<(String, u16), bool> = BTreeMap::new();
    let (recs, skipped) = records(text);
    for rec in recs {
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
            reasons: BTreeMap::new(),
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
        for r in reasons_of(&rec) {
            *s.reasons.entry(r).or_default() += 1;
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
        .filter_map(|((h, p), _)| suggestion(h, *p))
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
                "{:<w$}  {:>5}  {:>6}  {:<24}  {:<24}  {:>10}  {:>6}  REASONS\n",
                "HOST", "PORT", "COUNT", "FIRST SEEN", "LAST SEEN", "WOULD-DENY", "DENIED"
            );
            for h in &r.hosts {
                let reasons: Vec<String> = h
                    .reasons
                    .iter()
                    .map(|(k, n)| format!("{k} ({n})"))
                    .collect();
                out.push_str(&format!(
                    "{:<w$}  {:>5}  {:>6}  {:<24}  {:<24}  {:>10}  {:>6}  {}\n",
                    h.host,
                    h.port,
                    h.count,
                    h.first_seen,
                    h.last_seen,
                    h.would_deny,
                    h.denied,
                    if reasons.is_empty() {
                        "-".to_string()
                    } else {
                        reasons.join(", ")
                    }
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

    /// Discover-mode records as the gateway writes them: one connection that was not on
    /// the list and sent no SNI, one whose SNI differed from its CONNECT host.
    const RECORDED: [&str; 3] = [
        r#"{"time":"2026-01-01T00:00:01.000Z","listener":"connect","client":"10.0.1.7:40112","host":"api.stripe.com","sni":null,"port":443,"resolved":"203.0.113.10:443","decision":"allow","would_deny":true,"reason":"not_allowlisted","would_deny_reasons":["not_allowlisted","no_sni"],"detail":"api.stripe.com:443 matches no allowlist entry; ClientHello without server_name","bytes_up":517,"bytes_down":4012,"duration_ms":210}"#,
        r#"{"time":"2026-01-01T00:00:02.000Z","listener":"connect","client":"10.0.1.7:40114","host":"api.stripe.com","sni":"evil.example","port":443,"resolved":"203.0.113.10:443","decision":"allow","would_deny":true,"reason":"not_allowlisted","would_deny_reasons":["not_allowlisted","sni_mismatch"],"bytes_up":517,"bytes_down":4012,"duration_ms":190}"#,
        r#"{"time":"2026-01-01T00:00:03.000Z","listener":"connect","client":"10.0.1.7:40116","host":"2130706433","sni":null,"port":443,"resolved":null,"decision":"allow","would_deny":true,"reason":"not_allowlisted","bytes_up":0,"bytes_down":0,"duration_ms":1}"#,
    ];

    fn check_recorded(r: &Report) {
        assert_eq!(r.skipped_lines, 0, "{r:?}");
        let stripe = r.hosts.iter().find(|h| h.host == "api.stripe.com").unwrap();
        assert_eq!(stripe.count, 2);
        let reasons: Vec<(&str, u64)> = stripe
            .reasons
            .iter()
            .map(|(k, n)| (k.as_str(), *n))
            .collect();
        assert_eq!(
            reasons,
            [("no_sni", 1), ("not_allowlisted", 2), ("sni_mismatch", 1)]
        );
        // A numeric host is never suggested: the one validator refuses it.
        assert_eq!(r.allowlist, ["api.stripe.com:443"]);
        let text = render(r, Format::Text);
        assert!(
            text.contains("no_sni (1), not_allowlisted (2), sni_mismatch (1)"),
            "{text}"
        );
    }

    #[test]
    fn reads_the_gateway_log_and_shows_every_reason() {
        check_recorded(&build(&RECORDED.join("\n")));
    }

    /// `aws logs tail GROUP` (default `detailed` format: timestamp, stream, message), and
    /// `--format json`, which pretty-prints each message under its header line.
    #[test]
    fn reads_aws_logs_tail_output() {
        let tail: Vec<String> = RECORDED
            .iter()
            .enumerate()
            .map(|(i, m)| {
                format!(
                    "2026-01-01T00:00:0{}.000000+00:00 gate/gate/0f1e2d3c4b5a {m}",
                    i + 1
                )
            })
            .collect();
        check_recorded(&build(&tail.join("\n")));
        let pretty: Vec<String> = RECORDED
            .iter()
            .map(|m| {
                let v: serde_json::Value = serde_json::from_str(m).unwrap();
                format!(
                    "2026-01-01T00:00:01+00:00 gate/gate/0f1e2d3c4b5a\n{}",
                    serde_json::to_string_pretty(&v).unwrap()
                )
            })
            .collect();
        check_recorded(&build(&pretty.join("\n")));
    }

    /// `aws logs filter-log-events --log-group-name GROUP` JSON: the records are the
    /// `events[].message` strings (two pages, as paginated output can be).
    #[test]
    fn reads_filter_log_events_json() {
        let event = |m: &str, i: usize| {
            serde_json::json!({
                "logStreamName": "gate/gate/0f1e2d3c4b5a",
                "timestamp": 1767225600000u64 + i as u64,
                "message": m,
                "ingestionTime": 1767225600100u64 + i as u64,
                "eventId": format!("3889{i}")
            })
        };
        let page1 = serde_json::json!({
            "events": [event(RECORDED[0], 0), event(RECORDED[1], 1)],
            "searchedLogStreams": [],
            "nextToken": "t"
        });
        let page2 =
            serde_json::json!({ "events": [event(RECORDED[2], 2)], "searchedLogStreams": [] });
        let text = format!(
            "{}\n{}",
            serde_json::to_string_pretty(&page1).unwrap(),
            serde_json::to_string_pretty(&page2).unwrap()
        );
        check_recorded(&build(&text));
    }
}
