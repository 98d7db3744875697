//! Findings mapped to controls (moat_verify::controls) in `moat explain`, docs/rules.md, JSON
//! and SARIF, through the real binary.

use assert_cmd::Command;
use std::path::PathBuf;

fn moat() -> Command {
    let mut c = Command::cargo_bin("moat").expect("moat binary");
    c.env_remove("AWS_REGION").env("NO_COLOR", "1");
    c
}

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn fixture(rel: &str) -> PathBuf {
    repo().join("crates/moat-verify/tests/fixtures").join(rel)
}

#[test]
fn json_findings_name_their_controls() {
    let out = moat()
        .args(["check", "--format", "json"])
        .arg(fixture("MOAT006/fail.yml"))
        .assert()
        .code(1);
    let v: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).expect("json");
    let f = &v["findings"][0];
    assert_eq!(f["code"], "MOAT006");
    let ids: Vec<String> = f["controls"]
        .as_array()
        .expect("controls array")
        .iter()
        .map(|c| {
            format!(
                "{} {}",
                c["framework"].as_str().unwrap(),
                c["id"].as_str().unwrap()
            )
        })
        .collect();
    assert!(ids.contains(&"PCI DSS v4.0 1.4.4".to_string()), "{ids:?}");
    assert!(
        ids.contains(&"NIST SP 800-53 Rev. 5 SC-7".to_string()),
        "{ids:?}"
    );
    assert!(f["controls"][0]["title"]
        .as_str()
        .is_some_and(|t| !t.is_empty()));
}

#[test]
fn sarif_rules_carry_control_tags_and_security_severity() {
    let out = moat()
        .args(["check", "--format", "sarif"])
        .arg(fixture("MOAT001/fail.yml"))
        .assert()
        .code(1);
    let v: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).expect("json");
    let rules = v["runs"][0]["tool"]["driver"]["rules"].as_array().unwrap();
    let r = rules.iter().find(|r| r["id"] == "MOAT001").unwrap();
    let tags: Vec<&str> = r["properties"]["tags"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|t| t.as_str())
        .collect();
    assert!(tags.contains(&"security"), "{tags:?}");
    assert!(tags.contains(&"PCI DSS v4.0 1.3.1"), "{tags:?}");
    assert!(tags.contains(&"NIST SP 800-53 Rev. 5 AC-4"), "{tags:?}");
    assert_eq!(r["properties"]["security-severity"], "8.0");
    // Every rule has a numeric security-severity.
    for r in rules {
        let s: f64 = r["properties"]["security-severity"]
            .as_str()
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| panic!("{}: no security-severity", r["id"]));
        assert!((0.0..=10.0).contains(&s));
    }
}

#[test]
fn explain_and_rules_md_show_the_controls_of_every_rule() {
    moat()
        .args(["explain", "MOAT301"])
        .assert()
        .code(0)
        .stdout(predicates::str::contains("## Controls"))
        .stdout(predicates::str::contains(
            "CIS AWS Foundations Benchmark v3.0.0 **3.7**",
        ))
        .stdout(predicates::str::contains("not an official crosswalk"));
    let md = std::fs::read_to_string(repo().join("docs/rules.md")).unwrap();
    let sections: Vec<&str> = md.split("\n## MOAT").skip(1).collect();
    assert!(sections.len() > 20);
    for s in sections {
        assert!(
            s.contains("### Controls"),
            "MOAT{} has no Controls section in docs/rules.md",
            &s[..3]
        );
    }
}
