//! Posture by construction: what a posture scanner (checkov) asks of the template, built in
//! rather than waived. One KMS key per environment encrypts its log groups and ECR
//! repositories; one bucket receives the internal NLBs' access logs. A check that does not fit
//! an isolated design is waived on the resource itself (`Metadata.checkov.skip`), with its
//! reason, where a reviewer reads it.

use super::{dns, name_tag, network, Attrs, Resources};
use crate::plan::{Plan, ServiceRole};
use crate::tree::{get_att, r, s, sub, MapB, Node};

/// The environment's KMS key (log groups and ECR repositories).
pub(super) const KEY: &str = "EnvironmentKey";
/// The bucket for the NLBs' access logs, and its policy.
pub(super) const ACCESS_LOG_BUCKET: &str = "AccessLogBucket";
pub(super) const ACCESS_LOG_BUCKET_POLICY: &str = "AccessLogBucketPolicy";
/// The key prefix the NLBs write under (it must not contain `AWSLogs`).
pub(super) const ACCESS_LOG_PREFIX: &str = "nlb";

/// `Fn::GetAtt EnvironmentKey.Arn`: CloudWatch Logs' `KmsKeyId` and ECR's `KmsKey` both take
/// the key's ARN.
pub(super) fn key_arn() -> Node {
    get_att(KEY, "Arn")
}

/// Whether the environment has an internal NLB (private ingress or the egress gateway).
pub(super) fn has_load_balancer(plan: &Plan) -> bool {
    plan.services.iter().any(|svc| {
        svc.ingress.is_some() || (svc.role == ServiceRole::EgressGateway && plan.egress.is_some())
    })
}

/// Every log group the template creates, by name (the key policy names each one).
fn log_group_names(plan: &Plan) -> Vec<String> {
    let mut names: Vec<String> = plan.log_groups.iter().map(|g| g.name.clone()).collect();
    if plan.flow_logs {
        names.push(network::flow_log_group_name(plan));
    }
    if plan.dns.firewall {
        names.push(dns::query_log_group_name(plan));
    }
    names
}

/// Whether the template creates anything the key encrypts.
pub(super) fn has_key(plan: &Plan) -> bool {
    !plan.ecr_repositories.is_empty() || !log_group_names(plan).is_empty()
}

pub(super) fn emit(plan: &Plan, res: &mut Resources) {
    if has_key(plan) {
        key(plan, res);
    }
    if has_load_balancer(plan) {
        access_log_bucket(plan, res);
    }
}

/// The `Metadata` of a resource that waives checkov checks: `{checkov: {skip: [{id, comment}]}}`.
/// Source: <https://www.checkov.io/2.Basics/Suppressing%20and%20Skipping%20Policies.html>.
pub(super) fn checkov_waivers(waivers: &[(&str, &str)]) -> Node {
    let skip = waivers
        .iter()
        .map(|(id, why)| {
            MapB::new()
                .put("id", s(*id))
                .put("comment", s(*why))
                .build()
        })
        .collect();
    MapB::new()
        .put("checkov", MapB::new().put("skip", Node::Seq(skip)).build())
        .build()
}

fn account_root() -> Node {
    MapB::new()
        .put(
            "AWS",
            sub("arn:${AWS::Partition}:iam::${AWS::AccountId}:root"),
        )
        .build()
}

fn statement(sid: &str, principal: Node, actions: &[&str]) -> MapB {
    MapB::new()
        .put("Sid", s(sid))
        .put("Effect", s("Allow"))
        .put("Principal", principal)
        .put("Action", Node::Seq(actions.iter().map(|a| s(*a)).collect()))
        .put("Resource", s("*"))
}

/// The key, rotated yearly, with a policy that grants no one its cryptographic use directly:
///
/// - the account (its IAM policies) may administer it — the administrator actions of KMS's
///   default key policy, none of encrypt/decrypt — so the key never becomes unmanageable
///   (<https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html>);
/// - CloudWatch Logs in this region may use it only for the environment's log groups, by
///   the `kms:EncryptionContext:aws:logs:arn` condition
///   (<https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html>);
/// - principals of the account may let ECR create and retire its grants, only through ECR in
///   this region (`kms:ViaService`, `kms:CallerAccount`): ECR encrypts and decrypts image
///   layers through the grants it adds when a repository is created
///   (<https://docs.aws.amazon.com/AmazonECR/latest/userguide/encryption-at-rest.html>).
///
/// Retained like the log groups: deleting the key would make their records unreadable.
/// Rotation: <https://docs.aws.amazon.com/kms/latest/developerguide/rotate-keys.html>.
fn key(plan: &Plan, res: &mut Resources) {
    let mut statements = vec![statement(
        "AdministerByAccount",
        account_root(),
        &[
            "kms:Describe*",
            "kms:Enable*",
            "kms:List*",
            "kms:Put*",
            "kms:Update*",
            "kms:Revoke*",
            "kms:Disable*",
            "kms:Get*",
            "kms:Delete*",
            "kms:TagResource",
            "kms:UntagResource",
            "kms:ScheduleKeyDeletion",
            "kms:CancelKeyDeletion",
        ],
    )
    .build()];
    let groups = log_group_names(plan);
    if !groups.is_empty() {
        let arns = groups
            .iter()
            .map(|g| {
                sub(format!(
                    "arn:${{AWS::Partition}}:logs:${{AWS::Region}}:${{AWS::AccountId}}:log-group:{g}"
                ))
            })
            .collect();
        statements.push(
            statement(
                "EncryptTheEnvironmentsLogGroups",
                MapB::new()
                    .put("Service", sub("logs.${AWS::Region}.amazonaws.com"))
                    .build(),
                &[
                    "kms:Encrypt*",
                    "kms:Decrypt*",
                    "kms:ReEncrypt*",
                    "kms:GenerateDataKey*",
                    "kms:Describe*",
                ],
            )
            .put(
                "Condition",
                MapB::new()
                    .put(
                        "ArnEquals",
                        MapB::new()
                            .put("kms:EncryptionContext:aws:logs:arn", Node::Seq(arns))
                            .build(),
                    )
                    .build(),
            )
            .build(),
        );
    }
    if !plan.ecr_repositories.is_empty() {
        statements.push(
            statement(
                "GrantsToEcrOnly",
                account_root(),
                &["kms:CreateGrant", "kms:RetireGrant", "kms:DescribeKey"],
            )
            .put(
                "Condition",
                MapB::new()
                    .put(
                        "StringEquals",
                        MapB::new()
                            .put("kms:ViaService", sub("ecr.${AWS::Region}.amazonaws.com"))
                            .put("kms:CallerAccount", r("AWS::AccountId"))
                            .build(),
                    )
                    .build(),
            )
            .build(),
        );
    }
    let policy = MapB::new()
        .put("Version", s("2012-10-17"))
        .put("Statement", Node::Seq(statements))
        .build();
    res.add_with(
        KEY,
        "AWS::KMS::Key",
        Attrs {
            retained: true,
            ..Attrs::default()
        },
        MapB::new()
            .put(
                "Description",
                s(format!(
                    "moat {}: encrypts the environment's log groups and ECR repositories",
                    plan.name
                )),
            )
            .put("EnableKeyRotation", Node::Bool(true))
            // No `Tags`: the Description names the environment, and moto (the deploy tests'
            // emulator, 5.2.5) passes CloudFormation's Key/Value tags to KMS's TagKey/TagValue
            // API unconverted and fails the stack.
            .put("KeyPolicy", policy),
    );
}

/// Why the access-log bucket does not log its own access: it is the log destination.
const BUCKET_WAIVERS: &[(&str, &str)] = &[
    (
        "CKV_AWS_18",
        "this bucket is the access-log destination itself; logging it would need another bucket, whose own logs would need a third",
    ),
];

/// The bucket for the NLBs' access logs: private (all four public-access blocks), SSE-S3,
/// versioned, retained with the stack's other records, with the policy that lets the log
/// delivery service write under `nlb/AWSLogs/<account>/` and nothing else. Source:
/// <https://docs.aws.amazon.com/elasticloadbalancing/latest/network/enable-access-logs.html>.
/// NLBs write access logs for TLS listeners only; TCP connections show in the VPC flow logs.
fn access_log_bucket(plan: &Plan, res: &mut Resources) {
    res.add_with(
        ACCESS_LOG_BUCKET,
        "AWS::S3::Bucket",
        Attrs {
            retained: true,
            checkov_waivers: BUCKET_WAIVERS,
            ..Attrs::default()
        },
        MapB::new()
            .put(
                "BucketEncryption",
                MapB::new()
                    .put(
                        "ServerSideEncryptionConfiguration",
                        Node::Seq(vec![MapB::new()
                            .put(
                                "ServerSideEncryptionByDefault",
                                MapB::new().put("SSEAlgorithm", s("AES256")).build(),
                            )
                            .build()]),
                    )
                    .build(),
            )
            .put(
                "PublicAccessBlockConfiguration",
                MapB::new()
                    .put("BlockPublicAcls", Node::Bool(true))
                    .put("BlockPublicPolicy", Node::Bool(true))
                    .put("IgnorePublicAcls", Node::Bool(true))
                    .put("RestrictPublicBuckets", Node::Bool(true))
                    .build(),
            )
            .put(
                "VersioningConfiguration",
                MapB::new().put("Status", s("Enabled")).build(),
            )
            .put("Tags", name_tag(plan, "access-logs")),
    );
    let delivery = || {
        MapB::new()
            .put("Service", s("delivery.logs.amazonaws.com"))
            .build()
    };
    let source = |extra: Option<(&str, &str)>| {
        let mut eq = MapB::new().put("aws:SourceAccount", r("AWS::AccountId"));
        if let Some((k, v)) = extra {
            eq.push(k, s(v));
        }
        MapB::new()
            .put("StringEquals", eq.build())
            .put(
                "ArnLike",
                MapB::new()
                    .put(
                        "aws:SourceArn",
                        sub("arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:*"),
                    )
                    .build(),
            )
            .build()
    };
    let acl_check = MapB::new()
        .put("Sid", s("AWSLogDeliveryAclCheck"))
        .put("Effect", s("Allow"))
        .put("Principal", delivery())
        .put("Action", s("s3:GetBucketAcl"))
        .put("Resource", get_att(ACCESS_LOG_BUCKET, "Arn"))
        .put("Condition", source(None))
        .build();
    let write = MapB::new()
        .put("Sid", s("AWSLogDeliveryWrite"))
        .put("Effect", s("Allow"))
        .put("Principal", delivery())
        .put("Action", s("s3:PutObject"))
        .put(
            "Resource",
            sub(format!(
                "${{{ACCESS_LOG_BUCKET}.Arn}}/{ACCESS_LOG_PREFIX}/AWSLogs/${{AWS::AccountId}}/*"
            )),
        )
        .put(
            "Condition",
            source(Some(("s3:x-amz-acl", "bucket-owner-full-control"))),
        )
        .build();
    res.add(
        ACCESS_LOG_BUCKET_POLICY,
        "AWS::S3::BucketPolicy",
        MapB::new().put("Bucket", r(ACCESS_LOG_BUCKET)).put(
            "PolicyDocument",
            MapB::new()
                .put("Version", s("2012-10-17"))
                .put("Statement", Node::Seq(vec![acl_check, write]))
                .build(),
        ),
    );
}

/// The NLB attributes that turn access logging on, into the environment's bucket.
pub(super) fn load_balancer_attributes() -> Node {
    let attr = |k: &str, v: Node| MapB::new().put("Key", s(k)).put("Value", v).build();
    Node::Seq(vec![
        attr("access_logs.s3.enabled", s("true")),
        attr("access_logs.s3.bucket", r(ACCESS_LOG_BUCKET)),
        attr("access_logs.s3.prefix", s(ACCESS_LOG_PREFIX)),
    ])
}
