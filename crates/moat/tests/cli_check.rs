//! `moat check`, `moat rules`, `moat explain` through the real binary.

use assert_cmd::Command;
use predicates::prelude::*;
use std::path::{Path, PathBuf};

fn moat() -> Command {
    let mut c = Command::cargo_bin("moat").expect("moat binary");
    c.env_remove("AWS_REGION")
        .env_remove("AWS_DEFAULT_REGION")
        .env("NO_COLOR", "1");
    c
}

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn fixture(rel: &str) -> PathBuf {
    repo().join("crates/moat-verify/tests/fixtures").join(rel)
}

#[test]
fn clean_template_exits_zero() {
    moat()
        .arg("check")
        .arg(fixture("base.yml"))
        .assert()
        .code(0)
        .stdout(predicate::str::contains("no findings"));
}

#[test]
fn finding_exits_one_and_shows_the_line() {
    let out = moat()
        .arg("check")
        .arg(fixture("MOAT102/fail.yml"))
        .assert()
        .code(1);
    let stdout = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    assert!(stdout.contains("error[MOAT102]"), "{stdout}");
    assert!(
        stdout.contains("PrivateDnsEnabled: false"),
        "snippet missing: {stdout}"
    );
    assert!(stdout.contains("^^^"), "underline missing: {stdout}");
}

/// `--strict` makes MOAT012 (DNS resolving any public name) an error: exit 1.
#[test]
fn strict_profile_makes_open_dns_an_error() {
    let default = moat()
        .arg("check")
        .arg(fixture("MOAT012/fail.yml"))
        .assert();
    let text = String::from_utf8_lossy(&default.get_output().stdout).to_string();
    assert!(text.contains("warning[MOAT012]"), "{text}");
    assert!(!text.contains("error[MOAT012]"), "{text}");
    let strict = moat()
        .args(["check", "--strict"])
        .arg(fixture("MOAT012/fail.yml"))
        .assert()
        .code(1);
    let text = String::from_utf8_lossy(&strict.get_output().stdout).to_string();
    assert!(text.contains("error[MOAT012]"), "{text}");
}

#[test]
fn fail_on_controls_the_exit_code() {
    // MOAT202 is a warning: exit 0 by default, 1 with --fail-on warning.
    moat()
        .arg("check")
        .arg(fixture("MOAT202/fail.yml"))
        .assert()
        .code(0);
    moat()
        .args(["check", "--fail-on", "warning"])
        .arg(fixture("MOAT202/fail.yml"))
        .assert()
        .code(1);
}

#[test]
fn json_follows_the_contract() {
    let out = moat()
        .args(["check", "--format", "json"])
        .arg(fixture("MOAT006/fail.yml"))
        .assert()
        .code(1);
    let v: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).expect("json");
    let f = &v["findings"][0];
    for key in [
        "code", "severity", "message", "resource", "file", "line", "column", "help",
    ] {
        assert!(f.get(key).is_some(), "finding lacks `{key}`: {f}");
    }
    assert_eq!(f["code"], "MOAT006");
    assert_eq!(f["severity"], "error");
    assert_eq!(f["resource"], "Service");
    assert!(f["line"].as_u64().unwrap_or(0) > 0);
    assert_eq!(v["summary"]["errors"], 1);
}

#[test]
fn sarif_is_2_1_0_with_rules_and_locations() {
    let out = moat()
        .args(["check", "--format", "sarif"])
        .arg(fixture("MOAT001/fail.yml"))
        .assert()
        .code(1);
    let v: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).expect("json");
    assert_eq!(v["version"], "2.1.0");
    let run = &v["runs"][0];
    assert!(run["tool"]["driver"]["rules"]
        .as_array()
        .is_some_and(|r| r.len() > 20));
    let result = &run["results"][0];
    assert_eq!(result["ruleId"], "MOAT001");
    assert_eq!(result["level"], "error");
    let loc = &result["locations"][0]["physicalLocation"];
    assert!(loc["artifactLocation"]["uri"]
        .as_str()
        .is_some_and(|u| u.ends_with("fail.yml")));
    assert!(loc["region"]["startLine"].as_u64().unwrap_or(0) > 0);
}

#[test]
fn missing_file_is_a_clear_error_exit_two() {
    moat()
        .args(["check", "does/not/exist.yml"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("does/not/exist.yml"));
}

#[test]
fn malformed_yaml_names_the_line() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("bad.yml");
    std::fs::write(
        &p,
        "Resources:\n  A:\n    Type: AWS::EC2::VPC\n    Properties: [unclosed\n",
    )
    .unwrap();
    moat()
        .arg("check")
        .arg(&p)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("bad.yml:"));
}

#[test]
fn bad_param_is_exit_two() {
    moat()
        .args(["check", "--param", "NoEquals"])
        .arg(fixture("base.yml"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("KEY=VALUE"));
}

#[test]
fn rules_lists_every_code_and_explain_prints_docs() {
    moat().arg("rules").assert().code(0).stdout(
        predicate::str::contains("MOAT101").and(predicate::str::contains("endpoint-missing")),
    );
    moat().args(["explain", "MOAT102"]).assert().code(0).stdout(
        predicate::str::contains("## Why is this bad?")
            .and(predicate::str::contains("PrivateDnsEnabled")),
    );
    moat().args(["explain", "MOAT999"]).assert().code(2);
}

#[test]
fn docs_rules_md_is_generated_from_the_rules() {
    let out = moat().args(["rules", "--markdown"]).assert().code(0);
    let generated = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    let path = repo().join("docs/rules.md");
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    if committed != generated && std::env::var_os("MOAT_BLESS").is_some() {
        std::fs::write(&path, &generated).unwrap();
        return;
    }
    assert!(
        committed == generated,
        "docs/rules.md is stale: run `MOAT_BLESS=1 cargo test -p moat --test cli_check docs_rules_md`"
    );
}

#[test]
fn broken_pipe_is_not_an_error() {
    // `moat rules | head -1`: the binary must not fail when its reader goes away.
    let bin = assert_cmd::cargo::cargo_bin("moat");
    let out = std::process::Command::new("bash")
        .arg("-c")
        .arg(format!(
            "set -o pipefail; '{}' rules --markdown | head -c 10 >/dev/null",
            bin.display()
        ))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn seed_001_checks_clean_through_its_parent_stack() {
    let parent = repo().join("crates/moat-cfn/tests/fixtures/parent.yml");
    let out = moat()
        .args([
            "check",
            "--region",
            "us-east-1",
            "--format",
            "json",
            "--param",
        ])
        .arg("ImageUri=123456789012.dkr.ecr.us-east-1.amazonaws.com/sample-app-repo:sample")
        .arg(&parent)
        .assert()
        .code(0);
    let v: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).expect("json");
    assert_eq!(v["summary"]["errors"], 0, "{v:#}");
    // The two warnings: seed 001's VPC has no DNS Firewall, so its DNS resolves any public
    // name (MOAT012); its service group lets TCP 443 out to 0.0.0.0/0 where S3's prefix list
    // would do (MOAT014).
    assert_eq!(v["summary"]["warnings"], 2, "{v:#}");
    // What remains is information: seed 001 has no flow logs, and its log group's name is
    // assigned by AWS, which moat says rather than guesses.
    let codes: Vec<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["code"].as_str())
        .collect();
    assert!(
        codes
            .iter()
            .all(|c| ["MOAT301", "MOAT113", "MOAT012", "MOAT014"].contains(c)),
        "{codes:?}"
    );
    // The nested children are reached through the parent and point into their own files.
    assert!(v["findings"].as_array().unwrap().iter().any(|f| f["file"]
        .as_str()
        .is_some_and(|p| p.ends_with("isolated-vpc.yml"))));
}

#[test]
fn getazs_selections_compare_by_index() {
    let base = std::fs::read_to_string(fixture("base.yml")).unwrap();
    let with_getazs = base
        .replace(
            "AvailabilityZone: us-east-1a",
            "AvailabilityZone: !Select [0, !GetAZs '']",
        )
        .replace(
            "AvailabilityZone: us-east-1b",
            "AvailabilityZone: !Select [1, !GetAZs '']",
        );
    assert_ne!(with_getazs, base);
    let dir = tempfile::tempdir().unwrap();
    let clean = dir.path().join("clean.yml");
    std::fs::write(&clean, &with_getazs).unwrap();
    moat()
        .args(["check", "--fail-on", "info"])
        .arg(&clean)
        .assert()
        .code(0);
    let one_az = with_getazs.replacen(
        "ServiceName: !Sub com.amazonaws.${AWS::Region}.logs\n      VpcId: !Ref VPC\n      PrivateDnsEnabled: true\n      SubnetIds: [!Ref SubnetA, !Ref SubnetB]",
        "ServiceName: !Sub com.amazonaws.${AWS::Region}.logs\n      VpcId: !Ref VPC\n      PrivateDnsEnabled: true\n      SubnetIds: [!Ref SubnetA]",
        1,
    );
    assert_ne!(one_az, with_getazs);
    let p = dir.path().join("one-az.yml");
    std::fs::write(&p, one_az).unwrap();
    moat()
        .args(["check", "--fail-on", "warning"])
        .arg(&p)
        .assert()
        .code(1)
        .stdout(
            predicate::str::contains("warning[MOAT104]")
                .and(predicate::str::contains("availability zone #1")),
        );
}

/// The controlled-egress template: clean as synthesized, its internet route and public IP
/// accepted only as the egress zone's. Each mutation breaks the zone and is reported.
#[test]
fn egress_zone_is_accepted_only_while_it_holds_the_gateway_alone() {
    let dir = tempfile::tempdir().unwrap();
    moat()
        .arg("synth")
        .arg(repo().join("examples/controlled-egress"))
        .arg("--out")
        .arg(dir.path())
        .assert()
        .code(0);
    let template = std::fs::read_to_string(dir.path().join("template.yaml")).unwrap();
    let check = |name: &str, text: &str| -> Vec<String> {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        let out = moat()
            .args(["check", "--format", "json"])
            .arg(&path)
            .output()
            .unwrap();
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let mut codes: Vec<String> = v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["severity"] == "error")
            .map(|f| {
                format!(
                    "{} {}",
                    f["code"].as_str().unwrap(),
                    f["resource"].as_str().unwrap()
                )
            })
            .collect();
        codes.sort();
        codes.dedup();
        codes
    };
    assert!(check("clean.yaml", &template).is_empty());

    // The workload moved into the egress subnets: they are no longer the gateway's alone.
    let workload = "          AssignPublicIp: DISABLED\n          Subnets:\n            - !Ref TaskSubnet1\n            - !Ref TaskSubnet2\n          SecurityGroups:\n            - !Ref PaymentsSecurityGroup";
    assert!(template.contains(workload));
    let moved = template.replace(workload, &workload.replace("TaskSubnet", "EgressSubnet"));
    let codes = check("moved.yaml", &moved);
    for want in [
        "MOAT001 EgressDefaultRoute1",
        "MOAT001 EgressDefaultRoute2",
        "MOAT005 InternetGatewayAttachment",
        "MOAT006 EgressGatewayService",
    ] {
        assert!(codes.iter().any(|c| c == want), "{want} missing: {codes:?}");
    }

    // The gateway open to the internet on its proxy port.
    let open = template.replace(
        "          CidrIp: \"10.0.0.0/20\"\n          Description: \"proxy clients",
        "          CidrIp: \"0.0.0.0/0\"\n          Description: \"proxy clients",
    );
    assert_ne!(open, template);
    assert_eq!(
        check("open.yaml", &open),
        ["MOAT011 EgressGatewaySecurityGroup"]
    );

    // A route out from a workload subnet's table.
    let route = "  LeakRoute:\n    Type: AWS::EC2::Route\n    Properties:\n      RouteTableId: !Ref TaskRouteTable1\n      DestinationCidrBlock: 0.0.0.0/0\n      GatewayId: !Ref InternetGateway\nOutputs:\n";
    assert!(template.contains("\nOutputs:\n"));
    let leak = template.replace("\nOutputs:\n", &format!("\n{route}"));
    let codes = check("leak.yaml", &leak);
    assert!(codes.iter().any(|c| c == "MOAT001 LeakRoute"), "{codes:?}");
    assert!(
        codes
            .iter()
            .any(|c| c == "MOAT005 InternetGatewayAttachment"),
        "{codes:?}"
    );
}
