use super::prelude::*;

rule! {
    /// ## What it does
    /// Finds Elastic IP addresses.
    ///
    /// ## Why is this bad?
    /// An isolated VPC uses no public IP addresses. An Elastic IP is a public address waiting for
    /// a NAT gateway, an instance or a load balancer to make something reachable.
    ///
    /// ## Example
    /// ```yaml
    /// NatEip:
    ///   Type: AWS::EC2::EIP
    ///   Properties:
    ///     Domain: vpc
    /// ```
    ///
    /// ## Fix
    /// Release the address (delete the resource).
    ///
    /// ## References
    /// - https://docs.aws.amazon.com/vpc/latest/userguide/vpc-eips.html
    pub struct ElasticIpAllocated {
        code: "MOAT009",
        name: "elastic-ip-allocated",
        severity: Warning,
        summary: "An Elastic IP (public) address is allocated",
    }
}

impl Rule for ElasticIpAllocated {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        for e in &cx.model.elastic_ips {
            out.push(Self::META.finding(
                format!("Elastic IP `{}` is a public address", e.id),
                e.prov.clone(),
                "delete the Elastic IP".into(),
            ));
        }
    }
}
