//! Renders `docs/catalog.md` from the catalog's data, so the reference cannot drift from it:
//! the services table comes from [`SERVICES`], the rule summary from `RULES` below, and the
//! worked examples from running `task_needs` (see `samples`).

use crate::needs::ECS_EXEC_ACTIONS;
use crate::services::SERVICES;
use crate::sources as src;
use moat_model::EndpointKind;
use std::fmt::Write;

/// One feature → needs rule, as documented.
struct RuleDoc {
    feature: &'static str,
    needs: &'static str,
    source: &'static str,
}

const RULES: &[RuleDoc] = &[
    RuleDoc { feature: "`image` in private ECR (`<acct>.dkr.ecr[-fips].<region>.amazonaws.com[.cn]/repo`, dual-stack `<acct>.dkr-ecr[-fips].<region>.on.aws/repo`)", needs: "endpoints `ecr.api`, `ecr.dkr`, `s3` (gateway); S3 object `arn:aws:s3:::prod-<region>-starport-layer-bucket/*`; execution role `ecr:GetAuthorizationToken` on `*`, `ecr:BatchCheckLayerAvailability`, `ecr:GetDownloadUrlForLayer`, `ecr:BatchGetImage` on `arn:aws:ecr:<region>:<account>:repository/<repo>`", source: src::ECR_VPC_ENDPOINTS },
    RuleDoc { feature: "`image` in another region's ECR", needs: "problem ForeignRegistry (replicate the repository into the task's region)", source: src::ECR_VPC_ENDPOINTS },
    RuleDoc { feature: "`image` on a public registry (Docker Hub incl. bare `nginx`, public.ecr.aws, ghcr.io, quay.io, gcr.io, registry.k8s.io, mcr.microsoft.com, …)", needs: "problem PublicImage (copy it into private ECR: docker pull/tag/push or `crane copy`, or a pull through cache rule)", source: src::ECR_PULL_THROUGH_CACHE },
    RuleDoc { feature: "`image` on another registry host", needs: "problem ForeignRegistry", source: src::PRIVATE_REGISTRY_AUTH },
    RuleDoc { feature: "`repositoryCredentials.credentialsParameter`", needs: "endpoint `secretsmanager`; execution role `secretsmanager:GetSecretValue` on the secret", source: src::PRIVATE_REGISTRY_AUTH },
    RuleDoc { feature: "`secrets[].valueFrom` = Secrets Manager ARN (a `:json-key:version-stage:version-id` suffix is stripped)", needs: "endpoint `secretsmanager`; execution role `secretsmanager:GetSecretValue` on the secret ARN", source: src::SECRETS_MANAGER_SECRETS },
    RuleDoc { feature: "`secrets[].valueFrom` = SSM parameter ARN or bare name", needs: "endpoint `ssm`; execution role `ssm:GetParameters` on `arn:aws:ssm:<region>:<account>:parameter/<name>`", source: src::SSM_PARAMETERS },
    RuleDoc { feature: "`logConfiguration.secretOptions[]`", needs: "as `secrets[]`", source: src::SENSITIVE_DATA },
    RuleDoc { feature: "customer managed KMS key named in the spec (`kms_key_arns`)", needs: "endpoint `kms`; execution role `kms:Decrypt` on the key", source: src::SECRETS_MANAGER_KMS },
    RuleDoc { feature: "`logConfiguration.logDriver` = `awslogs`", needs: "endpoint `logs`; execution role `logs:CreateLogStream`, `logs:PutLogEvents` on `arn:aws:logs:<region>:<account>:log-group:<group>:*`", source: src::AWSLOGS },
    RuleDoc { feature: "`awslogs-create-group: \"true\"`", needs: "execution role `logs:CreateLogGroup` (not in AmazonECSTaskExecutionRolePolicy)", source: src::AWSLOGS },
    RuleDoc { feature: "`logDriver` = `awsfirelens` with `Name` cloudwatch / cloudwatch_logs, kinesis_firehose, kinesis_streams, s3", needs: "endpoint `logs`, `kinesis-firehose`, `kinesis-streams` or `s3`; task role write permission on the destination", source: src::FIRELENS },
    RuleDoc { feature: "`environmentFiles[]` (type s3)", needs: "endpoint `s3`; S3 object = the file ARN; execution role `s3:GetObject` on it and `s3:GetBucketLocation` on the bucket", source: src::ENVIRONMENT_FILES },
    RuleDoc { feature: "X-Ray daemon container (image contains `aws-xray-daemon`, or named `xray-daemon`)", needs: "endpoint `xray`; task role `xray:PutTraceSegments`, `xray:PutTelemetryRecords`, and for sampling `xray:GetSamplingRules`, `xray:GetSamplingTargets`, `xray:GetSamplingStatisticSummaries`", source: src::XRAY_DAEMON_POLICY },
    RuleDoc { feature: "ECS Exec (`enableExecuteCommand`)", needs: "endpoint `ssmmessages`; task role ECS_EXEC_ACTIONS on `*`", source: src::ECS_EXEC },
    RuleDoc { feature: "EC2 capacity", needs: "endpoints `ecs`, `ecs-agent`, `ecs-telemetry`", source: src::ECS_VPC_ENDPOINTS },
    RuleDoc { feature: "`awslogs-region`, a secret or parameter ARN, or a FireLens `region` naming another region", needs: "problem CrossRegion (the VPC's endpoints serve only its own region)", source: src::ECS_VPC_ENDPOINTS },
    RuleDoc { feature: "an unresolved value deciding any of the above", needs: "problem Unknown naming the field", source: src::TASK_EXECUTION_ROLE },
];

/// The whole `docs/catalog.md`.
pub fn render_markdown() -> String {
    let mut s = String::new();
    s.push_str("# moat catalog\n\n<!-- Generated from crates/moat-catalog (docs.rs); `UPDATE_DOCS=1 cargo test -p moat-catalog` rewrites it. -->\n\n");
    s.push_str("What an isolated ECS workload needs, and why. `moat synth` builds from it and `moat check` judges by it.\n\n");
    s.push_str("## Services with VPC endpoints\n\n| Short name | Kind | Service | Used for | Private DNS required | Source |\n|---|---|---|---|---|---|\n");
    for svc in SERVICES {
        let kind = match svc.kind {
            EndpointKind::Gateway => "Gateway",
            _ => "Interface",
        };
        let _ = writeln!(
            s,
            "| `{}` | {kind} | {} | {} | {} | <{}> |",
            svc.name,
            svc.title,
            svc.used_for,
            if svc.private_dns_required {
                "yes"
            } else {
                "no"
            },
            svc.source
        );
    }
    s.push_str(
        "\n## Task definition feature → needs\n\n| Feature | Needs | Source |\n|---|---|---|\n",
    );
    let exec = ECS_EXEC_ACTIONS.map(|a| format!("`{a}`")).join(", ");
    for r in RULES {
        let _ = writeln!(
            s,
            "| {} | {} | <{}> |",
            r.feature,
            r.needs.replace("ECS_EXEC_ACTIONS", &exec),
            r.source
        );
    }
    s.push_str("\n`<account>` is the account of the execution (or task) role ARN, or `*` when the task definition does not say.\n");
    render_calls(&mut s);
    s.push_str(&crate::samples::render());
    s.push_str(&crate::dns::render_markdown());
    s.push_str("\n## Prices\n\nInterface endpoints per AZ-hour and per GB, NAT gateway per hour and per GB, for us-east-1, us-east-2, us-west-2, eu-west-1, eu-central-1, ap-southeast-1, ap-northeast-1 (other regions fall back to us-east-1 and say so). Sources: <");
    s.push_str(src::PRIVATELINK_PRICING);
    s.push_str(">, <");
    s.push_str(src::NAT_GATEWAY_PRICING);
    s.push_str(">.\n");
    s
}

/// The calls table: per need, who calls, from which interface, and which policies it passes.
fn render_calls(s: &mut String) {
    use crate::calls::{PolicyLayer, CALLS};
    s.push_str("\n## Calls: who makes them, from where, through which policies\n\nEvery permission need is a request moat evaluates against each policy on its path (IAM policy evaluation: explicit deny first, then the identity policies within the permissions boundary, the endpoint policy, and the resource's own policy). On EC2 capacity the agent's calls leave from the container instance's ENI and cross the VPC endpoint.\n\n| Action | Caller | Network interface (Fargate) | Endpoint | Resource | Policies it must pass | Source |\n|---|---|---|---|---|---|---|\n");
    for k in CALLS {
        let policies: Vec<&str> = k
            .policies
            .iter()
            .map(|p| match p {
                PolicyLayer::Identity => "identity policies",
                PolicyLayer::Boundary => "permissions boundary",
                PolicyLayer::Endpoint => "endpoint policy",
                PolicyLayer::SecretPolicy => "secret resource policy",
                PolicyLayer::KeyPolicy => "KMS key policy",
                PolicyLayer::BucketPolicy => {
                    "bucket policy (of a bucket in the template; not read live)"
                }
            })
            .collect();
        let _ = writeln!(
            s,
            "| `{}` | {} | {} | `{}` | `{}` | {} | <{}> |",
            k.action,
            k.caller.describe(),
            k.fargate_interface.describe(),
            k.endpoint,
            k.resource,
            policies.join(", "),
            k.source
        );
    }
    s.push_str("\n### AWS managed policies moat knows\n\nA role that attaches any other AWS managed policy is judged unproved.\n\n| Policy | Statements | Source | Read on |\n|---|---|---|---|\n");
    for p in crate::managed::MANAGED_POLICIES {
        let _ = writeln!(
            s,
            "| `arn:aws:iam::aws:policy{}{}` | `{}` | <{}> | {} |",
            p.path, p.name, p.document, p.source, p.read_on
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// docs/catalog.md must match the data; `UPDATE_DOCS=1` rewrites it.
    #[test]
    fn catalog_md_is_current() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/catalog.md");
        let want = render_markdown();
        if std::env::var_os("UPDATE_DOCS").is_some() {
            std::fs::write(path, &want).expect("write docs/catalog.md");
        }
        let have = std::fs::read_to_string(path).unwrap_or_default();
        assert!(
            have == want,
            "docs/catalog.md is stale: run `UPDATE_DOCS=1 cargo test -p moat-catalog`"
        );
    }
}
