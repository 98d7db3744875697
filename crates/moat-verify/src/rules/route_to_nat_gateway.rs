use super::prelude::*;

rule! {
    /// ## What it does
    /// Finds routes whose target is a NAT gateway and whose destination covers addresses outside
    /// the VPC.
    ///
    /// ## Why is this bad?
    /// A NAT gateway gives the subnets behind it a path to the whole internet with no control over
    /// where traffic goes (approved registries only? data exfiltration?) and no record of which
    /// hosts were reached. It also costs an hourly fee and a per-GB processing fee.
    ///
    /// ## Example
    /// ```yaml
    /// NatRoute:
    ///   Type: AWS::EC2::Route
    ///   Properties:
    ///     RouteTableId: !Ref PrivateRouteTable
    ///     DestinationCidrBlock: 0.0.0.0/0
    ///     NatGatewayId: !Ref NatGateway
    /// ```
    ///
    /// ## Fix
    /// Remove the route and the NAT gateway; add the VPC endpoints the tasks need (`moat plan`
    /// lists them). For a few named outside hosts, use the moat egress gateway (`[egress]` in
    /// moat.toml), which allows only listed hosts and logs every host tried.
    ///
    /// ## References
    /// - https://docs.aws.amazon.com/vpc/latest/userguide/vpc-nat-gateway.html
    pub struct RouteToNatGateway {
        code: "MOAT002",
        name: "route-to-nat-gateway",
        severity: Error,
        summary: "A route sends traffic for outside addresses to a NAT gateway",
    }
}

impl Rule for RouteToNatGateway {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        for (rt, route) in outside_routes(cx) {
            let RouteTarget::NatGateway(nat) = &route.target else {
                continue;
            };
            // A private NAT gateway (ConnectivityType: private) cannot reach the internet.
            let public = nat
                .known()
                .and_then(|id| cx.model.nat_gateway(id))
                .map(|n| n.public.or(true))
                .unwrap_or(true);
            if !public {
                continue;
            }
            out.push(Self::META.finding(
                format!(
                    "route table `{}` sends {} to NAT gateway `{}`{}",
                    rt.id,
                    describe_destination(&route.destination),
                    maybe_id(nat),
                    subnets_suffix(cx, rt)
                ),
                route.prov.field("destination"),
                "remove the NAT route; add the VPC endpoints the tasks need (see `moat plan`), and the moat egress gateway for named outside hosts".into(),
            ));
        }
    }
}
