//! `moat check` inputs and region: directories, files that are not templates, cloud
//! assemblies, and the region a check settles on without `--region`.

use assert_cmd::Command;
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

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("moat-cli-inputs-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn empty_directory_task_definition_and_kubernetes_manifest_exit_2() {
    let dir = tmp("not-templates");
    let empty = dir.join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    let td = repo().join("examples/isolated-service/task-definition.json");
    let k8s = dir.join("deployment.yaml");
    std::fs::write(
        &k8s,
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 1\n",
    )
    .unwrap();
    let lint = dir.join(".cfnlintrc.yml");
    std::fs::write(&lint, "templates:\n  - template.yaml\n").unwrap();
    for (path, says) in [
        (&empty, "no CloudFormation template found"),
        (&td, "not a CloudFormation template (an ECS task definition"),
        (&k8s, "not a CloudFormation template (a Kubernetes manifest"),
        (&lint, "not a CloudFormation template"),
    ] {
        let out = moat().arg("check").arg(path).assert().code(2);
        let err = String::from_utf8_lossy(&out.get_output().stderr).to_string();
        assert!(err.contains(says), "{}: {err}", path.display());
    }
}

#[test]
fn directories_are_searched_recursively_and_verbose_says_what_was_skipped() {
    let dir = tmp("recurse");
    let deep = dir.join("infra/stacks");
    std::fs::create_dir_all(&deep).unwrap();
    std::fs::create_dir_all(dir.join("node_modules/x")).unwrap();
    std::fs::write(
        deep.join("vpc.yaml"),
        "Resources:\n  V:\n    Type: AWS::EC2::VPC\n    Properties:\n      CidrBlock: 10.0.0.0/16\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("node_modules/x/t.yaml"),
        "Resources: {Bad: {Type: 1}}\n",
    )
    .unwrap();
    std::fs::write(dir.join("notes.json"), "{\"a\": 1}\n").unwrap();
    let out = moat()
        .args([
            "check",
            "--verbose",
            "--format",
            "json",
            "--fail-on",
            "never",
        ])
        .arg(&dir)
        .assert()
        .code(0);
    let err = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(
        err.contains("node_modules: dependency or build directory"),
        "{err}"
    );
    assert!(err.contains("notes.json: no Resources mapping"), "{err}");
    let v: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    let checked = v["summary"]["checked"].to_string();
    assert!(checked.contains("infra/stacks/vpc.yaml"), "{checked}");
}

/// Every example, synthesized for eu-west-1 (its moat.toml and task definition rewritten), checks
/// clean without `--region`: the region is the one the template's literals name, never a
/// default us-east-1.
#[test]
fn synthesized_examples_in_another_region_check_clean_without_region() {
    let examples = repo().join("examples");
    let mut names: Vec<String> = std::fs::read_dir(&examples)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.path().join("moat.toml").is_file())
        .map(|e| e.file_name().to_string_lossy().to_string())
        .collect();
    names.sort();
    assert!(names.len() >= 5, "{names:?}");
    for name in names {
        let work = tmp(&format!("region-{name}"));
        let spec = work.join("spec");
        std::fs::create_dir_all(&spec).unwrap();
        for e in std::fs::read_dir(examples.join(&name)).unwrap() {
            let p = e.unwrap().path();
            if p.is_file() {
                let text = std::fs::read_to_string(&p).unwrap();
                std::fs::write(
                    spec.join(p.file_name().unwrap()),
                    text.replace("us-east-1", "eu-west-1"),
                )
                .unwrap();
            }
        }
        let out = work.join("out");
        moat()
            .arg("synth")
            .arg(&spec)
            .arg("--out")
            .arg(&out)
            .assert()
            .code(0);
        let template = out.join("template.yaml");
        let text = std::fs::read_to_string(&template).unwrap();
        assert!(
            text.contains("eu-west-1") && !text.contains("us-east-1"),
            "{name}: the synthesized template is for eu-west-1"
        );
        let run = moat()
            .args(["check", "--format", "json", "--fail-on", "info"])
            .arg(&template)
            .assert();
        let o = run.get_output();
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
        assert_eq!(
            v["findings"].as_array().map(Vec::len),
            Some(0),
            "{name}: {v:#}"
        );
        assert_eq!(o.status.code(), Some(0), "{name}: {v:#}");
        let notes = v["summary"].to_string();
        assert!(
            notes.contains("eu-west-1 (the only region the template names"),
            "{name}: {notes}"
        );
    }
}

/// Two templates given by name, one importing from the other, are one deployment; `--stack`
/// picks a stack of a cloud assembly and still reads the stacks it imports from.
#[test]
fn several_templates_and_a_cloud_assembly_stack() {
    let dir = tmp("assembly");
    let asm = dir.join("cdk.out");
    std::fs::create_dir_all(&asm).unwrap();
    std::fs::write(
        asm.join("Net.template.json"),
        r#"{"Resources": {"Vpc": {"Type": "AWS::EC2::VPC", "Properties": {"CidrBlock": "10.1.0.0/16"}}},
            "Outputs": {"VpcOut": {"Value": {"Ref": "Vpc"}, "Export": {"Name": "net-vpc"}}}}"#,
    )
    .unwrap();
    std::fs::write(
        asm.join("Svc.template.json"),
        r#"{"Resources": {"Sg": {"Type": "AWS::EC2::SecurityGroup", "Properties": {
            "GroupDescription": "app", "VpcId": {"Fn::ImportValue": "net-vpc"}}}}}"#,
    )
    .unwrap();
    let summary = |args: &[&str]| {
        let out = moat()
            .args(["check", "--format", "json", "--fail-on", "never"])
            .args(args)
            .assert()
            .code(0);
        let v: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
        v["summary"].clone()
    };
    let net = asm.join("Net.template.json").display().to_string();
    let svc = asm.join("Svc.template.json").display().to_string();
    let s = summary(&[&svc, &net]);
    assert_eq!(s["checked"].as_array().map(Vec::len), Some(2), "{s:#}");
    assert!(
        !s.to_string().contains("pass the template that exports"),
        "{s:#}"
    );

    std::fs::write(
        asm.join("manifest.json"),
        r#"{"version": "55.0.0", "artifacts": {
            "Net": {"type": "aws:cloudformation:stack", "environment": "aws://111122223333/eu-west-1",
                    "properties": {"templateFile": "Net.template.json"}},
            "Svc": {"type": "aws:cloudformation:stack", "environment": "aws://111122223333/eu-west-1",
                    "properties": {"templateFile": "Svc.template.json"}}}}"#,
    )
    .unwrap();
    let s = summary(&["--stack", "Svc", &asm.display().to_string()]);
    assert!(
        s["checked"].to_string().contains("Svc.template.json"),
        "{s:#}"
    );
    assert!(
        s["assumptions"]
            .to_string()
            .contains("region eu-west-1 (from the cloud assembly"),
        "{s:#}"
    );
    let out = moat()
        .args(["check", "--stack", "Nope"])
        .arg(&asm)
        .assert()
        .code(2);
    assert!(String::from_utf8_lossy(&out.get_output().stderr).contains("Nope"));
}

/// Without a region, seed 001's endpoints (`!Sub com.amazonaws.${AWS::Region}.…`) are the ones
/// its tasks need in whatever region it is deployed: no endpoint is reported missing; what
/// depends on the region the image names is unproved (MOAT120), never a refutation.
#[test]
fn unknown_region_is_consistent_and_comparisons_with_it_are_unproved() {
    let parent = repo().join("crates/moat-cfn/tests/fixtures/parent.yml");
    let out = moat()
        .args(["check", "--format", "json", "--param"])
        .arg("ImageUri=123456789012.dkr.ecr.us-east-1.amazonaws.com/sample-app-repo:sample")
        .arg(&parent)
        .assert();
    let v: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).expect("json");
    let codes: Vec<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["severity"] == "error")
        .filter_map(|f| f["code"].as_str())
        .collect();
    assert!(
        codes.is_empty(),
        "no refutation from an unknown region: {v:#}"
    );
    assert!(v["summary"]["unproved"].as_u64().unwrap_or(0) > 0, "{v:#}");
    assert!(
        v["summary"]["assumptions"]
            .to_string()
            .contains("region (unknown"),
        "{v:#}"
    );
}
