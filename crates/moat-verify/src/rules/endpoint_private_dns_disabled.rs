use super::prelude::*;

rule! {
    /// ## What it does
    /// Finds interface endpoints that a service needs whose private DNS is off
    /// (`PrivateDnsEnabled` is `false`, which is the CloudFormation default).
    ///
    /// ## Why is this bad?
    /// ECS, the container agent and the AWS SDKs call the service's regular name
    /// (`api.ecr.us-east-1.amazonaws.com`, `logs.us-east-1.amazonaws.com`). Without private DNS
    /// that name resolves to public addresses, which an isolated VPC cannot reach: image pulls,
    /// secret reads and log delivery time out. For `ecr.dkr` AWS says private DNS must be on.
    ///
    /// ## Example
    /// ```yaml
    /// EcrDkrEndpoint:
    ///   Type: AWS::EC2::VPCEndpoint
    ///   Properties:
    ///     VpcEndpointType: Interface
    ///     ServiceName: !Sub com.amazonaws.${AWS::Region}.ecr.dkr
    ///     PrivateDnsEnabled: false
    /// ```
    ///
    /// ## Fix
    /// Set `PrivateDnsEnabled: true` (and keep the VPC's DNS support and DNS hostnames on).
    ///
    /// ## References
    /// - https://docs.aws.amazon.com/AmazonECR/latest/userguide/vpc-endpoints.html
    /// - https://docs.aws.amazon.com/vpc/latest/privatelink/privatelink-access-aws-services.html#private-dns
    pub struct EndpointPrivateDnsDisabled {
        code: "MOAT102",
        name: "endpoint-private-dns-disabled",
        severity: Error,
        summary: "A needed interface endpoint has private DNS disabled",
    }
}

impl Rule for EndpointPrivateDnsDisabled {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        for u in endpoint_uses(cx) {
            let Some(ep) = chosen(&u) else { continue };
            if ep.kind.known() != Some(&EndpointKind::Interface) {
                continue;
            }
            if ep.private_dns.known() == Some(&false) {
                out.push(Self::META.finding(
                    format!(
                        "interface endpoint `{}` ({}) has private DNS disabled; {}",
                        ep.id,
                        u.short,
                        need_why(u.view, u.req)
                    ),
                    ep.prov.field("private_dns"),
                    "set PrivateDnsEnabled: true".into(),
                ));
            }
        }
    }
}
