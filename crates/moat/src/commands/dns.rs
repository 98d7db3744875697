//! `moat dns report LOG…`: what the workload tried to resolve, from Route 53 Resolver query
//! logs. In an isolated VPC every attempt to reach a host starts as a DNS query, so the log
//! lists every host a workload tried — allowed or blocked by the DNS Firewall — with no proxy,
//! even with no egress at all.
//!
//! Input, one or more files, each either
//! - query-log records, one JSON object per line (as Resolver delivers them to S3 or Firehose,
//!   or `aws logs tail --format short` without its prefix), or
//! - the JSON printed by `aws logs filter-log-events` / `get-log-events`, whose `events[]`
//!   carry one record each in `message`.
//!
//! Record fields used (format: https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/resolver-query-logs-format.html):
//! `query_name`, `query_type`, `rcode`, `answers`, `srcaddr`, `firewall_rule_action`.

use anyhow::{bail, Context as _, Result};
use serde::Serialize;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::{Path, PathBuf};

/// What happened to one query.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// The DNS Firewall blocked it (`firewall_rule_action: BLOCK`).
    Blocked,
    /// Answered (`rcode: NOERROR`, or a firewall `ALLOW`).
    Allowed,
    /// Not blocked, but not answered either (`NXDOMAIN`, `SERVFAIL`, …).
    Failed,
}

/// One query-log record, the fields the report uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query {
    /// Lowercase, without the trailing dot.
    pub name: String,
    pub qtype: String,
    pub rcode: String,
    pub srcaddr: String,
    pub outcome: Outcome,
    pub answers: Vec<String>,
}

/// One name in the report.
#[derive(Debug, Clone, Default, Serialize)]
pub struct NameLine {
    pub name: String,
    pub queries: u64,
    pub allowed: u64,
    pub blocked: u64,
    pub failed: u64,
    pub types: BTreeSet<String>,
    pub rcodes: BTreeSet<String>,
    pub sources: BTreeSet<String>,
    pub answers: BTreeSet<String>,
}

/// The whole report: names sorted blocked first, then by name.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Report {
    pub records: u64,
    pub names: Vec<NameLine>,
}

/// Read one record. `Err` says what is wrong with it.
pub fn parse_record(v: &Value) -> Result<Query, String> {
    let field = |k: &str| v.get(k).and_then(Value::as_str);
    let name = field("query_name")
        .ok_or("no `query_name` string (not a Route 53 Resolver query-log record?)")?;
    let rcode = field("rcode").unwrap_or("").to_string();
    let action = field("firewall_rule_action").unwrap_or("");
    let outcome = if action.eq_ignore_ascii_case("BLOCK") {
        Outcome::Blocked
    } else if action.eq_ignore_ascii_case("ALLOW") || rcode.eq_ignore_ascii_case("NOERROR") {
        Outcome::Allowed
    } else {
        Outcome::Failed
    };
    let answers = v
        .get("answers")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|x| x.get("Rdata").and_then(Value::as_str))
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    Ok(Query {
        name: name.trim_end_matches('.').to_ascii_lowercase(),
        qtype: field("query_type").unwrap_or("").to_string(),
        rcode,
        srcaddr: field("srcaddr").unwrap_or("").to_string(),
        outcome,
        answers,
    })
}

/// Every record of one file's text; errors name the line.
pub fn parse_text(path: &Path, text: &str) -> Result<Vec<Query>> {
    let at = |line: usize, what: String| anyhow::anyhow!("{}:{line}: {what}", path.display());
    // `aws logs filter-log-events` / `get-log-events` output: one JSON object with `events`.
    if let Ok(Value::Object(o)) = serde_json::from_str::<Value>(text) {
        if let Some(events) = o.get("events").and_then(Value::as_array) {
            let mut out = Vec::new();
            for (i, e) in events.iter().enumerate() {
                let msg = e
                    .get("message")
                    .and_then(Value::as_str)
                    .ok_or_else(|| at(1, format!("events[{i}] has no `message` string")))?;
                let v: Value = serde_json::from_str(msg).map_err(|err| {
                    at(
                        1,
                        format!("events[{i}].message is not a JSON record: {err}"),
                    )
                })?;
                out.push(parse_record(&v).map_err(|w| at(1, format!("events[{i}]: {w}")))?);
            }
            return Ok(out);
        }
        return Ok(vec![parse_record(&Value::Object(o)).map_err(|w| at(1, w))?]);
    }
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let v: Value = serde_json::from_str(line)
            .map_err(|e| at(i + 1, format!("not a JSON query-log record: {e}")))?;
        out.push(parse_record(&v).map_err(|w| at(i + 1, w))?);
    }
    Ok(out)
}

/// Group queries by name.
pub fn report(queries: &[Query]) -> Report {
    let mut by: BTreeMap<&str, NameLine> = BTreeMap::new();
    for q in queries {
        let l = by.entry(&q.name).or_insert_with(|| NameLine {
            name: q.name.clone(),
            ..Default::default()
        });
        l.queries += 1;
        match q.outcome {
            Outcome::Allowed => l.allowed += 1,
            Outcome::Blocked => l.blocked += 1,
            Outcome::Failed => l.failed += 1,
        }
        for (set, v) in [
            (&mut l.types, &q.qtype),
            (&mut l.rcodes, &q.rcode),
            (&mut l.sources, &q.srcaddr),
        ] {
            if !v.is_empty() {
                set.insert(v.clone());
            }
        }
        l.answers.extend(q.answers.iter().cloned());
    }
    let mut names: Vec<NameLine> = by.into_values().collect();
    names.sort_by(|a, b| (b.blocked > 0, &a.name).cmp(&(a.blocked > 0, &b.name)));
    Report {
        records: queries.len() as u64,
        names,
    }
}

/// The report as text: one line per name.
pub fn render_text(r: &Report) -> String {
    let mut s = format!(
        "{} quer{} of {} name(s)\n",
        r.records,
        if r.records == 1 { "y" } else { "ies" },
        r.names.len()
    );
    let blocked = r.names.iter().filter(|n| n.blocked > 0).count();
    if blocked > 0 {
        s.push_str(&format!("{blocked} name(s) blocked by the DNS Firewall\n"));
    }
    s.push_str(&format!(
        "{:<7} {:>7} {:>7} {:>7} {:>7}  {:<40} {:<8} SOURCES\n",
        "VERDICT", "QUERIES", "ALLOWED", "BLOCKED", "FAILED", "NAME", "TYPES"
    ));
    for n in &r.names {
        let verdict = if n.blocked > 0 {
            "blocked"
        } else if n.allowed > 0 {
            "allowed"
        } else {
            "failed"
        };
        let types: Vec<&str> = n.types.iter().map(String::as_str).collect();
        let sources: Vec<&str> = n.sources.iter().map(String::as_str).collect();
        s.push_str(&format!(
            "{verdict:<7} {:>7} {:>7} {:>7} {:>7}  {:<40} {:<8} {}\n",
            n.queries,
            n.allowed,
            n.blocked,
            n.failed,
            n.name,
            types.join(","),
            sources.join(",")
        ));
    }
    s
}

/// Arguments of `moat dns report`.
pub struct ReportArgs {
    pub logs: Vec<PathBuf>,
    pub json: bool,
}

pub fn run_report(a: ReportArgs) -> Result<u8> {
    if a.logs.is_empty() {
        bail!("give at least one query-log file");
    }
    let mut queries = Vec::new();
    for p in &a.logs {
        let text = std::fs::read_to_string(p).with_context(|| format!("{}", p.display()))?;
        queries.extend(parse_text(p, &text)?);
    }
    let r = report(&queries);
    let out = if a.json {
        let mut j = serde_json::to_string_pretty(&r)?;
        j.push('\n');
        j
    } else {
        render_text(&r)
    };
    std::io::stdout().write_all(out.as_bytes())?;
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    const LINES: &str = r#"{"version":"1.100000","account_id":"123456789012","region":"us-east-1","vpc_id":"vpc-0a1b2c3d4e5f60718","query_timestamp":"2026-11-30T10:00:01Z","query_name":"api.ecr.us-east-1.amazonaws.com.","query_type":"A","query_class":"IN","rcode":"NOERROR","answers":[{"Rdata":"10.0.1.20","Type":"A","Class":"IN"}],"srcaddr":"10.0.1.7","srcport":"41234","transport":"UDP","srcids":{},"firewall_rule_action":"ALLOW","firewall_rule_group_id":"rslvr-frg-0123456789abcdef","firewall_domain_list_id":"rslvr-fdl-0123456789abcdef"}
{"version":"1.100000","account_id":"123456789012","region":"us-east-1","vpc_id":"vpc-0a1b2c3d4e5f60718","query_timestamp":"2026-11-30T10:00:02Z","query_name":"c2VjcmV0.exfil.example.net.","query_type":"TXT","query_class":"IN","rcode":"NXDOMAIN","answers":[],"srcaddr":"10.0.1.7","srcport":"41235","transport":"UDP","srcids":{},"firewall_rule_action":"BLOCK","firewall_rule_group_id":"rslvr-frg-0123456789abcdef","firewall_domain_list_id":"rslvr-fdl-fedcba9876543210"}

{"version":"1.100000","account_id":"123456789012","region":"us-east-1","vpc_id":"vpc-0a1b2c3d4e5f60718","query_timestamp":"2026-11-30T10:00:03Z","query_name":"API.ECR.us-east-1.amazonaws.com.","query_type":"AAAA","query_class":"IN","rcode":"NOERROR","answers":[],"srcaddr":"10.0.2.9","srcport":"41236","transport":"UDP","srcids":{}}
"#;

    #[test]
    fn lines_are_grouped_by_name_blocked_first() {
        let q = parse_text(Path::new("q.log"), LINES).unwrap();
        assert_eq!(q.len(), 3);
        let r = report(&q);
        assert_eq!(r.names.len(), 2);
        assert_eq!(r.names[0].name, "c2vjcmv0.exfil.example.net");
        assert_eq!(r.names[0].blocked, 1);
        let ecr = &r.names[1];
        assert_eq!((ecr.queries, ecr.allowed, ecr.blocked), (2, 2, 0));
        assert_eq!(ecr.sources.len(), 2);
        assert!(ecr.answers.contains("10.0.1.20"));
        let text = render_text(&r);
        assert!(text.contains("1 name(s) blocked"), "{text}");
        assert!(
            text.lines().nth(3).unwrap().starts_with("blocked"),
            "{text}"
        );
        assert!(
            text.lines().nth(4).unwrap().starts_with("allowed"),
            "{text}"
        );
    }

    #[test]
    fn filter_log_events_output_is_read() {
        let events: Vec<Value> = LINES
            .lines()
            .filter(|l| !l.is_empty())
            .enumerate()
            .map(|(i, l)| {
                serde_json::json!({"logStreamName": "vpc-0a1b2c3d4e5f60718_x", "timestamp": 1764496801000u64 + i as u64, "message": l, "ingestionTime": 1764496802000u64, "eventId": format!("{i}")})
            })
            .collect();
        let text = serde_json::json!({"events": events, "searchedLogStreams": []}).to_string();
        let q = parse_text(Path::new("events.json"), &text).unwrap();
        assert_eq!(q.len(), 3);
        assert_eq!(q[1].outcome, Outcome::Blocked);
    }

    #[test]
    fn bad_line_names_file_and_line() {
        let text = format!(
            "{}not json\n",
            LINES.lines().next().unwrap().to_owned() + "\n"
        );
        let e = parse_text(Path::new("q.log"), &text)
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("q.log:2:"), "{e}");
        let e = parse_text(Path::new("q.log"), "{\"x\":1}\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("query_name"), "{e}");
    }

    #[test]
    fn nxdomain_without_firewall_is_failed_not_allowed() {
        let v = serde_json::json!({"query_name": "nope.example.", "rcode": "NXDOMAIN"});
        assert_eq!(parse_record(&v).unwrap().outcome, Outcome::Failed);
    }
}
