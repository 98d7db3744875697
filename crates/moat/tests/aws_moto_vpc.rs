//! `[vpc] id`: plan, deploy, audit and destroy into a VPC that exists before moat, through the
//! real binary against a local moto_server (loopback only). The VPC, its subnets and one
//! interface endpoint are made through the EC2 API, as a network team would have.
//!
//! The server comes from `MOAT_MOTO_SERVER`, else `moto_server` on PATH. Without one the tests
//! print why and pass, unless `CI` is set, where they fail.

#[path = "support/moat_cli.rs"]
mod moat_cli;
#[path = "../../moat-aws/tests/support/moto_server.rs"]
mod moto_server;

use assert_cmd::Command;
use moto_server::MotoServer as Moto;
use predicates::prelude::*;
use std::path::{Path, PathBuf};

fn moat(moto: &Moto) -> Command {
    moat_cli::against(&moto.url)
}

/// What the network team made.
struct NetworkTeamVpc {
    vpc: String,
    subnets: Vec<String>,
    endpoint: String,
    main_route_table: String,
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Runtime::new().expect("runtime")
}

/// A VPC with DNS on, two private subnets (no internet gateway, no NAT), a security group
/// admitting HTTPS from the VPC, an ecr.api interface endpoint with private DNS on, and no S3
/// gateway endpoint.
async fn network_team_vpc(aws: &moat_aws::Aws) -> NetworkTeamVpc {
    use moat_aws::aws_sdk_ec2::types::{
        AttributeBooleanValue, IpPermission, IpRange, VpcEndpointType,
    };
    let ec2 = &aws.ec2;
    let vpc = ec2
        .create_vpc()
        .cidr_block("10.20.0.0/16")
        .send()
        .await
        .expect("vpc")
        .vpc()
        .and_then(|v| v.vpc_id().map(str::to_string))
        .expect("vpc id");
    for attr in [true, false] {
        let on = AttributeBooleanValue::builder().value(true).build();
        let req = ec2.modify_vpc_attribute().vpc_id(&vpc);
        let req = if attr {
            req.enable_dns_support(on)
        } else {
            req.enable_dns_hostnames(on)
        };
        req.send().await.expect("dns attribute");
    }
    let mut subnets = Vec::new();
    for (cidr, az) in [
        ("10.20.0.0/24", "us-east-1a"),
        ("10.20.1.0/24", "us-east-1b"),
    ] {
        let id = ec2
            .create_subnet()
            .vpc_id(&vpc)
            .cidr_block(cidr)
            .availability_zone(az)
            .send()
            .await
            .expect("subnet")
            .subnet()
            .and_then(|s| s.subnet_id().map(str::to_string))
            .expect("subnet id");
        subnets.push(id);
    }
    let sg = ec2
        .create_security_group()
        .group_name("network-team-endpoints")
        .description("interface endpoints: HTTPS from the VPC")
        .vpc_id(&vpc)
        .send()
        .await
        .expect("sg")
        .group_id()
        .map(str::to_string)
        .expect("sg id");
    ec2.authorize_security_group_ingress()
        .group_id(&sg)
        .ip_permissions(
            IpPermission::builder()
                .ip_protocol("tcp")
                .from_port(443)
                .to_port(443)
                .ip_ranges(IpRange::builder().cidr_ip("10.20.0.0/16").build())
                .build(),
        )
        .send()
        .await
        .expect("sg ingress");
    let endpoint = ec2
        .create_vpc_endpoint()
        .vpc_id(&vpc)
        .vpc_endpoint_type(VpcEndpointType::Interface)
        .service_name("com.amazonaws.us-east-1.ecr.api")
        .set_subnet_ids(Some(subnets.clone()))
        .security_group_ids(&sg)
        .private_dns_enabled(true)
        .send()
        .await
        .expect("endpoint")
        .vpc_endpoint()
        .and_then(|e| e.vpc_endpoint_id().map(str::to_string))
        .expect("endpoint id");
    let tables = ec2
        .describe_route_tables()
        .filters(
            moat_aws::aws_sdk_ec2::types::Filter::builder()
                .name("vpc-id")
                .values(&vpc)
                .build(),
        )
        .send()
        .await
        .expect("route tables");
    let main_route_table = tables
        .route_tables()
        .iter()
        .find(|t| t.associations().iter().any(|a| a.main() == Some(true)))
        .and_then(|t| t.route_table_id().map(str::to_string))
        .expect("main route table");
    // The app's image is in the account's ECR (deploy checks it with DescribeImages first).
    app_image_in_ecr(aws).await;
    NetworkTeamVpc {
        vpc,
        subnets,
        endpoint,
        main_route_table,
    }
}

/// The isolated-service example's image, `isolated-service:latest`, pushed to moto's ECR
/// (a manifest is enough for DescribeImages).
async fn app_image_in_ecr(aws: &moat_aws::Aws) {
    moat_aws::ensure_repository(aws, "isolated-service", None)
        .await
        .expect("CreateRepository");
    let manifest = r#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a","size":2},"layers":[]}"#;
    aws.ecr
        .put_image()
        .repository_name("isolated-service")
        .image_manifest(manifest)
        .image_tag("latest")
        .send()
        .await
        .expect("PutImage");
}

/// A spec for the isolated-service example's task definition in the network team's VPC.
fn spec_dir(v: &NetworkTeamVpc, allow_route_changes: bool) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/isolated-service");
    std::fs::copy(
        example.join("task-definition.json"),
        dir.path().join("task-definition.json"),
    )
    .expect("copy task definition");
    let toml = format!(
        "name = \"team-app\"\nregion = \"us-east-1\"\nlog_retention_days = 30\n\n[[service]]\nname = \"app\"\ntask_definition = \"task-definition.json\"\n\n[vpc]\nid = \"{}\"\nsubnet_ids = [\"{}\", \"{}\"]\nallow_route_changes = {allow_route_changes}\n\n[dns]\nfirewall = false\n",
        v.vpc, v.subnets[0], v.subnets[1]
    );
    std::fs::write(dir.path().join("moat.toml"), toml).expect("write spec");
    dir
}

fn spec_path(dir: &tempfile::TempDir) -> PathBuf {
    dir.path().join("moat.toml")
}

fn stdout_of(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn plan_deploy_audit_destroy_in_the_network_teams_vpc() {
    let Some(moto) = moto_server::start() else {
        return;
    };
    let rt = runtime();
    let aws = rt.block_on(moto.client());
    let v = rt.block_on(network_team_vpc(&aws));
    let dir = spec_dir(&v, true);
    let stack = "team-app";

    let out = moat(&moto)
        .arg("plan")
        .arg(spec_path(&dir))
        .output()
        .expect("plan");
    let text = stdout_of(&out);
    eprintln!("{text}\n{}", String::from_utf8_lossy(&out.stderr));
    // The existing endpoint is reused, with the reason; the rest is added.
    assert!(
        text.contains(&format!(
            "ecr.api          {}  interface endpoint in this VPC with private DNS on",
            v.endpoint
        )),
        "{text}"
    );
    for added in ["endpoint ecr.dkr", "endpoint logs", "endpoint s3"] {
        assert!(text.contains(added), "{added} missing in:\n{text}");
    }
    assert!(!text.contains("endpoint ecr.api"), "{text}");
    // The S3 route on the network team's table is theirs; here moat may make it.
    assert!(
        text.contains(&format!(
            "a s3 gateway endpoint on route table(s) {}",
            v.main_route_table
        )),
        "{text}"
    );
    assert!(
        text.contains("moat makes it (allow_route_changes = true)"),
        "{text}"
    );

    let out = moat(&moto)
        .args(["synth", "--out", "-"])
        .arg(spec_path(&dir))
        .output()
        .expect("synth");
    let template = stdout_of(&out);
    assert!(
        template.contains(&format!("Default: {}", v.vpc)),
        "{template}"
    );
    assert!(!template.contains("\"AWS::EC2::VPC\""), "{template}");
    assert!(!template.contains("\"AWS::EC2::Subnet\""), "{template}");
    assert!(!template.contains("EcrApiEndpoint"), "{template}");

    let out = moat(&moto)
        .args(["deploy", "--yes", "--stack-name", stack])
        .arg(spec_path(&dir))
        .output()
        .expect("deploy");
    eprintln!(
        "{}\n{}",
        stdout_of(&out),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(out.status.code(), Some(0));
    assert!(stdout_of(&out).contains("CREATE_COMPLETE"));

    let out = moat(&moto)
        .args(["audit", "--vpc-id", &v.vpc, "--format", "json"])
        .output()
        .expect("audit");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("audit JSON");
    let findings = report["findings"].as_array().cloned().unwrap_or_default();
    for f in &findings {
        eprintln!(
            "audit: {} {} {} {}",
            f["severity"], f["code"], f["resource"], f["message"]
        );
    }
    // As in aws_moto.rs: moto's CloudFormation drops the ECS services' network configuration
    // and the task definitions' roles, so the endpoint and IAM rules have less to judge on what
    // it keeps; no error may be found, and the isolation itself must hold.
    assert!(
        !findings.iter().any(|f| f["severity"] == "error"),
        "{findings:#?}"
    );
    assert!(
        !findings
            .iter()
            .any(|f| f["code"] == "MOAT001" || f["code"] == "MOAT005"),
        "the network team's VPC has an internet path after the deploy: {findings:#?}"
    );

    moat(&moto)
        .args(["destroy", "--yes", "--stack-name", stack])
        .arg(spec_path(&dir))
        .assert()
        .code(0)
        .stdout(predicate::str::contains("DELETE_COMPLETE"))
        .stdout(predicate::str::contains(format!("Kept: VPC {}", v.vpc)));

    // The network team's VPC, subnets and endpoint are still there; moat's endpoints are gone.
    rt.block_on(async {
        let vpcs = aws
            .ec2
            .describe_vpcs()
            .vpc_ids(&v.vpc)
            .send()
            .await
            .expect("vpcs");
        assert_eq!(vpcs.vpcs().len(), 1);
        let subnets = aws
            .ec2
            .describe_subnets()
            .set_subnet_ids(Some(v.subnets.clone()))
            .send()
            .await
            .expect("subnets");
        assert_eq!(subnets.subnets().len(), 2);
        let eps = aws
            .ec2
            .describe_vpc_endpoints()
            .filters(
                moat_aws::aws_sdk_ec2::types::Filter::builder()
                    .name("vpc-id")
                    .values(&v.vpc)
                    .build(),
            )
            .send()
            .await
            .expect("endpoints");
        let live: Vec<&str> = eps
            .vpc_endpoints()
            .iter()
            .filter(|e| {
                e.state().is_none_or(|s| {
                    !matches!(
                        s.as_str().to_ascii_lowercase().as_str(),
                        "deleted" | "deleting"
                    )
                })
            })
            .filter_map(|e| e.vpc_endpoint_id())
            .collect();
        // moto's CloudFormation does not delete an AWS::EC2::VPCEndpoint with its stack (its
        // VPCEndPoint model has no delete handler), so moat's endpoints may be listed still;
        // the network team's must be, in any case.
        assert!(live.contains(&v.endpoint.as_str()), "{live:?}");
        let stacks = aws.cfn.describe_stacks().stack_name(stack).send().await;
        let gone = match stacks {
            Err(_) => true,
            Ok(out) => out.stacks().iter().all(|s| {
                s.stack_status()
                    .is_some_and(|st| st.as_str() == "DELETE_COMPLETE")
            }),
        };
        assert!(gone, "the stack is deleted");
    });
}

#[test]
fn missing_s3_route_is_a_request_for_the_network_team() {
    let Some(moto) = moto_server::start() else {
        return;
    };
    let rt = runtime();
    let aws = rt.block_on(moto.client());
    let v = rt.block_on(network_team_vpc(&aws));
    let dir = spec_dir(&v, false);

    let out = moat(&moto)
        .arg("plan")
        .arg(spec_path(&dir))
        .output()
        .expect("plan");
    let text = stdout_of(&out);
    eprintln!("{text}\n{}", String::from_utf8_lossy(&out.stderr));
    assert!(text.contains("Requests for the network team:"), "{text}");
    assert!(
        text.contains(&format!(
            "aws ec2 create-vpc-endpoint --vpc-id {} --vpc-endpoint-type Gateway --service-name com.amazonaws.us-east-1.s3 --route-table-ids {}",
            v.vpc, v.main_route_table
        )),
        "{text}"
    );
    assert!(
        text.contains("not made by moat (set [vpc] allow_route_changes = true to let it)"),
        "{text}"
    );
    assert!(
        text.contains(&format!("RouteTableIds: [{}]", v.main_route_table)),
        "{text}"
    );
    // Without the route the tasks cannot pull their image layers from S3: the check of the
    // combination says so, and the plan exits 1.
    assert_eq!(out.status.code(), Some(1), "{text}");

    let out = moat(&moto)
        .args(["synth", "--out", "-"])
        .arg(spec_path(&dir))
        .output()
        .expect("synth");
    let template = stdout_of(&out);
    assert!(!template.contains("VpcEndpointType: Gateway"), "{template}");

    // deploy refuses the error without --force, before any change set.
    moat(&moto)
        .args(["deploy", "--yes", "--stack-name", "team-app"])
        .arg(spec_path(&dir))
        .assert()
        .code(1)
        .stderr(predicate::str::contains("refusing to deploy"));
}

/// `[vpc] id` with `mirror = true`: deploy copies the public image into (stand-in) ECR and the
/// template it deploys names the copy by digest, as a deploy that creates its VPC does. The
/// registries are local `docker-registry` processes (`MOAT_REGISTRY_ENDPOINTS`), the ECR one
/// asking for the password moto's `GetAuthorizationToken` hands out.
#[test]
fn mirrored_images_in_the_network_teams_vpc_are_pinned_by_digest() {
    use moat_image::testing::{self, LocalRegistry};
    let Some(moto) = moto_server::start() else {
        return;
    };
    let Some(hub) = LocalRegistry::start(false) else {
        return;
    };
    let Some(ecr) = LocalRegistry::start_with(Some(("AWS", "123456789012-auth-token"))) else {
        return;
    };
    let image = moat_image::block_on(testing::push_test_image(
        &hub.image("library/nginx:1.27"),
        &moat_image::Credentials::Anonymous,
        testing::fresh_seed(),
    ))
    .expect("push the test image");
    let rt = runtime();
    let aws = rt.block_on(moto.client());
    let v = rt.block_on(network_team_vpc(&aws));
    let dir = spec_dir(&v, true);
    let td = dir.path().join("task-definition.json");
    let text = std::fs::read_to_string(&td)
        .expect("task definition")
        .replace(
            "123456789012.dkr.ecr.us-east-1.amazonaws.com/isolated-service:latest",
            "nginx:1.27",
        );
    std::fs::write(&td, text).expect("write task definition");
    let spec = std::fs::read_to_string(spec_path(&dir))
        .expect("spec")
        .replace(
            "log_retention_days = 30\n",
            "log_retention_days = 30\naccount_id = \"123456789012\"\n",
        )
        .replace(
            "task_definition = \"task-definition.json\"\n",
            "task_definition = \"task-definition.json\"\nmirror = true\n",
        );
    std::fs::write(spec_path(&dir), spec).expect("write spec");
    let ecr_host = "123456789012.dkr.ecr.us-east-1.amazonaws.com";
    let pinned = format!("{ecr_host}/nginx@{}", image.index_digest);

    let out = moat(&moto)
        .env(
            "MOAT_REGISTRY_ENDPOINTS",
            format!("docker.io={},{ecr_host}={}", hub.host(), ecr.host()),
        )
        .args(["deploy", "--yes", "--stack-name", "team-mirror"])
        .arg(spec_path(&dir))
        .output()
        .expect("deploy");
    let (stdout, stderr) = (stdout_of(&out), String::from_utf8_lossy(&out.stderr));
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{stderr}");
    assert!(
        stdout.contains(&format!("Copied nginx:1.27 -> {pinned}")),
        "{stdout}"
    );
    let template = rt.block_on(async {
        aws.cfn
            .get_template()
            .stack_name("team-mirror")
            .send()
            .await
            .expect("GetTemplate")
            .template_body
            .unwrap_or_default()
    });
    assert!(template.contains(&pinned), "{template}");
    assert!(!template.contains("nginx:1.27"), "{template}");
}
