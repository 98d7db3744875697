//! Hand-built DescribeX shapes -> model elements.

use super::*;
use aws_sdk_ec2::types as ec2;
use moat_model::{EndpointKind, Peer, Protocol, RouteDestination, RouteTarget};

#[test]
fn vpc_keeps_associated_cidrs_and_dns() {
    let v = ec2::Vpc::builder()
        .vpc_id("vpc-1")
        .cidr_block("10.0.0.0/16")
        .cidr_block_association_set(
            ec2::VpcCidrBlockAssociation::builder()
                .cidr_block("10.0.0.0/16")
                .cidr_block_state(
                    ec2::VpcCidrBlockState::builder()
                        .state(ec2::VpcCidrBlockStateCode::Associated)
                        .build(),
                )
                .build(),
        )
        .cidr_block_association_set(
            ec2::VpcCidrBlockAssociation::builder()
                .cidr_block("10.9.0.0/16")
                .cidr_block_state(
                    ec2::VpcCidrBlockState::builder()
                        .state(ec2::VpcCidrBlockStateCode::Disassociated)
                        .build(),
                )
                .build(),
        )
        .build();
    let m = map_vpc(&v, Some(true), None);
    assert_eq!(m.id.as_str(), "vpc-1");
    assert_eq!(m.cidrs.len(), 1);
    assert_eq!(
        m.cidrs[0].known().map(|c| c.to_string()).as_deref(),
        Some("10.0.0.0/16")
    );
    assert_eq!(m.dns_support, Maybe::Known(true));
    assert!(!m.dns_hostnames.is_known());
    assert_eq!(m.prov.resource, "vpc-1");
}

#[test]
fn subnet_fields() {
    let s = ec2::Subnet::builder()
        .subnet_id("subnet-1")
        .vpc_id("vpc-1")
        .cidr_block("10.0.1.0/24")
        .availability_zone("us-east-1a")
        .map_public_ip_on_launch(true)
        .build();
    let m = map_subnet(&s);
    assert_eq!(m.vpc, Maybe::Known(Id::from("vpc-1")));
    assert_eq!(m.map_public_ip, Maybe::Known(true));
    assert_eq!(m.az.known().map(String::as_str), Some("us-east-1a"));
}

#[test]
fn route_table_main_associations_and_targets() {
    let t = ec2::RouteTable::builder()
        .route_table_id("rtb-1")
        .vpc_id("vpc-1")
        .associations(ec2::RouteTableAssociation::builder().main(true).build())
        .associations(
            ec2::RouteTableAssociation::builder()
                .main(false)
                .subnet_id("subnet-1")
                .build(),
        )
        .routes(
            ec2::Route::builder()
                .destination_cidr_block("10.0.0.0/16")
                .gateway_id("local")
                .build(),
        )
        .routes(
            ec2::Route::builder()
                .destination_cidr_block("0.0.0.0/0")
                .gateway_id("igw-1")
                .build(),
        )
        .routes(
            ec2::Route::builder()
                .destination_ipv6_cidr_block("::/0")
                .egress_only_internet_gateway_id("eigw-1")
                .build(),
        )
        .routes(
            ec2::Route::builder()
                .destination_prefix_list_id("pl-63a5400a")
                .gateway_id("vpce-1")
                .build(),
        )
        .routes(
            ec2::Route::builder()
                .destination_cidr_block("192.168.0.0/16")
                .nat_gateway_id("nat-1")
                .build(),
        )
        .routes(
            ec2::Route::builder()
                .destination_cidr_block("172.16.0.0/12")
                .transit_gateway_id("tgw-1")
                .build(),
        )
        .build();
    let m = map_route_table(&t);
    assert!(m.main);
    assert_eq!(m.subnets, vec![Maybe::Known(Id::from("subnet-1"))]);
    let targets: Vec<&RouteTarget> = m.routes.iter().map(|r| &r.target).collect();
    assert_eq!(targets[0], &RouteTarget::Local);
    assert_eq!(
        targets[1],
        &RouteTarget::InternetGateway(Maybe::Known(Id::from("igw-1")))
    );
    assert_eq!(
        targets[2],
        &RouteTarget::EgressOnlyInternetGateway(Maybe::Known(Id::from("eigw-1")))
    );
    assert_eq!(
        targets[3],
        &RouteTarget::VpcEndpoint(Maybe::Known(Id::from("vpce-1")))
    );
    assert_eq!(
        targets[4],
        &RouteTarget::NatGateway(Maybe::Known(Id::from("nat-1")))
    );
    assert_eq!(
        targets[5],
        &RouteTarget::TransitGateway(Maybe::Known(Id::from("tgw-1")))
    );
    assert_eq!(
        m.routes[3].destination,
        Maybe::Known(RouteDestination::PrefixList(Maybe::Known(Id::from(
            "pl-63a5400a"
        ))))
    );
    let default: ipnet::IpNet = "0.0.0.0/0".parse().expect("cidr");
    assert_eq!(
        m.routes[1].destination,
        Maybe::Known(RouteDestination::Cidr(default))
    );
}

#[test]
fn gateways_attachments() {
    let g = ec2::InternetGateway::builder()
        .internet_gateway_id("igw-1")
        .attachments(
            ec2::InternetGatewayAttachment::builder()
                .vpc_id("vpc-1")
                .state(ec2::AttachmentStatus::Attached)
                .build(),
        )
        .attachments(
            ec2::InternetGatewayAttachment::builder()
                .vpc_id("vpc-2")
                .state(ec2::AttachmentStatus::Detached)
                .build(),
        )
        .build();
    let m = map_internet_gateway(&g);
    assert_eq!(m.attached_vpcs.len(), 1);
    assert_eq!(m.attached_vpcs[0].0, Maybe::Known(Id::from("vpc-1")));
    assert!(!m.egress_only);
    let e = ec2::EgressOnlyInternetGateway::builder()
        .egress_only_internet_gateway_id("eigw-1")
        .attachments(
            ec2::InternetGatewayAttachment::builder()
                .vpc_id("vpc-1")
                .build(),
        )
        .build();
    assert!(map_egress_only_gateway(&e).egress_only);
    let n = ec2::NatGateway::builder()
        .nat_gateway_id("nat-1")
        .subnet_id("subnet-1")
        .connectivity_type(ec2::ConnectivityType::Private)
        .build();
    assert_eq!(map_nat_gateway(&n).public, Maybe::Known(false));
    let a = ec2::Address::builder()
        .allocation_id("eipalloc-1")
        .public_ip("1.2.3.4")
        .build();
    assert_eq!(map_address(&a).id.as_str(), "eipalloc-1");
}

#[test]
fn security_group_rules_expand_per_peer() {
    let g = ec2::SecurityGroup::builder()
        .group_id("sg-1")
        .group_name("default")
        .vpc_id("vpc-1")
        .ip_permissions(
            ec2::IpPermission::builder()
                .ip_protocol("tcp")
                .from_port(443)
                .to_port(443)
                .ip_ranges(ec2::IpRange::builder().cidr_ip("10.0.0.0/16").build())
                .user_id_group_pairs(ec2::UserIdGroupPair::builder().group_id("sg-2").build())
                .build(),
        )
        .ip_permissions_egress(
            ec2::IpPermission::builder()
                .ip_protocol("-1")
                .ip_ranges(ec2::IpRange::builder().cidr_ip("0.0.0.0/0").build())
                .ipv6_ranges(ec2::Ipv6Range::builder().cidr_ipv6("::/0").build())
                .prefix_list_ids(ec2::PrefixListId::builder().prefix_list_id("pl-1").build())
                .build(),
        )
        .build();
    let m = map_security_group(&g);
    assert!(m.default);
    assert_eq!(m.ingress.len(), 2);
    assert_eq!(m.ingress[0].admits_tcp_port(443), Some(true));
    assert_eq!(m.ingress[0].admits_tcp_port(80), Some(false));
    assert_eq!(
        m.ingress[1].peer,
        Maybe::Known(Peer::SecurityGroup(Maybe::Known(Id::from("sg-2"))))
    );
    assert_eq!(m.egress.len(), 3);
    assert_eq!(m.egress[0].protocol, Maybe::Known(Protocol::All));
    assert_eq!(m.egress[0].ports, Maybe::Known(None));
    assert_eq!(
        m.egress[2].peer,
        Maybe::Known(Peer::PrefixList(Maybe::Known(Id::from("pl-1"))))
    );
}

#[test]
fn nacl_entries_and_associations() {
    let n = ec2::NetworkAcl::builder()
        .network_acl_id("acl-1")
        .vpc_id("vpc-1")
        .is_default(true)
        .associations(
            ec2::NetworkAclAssociation::builder()
                .subnet_id("subnet-1")
                .build(),
        )
        .entries(
            ec2::NetworkAclEntry::builder()
                .rule_number(100)
                .protocol("6")
                .egress(false)
                .cidr_block("10.0.0.0/16")
                .rule_action(ec2::RuleAction::Allow)
                .port_range(ec2::PortRange::builder().from(443).to(443).build())
                .build(),
        )
        .entries(
            ec2::NetworkAclEntry::builder()
                .rule_number(32767)
                .protocol("-1")
                .egress(true)
                .cidr_block("0.0.0.0/0")
                .rule_action(ec2::RuleAction::Deny)
                .build(),
        )
        .build();
    let m = map_network_acl(&n);
    assert!(m.default);
    assert_eq!(m.subnets, vec![Maybe::Known(Id::from("subnet-1"))]);
    assert_eq!(m.entries[0].protocol, Maybe::Known(Protocol::Tcp));
    assert_eq!(
        m.entries[0].ports,
        Maybe::Known(Some(moat_model::PortRange::single(443)))
    );
    assert_eq!(m.entries[0].allow, Maybe::Known(true));
    assert!(m.entries[1].egress);
    assert_eq!(m.entries[1].allow, Maybe::Known(false));
    assert_eq!(m.entries[1].rule_number, Maybe::Known(32767));
}

#[test]
fn endpoints_and_policies() {
    let e = ec2::VpcEndpoint::builder()
        .vpc_endpoint_id("vpce-1")
        .vpc_id("vpc-1")
        .service_name("com.amazonaws.us-east-1.ecr.dkr")
        .vpc_endpoint_type(ec2::VpcEndpointType::Interface)
        .subnet_ids("subnet-1")
        .groups(
            ec2::SecurityGroupIdentifier::builder()
                .group_id("sg-1")
                .build(),
        )
        .private_dns_enabled(true)
        .policy_document(
            r#"{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Principal":"*"}]}"#,
        )
        .build();
    let m = map_endpoint(&e);
    assert_eq!(m.kind, Maybe::Known(EndpointKind::Interface));
    assert_eq!(m.private_dns, Maybe::Known(true));
    assert_eq!(m.security_groups, vec![Maybe::Known(Id::from("sg-1"))]);
    assert!(matches!(m.policy, Some(Maybe::Known(_))));
    let g = ec2::VpcEndpoint::builder()
        .vpc_endpoint_id("vpce-2")
        .vpc_endpoint_type(ec2::VpcEndpointType::Gateway)
        .route_table_ids("rtb-1")
        .policy_document("{not json")
        .build();
    let m = map_endpoint(&g);
    assert_eq!(m.kind, Maybe::Known(EndpointKind::Gateway));
    assert_eq!(m.route_tables, vec![Maybe::Known(Id::from("rtb-1"))]);
    assert!(matches!(m.policy, Some(Maybe::Unknown(_))));
}

#[test]
fn endpoint_service_and_flow_log() {
    let s = ec2::ServiceConfiguration::builder()
        .service_id("vpce-svc-1")
        .acceptance_required(false)
        .network_load_balancer_arns("arn:aws:elasticloadbalancing:us-east-1:1:loadbalancer/net/x/1")
        .build();
    let p = ec2::AllowedPrincipal::builder().principal("*").build();
    let m = map_endpoint_service(&s, &[p]);
    assert_eq!(m.acceptance_required, Maybe::Known(false));
    assert_eq!(m.allowed_principals.len(), 1);
    assert_eq!(m.allowed_principals[0].0, Maybe::Known("*".to_string()));
    assert_eq!(m.network_load_balancers.len(), 1);
    let f = ec2::FlowLog::builder()
        .flow_log_id("fl-1")
        .resource_id("vpc-1")
        .build();
    assert_eq!(map_flow_log(&f).resource, Maybe::Known(Id::from("vpc-1")));
}

#[test]
fn dhcp_options_keep_their_name_servers_and_vpcs() {
    let o = ec2::DhcpOptions::builder()
        .dhcp_options_id("dopt-1")
        .dhcp_configurations(
            ec2::DhcpConfiguration::builder()
                .key("domain-name-servers")
                .values(ec2::AttributeValue::builder().value("10.0.0.2").build())
                .values(
                    ec2::AttributeValue::builder()
                        .value("AmazonProvidedDNS")
                        .build(),
                )
                .build(),
        )
        .dhcp_configurations(
            ec2::DhcpConfiguration::builder()
                .key("domain-name")
                .values(ec2::AttributeValue::builder().value("corp.example").build())
                .build(),
        )
        .build();
    let m = map_dhcp_options(&o, &["vpc-1".to_string()]);
    assert_eq!(m.id.as_str(), "dopt-1");
    let servers: Vec<&str> = m
        .domain_name_servers
        .iter()
        .filter_map(|s| s.known().map(String::as_str))
        .collect();
    assert_eq!(servers, ["10.0.0.2", "AmazonProvidedDNS"]);
    assert_eq!(m.vpcs, [Maybe::Known(Id::from("vpc-1"))]);
}
