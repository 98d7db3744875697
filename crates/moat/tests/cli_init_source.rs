//! `moat init --from-task-definition` exists only in the AWS build: the offline build's help
//! does not offer it (and refuses it as an unknown flag); the AWS build's help explains it.

use assert_cmd::Command;

fn init_help() -> String {
    let out = Command::cargo_bin("moat")
        .unwrap()
        .args(["init", "--help"])
        .output()
        .unwrap();
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap()
}

#[cfg(not(feature = "aws"))]
#[test]
fn the_offline_build_does_not_offer_fetching_from_the_account() {
    let help = init_help();
    assert!(!help.contains("--from-task-definition"), "{help}");
    assert!(help.contains("TASKDEF.json"), "{help}");
    Command::cargo_bin("moat")
        .unwrap()
        .args(["init", "--from-task-definition", "web"])
        .assert()
        .code(2);
}

#[cfg(feature = "aws")]
#[test]
fn the_aws_build_offers_fetching_from_the_account() {
    let help = init_help();
    assert!(
        help.contains("--from-task-definition <FAMILY[:REV]>"),
        "{help}"
    );
    assert!(help.contains("ecs:DescribeTaskDefinition"), "{help}");
    // A file and a family at once is ambiguous.
    Command::cargo_bin("moat")
        .unwrap()
        .args(["init", "td.json", "--from-task-definition", "web"])
        .assert()
        .code(2);
}
