//! What a task needs depends on its launch type: known, or both branches when unknown
//! (issue 10 item 7). Each test edits the clean fixture `base.yml`.

use moat_model::{Finding, Property};
use std::path::Path;

fn prove_edited(edits: &[(&str, &str)]) -> (Vec<Finding>, Vec<Property>) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/base.yml");
    let mut text = std::fs::read_to_string(&path).expect("base.yml");
    for (old, new) in edits {
        assert_eq!(text.matches(old).count(), 1, "`{old}` not unique");
        text = text.replacen(old, new, 1);
    }
    let opts = moat_cfn::LoadOptions {
        region: Some("us-east-1".into()),
        account_id: Some("123456789012".into()),
        stack_name: "launch".into(),
        parameters: Default::default(),
        max_scenarios: 64,
    };
    let loaded = moat_cfn::load_str("launch.yml", &text, &opts).expect("loads");
    let sc = &loaded.roots[0].scenarios[0];
    let proof = moat_verify::prove(&sc.model, &moat_verify::Options::default());
    (proof.findings, proof.properties)
}

fn codes(findings: &[Finding]) -> Vec<&str> {
    findings.iter().map(|f| f.code).collect()
}

/// On EC2 the container instance role pulls the image and ships awslogs: a task definition
/// without an execution role is not missing one (no MOAT110); the agent's endpoints are needed.
#[test]
fn ec2_without_execution_role_is_not_moat110() {
    let (findings, _) = prove_edited(&[
        ("      LaunchType: FARGATE\n", "      LaunchType: EC2\n"),
        (
            "RequiresCompatibilities: [FARGATE]",
            "RequiresCompatibilities: [EC2]",
        ),
        ("      ExecutionRoleArn: !GetAtt ExecutionRole.Arn\n", ""),
    ]);
    assert!(!codes(&findings).contains(&"MOAT110"), "{findings:#?}");
    assert!(findings
        .iter()
        .any(|f| f.code == "MOAT101" && f.message.contains("`ecs-agent`")));
}

/// An unknown launch type is both branches: the EC2-only endpoints (ecs, ecs-agent,
/// ecs-telemetry) are neither silently skipped (judged as Fargate) nor reported missing as
/// certain; their reach is unproved, naming the launch type.
#[test]
fn unknown_launch_type_explores_both_branches() {
    let (findings, props) = prove_edited(&[
        (
            "      LaunchType: FARGATE\n",
            "      LaunchType: !ImportValue shared-launch-type\n",
        ),
        (
            "RequiresCompatibilities: [FARGATE]",
            "RequiresCompatibilities: [FARGATE, EC2]",
        ),
    ]);
    let agent = props
        .iter()
        .find(|p| p.claim.contains("ecs-agent on TCP 443"))
        .expect("the EC2 branch's ecs-agent need is decided");
    assert!(agent.verdict.is_unproved(), "{agent:#?}");
    assert!(!codes(&findings).contains(&"MOAT101"), "{findings:#?}");
    assert!(findings
        .iter()
        .any(|f| f.code == "MOAT120" && f.message.contains("shared-launch-type")));
    // Needs common to both branches stay proved.
    let dkr = props
        .iter()
        .find(|p| p.claim.contains("ecr.dkr on TCP 443"))
        .unwrap();
    assert!(dkr.verdict.is_proved(), "{dkr:#?}");
}

/// `NetworkMode: bridge` rules Fargate out (Fargate needs awsvpc): with an unknown launch type
/// the tasks are on EC2, so the agent's endpoints are certainly needed.
#[test]
fn bridge_network_mode_rules_fargate_out() {
    let (findings, props) = prove_edited(&[
        (
            "      LaunchType: FARGATE\n",
            "      LaunchType: !ImportValue shared-launch-type\n",
        ),
        (
            "RequiresCompatibilities: [FARGATE]",
            "RequiresCompatibilities: [FARGATE, EC2]",
        ),
        ("NetworkMode: awsvpc", "NetworkMode: bridge"),
    ]);
    assert!(
        findings
            .iter()
            .any(|f| f.code == "MOAT101" && f.message.contains("`ecs-agent`")),
        "{findings:#?}"
    );
    let agent = props
        .iter()
        .find(|p| p.claim.contains("ecs-agent on TCP 443"))
        .unwrap();
    assert!(agent.verdict.is_refuted(), "{agent:#?}");
}

/// An unknown `EnableExecuteCommand` may add ECS Exec's needs (`ssmmessages`): the needs are
/// not known, so the reach verdicts are not all proved (it was taken as "off" before).
#[test]
fn unknown_ecs_exec_leaves_the_needs_open() {
    let (findings, props) = prove_edited(&[(
        "      LaunchType: FARGATE\n",
        "      LaunchType: FARGATE\n      EnableExecuteCommand: !ImportValue shared-exec\n",
    )]);
    let needs = props
        .iter()
        .find(|p| p.claim.contains("needs is known"))
        .expect("the needs property is recorded");
    assert!(needs.verdict.is_unproved(), "{needs:#?}");
    assert!(findings
        .iter()
        .any(|f| f.code == "MOAT120" && f.message.contains("shared-exec")));
}
