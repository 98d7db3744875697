//! `moat dns report` on recorded Route 53 Resolver query-log lines (written from the documented
//! format: https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/resolver-query-logs-format.html),
//! as JSON lines and as `aws logs filter-log-events` output.

use assert_cmd::Command;
use std::path::{Path, PathBuf};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/dns")
        .join(name)
}

fn moat() -> Command {
    let mut c = Command::cargo_bin("moat").expect("moat binary");
    c.env("NO_COLOR", "1");
    c
}

#[test]
fn report_lists_tried_allowed_and_blocked_names() {
    let out = moat()
        .args(["dns", "report"])
        .arg(fixture("query-log.jsonl"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    insta::assert_snapshot!("dns_report_text", text);
}

#[test]
fn filter_log_events_json_gives_the_same_report() {
    let run = |f: &str| {
        moat()
            .args(["dns", "report", "--format", "json"])
            .arg(fixture(f))
            .output()
            .unwrap()
    };
    let a = run("query-log.jsonl");
    let b = run("filter-log-events.json");
    assert_eq!(a.status.code(), Some(0));
    assert_eq!(a.stdout, b.stdout);
    let j: serde_json::Value = serde_json::from_slice(&a.stdout).unwrap();
    assert_eq!(j["records"], 6);
    let names = j["names"].as_array().unwrap();
    assert_eq!(names.len(), 5);
    // Blocked names first.
    assert_eq!(names[0]["name"], "bwfkzsb1ca.t.exfil.example.net");
    assert_eq!(names[0]["blocked"], 1);
    assert_eq!(names[1]["name"], "pypi.org");
    let ecr = names
        .iter()
        .find(|n| n["name"] == "api.ecr.eu-west-1.amazonaws.com")
        .unwrap();
    assert_eq!(ecr["queries"], 2);
    assert_eq!(ecr["allowed"], 2);
}

#[test]
fn a_bad_line_is_exit_two_naming_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("bad.log");
    let good = std::fs::read_to_string(fixture("query-log.jsonl")).unwrap();
    let first = good.lines().next().unwrap();
    std::fs::write(&p, format!("{first}\n{{\"truncated\": \n")).unwrap();
    let out = moat().args(["dns", "report"]).arg(&p).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("bad.log:2:"), "{err}");
}
