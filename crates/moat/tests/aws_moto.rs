//! `moat deploy | diff | audit | destroy` through the real binary against a local moto_server
//! (loopback only; every command gets --endpoint-url http://127.0.0.1:PORT).
//!
//! The server comes from `MOAT_MOTO_SERVER`, else `moto_server` on PATH. Without one the test
//! prints why and passes, unless `CI` is set, where it fails.

#[path = "support/moat_cli.rs"]
mod moat_cli;
#[path = "../../moat-aws/tests/support/moto_server.rs"]
mod moto_server;

use assert_cmd::Command;
use predicates::prelude::*;
use std::path::{Path, PathBuf};

fn spec() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/isolated-service")
}

fn moat(moto: &moto_server::MotoServer) -> Command {
    moat_cli::against(&moto.url)
}

fn json_findings(out: &[u8]) -> Vec<serde_json::Value> {
    let v: serde_json::Value = serde_json::from_slice(out).expect("audit JSON");
    v["findings"].as_array().cloned().unwrap_or_default()
}

#[test]
fn deploy_audit_redeploy_break_destroy() {
    let Some(moto) = moto_server::start() else {
        return;
    };
    let stack = "moat-cli-test";

    // No terminal and no --yes: refuse with exit 2 before touching AWS.
    moat(&moto)
        .args(["deploy", "--stack-name", stack])
        .arg(spec())
        .write_stdin("")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--yes"));

    moat(&moto)
        .args([
            "deploy",
            "--yes",
            "--stack-name",
            stack,
            "--endpoint-url",
            &moto.url,
        ])
        .arg(spec())
        .assert()
        .code(0)
        .stdout(predicate::str::contains("CREATE_COMPLETE"))
        .stdout(predicate::str::contains("docker push"));

    let out = moat(&moto)
        .args(["audit", "--stack-name", stack, "--format", "json"])
        .output()
        .expect("audit");
    // moto's CloudFormation drops ECS network configuration and task definition roles, so the
    // endpoint/IAM rules cannot be judged here (crates/moat-aws/tests/moto.rs restores them and
    // asserts no error at all); the isolation itself must hold.
    let findings = json_findings(&out.stdout);
    assert!(
        !findings
            .iter()
            .any(|f| f["code"] == "MOAT001" || f["code"] == "MOAT005"),
        "isolated stack has an internet path: {findings:#?}"
    );

    moat(&moto)
        .args(["deploy", "--yes", "--stack-name", stack])
        .arg(spec())
        .assert()
        .code(0)
        .stdout(predicate::str::contains("up to date"));

    moat(&moto)
        .args(["diff", "--stack-name", stack])
        .arg(spec())
        .assert()
        .code(0)
        .stdout(predicate::str::contains("no changes"));

    // Break isolation through the EC2 API, then audit again.
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let (vpc, rtb, igw) = rt.block_on(async {
        std::env::set_var("AWS_ACCESS_KEY_ID", "testing");
        std::env::set_var("AWS_SECRET_ACCESS_KEY", "testing");
        std::env::set_var("AWS_CONFIG_FILE", "/nonexistent/moat-test-config");
        std::env::set_var(
            "AWS_SHARED_CREDENTIALS_FILE",
            "/nonexistent/moat-test-credentials",
        );
        let aws = moat_aws::connect(&moat_aws::AwsOptions {
            region: Some("us-east-1".into()),
            profile: None,
            endpoint_url: Some(moto.url.clone()),
        })
        .await
        .expect("connect");
        let (model, _) = moat_aws::audit(&aws, &moat_aws::AuditTarget::Stack(stack.into()))
            .await
            .expect("audit");
        let vpc = model.vpcs[0].id.0.clone();
        let rtb = model
            .route_tables
            .iter()
            .find(|r| !r.subnets.is_empty())
            // moto's CloudFormation does not record SubnetRouteTableAssociation where
            // DescribeRouteTables shows it, so the subnets follow the VPC's main table.
            .or_else(|| model.route_tables.iter().find(|r| r.main))
            .expect("a route table that governs the subnets")
            .id
            .0
            .clone();
        let igw = aws
            .ec2
            .create_internet_gateway()
            .send()
            .await
            .expect("igw")
            .internet_gateway()
            .and_then(|g| g.internet_gateway_id().map(str::to_string))
            .expect("igw id");
        aws.ec2
            .attach_internet_gateway()
            .internet_gateway_id(&igw)
            .vpc_id(&vpc)
            .send()
            .await
            .expect("attach");
        aws.ec2
            .create_route()
            .route_table_id(&rtb)
            .destination_cidr_block("0.0.0.0/0")
            .gateway_id(&igw)
            .send()
            .await
            .expect("route");
        (vpc, rtb, (aws, igw))
    });
    let out = moat(&moto)
        .args(["audit", "--vpc-id", &vpc, "--format", "json"])
        .output()
        .expect("audit");
    assert_eq!(out.status.code(), Some(1));
    let findings = json_findings(&out.stdout);
    assert!(
        findings
            .iter()
            .any(|f| f["code"] == "MOAT001" && f["resource"] == rtb.as_str()),
        "{findings:#?}"
    );
    assert!(
        findings.iter().any(|f| f["code"] == "MOAT005"),
        "{findings:#?}"
    );

    let (aws, igw) = igw;
    rt.block_on(async {
        aws.ec2
            .delete_route()
            .route_table_id(&rtb)
            .destination_cidr_block("0.0.0.0/0")
            .send()
            .await
            .expect("del route");
        aws.ec2
            .detach_internet_gateway()
            .internet_gateway_id(&igw)
            .vpc_id(&vpc)
            .send()
            .await
            .expect("detach");
        aws.ec2
            .delete_internet_gateway()
            .internet_gateway_id(&igw)
            .send()
            .await
            .expect("del igw");
        // moto's CloudFormation cannot delete AWS::EC2::RouteTable (DeleteStack then fails
        // with DependencyViolation on the VPC): delete the stack's route tables first.
        let res = aws
            .cfn
            .list_stack_resources()
            .stack_name(stack)
            .send()
            .await
            .expect("resources");
        for r in res.stack_resource_summaries() {
            if r.resource_type() == Some("AWS::EC2::RouteTable") {
                if let Some(id) = r.physical_resource_id() {
                    let _ = aws.ec2.delete_route_table().route_table_id(id).send().await;
                }
            }
        }
    });

    moat(&moto)
        .args(["destroy", "--yes", "--stack-name", stack])
        .arg(spec())
        .assert()
        .code(0)
        .stdout(predicate::str::contains("DELETE_COMPLETE"));
    let out = moat(&moto)
        .args(["audit", "--stack-name", stack])
        .output()
        .expect("audit");
    assert_ne!(out.status.code(), Some(0), "the stack is gone");
}

/// Register `body` (RegisterTaskDefinition JSON) with moto through a plain ECS JSON call (moto
/// does not check signatures; the credential scope names the service and region).
fn register_task_definition(moto: &moto_server::MotoServer, body: &str) {
    use std::io::{Read, Write};
    use std::net::TcpStream;
    let addr = moto.url.trim_start_matches("http://").to_string();
    let mut s = TcpStream::connect(&addr).unwrap();
    write!(
        s,
        "POST / HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/x-amz-json-1.1\r\n\
         X-Amz-Target: AmazonEC2ContainerServiceV20141113.RegisterTaskDefinition\r\n\
         Authorization: AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/ecs/aws4_request, SignedHeaders=host, Signature=0\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut reply = String::new();
    s.read_to_string(&mut reply).unwrap();
    assert!(reply.starts_with("HTTP/1.1 200"), "{reply}");
}

/// `moat init --from-task-definition FAMILY[:REV]`: the task definition registered in the
/// account (here moto) is saved as describe-task-definition output, and the spec written for it
/// plans (its template checked clean) and synthesizes with the task's containers.
#[test]
fn init_from_a_registered_task_definition_plans_and_synthesizes() {
    let Some(moto) = moto_server::start() else {
        return;
    };
    let body = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../examples/fargate-logger/task-definition.json"),
    )
    .unwrap();
    register_task_definition(&moto, &body);

    let dir = tempfile::tempdir().unwrap();
    moat(&moto)
        .args(["init", "--from-task-definition", "sample-fargate-task:1"])
        .arg("--dir")
        .arg(dir.path())
        .assert()
        .code(0);
    let saved = std::fs::read_to_string(dir.path().join("task-definition.json")).unwrap();
    let v: serde_json::Value = serde_json::from_str(&saved).unwrap();
    let td = &v["taskDefinition"];
    assert_eq!(td["family"], "sample-fargate-task", "{saved}");
    assert_eq!(td["revision"], 1, "{saved}");
    assert_eq!(
        td["containerDefinitions"][0]["name"], "sample-fargate-logger",
        "{saved}"
    );
    let spec = std::fs::read_to_string(dir.path().join("moat.toml")).unwrap();
    for line in [
        "name = \"sample-fargate-task\"",
        "region = \"us-east-1\"",
        "task_definition = \"task-definition.json\"",
    ] {
        assert!(spec.lines().any(|l| l == line), "missing {line:?}:\n{spec}");
    }

    let plan = moat(&moto).arg("plan").arg(dir.path()).assert().code(0);
    let plan = String::from_utf8_lossy(&plan.get_output().stdout).into_owned();
    assert!(
        plan.contains("moat check on the synthesized template: no findings"),
        "{plan}"
    );
    let out = dir.path().join("build");
    moat(&moto)
        .arg("synth")
        .arg(dir.path())
        .arg("--out")
        .arg(&out)
        .assert()
        .code(0);
    let template = std::fs::read_to_string(out.join("template.yaml")).unwrap();
    assert!(template.contains("sample-fargate-logger"), "{template}");
    assert!(template.contains("my-ecr-repo/app-image"), "{template}");

    // Run again: the spec is not replaced without --force, and nothing is fetched or written.
    moat(&moto)
        .args(["init", "--from-task-definition", "sample-fargate-task"])
        .arg("--dir")
        .arg(dir.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--force"));

    // A family the account does not have: one clear error, exit 2.
    moat(&moto)
        .args(["init", "--from-task-definition", "no-such-family"])
        .arg("--dir")
        .arg(dir.path().join("other"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("DescribeTaskDefinition"));
}
