use super::prelude::*;

rule! {
    /// ## What it does
    /// Finds VPCs whose tasks use interface endpoints while `EnableDnsSupport` or
    /// `EnableDnsHostnames` is off (`EnableDnsHostnames` defaults to `false` for a new VPC).
    ///
    /// ## Why is this bad?
    /// Private DNS for interface endpoints works only when both VPC attributes are on; otherwise
    /// the service names resolve to public addresses, unreachable from an isolated VPC.
    ///
    /// ## Example
    /// ```yaml
    /// VPC:
    ///   Type: AWS::EC2::VPC
    ///   Properties:
    ///     CidrBlock: 10.0.0.0/16
    /// ```
    ///
    /// ## Fix
    /// ```yaml
    ///     EnableDnsSupport: true
    ///     EnableDnsHostnames: true
    /// ```
    ///
    /// ## References
    /// - https://docs.aws.amazon.com/vpc/latest/userguide/AmazonDNS-concepts.html#vpc-dns-support
    /// - https://docs.aws.amazon.com/vpc/latest/privatelink/privatelink-access-aws-services.html#private-dns
    pub struct VpcDnsDisabled {
        code: "MOAT103",
        name: "vpc-dns-disabled",
        severity: Error,
        summary: "A VPC whose tasks use interface endpoints has DNS support or DNS hostnames off",
    }
}

impl Rule for VpcDnsDisabled {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let mut seen = Vec::new();
        for u in endpoint_uses(cx) {
            let Some(ep) = chosen(&u) else { continue };
            if ep.kind.known() != Some(&EndpointKind::Interface) || seen.contains(&u.vpc) {
                continue;
            }
            let Some(vpc) = cx.model.vpc(&u.vpc) else {
                continue;
            };
            seen.push(u.vpc.clone());
            for (field, value, prop) in [
                ("dns_support", &vpc.dns_support, "EnableDnsSupport"),
                ("dns_hostnames", &vpc.dns_hostnames, "EnableDnsHostnames"),
            ] {
                if value.known() == Some(&false) {
                    out.push(Self::META.finding(
                        format!(
                            "VPC `{}` has {prop} off, so private DNS of its interface endpoints does not resolve; {}",
                            vpc.id,
                            need_why(u.view, u.req)
                        ),
                        vpc.prov.field(field),
                        format!("set {prop}: true on the VPC"),
                    ));
                }
            }
        }
    }
}
