//! Helpers several rules share: routes that leave the VPC, and the per-service analysis of each
//! needed endpoint (which endpoint serves it, and the walked paths to it).

use crate::reach::{walk_to_gateway, walk_to_interface, Point, Walk};
use crate::{Context, ServiceView};
use ipnet::IpNet;
use moat_catalog::Requirement;
use moat_model::{
    EndpointKind, Id, Maybe, Peer, Provenance, Route, RouteDestination, RouteTable, SecurityGroup,
    SgRule, Subnet, Unknown, VpcEndpoint,
};

pub(crate) fn maybe_id(m: &Maybe<Id>) -> String {
    match m {
        Maybe::Known(id) => id.to_string(),
        Maybe::Unknown(w) => format!("<unknown: {w}>"),
    }
}

pub(crate) fn maybe_str(m: &Maybe<String>) -> String {
    match m {
        Maybe::Known(s) => s.clone(),
        Maybe::Unknown(w) => format!("<unknown: {w}>"),
    }
}

pub(crate) fn describe_destination(d: &Maybe<RouteDestination>) -> String {
    match d {
        Maybe::Known(RouteDestination::Cidr(c)) => c.to_string(),
        Maybe::Known(RouteDestination::PrefixList(p)) => format!("prefix list {}", maybe_id(p)),
        Maybe::Unknown(w) => format!("an unknown destination ({w})"),
    }
}

/// ", used by subnets A, B" for a route table, or "" when none is known.
pub(crate) fn subnets_suffix(_cx: &Context<'_>, rt: &RouteTable) -> String {
    let names: Vec<String> = rt
        .subnets
        .iter()
        .filter_map(|s| s.known().map(|s| s.to_string()))
        .collect();
    if names.is_empty() {
        String::new()
    } else {
        format!(" (subnets {})", names.join(", "))
    }
}

/// The known CIDR blocks of the VPC `vpc` (none when it or they are unknown).
pub(crate) fn vpc_cidrs(cx: &Context<'_>, vpc: Option<&Id>) -> Vec<IpNet> {
    vpc.and_then(|v| cx.model.vpc(v))
        .map(|v| {
            v.cidrs
                .iter()
                .filter_map(|c| c.known().map(|c| IpNet::V4(*c)))
                .collect()
        })
        .unwrap_or_default()
}

/// Routes whose destination covers addresses outside every CIDR of the route table's VPC
/// (an unknown destination counts: it might).
pub(crate) fn outside_routes<'m>(cx: &Context<'m>) -> Vec<(&'m RouteTable, &'m Route)> {
    let mut out = Vec::new();
    for rt in &cx.model.route_tables {
        for route in &rt.routes {
            if leaves_vpc(cx, rt, route) {
                out.push((rt, route));
            }
        }
    }
    out
}

/// Whether `route` of `rt` covers addresses outside every CIDR of the table's VPC (an unknown
/// destination, or unknown VPC ranges, count: it might).
pub(crate) fn leaves_vpc(cx: &Context<'_>, rt: &RouteTable, route: &Route) -> bool {
    match &route.destination {
        Maybe::Known(RouteDestination::Cidr(c)) => {
            !vpc_cidrs(cx, rt.vpc.known()).iter().any(|v| v.contains(c))
        }
        Maybe::Known(RouteDestination::PrefixList(_)) => true,
        Maybe::Unknown(_) => true,
    }
}

/// The route table that governs `subnet` ([`moat_model::Model::route_table_for_subnet`]), or
/// the unknown that hides it: without a known explicit association, a table associated with a
/// subnet moat cannot name might be this subnet's.
pub(crate) fn governing_route_table<'m>(
    cx: &Context<'m>,
    subnet: &Subnet,
) -> Result<Option<&'m RouteTable>, Box<Unknown>> {
    let explicit = cx
        .model
        .route_tables
        .iter()
        .find(|rt| rt.subnets.iter().any(|s| s.known() == Some(&subnet.id)));
    if explicit.is_some() {
        return Ok(explicit);
    }
    if let Some((rt, why)) = cx.model.route_tables.iter().find_map(|rt| {
        rt.subnets
            .iter()
            .find_map(|s| s.why_unknown())
            .map(|why| (rt, why))
    }) {
        return Err(Box::new(Unknown {
            what: format!(
                "which subnet route table `{}` is associated with ({why}); it might be `{}`'s",
                rt.id, subnet.id
            ),
            prov: rt.prov.clone(),
            settle: "give the SubnetRouteTableAssociation's SubnetId a value moat can resolve"
                .into(),
        }));
    }
    Ok(cx.model.route_table_for_subnet(subnet))
}

/// Where to point a finding about a requirement: the field that needs it when it has a file
/// position, else the service.
pub(crate) fn need_prov(view: &ServiceView<'_>, req: &Requirement) -> Provenance {
    if req.reason.prov.file.is_some() {
        req.reason.prov.clone()
    } else {
        view.service.prov.clone()
    }
}

/// "service `web` (container app: pulls … from private ECR)".
pub(crate) fn need_why(view: &ServiceView<'_>, req: &Requirement) -> String {
    match &req.reason.container {
        Some(c) => format!(
            "service `{}` needs it: container `{c}` {}",
            view.name, req.reason.detail
        ),
        None => format!("service `{}` needs it: {}", view.name, req.reason.detail),
    }
}

/// One needed endpoint of one service, with the endpoints in the service's VPC that serve it.
pub(crate) struct EndpointUse<'a, 'm> {
    pub view: &'a ServiceView<'m>,
    pub short: &'static str,
    pub req: &'a Requirement,
    pub vpc: Id,
    /// Endpoints in the VPC for this service (interface first, private DNS on first).
    pub candidates: Vec<&'m VpcEndpoint>,
    /// Endpoints in the VPC whose service name is unknown (might be this one).
    pub unknown_named: Vec<&'m VpcEndpoint>,
}

pub(crate) fn endpoint_uses<'a, 'm>(cx: &'a Context<'m>) -> Vec<EndpointUse<'a, 'm>> {
    let mut out = Vec::new();
    for view in &cx.services {
        let Some(vpc) = view.vpc.clone() else {
            continue;
        };
        for (short, req) in view.endpoint_needs() {
            let mut candidates: Vec<&VpcEndpoint> =
                cx.model.endpoints_for_service(&vpc, short).collect();
            candidates.sort_by_key(|e| {
                (
                    e.kind.known() != Some(&EndpointKind::Interface)
                        && e.kind.known() != Some(&EndpointKind::Gateway),
                    e.private_dns.known() != Some(&true),
                )
            });
            let unknown_named = cx
                .model
                .endpoints
                .iter()
                .filter(|e| e.vpc.known().is_none_or(|v| *v == vpc) && !e.service.is_known())
                .collect();
            out.push(EndpointUse {
                view,
                short,
                req,
                vpc: vpc.clone(),
                candidates,
                unknown_named,
            });
        }
    }
    out
}

/// The security groups of an interface endpoint; none given means the VPC's default group.
/// A template cannot see the default group, so it is modelled as AWS creates it: inbound only
/// from members of itself. Groups named but not in the model are returned as unknowns.
/// Source: https://docs.aws.amazon.com/vpc/latest/userguide/default-security-group.html
pub(crate) fn endpoint_security_groups<'m>(
    cx: &Context<'m>,
    ep: &'m VpcEndpoint,
) -> (Vec<SecurityGroup>, Vec<Unknown>) {
    let mut out = Vec::new();
    let mut unresolved = Vec::new();
    for g in &ep.security_groups {
        match g.known().map(|id| (id, cx.model.security_group(id))) {
            Some((_, Some(sg))) => out.push(sg.clone()),
            Some((id, None)) => unresolved.push(Unknown {
                what: format!(
                    "security group `{id}` of endpoint `{}`, which is not defined in the inputs",
                    ep.id
                ),
                prov: ep.prov.field("security_groups"),
                settle: "check the template that defines it together with this one".into(),
            }),
            None => unresolved.push(Unknown {
                what: format!(
                    "a security group of endpoint `{}` ({})",
                    ep.id,
                    g.why_unknown().unwrap_or("unknown")
                ),
                prov: ep.prov.field("security_groups"),
                settle:
                    "check the template that defines it together with this one, or pass the value"
                        .into(),
            }),
        }
    }
    if ep.security_groups.is_empty() {
        let vpc = ep.vpc.known();
        if let Some(d) = cx
            .model
            .security_groups
            .iter()
            .find(|g| g.default && g.vpc.known() == vpc)
        {
            out.push(d.clone());
        } else {
            let id = Id::from("(VPC default security group)");
            out.push(SecurityGroup {
                id: id.clone(),
                vpc: ep.vpc.clone(),
                ingress: vec![SgRule {
                    protocol: Maybe::Known(moat_model::Protocol::All),
                    ports: Maybe::Known(None),
                    peer: Maybe::Known(Peer::SecurityGroup(Maybe::Known(id))),
                    prov: ep.prov.clone(),
                }],
                egress: vec![],
                default: true,
                prov: ep.prov.clone(),
            });
        }
    }
    (out, unresolved)
}

/// The subnets of an interface endpoint found in the model.
pub(crate) fn endpoint_subnets<'m>(cx: &Context<'m>, ep: &VpcEndpoint) -> Vec<&'m Subnet> {
    ep.subnets
        .iter()
        .filter_map(|s| s.known().and_then(|id| cx.model.subnet(id)))
        .collect()
}

/// The subnets of an interface endpoint that are unknown or not in the model.
pub(crate) fn endpoint_unresolved_subnets(cx: &Context<'_>, ep: &VpcEndpoint) -> Vec<Unknown> {
    ep.subnets
        .iter()
        .filter_map(|s| {
            let what = match s {
                Maybe::Known(id) if cx.model.subnet(id).is_some() => return None,
                Maybe::Known(id) => format!("subnet `{id}` of endpoint `{}`, which is not defined in the inputs", ep.id),
                Maybe::Unknown(why) => format!("a subnet of endpoint `{}` ({why})", ep.id),
            };
            Some(Unknown {
                what,
                prov: ep.prov.field("subnets"),
                settle: "check the template that defines the subnet together with this one, or pass the value".into(),
            })
        })
        .collect()
}

/// A task interface in `subnet` of the service of `u`.
fn task_point<'m>(u: &EndpointUse<'_, 'm>, subnet: &'m Subnet) -> Point<'m> {
    Point {
        subnet,
        security_groups: u.view.security_groups.clone(),
        unresolved_groups: u.view.unresolved_security_groups.clone(),
    }
}

/// For an interface endpoint use: the walk from each task subnet to each of the endpoint's
/// subnets. With private DNS the service's name resolves to the endpoint's network interfaces
/// in every one of its subnets, and a client may connect to any of them, so every one must be
/// reachable. Source: https://repost.aws/knowledge-center/vpc-interface-configure-dns
pub(crate) fn interface_walks<'m>(
    cx: &Context<'m>,
    u: &EndpointUse<'_, 'm>,
    ep: &'m VpcEndpoint,
) -> Vec<(&'m Subnet, &'m Subnet, Walk)> {
    let ep_subnets = endpoint_subnets(cx, ep);
    let (ep_groups, ep_unresolved) = endpoint_security_groups(cx, ep);
    let ep_group_refs: Vec<&SecurityGroup> = ep_groups.iter().collect();
    let mut out = Vec::new();
    for task_subnet in &u.view.subnets {
        for target in &ep_subnets {
            let from = task_point(u, task_subnet);
            let to = Point {
                subnet: target,
                security_groups: ep_group_refs.clone(),
                unresolved_groups: ep_unresolved.clone(),
            };
            out.push((
                *task_subnet,
                *target,
                walk_to_interface(cx.model, &from, &to, 443),
            ));
        }
    }
    out
}

/// For a gateway endpoint use: per task subnet, the walk to the service's addresses through
/// gateway endpoint `ep`, whose service name is its managed prefix list's name.
pub(crate) fn gateway_walks<'m>(
    cx: &Context<'m>,
    u: &EndpointUse<'_, 'm>,
    ep: &VpcEndpoint,
) -> Vec<(&'m Subnet, Walk)> {
    let list = match &ep.service {
        Maybe::Known(name) => name.clone(),
        Maybe::Unknown(_) => moat_model::PrefixList::aws_managed_name(&cx.region, u.short),
    };
    u.view
        .subnets
        .iter()
        .map(|s| (*s, walk_to_gateway(cx.model, &task_point(u, s), &list, 443)))
        .collect()
}

/// The endpoint a use would go through: the first candidate of the kind the service has.
pub(crate) fn chosen<'m>(u: &EndpointUse<'_, 'm>) -> Option<&'m VpcEndpoint> {
    u.candidates.first().copied()
}

/// The role a task definition names: by model id, by ARN, or by role name at the end of an ARN.
pub(crate) fn find_role<'m>(cx: &Context<'m>, r: &str) -> Option<&'m moat_model::Role> {
    let name = r.rsplit('/').next().unwrap_or(r);
    cx.model.roles.iter().find(|role| {
        role.id.as_str() == r
            || role
                .arn
                .known()
                .is_some_and(|a| a == r || a.rsplit('/').next() == Some(name))
    })
}

/// Catalog problems of every task definition: those run by a service once, and those no service
/// runs (e.g. a task definition for `run-task`).
pub(crate) fn all_problems<'m>(cx: &'m Context<'m>) -> Vec<&'m moat_catalog::Problem> {
    let mut out: Vec<&moat_catalog::Problem> = Vec::new();
    for v in &cx.services {
        for p in &v.needs.problems {
            if !out.contains(&p) {
                out.push(p);
            }
        }
    }
    out.extend(
        cx.orphan_problems
            .iter()
            .filter(|p| !out.contains(p))
            .collect::<Vec<_>>(),
    );
    out
}

/// Are two subnets in the same Availability Zone? Known names compare; two unknown zones that are
/// both `Fn::Select [i, Fn::GetAZs region]` compare by index and region (the same selection is
/// the same zone in one account). Anything else: `None`.
pub(crate) fn same_az(a: &Maybe<String>, b: &Maybe<String>) -> Option<bool> {
    match (a, b) {
        (Maybe::Known(x), Maybe::Known(y)) => Some(x == y),
        (Maybe::Unknown(x), Maybe::Unknown(y))
            if x.starts_with("availability zone #") && y.starts_with("availability zone #") =>
        {
            Some(x == y)
        }
        _ => None,
    }
}
