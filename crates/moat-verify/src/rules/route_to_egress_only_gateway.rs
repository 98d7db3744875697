use super::prelude::*;

rule! {
    /// ## What it does
    /// Finds routes to an egress-only internet gateway.
    ///
    /// ## Why is this bad?
    /// An egress-only internet gateway lets IPv6 traffic out to the whole internet. Outbound-only
    /// is still a path for data exfiltration and for pulling unvetted code.
    ///
    /// ## Example
    /// ```yaml
    /// Ipv6Route:
    ///   Type: AWS::EC2::Route
    ///   Properties:
    ///     RouteTableId: !Ref RouteTable
    ///     DestinationIpv6CidrBlock: ::/0
    ///     EgressOnlyInternetGatewayId: !Ref EgressOnlyGateway
    /// ```
    ///
    /// ## Fix
    /// Delete the route and the egress-only internet gateway.
    ///
    /// ## References
    /// - https://docs.aws.amazon.com/vpc/latest/userguide/egress-only-internet-gateway.html
    pub struct RouteToEgressOnlyGateway {
        code: "MOAT003",
        name: "route-to-egress-only-gateway",
        severity: Error,
        summary: "A route sends IPv6 traffic to an egress-only internet gateway",
    }
}

impl Rule for RouteToEgressOnlyGateway {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        for (rt, route) in outside_routes(cx) {
            if let RouteTarget::EgressOnlyInternetGateway(g) = &route.target {
                out.push(Self::META.finding(
                    format!(
                        "route table `{}` sends {} to egress-only internet gateway `{}`{}",
                        rt.id,
                        describe_destination(&route.destination),
                        maybe_id(g),
                        subnets_suffix(cx, rt)
                    ),
                    route.prov.field("destination"),
                    "delete this route and the egress-only internet gateway".into(),
                ));
            }
        }
    }
}
