//! A hand-written `AWS::ECS::TaskDefinition` whose `ContainerDefinitions` is missing or cannot
//! be resolved says nothing about what its tasks need: `moat check` must leave that open (an
//! unproved property pointing at the task definition), never report the template clean.

use assert_cmd::Command;
use std::path::Path;

fn base() -> String {
    std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../crates/moat-verify/tests/fixtures/base.yml"),
    )
    .expect("base.yml")
}

/// base.yml with the task definition's `ContainerDefinitions` block replaced by `with`.
fn without_containers(with: &str) -> String {
    let base = base();
    let start = base
        .find("      ContainerDefinitions:\n")
        .expect("base.yml has ContainerDefinitions");
    let end = base
        .find("  Service:\n    Type: AWS::ECS::Service")
        .expect("base.yml has the service after the task definition");
    format!("{}{with}{}", &base[..start], &base[end..])
}

/// `moat check FILE` on `text`: (exit code, stdout).
fn check(text: &str, format: &str) -> (i32, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("template.yml");
    std::fs::write(&path, text).unwrap();
    let out = Command::cargo_bin("moat")
        .unwrap()
        .env_remove("AWS_REGION")
        .env("NO_COLOR", "1")
        .args(["check", "--region", "us-east-1", "--format", format])
        .arg(&path)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
    )
}

/// The line (1-based) of the first line of `text` containing `needle`.
fn line_of(text: &str, needle: &str) -> u64 {
    text.lines().position(|l| l.contains(needle)).unwrap() as u64 + 1
}

#[test]
fn a_task_definition_without_container_definitions_is_not_clean() {
    let text = without_containers("");
    let (code, out) = check(&text, "text");
    assert_eq!(code, 1, "an unproved property fails the run:\n{out}");
    assert!(!out.contains("no findings"), "{out}");
    assert!(out.contains("warning[MOAT120]"), "{out}");
    assert!(out.contains("has no container definitions"), "{out}");
    assert!(
        out.contains("every AWS service that service `web` needs is known"),
        "{out}"
    );

    let (_, json) = check(&text, "json");
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let f = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == "MOAT120")
        .unwrap_or_else(|| panic!("{json}"));
    assert_eq!(f["resource"], "TaskDefinition", "{f}");
    assert_eq!(f["line"], line_of(&text, "  TaskDefinition:"), "{f}");
    assert!(v["summary"]["unproved"].as_u64().unwrap() >= 1, "{json}");
}

#[test]
fn unresolvable_container_definitions_are_not_clean() {
    let text = without_containers("      ContainerDefinitions: !ImportValue shared-containers\n");
    let (code, out) = check(&text, "text");
    assert_eq!(code, 1, "{out}");
    assert!(!out.contains("no findings"), "{out}");
    assert!(out.contains("warning[MOAT120]"), "{out}");
    assert!(
        out.contains("shared-containers"),
        "names the unknown value:\n{out}"
    );

    let (_, json) = check(&text, "json");
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let f = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == "MOAT120")
        .unwrap_or_else(|| panic!("{json}"));
    assert_eq!(f["resource"], "TaskDefinition", "{f}");
    assert_eq!(
        f["line"],
        line_of(&text, "ContainerDefinitions: !ImportValue"),
        "points at the value: {f}"
    );
}
