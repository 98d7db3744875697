use super::prelude::*;

rule! {
    /// ## What it does
    /// Finds routes for addresses outside the VPC whose target's far side moat cannot see: a
    /// transit gateway, a VPC peering connection, a virtual private gateway, an instance, a
    /// network interface, a Gateway Load Balancer endpoint, a carrier or local gateway, a Cloud
    /// WAN core network, or a gateway whose kind is unknown (an unresolved parameter).
    ///
    /// ## Why is this bad?
    /// The VPC itself may be isolated while the network on the other side has an internet
    /// gateway or NAT: the isolation then depends on a resource outside this template or
    /// account. moat cannot prove it, so it says so.
    ///
    /// ## Example
    /// ```yaml
    /// ToHub:
    ///   Type: AWS::EC2::Route
    ///   Properties:
    ///     RouteTableId: !Ref RouteTable
    ///     DestinationCidrBlock: 0.0.0.0/0
    ///     TransitGatewayId: !Ref HubTransitGateway
    /// ```
    ///
    /// ## Fix
    /// Narrow the destination to the private ranges you need to reach (for example the on-premises
    /// CIDR), or confirm and document that the far side has no path to the internet, and audit it
    /// too (`moat audit --vpc-id` on the hub VPC).
    ///
    /// ## References
    /// - https://docs.aws.amazon.com/vpc/latest/userguide/route-table-options.html
    pub struct RouteToUnverifiedTarget {
        code: "MOAT004",
        name: "route-to-unverified-target",
        severity: Warning,
        summary: "A route sends outside traffic to a target whose far side is not known to be isolated",
    }
}

impl Rule for RouteToUnverifiedTarget {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        for (rt, route) in outside_routes(cx) {
            let what = match &route.target {
                RouteTarget::TransitGateway(g) => format!("transit gateway `{}`", maybe_id(g)),
                RouteTarget::VpcPeering(g) => format!("VPC peering connection `{}`", maybe_id(g)),
                RouteTarget::VpnGateway(g) => format!("virtual private gateway `{}`", maybe_id(g)),
                RouteTarget::Instance(g) => format!("instance `{}`", maybe_id(g)),
                RouteTarget::NetworkInterface(g) => format!("network interface `{}`", maybe_id(g)),
                RouteTarget::CarrierGateway(g) => format!("carrier gateway `{}`", maybe_id(g)),
                RouteTarget::LocalGateway(g) => format!("local gateway `{}`", maybe_id(g)),
                RouteTarget::CoreNetwork(g) => format!("core network `{}`", maybe_str(g)),
                RouteTarget::UnknownGateway(why) => {
                    format!("a gateway whose kind is unknown ({why})")
                }
                RouteTarget::VpcEndpoint(e) => {
                    // Gateway endpoints (S3, DynamoDB) only carry traffic to that AWS service.
                    let gateway = e
                        .known()
                        .and_then(|id| cx.model.endpoint(id))
                        .is_some_and(|ep| ep.kind.known() == Some(&EndpointKind::Gateway));
                    if gateway {
                        continue;
                    }
                    format!("VPC endpoint `{}` (not a gateway endpoint)", maybe_id(e))
                }
                _ => continue,
            };
            out.push(Self::META.finding(
                format!(
                    "route table `{}` sends {} to {what}; moat cannot prove the far side has no internet path{}",
                    rt.id,
                    describe_destination(&route.destination),
                    subnets_suffix(cx, rt)
                ),
                route.prov.field("target"),
                "narrow the destination to the private ranges you need, or audit the far side and document that it is isolated".into(),
            ));
        }
    }
}
