use super::prelude::*;

rule! {
    /// ## What it does
    /// For every ECS service, derives from its task definition which AWS services the tasks
    /// need (private ECR image → `ecr.api`, `ecr.dkr`, `s3`; awslogs → `logs`; Secrets Manager
    /// secrets → `secretsmanager`; SSM parameters → `ssm`; ECS Exec → `ssmmessages`; EC2
    /// capacity → `ecs`, `ecs-agent`, `ecs-telemetry`; …) and reports each one that has no VPC
    /// endpoint in the tasks' VPC.
    ///
    /// ## Why is this bad?
    /// In a VPC with no internet path, an AWS service without an endpoint is unreachable. The
    /// task fails at start, ten minutes into a deployment: `CannotPullContainerError` (ECR or
    /// S3), `ResourceInitializationError: unable to pull secrets or registry auth` (Secrets
    /// Manager, SSM, ECR API), or a task that starts and cannot ship its logs.
    ///
    /// ## Example
    /// A task definition with `LogDriver: awslogs` in a VPC whose endpoints are `ecr.api`,
    /// `ecr.dkr` and the S3 gateway: `logs` is missing.
    ///
    /// ## Fix
    /// Add the endpoint, in every task subnet, with private DNS and a security group that admits
    /// TCP 443 from the tasks:
    /// ```yaml
    /// LogsEndpoint:
    ///   Type: AWS::EC2::VPCEndpoint
    ///   Properties:
    ///     VpcEndpointType: Interface
    ///     ServiceName: !Sub com.amazonaws.${AWS::Region}.logs
    ///     VpcId: !Ref VPC
    ///     PrivateDnsEnabled: true
    ///     SubnetIds: [!Ref SubnetOne, !Ref SubnetTwo]
    ///     SecurityGroupIds: [!Ref EndpointSecurityGroup]
    /// ```
    /// `moat synth` generates exactly the endpoints a workload needs.
    ///
    /// ## References
    /// - https://docs.aws.amazon.com/AmazonECS/latest/developerguide/vpc-endpoints.html
    /// - https://docs.aws.amazon.com/AmazonECR/latest/userguide/vpc-endpoints.html
    pub struct EndpointMissing {
        code: "MOAT101",
        name: "endpoint-missing",
        severity: Error,
        summary: "A service needs an AWS service that has no VPC endpoint in its VPC",
    }
}

impl Rule for EndpointMissing {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        for u in endpoint_uses(cx) {
            if !u.candidates.is_empty() || !u.unknown_named.is_empty() {
                continue;
            }
            let kind = moat_catalog::service(u.short)
                .map(|s| s.kind)
                .unwrap_or(EndpointKind::Interface);
            let (kind_word, how) = match kind {
                EndpointKind::Gateway => (
                    "gateway",
                    format!(
                        "add a Gateway VPC endpoint for {} on the task subnets' route tables",
                        cx.service_name(u.short)
                    ),
                ),
                _ => (
                    "interface",
                    format!(
                        "add an Interface VPC endpoint for {} with PrivateDnsEnabled: true in every task subnet, and a security group admitting TCP 443 from the service",
                        cx.service_name(u.short)
                    ),
                ),
            };
            out.push(Self::META.finding(
                format!(
                    "VPC `{}` has no {kind_word} endpoint for `{}`; {}",
                    u.vpc,
                    u.short,
                    need_why(u.view, u.req)
                ),
                need_prov(u.view, u.req),
                how,
            ));
        }
    }
}
