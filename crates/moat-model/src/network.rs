//! VPC networking: VPCs, subnets, routes, gateways, security groups, NACLs, endpoints, load
//! balancers and endpoint services.

use crate::{Id, Maybe, Provenance};
use ipnet::{IpNet, Ipv4Net};
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct Vpc {
    pub id: Id,
    /// Primary CIDR first, then any secondary (`AWS::EC2::VPCCidrBlock`) blocks.
    pub cidrs: Vec<Maybe<Ipv4Net>>,
    /// `EnableDnsSupport`; AWS default true.
    pub dns_support: Maybe<bool>,
    /// `EnableDnsHostnames`; AWS default false for a non-default VPC.
    pub dns_hostnames: Maybe<bool>,
    pub prov: Provenance,
}

#[derive(Debug, Clone, Serialize)]
pub struct Subnet {
    pub id: Id,
    pub vpc: Maybe<Id>,
    pub cidr: Maybe<Ipv4Net>,
    pub az: Maybe<String>,
    /// `MapPublicIpOnLaunch`; AWS default false for a non-default subnet.
    pub map_public_ip: Maybe<bool>,
    pub prov: Provenance,
}

#[derive(Debug, Clone, Serialize)]
pub struct RouteTable {
    pub id: Id,
    pub vpc: Maybe<Id>,
    /// The VPC's main route table (live only; a template cannot declare one).
    pub main: bool,
    /// Subnets explicitly associated with this table.
    pub subnets: Vec<Maybe<Id>>,
    pub routes: Vec<Route>,
    pub prov: Provenance,
}

#[derive(Debug, Clone, Serialize)]
pub struct Route {
    pub destination: Maybe<RouteDestination>,
    pub target: RouteTarget,
    pub prov: Provenance,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum RouteDestination {
    Cidr(IpNet),
    /// A managed prefix list (`pl-…`); the S3 gateway endpoint installs one.
    PrefixList(Maybe<Id>),
}

/// What a route sends traffic to. The variant decides whether a route can lead to the internet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum RouteTarget {
    Local,
    InternetGateway(Maybe<Id>),
    EgressOnlyInternetGateway(Maybe<Id>),
    NatGateway(Maybe<Id>),
    /// A virtual private gateway (VPN / Direct Connect).
    VpnGateway(Maybe<Id>),
    TransitGateway(Maybe<Id>),
    VpcPeering(Maybe<Id>),
    Instance(Maybe<Id>),
    NetworkInterface(Maybe<Id>),
    /// A gateway endpoint (S3 / DynamoDB) route, or a Gateway Load Balancer endpoint.
    VpcEndpoint(Maybe<Id>),
    CarrierGateway(Maybe<Id>),
    LocalGateway(Maybe<Id>),
    CoreNetwork(Maybe<String>),
    /// `GatewayId` whose kind cannot be told (an unresolved parameter).
    UnknownGateway(String),
}

#[derive(Debug, Clone, Serialize)]
pub struct InternetGateway {
    pub id: Id,
    /// VPCs it is attached to (`AWS::EC2::VPCGatewayAttachment`).
    pub attached_vpcs: Vec<(Maybe<Id>, Provenance)>,
    /// An egress-only internet gateway (IPv6 only).
    pub egress_only: bool,
    pub prov: Provenance,
}

#[derive(Debug, Clone, Serialize)]
pub struct NatGateway {
    pub id: Id,
    pub subnet: Maybe<Id>,
    /// `ConnectivityType: public` (default) vs `private`.
    pub public: Maybe<bool>,
    pub prov: Provenance,
}

#[derive(Debug, Clone, Serialize)]
pub struct ElasticIp {
    pub id: Id,
    pub prov: Provenance,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Protocol {
    All,
    Tcp,
    Udp,
    Icmp,
    Icmpv6,
    Other(u8),
}

impl Protocol {
    /// Parse an `IpProtocol` value: `-1`, `tcp`, `6`, `udp`, `17`, `icmp`, `1`, `icmpv6`, `58`.
    pub fn parse(s: &str) -> Option<Protocol> {
        Some(match s.to_ascii_lowercase().as_str() {
            "-1" | "all" => Protocol::All,
            "tcp" | "6" => Protocol::Tcp,
            "udp" | "17" => Protocol::Udp,
            "icmp" | "1" => Protocol::Icmp,
            "icmpv6" | "58" => Protocol::Icmpv6,
            n => Protocol::Other(n.parse().ok()?),
        })
    }

    /// Does a rule with this protocol admit TCP?
    pub fn admits_tcp(self) -> bool {
        matches!(self, Protocol::All | Protocol::Tcp)
    }
}

/// An inclusive port range. `None` on a rule means all ports (protocol `-1`, or ICMP).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct PortRange {
    pub from: u16,
    pub to: u16,
}

impl PortRange {
    pub const ALL: PortRange = PortRange { from: 0, to: 65535 };
    /// Ephemeral ports a NACL must admit for return traffic; AWS documents 1024-65535 as the
    /// range that covers every client.
    /// Source: https://docs.aws.amazon.com/vpc/latest/userguide/custom-network-acl.html#nacl-ephemeral-ports
    pub const EPHEMERAL: PortRange = PortRange {
        from: 1024,
        to: 65535,
    };

    pub fn single(p: u16) -> Self {
        PortRange { from: p, to: p }
    }
    pub fn contains(&self, p: u16) -> bool {
        self.from <= p && p <= self.to
    }
    pub fn covers(&self, other: &PortRange) -> bool {
        self.from <= other.from && other.to <= self.to
    }
}

/// A managed prefix list as moat knows it: its id and, when known, its name. A rule or route
/// names a list by id only; what the list holds is told by its name, since an AWS-managed list's
/// name says whose addresses it holds (`com.amazonaws.<region>.s3`: S3's in that region). Source:
/// https://docs.aws.amazon.com/vpc/latest/userguide/working-with-aws-managed-prefix-lists.html
///
/// Live, the id is the `pl-…` and the name comes from `DescribeManagedPrefixLists`. In a template
/// whose list is a parameter moat declares (`Metadata: moat: managed_prefix_lists`) and that has
/// no value, the id is the parameter's name (symbolic, like a resource's logical id) and the name
/// is what the declaration says. A `pl-…` given with no name (a literal, a `--param`) is not in
/// [`crate::Model::prefix_lists`]: moat knows its id, not whose list it is.
#[derive(Debug, Clone, Serialize)]
pub struct PrefixList {
    pub id: Id,
    /// `com.amazonaws.<region>.<service>` for an AWS-managed list; the owner's name for others.
    pub name: Maybe<String>,
    pub prov: Provenance,
}

impl PrefixList {
    /// The name of the AWS-managed prefix list of gateway endpoint service `service` in
    /// `region` (the same text as the endpoint's service name).
    pub fn aws_managed_name(region: &str, service: &str) -> String {
        format!("com.amazonaws.{region}.{service}")
    }

    /// Whether `name` is an AWS-managed list's name (AWS owns its entries).
    pub fn is_aws_managed_name(name: &str) -> bool {
        name.starts_with("com.amazonaws.")
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Peer {
    Cidr(IpNet),
    SecurityGroup(Maybe<Id>),
    PrefixList(Maybe<Id>),
}

#[derive(Debug, Clone, Serialize)]
pub struct SgRule {
    pub protocol: Maybe<Protocol>,
    /// `None`: all ports.
    pub ports: Maybe<Option<PortRange>>,
    pub peer: Maybe<Peer>,
    pub prov: Provenance,
}

impl SgRule {
    /// Does this rule certainly admit TCP to `port`? Unknown parts make it `None` (can't tell).
    pub fn admits_tcp_port(&self, port: u16) -> Option<bool> {
        let proto = *self.protocol.known()?;
        if !proto.admits_tcp() {
            return Some(false);
        }
        if proto == Protocol::All {
            return Some(true);
        }
        match self.ports.known()? {
            None => Some(true),
            Some(r) => Some(r.contains(port)),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct SecurityGroup {
    pub id: Id,
    pub vpc: Maybe<Id>,
    pub ingress: Vec<SgRule>,
    /// Egress rules. A group created without explicit egress rules has AWS's default allow-all
    /// egress rule; sources add it explicitly so rules need not know that default.
    pub egress: Vec<SgRule>,
    /// The VPC's default security group (live), used by endpoints created without groups.
    pub default: bool,
    pub prov: Provenance,
}

#[derive(Debug, Clone, Serialize)]
pub struct NetworkAcl {
    pub id: Id,
    pub vpc: Maybe<Id>,
    pub subnets: Vec<Maybe<Id>>,
    pub entries: Vec<NaclEntry>,
    /// The VPC's default ACL (live).
    pub default: bool,
    pub prov: Provenance,
}

#[derive(Debug, Clone, Serialize)]
pub struct NaclEntry {
    pub rule_number: Maybe<u16>,
    pub egress: bool,
    pub protocol: Maybe<Protocol>,
    /// `None`: all ports.
    pub ports: Maybe<Option<PortRange>>,
    pub cidr: Maybe<IpNet>,
    pub allow: Maybe<bool>,
    pub prov: Provenance,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum EndpointKind {
    Interface,
    Gateway,
    GatewayLoadBalancer,
}

#[derive(Debug, Clone, Serialize)]
pub struct VpcEndpoint {
    pub id: Id,
    pub vpc: Maybe<Id>,
    /// Full service name, `com.amazonaws.<region>.<service>`.
    pub service: Maybe<String>,
    pub kind: Maybe<EndpointKind>,
    /// Interface: the subnets holding its network interfaces.
    pub subnets: Vec<Maybe<Id>>,
    /// Interface: its security groups (none given: the VPC's default group).
    pub security_groups: Vec<Maybe<Id>>,
    /// Gateway: the route tables it adds its prefix-list route to.
    pub route_tables: Vec<Maybe<Id>>,
    /// Interface: `PrivateDnsEnabled` (CloudFormation default false).
    pub private_dns: Maybe<bool>,
    /// Endpoint policy document (`None`: the default full-access policy).
    pub policy: Option<Maybe<serde_json::Value>>,
    pub prov: Provenance,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum LoadBalancerKind {
    Network,
    Application,
    Gateway,
}

#[derive(Debug, Clone, Serialize)]
pub struct LoadBalancer {
    pub id: Id,
    pub kind: Maybe<LoadBalancerKind>,
    /// `Scheme: internal` (true) or `internet-facing` (false; the AWS default).
    pub internal: Maybe<bool>,
    pub subnets: Vec<Maybe<Id>>,
    pub security_groups: Vec<Maybe<Id>>,
    pub prov: Provenance,
}

#[derive(Debug, Clone, Serialize)]
pub struct TargetGroup {
    pub id: Id,
    pub port: Maybe<u16>,
    pub protocol: Maybe<String>,
    pub target_type: Maybe<String>,
    pub vpc: Maybe<Id>,
    pub prov: Provenance,
}

#[derive(Debug, Clone, Serialize)]
pub struct Listener {
    pub id: Id,
    pub load_balancer: Maybe<Id>,
    pub port: Maybe<u16>,
    /// `TCP`, `TLS`, `UDP`, `HTTP`, `HTTPS`, …
    pub protocol: Maybe<String>,
    pub certificates: Vec<Maybe<String>>,
    pub target_groups: Vec<Maybe<Id>>,
    pub prov: Provenance,
}

#[derive(Debug, Clone, Serialize)]
pub struct EndpointService {
    pub id: Id,
    pub network_load_balancers: Vec<Maybe<Id>>,
    /// `AcceptanceRequired`; CloudFormation default false.
    pub acceptance_required: Maybe<bool>,
    /// Allowed principals (ARNs, or `*`), from `AWS::EC2::VPCEndpointServicePermissions`.
    pub allowed_principals: Vec<(Maybe<String>, Provenance)>,
    pub prov: Provenance,
}

#[derive(Debug, Clone, Serialize)]
pub struct FlowLog {
    pub id: Id,
    /// The VPC, subnet or ENI it records.
    pub resource: Maybe<Id>,
    pub prov: Provenance,
}
