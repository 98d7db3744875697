//! EC2 describe shapes -> model elements. Pure functions, unit-tested with hand-built SDK
//! structs. Live elements use the AWS resource id as both model id and provenance resource.

use aws_sdk_ec2::types as ec2;
use moat_model::{
    ElasticIp, EndpointKind, EndpointService, FlowLog, Id, InternetGateway, Maybe, NaclEntry,
    NatGateway, NetworkAcl, Peer, PortRange, Protocol, Provenance, Route, RouteDestination,
    RouteTable, RouteTarget, SecurityGroup, SgRule, Subnet, Vpc, VpcEndpoint,
};

fn id_of(s: Option<&str>) -> Maybe<Id> {
    match s {
        Some(v) => Maybe::Known(Id::from(v)),
        None => Maybe::unknown("not reported by the describe API"),
    }
}

fn known<T: Clone>(v: Option<T>) -> Maybe<T> {
    match v {
        Some(v) => Maybe::Known(v),
        None => Maybe::unknown("not reported by the describe API"),
    }
}

fn parse<T: std::str::FromStr>(s: Option<&str>) -> Maybe<T> {
    match s {
        Some(v) => v
            .parse()
            .map(Maybe::Known)
            .unwrap_or_else(|_| Maybe::unknown(format!("unparsable value `{v}`"))),
        None => Maybe::unknown("not reported by the describe API"),
    }
}

/// A VPC with its DNS attributes (from DescribeVpcAttribute, which DescribeVpcs lacks).
pub fn map_vpc(v: &ec2::Vpc, dns_support: Option<bool>, dns_hostnames: Option<bool>) -> Vpc {
    let id = v.vpc_id().unwrap_or_default().to_string();
    let mut cidrs: Vec<Maybe<ipnet::Ipv4Net>> = v
        .cidr_block_association_set()
        .iter()
        .filter(|a| {
            a.cidr_block_state()
                .and_then(|s| s.state())
                .is_none_or(|s| s.as_str() == "associated")
        })
        .map(|a| parse(a.cidr_block()))
        .collect();
    if cidrs.is_empty() {
        cidrs.push(parse(v.cidr_block()));
    }
    Vpc {
        cidrs,
        dns_support: known(dns_support),
        dns_hostnames: known(dns_hostnames),
        prov: Provenance::resource(&id),
        id: Id(id),
    }
}

pub fn map_subnet(s: &ec2::Subnet) -> Subnet {
    let id = s.subnet_id().unwrap_or_default().to_string();
    Subnet {
        vpc: id_of(s.vpc_id()),
        cidr: parse(s.cidr_block()),
        az: known(s.availability_zone().map(str::to_string)),
        map_public_ip: known(s.map_public_ip_on_launch()),
        prov: Provenance::resource(&id),
        id: Id(id),
    }
}

/// Which kind of target a route has, from the id field DescribeRouteTables fills.
pub fn route_target(r: &ec2::Route) -> RouteTarget {
    let k = |s: &str| Maybe::Known(Id::from(s));
    if let Some(g) = r.gateway_id() {
        // GatewayId holds `local`, an internet gateway, a virtual private gateway or a gateway
        // endpoint. Source: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_Route.html
        return match g {
            "local" => RouteTarget::Local,
            _ if g.starts_with("igw-") => RouteTarget::InternetGateway(k(g)),
            _ if g.starts_with("vgw-") => RouteTarget::VpnGateway(k(g)),
            _ if g.starts_with("vpce-") => RouteTarget::VpcEndpoint(k(g)),
            _ if g.starts_with("eigw-") => RouteTarget::EgressOnlyInternetGateway(k(g)),
            _ => RouteTarget::UnknownGateway(g.to_string()),
        };
    }
    if let Some(g) = r.egress_only_internet_gateway_id() {
        return RouteTarget::EgressOnlyInternetGateway(k(g));
    }
    if let Some(g) = r.nat_gateway_id() {
        return RouteTarget::NatGateway(k(g));
    }
    if let Some(g) = r.transit_gateway_id() {
        return RouteTarget::TransitGateway(k(g));
    }
    if let Some(g) = r.vpc_peering_connection_id() {
        return RouteTarget::VpcPeering(k(g));
    }
    if let Some(g) = r.instance_id() {
        return RouteTarget::Instance(k(g));
    }
    if let Some(g) = r.network_interface_id() {
        return RouteTarget::NetworkInterface(k(g));
    }
    if let Some(g) = r.carrier_gateway_id() {
        return RouteTarget::CarrierGateway(k(g));
    }
    if let Some(g) = r.local_gateway_id() {
        return RouteTarget::LocalGateway(k(g));
    }
    if let Some(g) = r.core_network_arn() {
        return RouteTarget::CoreNetwork(Maybe::Known(g.to_string()));
    }
    RouteTarget::UnknownGateway("route without a target id".into())
}

pub fn map_route_table(t: &ec2::RouteTable) -> RouteTable {
    let id = t.route_table_id().unwrap_or_default().to_string();
    let prov = Provenance::resource(&id);
    let routes = t
        .routes()
        .iter()
        .map(|r| {
            let destination = if let Some(c) = r.destination_cidr_block() {
                parse(Some(c)).map(RouteDestination::Cidr)
            } else if let Some(c) = r.destination_ipv6_cidr_block() {
                parse(Some(c)).map(RouteDestination::Cidr)
            } else if let Some(p) = r.destination_prefix_list_id() {
                Maybe::Known(RouteDestination::PrefixList(Maybe::Known(Id::from(p))))
            } else {
                Maybe::unknown("route without a destination")
            };
            Route {
                destination,
                target: route_target(r),
                prov: prov.clone(),
            }
        })
        .collect();
    RouteTable {
        vpc: id_of(t.vpc_id()),
        main: t.associations().iter().any(|a| a.main() == Some(true)),
        subnets: t
            .associations()
            .iter()
            .filter_map(|a| a.subnet_id())
            .map(|s| Maybe::Known(Id::from(s)))
            .collect(),
        routes,
        prov,
        id: Id(id),
    }
}

pub fn map_internet_gateway(g: &ec2::InternetGateway) -> InternetGateway {
    let id = g.internet_gateway_id().unwrap_or_default().to_string();
    igw(id, g.attachments(), false)
}

pub fn map_egress_only_gateway(g: &ec2::EgressOnlyInternetGateway) -> InternetGateway {
    let id = g
        .egress_only_internet_gateway_id()
        .unwrap_or_default()
        .to_string();
    igw(id, g.attachments(), true)
}

fn igw(id: String, atts: &[ec2::InternetGatewayAttachment], egress_only: bool) -> InternetGateway {
    let prov = Provenance::resource(&id);
    InternetGateway {
        attached_vpcs: atts
            .iter()
            // A detached gateway's attachment is reported as `detached` for a while.
            .filter(|a| a.state().is_none_or(|s| s.as_str() != "detached"))
            .map(|a| (id_of(a.vpc_id()), prov.clone()))
            .collect(),
        egress_only,
        prov,
        id: Id(id),
    }
}

pub fn map_nat_gateway(n: &ec2::NatGateway) -> NatGateway {
    let id = n.nat_gateway_id().unwrap_or_default().to_string();
    NatGateway {
        subnet: id_of(n.subnet_id()),
        public: known(
            n.connectivity_type()
                .map(|c| c.as_str() != "private")
                .or(Some(true)),
        ),
        prov: Provenance::resource(&id),
        id: Id(id),
    }
}

pub fn map_address(a: &ec2::Address) -> ElasticIp {
    let id = a
        .allocation_id()
        .or(a.public_ip())
        .unwrap_or_default()
        .to_string();
    ElasticIp {
        prov: Provenance::resource(&id),
        id: Id(id),
    }
}

fn ports(proto: Protocol, from: Option<i32>, to: Option<i32>) -> Maybe<Option<PortRange>> {
    if matches!(proto, Protocol::All | Protocol::Icmp | Protocol::Icmpv6) {
        return Maybe::Known(None);
    }
    match (from, to) {
        (Some(f), Some(t)) if f < 0 || t < 0 => Maybe::Known(None),
        (Some(f), Some(t)) => match (u16::try_from(f), u16::try_from(t)) {
            (Ok(from), Ok(to)) => Maybe::Known(Some(PortRange { from, to })),
            _ => Maybe::unknown(format!("port range {f}-{t} out of range")),
        },
        _ => Maybe::Known(None),
    }
}

/// One IpPermission expands to a rule per peer (CIDR, IPv6 CIDR, group, prefix list).
pub fn map_permission(p: &ec2::IpPermission, prov: &Provenance) -> Vec<SgRule> {
    let protocol = match p.ip_protocol().and_then(Protocol::parse) {
        Some(x) => Maybe::Known(x),
        None => Maybe::unknown(format!("protocol {:?}", p.ip_protocol())),
    };
    let port_range = match protocol.known() {
        Some(&proto) => ports(proto, p.from_port(), p.to_port()),
        None => Maybe::unknown("protocol unknown"),
    };
    let mut peers: Vec<Maybe<Peer>> = Vec::new();
    peers.extend(
        p.ip_ranges()
            .iter()
            .map(|r| parse(r.cidr_ip()).map(Peer::Cidr)),
    );
    peers.extend(
        p.ipv6_ranges()
            .iter()
            .map(|r| parse(r.cidr_ipv6()).map(Peer::Cidr)),
    );
    peers.extend(
        p.user_id_group_pairs()
            .iter()
            .map(|g| Maybe::Known(Peer::SecurityGroup(id_of(g.group_id())))),
    );
    peers.extend(
        p.prefix_list_ids()
            .iter()
            .map(|g| Maybe::Known(Peer::PrefixList(id_of(g.prefix_list_id())))),
    );
    peers
        .into_iter()
        .map(|peer| SgRule {
            protocol: protocol.clone(),
            ports: port_range.clone(),
            peer,
            prov: prov.clone(),
        })
        .collect()
}

pub fn map_security_group(g: &ec2::SecurityGroup) -> SecurityGroup {
    let id = g.group_id().unwrap_or_default().to_string();
    let prov = Provenance::resource(&id);
    SecurityGroup {
        vpc: id_of(g.vpc_id()),
        ingress: g
            .ip_permissions()
            .iter()
            .flat_map(|p| map_permission(p, &prov))
            .collect(),
        egress: g
            .ip_permissions_egress()
            .iter()
            .flat_map(|p| map_permission(p, &prov))
            .collect(),
        default: g.group_name() == Some("default"),
        prov,
        id: Id(id),
    }
}

pub fn map_network_acl(n: &ec2::NetworkAcl) -> NetworkAcl {
    let id = n.network_acl_id().unwrap_or_default().to_string();
    let prov = Provenance::resource(&id);
    let entries = n
        .entries()
        .iter()
        .map(|e| {
            let protocol = match e.protocol().and_then(Protocol::parse) {
                Some(x) => Maybe::Known(x),
                None => Maybe::unknown(format!("protocol {:?}", e.protocol())),
            };
            let port_range = match protocol.known() {
                Some(&proto) => ports(
                    proto,
                    e.port_range().and_then(|r| r.from()),
                    e.port_range().and_then(|r| r.to()),
                ),
                None => Maybe::unknown("protocol unknown"),
            };
            NaclEntry {
                // 32767 is the implicit deny-all rule AWS reports as `*`.
                rule_number: match e.rule_number().map(u16::try_from) {
                    Some(Ok(n)) => Maybe::Known(n),
                    Some(Err(_)) => Maybe::unknown("rule number out of range"),
                    None => Maybe::unknown("no rule number"),
                },
                egress: e.egress().unwrap_or(false),
                protocol,
                ports: port_range,
                cidr: parse(e.cidr_block().or(e.ipv6_cidr_block())),
                allow: known(e.rule_action().map(|a| a.as_str() == "allow")),
                prov: prov.clone(),
            }
        })
        .collect();
    NetworkAcl {
        vpc: id_of(n.vpc_id()),
        subnets: n
            .associations()
            .iter()
            .map(|a| id_of(a.subnet_id()))
            .collect(),
        entries,
        default: n.is_default().unwrap_or(false),
        prov,
        id: Id(id),
    }
}

/// Policy documents come back as JSON text.
pub fn parse_policy(doc: &str) -> Maybe<serde_json::Value> {
    match serde_json::from_str(doc) {
        Ok(v) => Maybe::Known(v),
        Err(e) => Maybe::unknown(format!("endpoint policy is not valid JSON: {e}")),
    }
}

pub fn map_endpoint(e: &ec2::VpcEndpoint) -> VpcEndpoint {
    let id = e.vpc_endpoint_id().unwrap_or_default().to_string();
    let kind = match e.vpc_endpoint_type().map(|t| t.as_str()) {
        Some("Interface") => Maybe::Known(EndpointKind::Interface),
        Some("Gateway") => Maybe::Known(EndpointKind::Gateway),
        Some("GatewayLoadBalancer") => Maybe::Known(EndpointKind::GatewayLoadBalancer),
        Some(other) => Maybe::unknown(format!("endpoint type {other}")),
        None => Maybe::unknown("no endpoint type"),
    };
    VpcEndpoint {
        vpc: id_of(e.vpc_id()),
        service: known(e.service_name().map(str::to_string)),
        kind,
        subnets: e
            .subnet_ids()
            .iter()
            .map(|s| Maybe::Known(Id::from(s.as_str())))
            .collect(),
        security_groups: e.groups().iter().map(|g| id_of(g.group_id())).collect(),
        route_tables: e
            .route_table_ids()
            .iter()
            .map(|s| Maybe::Known(Id::from(s.as_str())))
            .collect(),
        private_dns: known(e.private_dns_enabled()),
        policy: e.policy_document().map(parse_policy),
        prov: Provenance::resource(&id),
        id: Id(id),
    }
}

/// An endpoint service with its allowed principals (DescribeVpcEndpointServicePermissions).
/// NLB references are ARNs; the model's load balancer ids are ARNs too.
pub fn map_endpoint_service(
    s: &ec2::ServiceConfiguration,
    principals: &[ec2::AllowedPrincipal],
) -> EndpointService {
    let id = s.service_id().unwrap_or_default().to_string();
    let prov = Provenance::resource(&id);
    EndpointService {
        network_load_balancers: s
            .network_load_balancer_arns()
            .iter()
            .map(|a| Maybe::Known(Id::from(a.as_str())))
            .collect(),
        acceptance_required: known(s.acceptance_required()),
        allowed_principals: principals
            .iter()
            .map(|p| (known(p.principal().map(str::to_string)), prov.clone()))
            .collect(),
        prov,
        id: Id(id),
    }
}

pub fn map_flow_log(f: &ec2::FlowLog) -> FlowLog {
    let id = f.flow_log_id().unwrap_or_default().to_string();
    FlowLog {
        resource: id_of(f.resource_id()),
        prov: Provenance::resource(&id),
        id: Id(id),
    }
}

#[cfg(test)]
#[path = "map_ec2_tests.rs"]
mod tests;

/// A DHCP options set and the audited VPCs that use it. `domain-name-servers` is the only key
/// the rules read (`AmazonProvidedDNS` is the Route 53 Resolver); a set without it uses the
/// Resolver too. Source:
/// <https://docs.aws.amazon.com/vpc/latest/userguide/DHCPOptionSet.html>.
pub fn map_dhcp_options(o: &ec2::DhcpOptions, vpcs: &[String]) -> moat_model::DhcpOptions {
    let id = o.dhcp_options_id().unwrap_or_default().to_string();
    let domain_name_servers = o
        .dhcp_configurations()
        .iter()
        .filter(|c| c.key() == Some("domain-name-servers"))
        .flat_map(|c| c.values())
        .map(|v| known(v.value().map(str::to_string)))
        .collect();
    moat_model::DhcpOptions {
        domain_name_servers,
        vpcs: vpcs
            .iter()
            .map(|v| Maybe::Known(Id::from(v.as_str())))
            .collect(),
        prov: Provenance::resource(&id),
        id: Id(id),
    }
}
