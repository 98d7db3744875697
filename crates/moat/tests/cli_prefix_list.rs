//! `moat synth` writes the S3 prefix list as a parameter declared as S3's list; `moat check` of
//! the template proves S3 reach without a value, and with `--param S3PrefixListId=pl-…` (an id
//! moat cannot name offline) reports it unproved (MOAT120, a warning; an unproved property fails
//! the run, exit 1, unless `--allow-unproved`) at the rule's line, never clean and never an error.

use assert_cmd::Command;
use std::path::{Path, PathBuf};

fn moat() -> Command {
    let mut c = Command::cargo_bin("moat").expect("moat binary");
    c.env_remove("AWS_REGION")
        .env_remove("AWS_DEFAULT_REGION")
        .env("NO_COLOR", "1");
    c
}

fn example() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/isolated-service")
}

fn findings(out: &[u8]) -> Vec<serde_json::Value> {
    let v: serde_json::Value = serde_json::from_slice(out).expect("json");
    v["findings"].as_array().cloned().unwrap_or_default()
}

#[test]
fn synth_output_checks_clean_and_a_given_id_is_unproved() {
    let dir = tempfile::tempdir().unwrap();
    let synth = moat()
        .arg("synth")
        .arg(example())
        .arg("--out")
        .arg(dir.path())
        .assert()
        .code(0);
    let err = String::from_utf8_lossy(&synth.get_output().stderr).into_owned();
    assert!(
        err.contains("note: parameter S3PrefixListId is the id of the managed prefix list com.amazonaws.us-east-1.s3; `moat deploy` fills it"),
        "{err}"
    );
    let template = dir.path().join("template.yaml");
    let text = std::fs::read_to_string(&template).unwrap();
    assert!(!text.contains("0.0.0.0/0"), "no rule to every address");

    let clean = moat()
        .args(["check", "--format", "json", "--fail-on", "info"])
        .arg(&template)
        .assert()
        .code(0);
    let f = findings(&clean.get_output().stdout);
    assert!(f.is_empty(), "{f:#?}");

    let given = moat()
        .args([
            "check",
            "--format",
            "json",
            "--param",
            "S3PrefixListId=pl-63a5400a",
        ])
        .arg(&template)
        .assert()
        .code(1);
    let f = findings(&given.get_output().stdout);
    let codes: Vec<&str> = f.iter().filter_map(|x| x["code"].as_str()).collect();
    assert_eq!(codes, ["MOAT120"], "{f:#?}");
    let line = text
        .lines()
        .position(|l| l.contains("DestinationPrefixListId: !Ref S3PrefixListId"))
        .unwrap()
        + 1;
    assert_eq!(f[0]["line"], line, "{f:#?}");
    assert_eq!(f[0]["severity"], "warning");
    let message = f[0]["message"].as_str().unwrap_or_default();
    assert!(message.contains("pl-63a5400a"), "{message}");
}
