//! `[vpc]` through the real binary, offline: spec problems are reported (all of them, with
//! positions) before anything is read from AWS; a moat built without the `aws` feature says why
//! it cannot plan into an existing VPC. The live paths are in `aws_moto_vpc.rs`.

use assert_cmd::Command;
use predicates::prelude::*;
use std::path::Path;

fn moat() -> Command {
    let mut c = Command::cargo_bin("moat").expect("moat binary");
    // No AWS settings at all: these runs must fail before any call.
    c.env_remove("AWS_REGION")
        .env_remove("AWS_PROFILE")
        .env("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("NO_COLOR", "1");
    c
}

fn spec_dir(vpc: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/isolated-service");
    std::fs::copy(
        example.join("task-definition.json"),
        dir.path().join("task-definition.json"),
    )
    .expect("copy");
    let toml = format!(
        "name = \"team-app\"\nregion = \"us-east-1\"\n\n[[service]]\nname = \"app\"\ntask_definition = \"task-definition.json\"\n\n{vpc}"
    );
    std::fs::write(dir.path().join("moat.toml"), toml).expect("write");
    dir
}

#[test]
fn vpc_section_problems_are_all_reported_before_any_aws_call() {
    let dir = spec_dir(
        "[vpc]\nid = \"vpc-12\"\nsubnet_ids = [\"subnet-1234567\"]\nallow_route_change = true\n",
    );
    moat()
        .arg("plan")
        .arg(dir.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("moat.toml:9:6: invalid [vpc] id `vpc-12`"))
        .stderr(predicate::str::contains("moat.toml:10:15: invalid subnet id `subnet-1234567`"))
        .stderr(predicate::str::contains(
            "moat.toml:11:1: unknown field `allow_route_change` in [vpc]; did you mean `allow_route_changes`?",
        ));
}

#[cfg(not(feature = "aws"))]
#[test]
fn offline_build_says_it_needs_the_aws_feature() {
    let dir = spec_dir("[vpc]\nid = \"vpc-12345678\"\nsubnet_ids = [\"subnet-12345678\"]\n");
    for cmd in ["plan", "synth"] {
        let mut c = moat();
        c.arg(cmd).arg(dir.path());
        if cmd == "synth" {
            c.args(["--out", "-"]);
        }
        c.assert()
            .code(2)
            .stderr(predicate::str::contains("reads it from the AWS account"))
            .stderr(predicate::str::contains("without the `aws` feature"));
    }
}
