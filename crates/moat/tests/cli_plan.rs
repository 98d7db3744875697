//! `moat plan`, `moat synth`, `moat diagram` through the real binary, on every example.

use assert_cmd::Command;
use predicates::prelude::*;
use std::path::{Path, PathBuf};

fn moat() -> Command {
    let mut c = Command::cargo_bin("moat").expect("moat binary");
    c.env_remove("AWS_REGION").env("NO_COLOR", "1");
    c
}

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

const EXAMPLES: &[&str] = &[
    "controlled-egress",
    "isolated-service",
    "fargate-logger",
    "autoscaled-workload",
    "private-ingress",
];

#[test]
fn every_example_plans_and_its_template_checks_clean() {
    for ex in EXAMPLES {
        let out = moat()
            .arg("plan")
            .arg(repo().join("examples").join(ex))
            .assert()
            .code(0);
        let stdout = String::from_utf8_lossy(&out.get_output().stdout).to_string();
        assert!(
            stdout.contains("moat check on the synthesized template: no findings"),
            "{ex}: {stdout}"
        );
    }
}

#[test]
fn isolated_service_needs_exactly_ecr_logs_and_s3_and_saves_against_seed_001() {
    let out = moat()
        .args(["plan", "--format", "json"])
        .arg(repo().join("examples/isolated-service"))
        .assert()
        .code(0);
    let v: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).expect("json");
    let mut names: Vec<String> = v["plan"]["endpoints"]
        .as_array()
        .expect("endpoints")
        .iter()
        .map(|e| {
            format!(
                "{}:{}",
                e["name"].as_str().unwrap_or(""),
                e["kind"].as_str().unwrap_or("")
            )
        })
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "ecr.api:Interface",
            "ecr.dkr:Interface",
            "logs:Interface",
            "s3:Gateway"
        ]
    );
    let saving = v["plan"]["cost"]["saving_vs_six_endpoint_design_usd"]
        .as_f64()
        .expect("saving");
    assert!(saving > 0.0, "saving {saving}");
    assert_eq!(v["check"]["findings"].as_array().map(Vec::len), Some(0));
}

#[test]
fn synth_writes_once_and_never_overwrites_without_force() {
    let dir = tempfile::tempdir().unwrap();
    let spec = repo().join("examples/private-ingress");
    moat()
        .arg("synth")
        .arg(&spec)
        .arg("--out")
        .arg(dir.path())
        .assert()
        .code(0)
        .stderr(predicate::str::contains("wrote"));
    let path = dir.path().join("template.yaml");
    let first = std::fs::read_to_string(&path).unwrap();
    assert!(first.contains("AWS::EC2::VPCEndpointService"));
    moat()
        .arg("synth")
        .arg(&spec)
        .arg("--out")
        .arg(dir.path())
        .assert()
        .code(0)
        .stderr(predicate::str::contains("unchanged"));
    std::fs::write(&path, "# my edits\n").unwrap();
    moat()
        .arg("synth")
        .arg(&spec)
        .arg("--out")
        .arg(dir.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--force"));
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        "# my edits\n",
        "the user's file was changed"
    );
    moat()
        .arg("synth")
        .arg(&spec)
        .arg("--out")
        .arg(dir.path())
        .arg("--force")
        .assert()
        .code(0);
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        first,
        "synth is not deterministic"
    );
    // The written template checks clean through `moat check` too.
    moat().arg("check").arg(&path).assert().code(0);
}

#[test]
fn synth_json_is_valid_json() {
    let dir = tempfile::tempdir().unwrap();
    moat()
        .arg("synth")
        .arg(repo().join("examples/isolated-service"))
        .args(["--format", "json", "--out"])
        .arg(dir.path())
        .assert()
        .code(0);
    let text = std::fs::read_to_string(dir.path().join("template.json")).unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).expect("valid JSON");
    assert!(v["Resources"].as_object().is_some_and(|r| r.len() > 10));
}

#[test]
fn spec_errors_exit_two_with_location() {
    let dir = tempfile::tempdir().unwrap();
    let spec = dir.path().join("moat.toml");
    std::fs::write(
        &spec,
        "name = \"x\"\nregion = \"us-east-1\"\nvpc_cidr = \"10.0.0.0/33\"\n",
    )
    .unwrap();
    moat()
        .arg("plan")
        .arg(&spec)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("moat.toml:3"));
    std::fs::write(&spec, "name = \"x\"\nregion = \"us-east-1\"\nbogus = 1\n").unwrap();
    moat()
        .arg("plan")
        .arg(&spec)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("moat.toml:3"));
    moat()
        .arg("plan")
        .arg(dir.path().join("nope"))
        .assert()
        .code(2);
}

#[test]
fn diagram_renders_svg_dot_and_html_for_every_example() {
    if which("dot").is_none() {
        assert!(
            std::env::var_os("CI").is_none(),
            "Graphviz `dot` is required in CI"
        );
        eprintln!("skipping: Graphviz `dot` is not installed");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    for ex in EXAMPLES {
        for ext in ["svg", "html", "dot"] {
            let out = dir.path().join(format!("{ex}.{ext}"));
            moat()
                .arg("diagram")
                .arg(repo().join("examples").join(ex))
                .arg("--out")
                .arg(&out)
                .assert()
                .code(0);
            let text = std::fs::read_to_string(&out).unwrap();
            match ext {
                "svg" => assert!(
                    text.contains("<svg") && text.contains("ecr.dkr"),
                    "{ex}.svg"
                ),
                "html" => assert!(
                    text.contains("id=\"diagram\"") && text.contains("<svg"),
                    "{ex}.html"
                ),
                _ => assert!(text.starts_with("digraph"), "{ex}.dot"),
            }
        }
    }
}

fn which(cmd: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|p| {
        std::env::split_paths(&p)
            .map(|d| d.join(cmd))
            .find(|p| p.is_file())
    })
}
