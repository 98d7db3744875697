//! The S3 prefix list parameter against a local moto_server (loopback only): `moat deploy` fills
//! `S3PrefixListId` with the id of moto's `com.amazonaws.us-east-1.s3` list
//! (ec2:DescribeManagedPrefixLists) and the service's security group names it; `moat audit`
//! reads the rule back with the list's name and has nothing to say about it; a rule to
//! 0.0.0.0/0, or to another AWS-managed list, instead is MOAT014.
//!
//! moto runs through scripts/moto-server (MOAT_MOTO_SERVER in scripts/test.sh), whose
//! corrections keep the template's `SecurityGroupEgress` and the ECS service's network
//! configuration (plain moto 5.2.5 drops both). The server comes from `MOAT_MOTO_SERVER`, else
//! `moto_server` on PATH. Without one the test prints why and passes, unless `CI` is set, where
//! it fails.

#[path = "support/moat_cli.rs"]
mod moat_cli;
#[path = "../../moat-aws/tests/support/moto_server.rs"]
mod moto_server;

use moat_aws::aws_sdk_ec2::types::{IpPermission, IpRange, PrefixListId};
use std::path::{Path, PathBuf};

const STACK: &str = "moat-prefix-list";

fn spec() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/isolated-service")
}

fn findings(out: &[u8]) -> Vec<serde_json::Value> {
    let v: serde_json::Value = serde_json::from_slice(out).expect("audit JSON");
    v["findings"].as_array().cloned().unwrap_or_default()
}

/// The stack's resources: (logical id, type, physical id).
async fn resources(aws: &moat_aws::Aws) -> Vec<(String, String, String)> {
    let res = aws
        .cfn
        .list_stack_resources()
        .stack_name(STACK)
        .send()
        .await
        .expect("resources");
    res.stack_resource_summaries()
        .iter()
        .map(|r| {
            (
                r.logical_resource_id().unwrap_or_default().to_string(),
                r.resource_type().unwrap_or_default().to_string(),
                r.physical_resource_id().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

/// Replace the group's egress rules with TCP 443 to `to` (a prefix list id or a CIDR).
async fn set_egress(aws: &moat_aws::Aws, sg: &str, to: &str) {
    let g = aws
        .ec2
        .describe_security_groups()
        .group_ids(sg)
        .send()
        .await
        .expect("describe sg");
    let current = g.security_groups()[0].ip_permissions_egress().to_vec();
    if !current.is_empty() {
        aws.ec2
            .revoke_security_group_egress()
            .group_id(sg)
            .set_ip_permissions(Some(current))
            .send()
            .await
            .expect("revoke egress");
    }
    let rule = IpPermission::builder()
        .ip_protocol("tcp")
        .from_port(443)
        .to_port(443);
    let rule = if to.starts_with("pl-") {
        rule.prefix_list_ids(PrefixListId::builder().prefix_list_id(to).build())
    } else {
        rule.ip_ranges(IpRange::builder().cidr_ip(to).build())
    };
    aws.ec2
        .authorize_security_group_egress()
        .group_id(sg)
        .ip_permissions(rule.build())
        .send()
        .await
        .expect("authorize egress");
}

#[test]
fn deploy_fills_the_s3_prefix_list_and_audit_judges_the_live_rule() {
    let Some(moto) = moto_server::start() else {
        return;
    };
    moat_cli::against(&moto.url)
        .args(["deploy", "--yes", "--stack-name", STACK])
        .arg(spec())
        .assert()
        .code(0);

    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let (aws, sg, s3) = rt.block_on(async {
        let aws = moto.client().await;
        // moto creates the AWS-managed lists per region (moto/ec2/models/managed_prefixes.py).
        let s3 = moat_aws::managed_prefix_list(&aws, "com.amazonaws.us-east-1.s3")
            .await
            .expect("describe")
            .expect("moto's S3 list");
        let stacks = aws
            .cfn
            .describe_stacks()
            .stack_name(STACK)
            .send()
            .await
            .expect("describe stacks");
        let given = stacks.stacks()[0]
            .parameters()
            .iter()
            .find(|p| p.parameter_key() == Some("S3PrefixListId"))
            .and_then(|p| p.parameter_value().map(str::to_string));
        assert_eq!(given.as_deref(), Some(s3.id.as_str()), "deploy filled it");

        let res = resources(&aws).await;
        let physical = |logical: &str| {
            res.iter()
                .find(|r| r.0 == logical)
                .map(|r| r.2.clone())
                .unwrap_or_else(|| panic!("{logical} in the stack: {res:?}"))
        };
        let sg = physical("AppSecurityGroup");
        // The group in moto names the list the stack was given: the template's rule.
        let g = aws
            .ec2
            .describe_security_groups()
            .group_ids(&sg)
            .send()
            .await
            .expect("describe sg");
        let lists: Vec<&str> = g.security_groups()[0]
            .ip_permissions_egress()
            .iter()
            .flat_map(|p| p.prefix_list_ids())
            .filter_map(|l| l.prefix_list_id())
            .collect();
        assert_eq!(lists, [s3.id.as_str()], "{g:?}");
        assert!(
            !g.security_groups()[0]
                .ip_permissions_egress()
                .iter()
                .flat_map(|p| p.ip_ranges())
                .any(|r| r.cidr_ip() == Some("0.0.0.0/0")),
            "no allow-all egress: {g:?}"
        );

        // The live model names the rule's list by id and name.
        let (model, _) = moat_aws::audit(&aws, &moat_aws::AuditTarget::Stack(STACK.into()))
            .await
            .expect("audit");
        let named = model.prefix_list(&s3.id).expect("the rule's list is named");
        assert_eq!(
            named.name.known().map(String::as_str),
            Some("com.amazonaws.us-east-1.s3")
        );
        assert!(
            model.services.iter().any(|s| !s.security_groups.is_empty()),
            "the service with its group is audited: {:?}",
            model.services
        );
        (aws, sg, s3)
    });

    let audit = || {
        let out = moat_cli::against(&moto.url)
            .args(["audit", "--stack-name", STACK, "--format", "json"])
            .output()
            .expect("audit");
        findings(&out.stdout)
    };
    let clean = audit();
    assert!(
        !clean.iter().any(|f| f["code"] == "MOAT014"),
        "the S3 list is what the tasks need: {clean:#?}"
    );

    // 443 to 0.0.0.0/0 "for S3" instead: reported on the group.
    rt.block_on(set_egress(&aws, &sg, "0.0.0.0/0"));
    let wide = audit();
    assert!(
        wide.iter()
            .any(|f| f["code"] == "MOAT014" && f["resource"] == sg.as_str()),
        "{wide:#?}"
    );

    // Another AWS-managed list (DynamoDB's): reported too.
    let dynamodb = rt
        .block_on(moat_aws::managed_prefix_list(
            &aws,
            "com.amazonaws.us-east-1.dynamodb",
        ))
        .expect("describe")
        .expect("moto's DynamoDB list");
    assert_ne!(dynamodb.id, s3.id);
    rt.block_on(set_egress(&aws, &sg, &dynamodb.id.0));
    let other = audit();
    assert!(
        other.iter().any(|f| f["code"] == "MOAT014"
            && f["message"]
                .as_str()
                .is_some_and(|m| m.contains("com.amazonaws.us-east-1.dynamodb"))),
        "{other:#?}"
    );
}
