//! Controls in the JSON and SARIF outputs.

use moat_model::{Finding, Provenance, Severity};
use moat_report::{json, json_with_controls, sarif, ControlRef, Controls, RuleInfo, Summary};

fn finding() -> Finding {
    Finding {
        code: "MOAT301",
        severity: Severity::Info,
        message: "VPC Vpc has no flow logs".into(),
        prov: Provenance::at("Vpc", "t.yml", 3, 5),
        help: "add a flow log".into(),
        path: vec![],
    }
}

fn au2() -> ControlRef {
    ControlRef {
        framework: "NIST SP 800-53 Rev. 5".into(),
        id: "AU-2".into(),
        title: "Event Logging".into(),
    }
}

#[test]
fn json_findings_carry_their_controls_and_keep_the_contract_fields() {
    let controls = Controls::from([("MOAT301".to_string(), vec![au2()])]);
    let v: serde_json::Value = serde_json::from_str(&json_with_controls(
        &[finding()],
        &Summary::default(),
        &controls,
    ))
    .unwrap();
    let f = &v["findings"][0];
    for key in [
        "code", "severity", "message", "resource", "file", "line", "column", "help",
    ] {
        assert!(f.get(key).is_some(), "{key} kept");
    }
    assert_eq!(
        f["controls"],
        serde_json::json!([{"framework": "NIST SP 800-53 Rev. 5", "id": "AU-2", "title": "Event Logging"}])
    );
    // Without a mapping the field is there, empty.
    let v: serde_json::Value =
        serde_json::from_str(&json(&[finding()], &Summary::default())).unwrap();
    assert_eq!(v["findings"][0]["controls"], serde_json::json!([]));
}

#[test]
fn sarif_rules_tag_their_controls_and_give_a_security_severity() {
    let rules = [
        RuleInfo {
            code: "MOAT301",
            name: "flow-logs-disabled",
            summary: "A VPC has no flow logs",
            help_markdown: "…".into(),
            severity: Severity::Info,
            controls: vec![au2()],
        },
        RuleInfo {
            code: "MOAT001",
            name: "route-to-internet-gateway",
            summary: "route out",
            help_markdown: "…".into(),
            severity: Severity::Error,
            controls: vec![],
        },
    ];
    let v: serde_json::Value = serde_json::from_str(&sarif(&[finding()], &rules, "0.1.0")).unwrap();
    let r = &v["runs"][0]["tool"]["driver"]["rules"];
    assert_eq!(
        r[0]["properties"]["tags"],
        serde_json::json!([
            "security",
            "network-isolation",
            "NIST SP 800-53 Rev. 5 AU-2"
        ])
    );
    // GitHub reads security-severity as a string holding a number from 0.0 to 10.0.
    assert_eq!(r[0]["properties"]["security-severity"], "2.0");
    assert_eq!(r[1]["properties"]["security-severity"], "8.0");
    assert_eq!(
        r[1]["properties"]["tags"],
        serde_json::json!(["security", "network-isolation"])
    );
}
