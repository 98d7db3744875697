//! AWS::EC2::* and AWS::ElasticLoadBalancingV2::* resources. Each property's meaning and default
//! is from the resource's page under
//! https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/ (cited per type below).

use super::util::*;
use crate::stack::{Env, Pending};
use crate::value::to_json;
use crate::value::V;
use crate::Error;
use moat_model::*;

fn cidr4(v: Option<&V>) -> Maybe<ipnet::Ipv4Net> {
    match v.map(|v| v.text()) {
        None => Maybe::Unknown("CidrBlock not set (IPAM pool?)".into()),
        Some(Ok(s)) => s.trim().parse().map_or_else(
            |_| Maybe::Unknown(format!("`{s}` is not an IPv4 CIDR")),
            Maybe::Known,
        ),
        Some(Err(w)) => Maybe::Unknown(w),
    }
}

fn cidr_any(v: &V) -> Maybe<ipnet::IpNet> {
    match v.text() {
        Ok(s) => s.trim().parse().map_or_else(
            |_| Maybe::Unknown(format!("`{s}` is not a CIDR")),
            Maybe::Known,
        ),
        Err(w) => Maybe::Unknown(w),
    }
}

/// Protocol and ports of an SG rule or NACL entry: `-1` means every port; ICMP has no ports.
fn proto_ports(
    p: &V,
    ipproto: &str,
    from: Option<&V>,
    to: Option<&V>,
) -> (Maybe<Protocol>, Maybe<Option<PortRange>>) {
    let protocol = match p.get(ipproto).map(|v| v.text()) {
        Some(Ok(s)) => Protocol::parse(&s)
            .map_or_else(|| Maybe::Unknown(format!("protocol `{s}`")), Maybe::Known),
        Some(Err(w)) => Maybe::Unknown(w),
        None => Maybe::Unknown(format!("{ipproto} not set")),
    };
    let ports = match protocol.known() {
        Some(Protocol::Tcp | Protocol::Udp) => match (from.map(mnum::<i32>), to.map(mnum::<i32>)) {
            (Some(Maybe::Known(-1)), _) | (_, Some(Maybe::Known(-1))) => Maybe::Known(None),
            (Some(Maybe::Known(f)), Some(Maybe::Known(t))) => {
                match (u16::try_from(f), u16::try_from(t)) {
                    (Ok(f), Ok(t)) => Maybe::Known(Some(PortRange { from: f, to: t })),
                    _ => Maybe::Unknown(format!("ports {f}-{t} out of range")),
                }
            }
            (Some(Maybe::Unknown(w)), _) | (_, Some(Maybe::Unknown(w))) => Maybe::Unknown(w),
            _ => Maybe::Unknown("port range not set".into()),
        },
        Some(_) => Maybe::Known(None),
        None => Maybe::Unknown("protocol unknown".into()),
    };
    (protocol, ports)
}

/// One SG rule (inline or standalone): https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-properties-ec2-security-group-rule.html
fn sg_rule(r: &V, egress: bool, mut prov: Provenance) -> SgRule {
    let (protocol, ports) = proto_ports(r, "IpProtocol", r.get("FromPort"), r.get("ToPort"));
    let (sg, pl) = if egress {
        ("DestinationSecurityGroupId", "DestinationPrefixListId")
    } else {
        ("SourceSecurityGroupId", "SourcePrefixListId")
    };
    let peer = if let Some(v) = r.get("CidrIp").or_else(|| r.get("CidrIpv6")) {
        cidr_any(v).map(Peer::Cidr)
    } else if let Some(v) = r.get(sg) {
        Maybe::Known(Peer::SecurityGroup(mid(v)))
    } else if let Some(v) = r.get(pl) {
        // Which list a rule names is often what a proof hangs on: point at it.
        field(&mut prov, "peer", Some(v));
        Maybe::Known(Peer::PrefixList(mid(v)))
    } else if let Some(v) = r.get("SourceSecurityGroupName") {
        Maybe::Unknown(format!(
            "security group by name {}",
            v.text().unwrap_or_default()
        ))
    } else {
        Maybe::Unknown("no peer (CidrIp, security group or prefix list) given".into())
    };
    SgRule {
        protocol,
        ports,
        peer,
        prov,
    }
}

/// The rule AWS adds to a VPC security group created without egress rules:
/// https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-ec2-securitygroup.html
/// ("Amazon EC2 creates a default egress rule that allows egress traffic on all ports and IP
/// protocols to any location. The default rule is removed only when you specify one or more
/// egress rules.")
fn default_egress(prov: Provenance) -> SgRule {
    SgRule {
        protocol: Maybe::Known(Protocol::All),
        ports: Maybe::Known(None),
        peer: Maybe::Known(Peer::Cidr(
            "0.0.0.0/0"
                .parse()
                .unwrap_or_else(|_| ipnet::IpNet::V4(Default::default())),
        )),
        prov,
    }
}

/// Route targets: https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-ec2-route.html
fn route(env: &mut Env, p: &V, mut prov: Provenance) {
    field(&mut prov, "route_tables", p.get("RouteTableId"));
    let dest = if let Some(v) = p
        .get("DestinationCidrBlock")
        .or_else(|| p.get("DestinationIpv6CidrBlock"))
    {
        field(&mut prov, "destination", Some(v));
        cidr_any(v).map(RouteDestination::Cidr)
    } else if let Some(v) = p.get("DestinationPrefixListId") {
        field(&mut prov, "destination", Some(v));
        Maybe::Known(RouteDestination::PrefixList(mid(v)))
    } else {
        Maybe::Unknown("no destination".into())
    };
    type Mk = fn(Maybe<Id>) -> RouteTarget;
    const TARGETS: &[(&str, Mk)] = &[
        ("NatGatewayId", RouteTarget::NatGateway),
        (
            "EgressOnlyInternetGatewayId",
            RouteTarget::EgressOnlyInternetGateway,
        ),
        ("TransitGatewayId", RouteTarget::TransitGateway),
        ("VpcPeeringConnectionId", RouteTarget::VpcPeering),
        ("InstanceId", RouteTarget::Instance),
        ("NetworkInterfaceId", RouteTarget::NetworkInterface),
        ("VpcEndpointId", RouteTarget::VpcEndpoint),
        ("CarrierGatewayId", RouteTarget::CarrierGateway),
        ("LocalGatewayId", RouteTarget::LocalGateway),
    ];
    let mut gateway = None;
    let mut target = RouteTarget::UnknownGateway("route has no target".into());
    if let Some(g) = p.get("GatewayId") {
        field(&mut prov, "target", Some(g));
        gateway = Some(mid(g));
    } else if let Some(c) = p.get("CoreNetworkArn") {
        field(&mut prov, "target", Some(c));
        target = RouteTarget::CoreNetwork(mstr(Some(c), "CoreNetworkArn"));
    } else if let Some((k, mk)) = TARGETS.iter().find(|(k, _)| p.get(k).is_some()) {
        let v = p.get(k);
        field(&mut prov, "target", v);
        target = mk(mid_opt(v, k));
    }
    let rt = mid_opt(p.get("RouteTableId"), "RouteTableId");
    env.pending.push(Pending::Route {
        rt,
        route: Route {
            destination: dest,
            target,
            prov,
        },
        gateway,
    });
}

/// Returns whether `ty` is one of ours.
pub fn lower(env: &mut Env, ty: &str, p: &V, prov: Provenance) -> Result<bool, Error> {
    let id = Id(prov.resource.clone());
    let m = &mut env.model;
    match ty {
        // https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-ec2-vpc.html
        // (EnableDnsSupport default true; EnableDnsHostnames default false)
        "AWS::EC2::VPC" => vpc(env, id, p, prov),
        // https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-ec2-vpccidrblock.html
        "AWS::EC2::VPCCidrBlock" => vpc_cidr_block(env, p),
        // https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-ec2-subnet.html
        // (MapPublicIpOnLaunch default false)
        "AWS::EC2::Subnet" => subnet(env, id, p, prov),
        "AWS::EC2::RouteTable" => m.route_tables.push(RouteTable {
            id,
            vpc: mid_opt(p.get("VpcId"), "VpcId"),
            main: false,
            subnets: Vec::new(),
            routes: Vec::new(),
            prov,
        }),
        "AWS::EC2::Route" => route(env, p, prov),
        "AWS::EC2::SubnetRouteTableAssociation" => env.pending.push(Pending::Assoc {
            rt: mid_opt(p.get("RouteTableId"), "RouteTableId"),
            subnet: mid_opt(p.get("SubnetId"), "SubnetId"),
        }),
        "AWS::EC2::InternetGateway" | "AWS::EC2::EgressOnlyInternetGateway" => {
            internet_gateway(env, id, ty, p, prov)
        }
        // https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-ec2-vpcgatewayattachment.html
        "AWS::EC2::VPCGatewayAttachment" => gateway_attachment(env, p, prov),
        // https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-ec2-natgateway.html
        // (ConnectivityType default public)
        "AWS::EC2::NatGateway" => m.nat_gateways.push(NatGateway {
            id,
            subnet: mid_opt(p.get("SubnetId"), "SubnetId"),
            public: match p.get("ConnectivityType").map(|v| v.text()) {
                None => Maybe::Known(true),
                Some(Ok(s)) => Maybe::Known(s != "private"),
                Some(Err(w)) => Maybe::Unknown(w),
            },
            prov,
        }),
        "AWS::EC2::EIP" => m.elastic_ips.push(ElasticIp { id, prov }),
        "AWS::EC2::SecurityGroup" => security_group(env, id, p, prov),
        // https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-ec2-securitygroupingress.html
        "AWS::EC2::SecurityGroupIngress" | "AWS::EC2::SecurityGroupEgress" => {
            security_group_rule(env, ty, p, prov)
        }
        "AWS::EC2::NetworkAcl" => m.network_acls.push(NetworkAcl {
            id,
            vpc: mid_opt(p.get("VpcId"), "VpcId"),
            subnets: Vec::new(),
            entries: Vec::new(),
            default: false,
            prov,
        }),
        // https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-ec2-networkaclentry.html
        "AWS::EC2::NetworkAclEntry" => nacl_entry(env, p, prov),
        "AWS::EC2::SubnetNetworkAclAssociation" => env.pending.push(Pending::NaclAssoc {
            nacl: mid_opt(p.get("NetworkAclId"), "NetworkAclId"),
            subnet: mid_opt(p.get("SubnetId"), "SubnetId"),
        }),
        // https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-ec2-vpcendpoint.html
        // (VpcEndpointType default Gateway; PrivateDnsEnabled default false)
        "AWS::EC2::VPCEndpoint" => vpc_endpoint(env, id, p, prov),
        // https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-ec2-vpcendpointservice.html
        // (AcceptanceRequired default false)
        "AWS::EC2::VPCEndpointService" => endpoint_service(env, id, p, prov),
        // https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-ec2-vpcendpointservicepermissions.html
        "AWS::EC2::VPCEndpointServicePermissions" => endpoint_service_permissions(env, p, prov),
        "AWS::EC2::FlowLog" => m.flow_logs.push(FlowLog {
            id,
            resource: mid_opt(p.get("ResourceId"), "ResourceId"),
            prov,
        }),
        // https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-elasticloadbalancingv2-loadbalancer.html
        // (Type default application; Scheme default internet-facing)
        "AWS::ElasticLoadBalancingV2::LoadBalancer" => load_balancer(env, id, p, prov),
        "AWS::ElasticLoadBalancingV2::TargetGroup" => m.target_groups.push(TargetGroup {
            id,
            port: p
                .get("Port")
                .map_or_else(|| Maybe::Unknown("Port not set".into()), mnum),
            protocol: mstr(p.get("Protocol"), "Protocol"),
            target_type: p.get("TargetType").map_or_else(
                || Maybe::Known("instance".into()),
                |v| mstr(Some(v), "TargetType"),
            ),
            vpc: mid_opt(p.get("VpcId"), "VpcId"),
            prov,
        }),
        // https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-elasticloadbalancingv2-listener.html
        "AWS::ElasticLoadBalancingV2::Listener" => listener(env, id, p, prov),
        _ => return Ok(false),
    }
    Ok(true)
}

fn vpc(env: &mut Env, id: Id, p: &V, mut prov: Provenance) {
    field(&mut prov, "cidr", p.get("CidrBlock"));
    field(&mut prov, "dns_support", p.get("EnableDnsSupport"));
    field(&mut prov, "dns_hostnames", p.get("EnableDnsHostnames"));
    env.model.vpcs.push(Vpc {
        id,
        cidrs: vec![cidr4(p.get("CidrBlock"))],
        dns_support: bool_or(p.get("EnableDnsSupport"), true),
        dns_hostnames: bool_or(p.get("EnableDnsHostnames"), false),
        prov,
    });
}

fn vpc_cidr_block(env: &mut Env, p: &V) {
    if p.get("CidrBlock").is_some() {
        env.pending.push(Pending::VpcCidr {
            vpc: mid_opt(p.get("VpcId"), "VpcId"),
            cidr: cidr4(p.get("CidrBlock")),
        });
    }
}

fn subnet(env: &mut Env, id: Id, p: &V, mut prov: Provenance) {
    field(&mut prov, "cidr", p.get("CidrBlock"));
    field(&mut prov, "map_public_ip", p.get("MapPublicIpOnLaunch"));
    env.model.subnets.push(Subnet {
        id,
        vpc: mid_opt(p.get("VpcId"), "VpcId"),
        cidr: cidr4(p.get("CidrBlock")),
        az: mstr(
            p.get("AvailabilityZone")
                .or_else(|| p.get("AvailabilityZoneId")),
            "AvailabilityZone",
        ),
        map_public_ip: bool_or(p.get("MapPublicIpOnLaunch"), false),
        prov,
    });
}

fn internet_gateway(env: &mut Env, id: Id, ty: &str, p: &V, prov: Provenance) {
    let egress_only = ty == "AWS::EC2::EgressOnlyInternetGateway";
    let mut attached = Vec::new();
    if egress_only {
        attached.push((mid_opt(p.get("VpcId"), "VpcId"), prov.clone()));
    }
    env.model.internet_gateways.push(InternetGateway {
        id,
        attached_vpcs: attached,
        egress_only,
        prov,
    });
}

fn gateway_attachment(env: &mut Env, p: &V, prov: Provenance) {
    if let Some(g) = p.get("InternetGatewayId") {
        env.pending.push(Pending::IgwAttach {
            igw: mid(g),
            vpc: mid_opt(p.get("VpcId"), "VpcId"),
            prov,
        });
    }
}

fn security_group(env: &mut Env, id: Id, p: &V, mut prov: Provenance) {
    field(&mut prov, "ingress", p.get("SecurityGroupIngress"));
    field(&mut prov, "egress", p.get("SecurityGroupEgress"));
    let rules = |key: &str, egress: bool| -> Vec<SgRule> {
        match p.get(key).map(|v| v.items()) {
            Some(Ok(items)) => items
                .iter()
                .map(|r| sg_rule(r, egress, prov.with_pos(r.pos.line, r.pos.col)))
                .collect(),
            Some(Err(w)) => vec![SgRule {
                protocol: Maybe::Unknown(w.clone()),
                ports: Maybe::Unknown(w.clone()),
                peer: Maybe::Unknown(w),
                prov: prov.clone(),
            }],
            None => Vec::new(),
        }
    };
    let ingress = rules("SecurityGroupIngress", false);
    let egress = match p.get("SecurityGroupEgress") {
        None => vec![default_egress(prov.clone())],
        Some(_) => rules("SecurityGroupEgress", true),
    };
    // No VpcId: the group is created in the default VPC (EC2-Classic for old accounts).
    let vpc = mid_opt(p.get("VpcId"), "VpcId (none: the default VPC)");
    env.model.security_groups.push(SecurityGroup {
        id,
        vpc,
        ingress,
        egress,
        default: false,
        prov,
    });
}

fn security_group_rule(env: &mut Env, ty: &str, p: &V, mut prov: Provenance) {
    let egress = ty.ends_with("Egress");
    let group = mid_opt(p.get("GroupId"), "GroupId");
    field(
        &mut prov,
        if egress { "egress" } else { "ingress" },
        Some(p),
    );
    let rule = sg_rule(p, egress, prov);
    env.pending.push(Pending::SgRule {
        group,
        egress,
        rule,
    });
}

fn nacl_entry(env: &mut Env, p: &V, mut prov: Provenance) {
    let range = p.get("PortRange");
    let (protocol, ports) = proto_ports(
        p,
        "Protocol",
        range.and_then(|r| r.get("From")),
        range.and_then(|r| r.get("To")),
    );
    field(
        &mut prov,
        "cidr",
        p.get("CidrBlock").or_else(|| p.get("Ipv6CidrBlock")),
    );
    let entry = NaclEntry {
        rule_number: p
            .get("RuleNumber")
            .map_or_else(|| Maybe::Unknown("RuleNumber not set".into()), mnum),
        egress: p.get("Egress").map(mbool).is_some_and(|b| b.or(false)),
        protocol,
        ports,
        cidr: p
            .get("CidrBlock")
            .or_else(|| p.get("Ipv6CidrBlock"))
            .map_or_else(|| Maybe::Unknown("no CIDR".into()), cidr_any),
        allow: match p.get("RuleAction").map(|v| v.text()) {
            Some(Ok(s)) => Maybe::Known(s.eq_ignore_ascii_case("allow")),
            Some(Err(w)) => Maybe::Unknown(w),
            None => Maybe::Unknown("RuleAction not set".into()),
        },
        prov,
    };
    env.pending.push(Pending::NaclEntry {
        nacl: mid_opt(p.get("NetworkAclId"), "NetworkAclId"),
        entry,
    });
}

fn vpc_endpoint(env: &mut Env, id: Id, p: &V, mut prov: Provenance) {
    for (f, k) in [
        ("private_dns", "PrivateDnsEnabled"),
        ("policy", "PolicyDocument"),
        ("subnets", "SubnetIds"),
        ("security_groups", "SecurityGroupIds"),
        ("route_tables", "RouteTableIds"),
    ] {
        field(&mut prov, f, p.get(k));
    }
    let kind = match p.get("VpcEndpointType").map(|v| v.text()) {
        None => Maybe::Known(EndpointKind::Gateway),
        Some(Ok(s)) => match s.as_str() {
            "Interface" => Maybe::Known(EndpointKind::Interface),
            "Gateway" => Maybe::Known(EndpointKind::Gateway),
            "GatewayLoadBalancer" => Maybe::Known(EndpointKind::GatewayLoadBalancer),
            _ => Maybe::Unknown(format!("endpoint type `{s}`")),
        },
        Some(Err(w)) => Maybe::Unknown(w),
    };
    let policy = p.get("PolicyDocument").map(|d| match &d.val {
        crate::value::Val::Str(s) => serde_json::from_str(s).map_or_else(
            |e| Maybe::Unknown(format!("policy is not JSON: {e}")),
            Maybe::Known,
        ),
        _ => to_json(d).map_or_else(Maybe::Unknown, Maybe::Known),
    });
    env.model.endpoints.push(VpcEndpoint {
        id,
        vpc: mid_opt(p.get("VpcId"), "VpcId"),
        service: mstr(p.get("ServiceName"), "ServiceName"),
        kind,
        subnets: ids(p.get("SubnetIds")),
        security_groups: ids(p.get("SecurityGroupIds")),
        route_tables: ids(p.get("RouteTableIds")),
        private_dns: bool_or(p.get("PrivateDnsEnabled"), false),
        policy,
        prov,
    });
}

fn endpoint_service(env: &mut Env, id: Id, p: &V, mut prov: Provenance) {
    field(
        &mut prov,
        "acceptance_required",
        p.get("AcceptanceRequired"),
    );
    env.model.endpoint_services.push(EndpointService {
        id,
        network_load_balancers: ids(p.get("NetworkLoadBalancerArns")),
        acceptance_required: bool_or(p.get("AcceptanceRequired"), false),
        allowed_principals: Vec::new(),
        prov,
    });
}

fn endpoint_service_permissions(env: &mut Env, p: &V, mut prov: Provenance) {
    field(&mut prov, "allowed_principals", p.get("AllowedPrincipals"));
    let principals = strs(p.get("AllowedPrincipals"))
        .into_iter()
        .map(|s| (s, prov.clone()))
        .collect();
    env.pending.push(Pending::Permissions {
        service: mid_opt(p.get("ServiceId"), "ServiceId"),
        principals,
    });
}

fn load_balancer(env: &mut Env, id: Id, p: &V, mut prov: Provenance) {
    field(&mut prov, "scheme", p.get("Scheme"));
    field(
        &mut prov,
        "subnets",
        p.get("Subnets").or_else(|| p.get("SubnetMappings")),
    );
    field(&mut prov, "security_groups", p.get("SecurityGroups"));
    let kind = match p.get("Type").map(|v| v.text()) {
        None => Maybe::Known(LoadBalancerKind::Application),
        Some(Ok(s)) => match s.as_str() {
            "network" => Maybe::Known(LoadBalancerKind::Network),
            "application" => Maybe::Known(LoadBalancerKind::Application),
            "gateway" => Maybe::Known(LoadBalancerKind::Gateway),
            _ => Maybe::Unknown(format!("load balancer type `{s}`")),
        },
        Some(Err(w)) => Maybe::Unknown(w),
    };
    let internal = match p.get("Scheme").map(|v| v.text()) {
        None => Maybe::Known(false),
        Some(Ok(s)) => Maybe::Known(s == "internal"),
        Some(Err(w)) => Maybe::Unknown(w),
    };
    let mut subnets = ids(p.get("Subnets"));
    if let Some(Ok(maps)) = p.get("SubnetMappings").map(|v| v.items()) {
        subnets.extend(maps.iter().map(|s| mid_opt(s.get("SubnetId"), "SubnetId")));
    }
    env.model.load_balancers.push(LoadBalancer {
        id,
        kind,
        internal,
        subnets,
        security_groups: ids(p.get("SecurityGroups")),
        prov,
    });
}

fn listener(env: &mut Env, id: Id, p: &V, prov: Provenance) {
    let certificates = match p.get("Certificates").map(|v| v.items()) {
        Some(Ok(c)) => c
            .iter()
            .map(|c| mstr(c.get("CertificateArn"), "CertificateArn"))
            .collect(),
        Some(Err(w)) => vec![Maybe::Unknown(w)],
        None => Vec::new(),
    };
    let mut tgs = Vec::new();
    if let Some(Ok(actions)) = p.get("DefaultActions").map(|v| v.items()) {
        for a in &actions {
            if let Some(t) = a.get("TargetGroupArn") {
                tgs.push(mid(t));
            }
            if let Some(Ok(fw)) = a
                .get("ForwardConfig")
                .and_then(|f| f.get("TargetGroups"))
                .map(|v| v.items())
            {
                tgs.extend(
                    fw.iter()
                        .map(|t| mid_opt(t.get("TargetGroupArn"), "TargetGroupArn")),
                );
            }
        }
    }
    env.model.listeners.push(Listener {
        id,
        load_balancer: mid_opt(p.get("LoadBalancerArn"), "LoadBalancerArn"),
        port: p
            .get("Port")
            .map_or_else(|| Maybe::Unknown("Port not set".into()), mnum),
        protocol: mstr(p.get("Protocol"), "Protocol"),
        certificates,
        target_groups: tgs,
        prov,
    });
}
