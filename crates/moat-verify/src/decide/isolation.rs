//! Per subnet: "no path to or from the internet". Traffic leaves or enters a subnet only through
//! the routes of the route table that governs it (its explicit association, else the VPC's main
//! table), and an inbound connection from the internet needs the same internet gateway route for
//! its replies, so the routes decide both directions.
//! Source: https://docs.aws.amazon.com/vpc/latest/userguide/VPC_Route_Tables.html

use crate::rules::analysis::{describe_destination, leaves_vpc, maybe_id};
use crate::Context;
use moat_model::{
    Maybe, Property, PropertyKind, RouteTable, RouteTarget, Subnet, Unknown, Verdict,
};

/// Record the isolation property of every subnet outside the egress zone.
pub(crate) fn record(cx: &Context<'_>) {
    for subnet in &cx.model.subnets {
        if cx.egress_subnets.contains(&subnet.id) {
            // The egress gateway's own subnets route to the internet by design; MOAT006 and
            // MOAT011 judge what runs there.
            continue;
        }
        cx.record(Property {
            kind: PropertyKind::Isolation,
            subject: subnet.id.to_string(),
            claim: format!("subnet `{}` has no path to or from the internet", subnet.id),
            verdict: subnet_verdict(cx, subnet),
            prov: subnet.prov.clone(),
        });
    }
}

fn subnet_verdict(cx: &Context<'_>, subnet: &Subnet) -> Verdict {
    routes_verdict(cx, subnet).and(load_balancers_verdict(cx, subnet))
}

/// An internet-facing load balancer with a node in the subnet is a path from the internet
/// (MOAT010); one whose scheme, or whose subnets, are unknown may be.
/// Source: https://docs.aws.amazon.com/elasticloadbalancing/latest/network/network-load-balancers.html#load-balancer-scheme
fn load_balancers_verdict(cx: &Context<'_>, subnet: &Subnet) -> Verdict {
    let mut v = Verdict::Proved;
    for lb in &cx.model.load_balancers {
        if lb.internal.known() == Some(&true) {
            continue;
        }
        let here = lb.subnets.iter().any(|s| s.known() == Some(&subnet.id));
        let maybe_here = lb.subnets.iter().find_map(|s| s.why_unknown());
        match (&lb.internal, here, maybe_here) {
            (Maybe::Known(false), true, _) => {
                v = v.and(Verdict::Refuted(format!(
                    "internet-facing load balancer `{}` has a node in it",
                    lb.id
                )))
            }
            (Maybe::Unknown(why), true, _) => {
                v = v.and(Verdict::Unproved(vec![Unknown {
                    what: format!("the scheme of load balancer `{}` ({why})", lb.id),
                    prov: lb.prov.field("scheme"),
                    settle: "give Scheme a value moat can resolve (internal)".into(),
                }]))
            }
            (_, false, Some(why)) => {
                v = v.and(Verdict::Unproved(vec![Unknown {
                    what: format!(
                        "a subnet of load balancer `{}` ({why}), which is not certainly internal",
                        lb.id
                    ),
                    prov: lb.prov.field("subnets"),
                    settle: "give the load balancer's Subnets (and Scheme) values moat can resolve"
                        .into(),
                }]))
            }
            _ => {}
        }
    }
    v
}

fn routes_verdict(cx: &Context<'_>, subnet: &Subnet) -> Verdict {
    let explicit = cx
        .model
        .route_tables
        .iter()
        .find(|rt| rt.subnets.iter().any(|s| s.known() == Some(&subnet.id)));
    if let Some(rt) = explicit {
        return table_verdict(cx, rt);
    }
    // No known association: the main table governs it, unless a table associated with a subnet
    // moat cannot name is in fact this subnet's.
    let mut v = match cx.model.route_table_for_subnet(subnet) {
        Some(rt) => table_verdict(cx, rt),
        // A template without route tables: the implicit main table holds only `local`.
        None => Verdict::Proved,
    };
    for rt in &cx.model.route_tables {
        let Some(why) = rt.subnets.iter().find_map(|s| s.why_unknown()) else {
            continue;
        };
        if rt.vpc.known().is_some() && rt.vpc.known() != subnet.vpc.known() {
            continue;
        }
        let tv = table_verdict(cx, rt);
        if tv.is_proved() {
            continue;
        }
        let mut unknowns = vec![Unknown {
            what: format!(
                "which subnet route table `{}` is associated with ({why}); it might be `{}`'s, and {}",
                rt.id,
                subnet.id,
                match &tv {
                    Verdict::Refuted { why } => why.clone(),
                    _ => "its routes are not all known".into(),
                }
            ),
            prov: rt.prov.clone(),
            settle: "give the SubnetRouteTableAssociation's SubnetId a value moat can resolve (check the template that defines the subnet together with this one)".into(),
        }];
        if let Verdict::Unproved { unknowns: more } = tv {
            unknowns.extend(more);
        }
        v = v.and(Verdict::Unproved(unknowns));
    }
    v
}

/// Whether a route table's routes lead to the internet: refuted by a route out to an internet
/// gateway (outside the egress zone), a public NAT gateway or an egress-only gateway; unproved
/// by a route to a target whose far side moat cannot see.
fn table_verdict(cx: &Context<'_>, rt: &RouteTable) -> Verdict {
    let mut v = Verdict::Proved;
    for route in rt.routes.iter().filter(|r| leaves_vpc(cx, rt, r)) {
        let dest = describe_destination(&route.destination);
        let refuted = |what: String| {
            Verdict::Refuted(format!("route table `{}` sends {dest} to {what}", rt.id))
        };
        let far_side = |what: String| {
            Verdict::Unproved(vec![Unknown {
                what: format!("where {what} leads (route table `{}` sends {dest} there)", rt.id),
                prov: route.prov.field("target"),
                settle: "narrow the destination to the private ranges needed, or check the far side's template too".into(),
            }])
        };
        let hop = match &route.target {
            RouteTarget::Local => continue,
            RouteTarget::InternetGateway(g) if !cx.egress_only(rt) => {
                refuted(format!("internet gateway `{}`", maybe_id(g)))
            }
            RouteTarget::InternetGateway(_) => continue,
            RouteTarget::NatGateway(n) => {
                // Private NAT gateways (ConnectivityType: private) do not reach the internet.
                let public = n
                    .known()
                    .and_then(|id| cx.model.nat_gateway(id))
                    .map(|g| g.public.or(true))
                    .unwrap_or(true);
                if !public {
                    continue;
                }
                refuted(format!("NAT gateway `{}`", maybe_id(n)))
            }
            RouteTarget::EgressOnlyInternetGateway(g) => {
                refuted(format!("egress-only internet gateway `{}`", maybe_id(g)))
            }
            RouteTarget::VpcEndpoint(e) => {
                let gateway = e
                    .known()
                    .and_then(|id| cx.model.endpoint(id))
                    .is_some_and(|ep| ep.kind.known() == Some(&moat_model::EndpointKind::Gateway));
                if gateway {
                    continue;
                }
                far_side(format!("VPC endpoint `{}`", maybe_id(e)))
            }
            RouteTarget::TransitGateway(g) => {
                far_side(format!("transit gateway `{}`", maybe_id(g)))
            }
            RouteTarget::VpcPeering(g) => {
                far_side(format!("VPC peering connection `{}`", maybe_id(g)))
            }
            RouteTarget::VpnGateway(g) => {
                far_side(format!("virtual private gateway `{}`", maybe_id(g)))
            }
            RouteTarget::Instance(g) => far_side(format!("instance `{}`", maybe_id(g))),
            RouteTarget::NetworkInterface(g) => {
                far_side(format!("network interface `{}`", maybe_id(g)))
            }
            RouteTarget::CarrierGateway(g) => {
                far_side(format!("carrier gateway `{}`", maybe_id(g)))
            }
            RouteTarget::LocalGateway(g) => far_side(format!("local gateway `{}`", maybe_id(g))),
            RouteTarget::CoreNetwork(g) => far_side(format!(
                "core network `{}`",
                crate::rules::analysis::maybe_str(g)
            )),
            RouteTarget::UnknownGateway(why) => {
                far_side(format!("a gateway whose kind is unknown ({why})"))
            }
        };
        v = v.and(hop);
    }
    v
}
