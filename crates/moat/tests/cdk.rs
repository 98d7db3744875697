//! Real CDK apps: `tests/cdk/app.js` synthesized with aws-cdk-lib from npm (installed by
//! scripts/test.sh into `MOAT_CDK_NODE_PATH`) and the feature flags aws-cdk-lib recommends, in
//! four shapes (one stack; two stacks with cross-stack references, which those flags write as
//! `Fn::GetStackOutput`; the same with strong references, written as exports and
//! `Fn::ImportValue`; a `NestedStack` whose TemplateURL is an asset URL), each clean and with
//! one defect. `moat check` of the cloud assembly directory must find every defect with the right
//! code and nothing in the clean apps.
//!
//! Without node the test says so and passes, except under `CI=true`, where missing node is a
//! failure; with node but without aws-cdk-lib it fails, saying how to install it.

use assert_cmd::Command;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

const SHAPES: &[&str] = &[
    "one-stack",
    "two-stack",
    "two-stack-exports",
    "nested-stack",
];

/// Each defect and the error codes it must produce (and no others).
const DEFECTS: &[(&str, &[&str])] = &[
    ("none", &[]),
    // The task pulls from private ECR: ecr.dkr is needed.
    ("no-ecr-dkr-endpoint", &["MOAT101"]),
    // `open: false`: the endpoint security groups admit nothing.
    ("closed-endpoint-sg", &["MOAT105"]),
    // An internet gateway attached, and a default route to it from a task subnet.
    ("igw-route", &["MOAT001", "MOAT005"]),
];

/// A clean app must also have no unproved property (the summary's `unproved` count).
const REQUIRE_VERDICTS_IN_SUMMARY: bool = true;

fn under_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true")
}

/// Skip (outside CI) or fail (under CI) for a missing tool.
fn missing(what: &str) -> bool {
    assert!(!under_ci(), "CI=true but {what}");
    eprintln!("SKIPPED: the CDK test needs {what} (scripts/test.sh installs it)");
    true
}

fn node_path() -> PathBuf {
    std::env::var_os("MOAT_CDK_NODE_PATH").map_or_else(
        || {
            let home = std::env::var_os("HOME").unwrap_or_default();
            Path::new(&home).join(".cache/moat-cdk/node_modules")
        },
        PathBuf::from,
    )
}

/// Every shape with every defect into `root/SHAPE-DEFECT` (one node run: loading aws-cdk-lib
/// is most of the time).
fn synth_all(root: &Path) {
    let app = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cdk/app.js");
    let o = std::process::Command::new("node")
        .arg(&app)
        .arg("all")
        .arg(root)
        .env("NODE_PATH", node_path())
        // aws-cdk-lib's notices and the node version banner are not what this test is about.
        .env("JSII_SILENCE_WARNING_UNTESTED_NODE_VERSION", "1")
        .output()
        .expect("run node");
    assert!(
        o.status.success(),
        "node app.js all: {}",
        String::from_utf8_lossy(&o.stderr)
    );
}

fn check(assembly: &Path) -> serde_json::Value {
    let out = Command::cargo_bin("moat")
        .expect("moat binary")
        .env_remove("AWS_REGION")
        .env_remove("AWS_DEFAULT_REGION")
        .args(["check", "--format", "json", "--fail-on", "never"])
        .arg(assembly)
        .output()
        .expect("run moat");
    assert_eq!(
        out.status.code(),
        Some(0),
        "moat check {}: {}",
        assembly.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("json")
}

/// Unproved properties in the summary, when it carries verdicts (`None`: it does not yet).
fn unproved(v: &serde_json::Value) -> Option<usize> {
    let s = &v["summary"];
    if let Some(n) = s["unproved"].as_u64() {
        return usize::try_from(n).ok();
    }
    let props = s["properties"].as_array().or(v["properties"].as_array())?;
    Some(
        props
            .iter()
            .filter(|p| {
                p["verdict"].as_str() == Some("unproved") || p["verdict"]["unproved"].is_object()
            })
            .count(),
    )
}

#[test]
fn cdk_apps_clean_and_with_one_defect() {
    if std::process::Command::new("node")
        .arg("--version")
        .output()
        .is_err()
        && missing("node on PATH")
    {
        return;
    }
    assert!(
        node_path().join("aws-cdk-lib/package.json").is_file(),
        "aws-cdk-lib is not in {}: run scripts/test.sh, or `npm install --prefix ~/.cache/moat-cdk aws-cdk-lib@2.276.0 constructs@10.8.1` (MOAT_CDK_NODE_PATH names another node_modules)",
        node_path().display()
    );
    let root = std::env::temp_dir().join(format!("moat-cdk-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    synth_all(&root);
    let mut failures = Vec::new();
    for shape in SHAPES {
        for (defect, want) in DEFECTS {
            let out = root.join(format!("{shape}-{defect}"));
            assert!(
                out.join("manifest.json").is_file(),
                "{shape} {defect}: no cloud assembly"
            );
            let v = check(&out);
            let findings = v["findings"].as_array().cloned().unwrap_or_default();
            let codes: BTreeSet<&str> =
                findings.iter().filter_map(|f| f["code"].as_str()).collect();
            let want: BTreeSet<&str> = want.iter().copied().collect();
            if codes != want {
                failures.push(format!(
                    "{shape} {defect}: want {want:?}, got {codes:?}\n{v:#}"
                ));
            }
            // The stacks of the app were all read: none is left out as remote or unknown.
            let summary = v["summary"].to_string();
            if summary.contains("remote") || summary.contains("not among the inputs") {
                failures.push(format!("{shape} {defect}: a stack was not read: {summary}"));
            }
            if *defect == "none" {
                match unproved(&v) {
                    Some(0) => {}
                    Some(n) => failures.push(format!("{shape}: {n} unproved properties\n{v:#}")),
                    None if REQUIRE_VERDICTS_IN_SUMMARY => {
                        failures.push(format!("{shape}: the summary has no verdicts"));
                    }
                    None => {}
                }
            }
        }
    }
    let _ = std::fs::remove_dir_all(&root);
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
