//! `moat check` states, per property kind, what was proved, refuted and left unproved, in every
//! output format; "no findings" never appears while a property is unproved.

use assert_cmd::Command;
use std::path::{Path, PathBuf};

fn moat() -> Command {
    let mut c = Command::cargo_bin("moat").expect("moat binary");
    c.env_remove("AWS_REGION").env("NO_COLOR", "1");
    c
}

fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../crates/moat-verify/tests/fixtures")
        .join(rel)
}

fn run(file: &str, format: &str) -> String {
    let out = moat()
        .args(["check", "--format", format])
        .arg(fixture(file))
        .output()
        .expect("runs");
    String::from_utf8(out.stdout).expect("utf-8")
}

#[test]
fn text_states_the_verdicts_and_never_says_no_findings_while_unproved() {
    let clean = run("base.yml", "text");
    assert!(
        clean.contains("properties: isolation: 3 proved; reach: 4 proved"),
        "{clean}"
    );
    assert!(clean.contains("no findings"), "{clean}");
    let open = run("MOAT120/fail.yml", "text");
    assert!(!open.contains("no findings"), "{open}");
    assert!(open.contains("reach: 1 proved, 3 unproved"), "{open}");
    assert!(open.contains("warning[MOAT120]"), "{open}");
    assert!(open.contains("shared-vpc-cidr"), "{open}");
}

#[test]
fn json_carries_properties_and_counts_beside_the_findings() {
    let v: serde_json::Value = serde_json::from_str(&run("MOAT120/fail.yml", "json")).unwrap();
    // The findings objects keep the DESIGN.md contract.
    let f = &v["findings"][0];
    for key in [
        "code", "severity", "message", "resource", "file", "line", "column", "help",
    ] {
        assert!(f.get(key).is_some(), "finding lacks {key}: {f}");
    }
    assert_eq!(v["summary"]["unproved"], 3);
    assert_eq!(v["summary"]["properties"]["reach"]["unproved"], 3);
    assert_eq!(v["summary"]["properties"]["isolation"]["proved"], 3);
    let props = v["properties"].as_array().unwrap();
    let open: Vec<_> = props
        .iter()
        .filter(|p| p["verdict"] == "unproved")
        .collect();
    assert_eq!(open.len(), 3);
    assert!(open[0]["unknowns"][0]["what"]
        .as_str()
        .unwrap()
        .contains("shared-vpc-cidr"));
}

#[test]
fn sarif_run_properties_carry_the_verdicts() {
    let v: serde_json::Value = serde_json::from_str(&run("MOAT120/fail.yml", "sarif")).unwrap();
    let props = &v["runs"][0]["properties"];
    assert_eq!(props["moat/totals"]["unproved"], 3, "{props}");
    assert_eq!(props["moat/properties"]["reach"]["proved"], 1);
    assert_eq!(props["moat/unproved"].as_array().unwrap().len(), 3);
}

#[test]
fn an_unproved_property_fails_the_run_unless_allowed() {
    // Clean and fully proved: exit 0.
    moat()
        .args(["check"])
        .arg(fixture("base.yml"))
        .assert()
        .code(0);
    // Only warnings, but a property is unproved: not a pass.
    moat()
        .args(["check"])
        .arg(fixture("MOAT120/fail.yml"))
        .assert()
        .code(1);
    // The user accepts the gap explicitly.
    moat()
        .args(["check", "--allow-unproved"])
        .arg(fixture("MOAT120/fail.yml"))
        .assert()
        .code(0);
    // `--fail-on never` reports without failing, as before.
    moat()
        .args(["check", "--fail-on", "never"])
        .arg(fixture("MOAT120/fail.yml"))
        .assert()
        .code(0);
}
