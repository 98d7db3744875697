use super::prelude::*;
use moat_model::Peer;

rule! {
    /// ## What it does
    /// Finds egress gateway services (tagged `moat:egress-gateway`) whose security groups admit
    /// traffic from outside the VPC: a CIDR not inside the VPC's CIDR blocks (`0.0.0.0/0`
    /// above all), a prefix list, or a source moat cannot resolve.
    ///
    /// ## Why is this bad?
    /// The egress gateway is the one task with a public IP in a subnet routed to an internet
    /// gateway. If its security group admits the internet, anyone can use it as a proxy into
    /// the allowlisted hosts (with the workload's reputation and credentials-by-IP), or probe
    /// it; its only clients are the workloads, through the internal NLB inside the VPC.
    ///
    /// ## Example
    /// ```yaml
    /// EgressGatewaySecurityGroup:
    ///   Type: AWS::EC2::SecurityGroup
    ///   Properties:
    ///     SecurityGroupIngress:
    ///       - IpProtocol: tcp
    ///         FromPort: 3128
    ///         ToPort: 3128
    ///         CidrIp: 0.0.0.0/0
    /// ```
    ///
    /// ## Fix
    /// Admit the proxy port from the VPC CIDR only (`moat synth` does).
    ///
    /// ## References
    /// - https://docs.aws.amazon.com/vpc/latest/userguide/vpc-security-groups.html
    /// - https://docs.aws.amazon.com/AmazonECS/latest/developerguide/fargate-task-networking.html
    pub struct EgressGatewayOpenToInternet {
        code: "MOAT011",
        name: "egress-gateway-open-to-internet",
        severity: Error,
        summary: "The egress gateway admits traffic from outside the VPC",
    }
}

impl Rule for EgressGatewayOpenToInternet {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        for v in cx.services.iter().filter(|v| v.service.egress_gateway) {
            let vpc_cidrs = vpc_cidrs(cx, v.vpc.as_ref());
            for sg in &v.security_groups {
                for rule in &sg.ingress {
                    let outside = match &rule.peer {
                        Maybe::Known(Peer::Cidr(c)) => !vpc_cidrs.iter().any(|v| v.contains(c)),
                        // Another group: members are ENIs in VPCs, not the internet.
                        Maybe::Known(Peer::SecurityGroup(_)) => false,
                        Maybe::Known(Peer::PrefixList(_)) | Maybe::Unknown(_) => true,
                    };
                    if outside {
                        out.push(Self::META.finding(
                            format!(
                                "security group `{}` of egress gateway service `{}` admits {} (the gateway runs where the internet is routed)",
                                sg.id,
                                v.name,
                                describe_peer(&rule.peer)
                            ),
                            rule.prov.clone(),
                            "admit the proxy port from the VPC CIDR only; the workloads reach the gateway through the internal NLB".into(),
                        ));
                    }
                }
            }
        }
    }
}

fn describe_peer(p: &Maybe<Peer>) -> String {
    match p {
        Maybe::Known(Peer::Cidr(c)) => c.to_string(),
        Maybe::Known(Peer::PrefixList(l)) => format!("prefix list {}", maybe_id(l)),
        Maybe::Known(Peer::SecurityGroup(g)) => format!("security group {}", maybe_id(g)),
        Maybe::Unknown(w) => format!("an unknown source ({w})"),
    }
}
