use super::prelude::*;

rule! {
    /// ## What it does
    /// Finds routes whose target is an internet gateway and whose destination covers addresses
    /// outside the VPC (`0.0.0.0/0`, `::/0`, or any public range).
    ///
    /// ## Why is this bad?
    /// An isolated VPC has no path to or from the internet. A route to an internet gateway gives
    /// every subnet associated with that route table a path out (for data exfiltration) and, with
    /// a public IP, a path in. Compliance regimes that rely on isolation (PCI DSS segmentation,
    /// FedRAMP boundary) no longer hold.
    ///
    /// ## Example
    /// ```yaml
    /// DefaultRoute:
    ///   Type: AWS::EC2::Route
    ///   Properties:
    ///     RouteTableId: !Ref RouteTable
    ///     DestinationCidrBlock: 0.0.0.0/0
    ///     GatewayId: !Ref InternetGateway
    /// ```
    ///
    /// The one exception is the egress zone: a route table that governs only subnets where an
    /// egress gateway service (tagged `moat:egress-gateway`) runs and no other service does, as
    /// `moat synth` builds for `[egress]`. Its route out is the gateway's, and the workloads reach
    /// the internet only through the gateway's allowlist. Any table that also governs a
    /// workload subnet (or the main table) is still reported.
    ///
    /// ## Fix
    /// Delete the route (and the internet gateway). Reach AWS services through VPC endpoints;
    /// reach the few outside hosts a workload needs through the moat egress gateway, in subnets
    /// of its own.
    ///
    /// ## References
    /// - https://docs.aws.amazon.com/vpc/latest/userguide/VPC_Internet_Gateway.html
    /// - https://docs.aws.amazon.com/vpc/latest/privatelink/what-is-privatelink.html
    pub struct RouteToInternetGateway {
        code: "MOAT001",
        name: "route-to-internet-gateway",
        severity: Error,
        summary: "A route sends traffic for outside addresses to an internet gateway",
    }
}

impl Rule for RouteToInternetGateway {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        for (rt, route) in outside_routes(cx) {
            if cx.egress_only(rt) {
                continue;
            }
            if let RouteTarget::InternetGateway(igw) = &route.target {
                out.push(Self::META.finding(
                    format!(
                        "route table `{}` sends {} to internet gateway `{}`{}",
                        rt.id,
                        describe_destination(&route.destination),
                        maybe_id(igw),
                        subnets_suffix(cx, rt)
                    ),
                    route.prov.field("destination"),
                    "delete this route and the internet gateway; AWS services are reached through VPC endpoints, outside hosts through the moat egress gateway".into(),
                ));
            }
        }
    }
}
