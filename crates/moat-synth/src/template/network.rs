//! VPC, isolated subnets, route tables, endpoints, security groups and flow logs.

use super::{name_tag, policy_doc, trust, Resources};
use crate::plan::{Plan, ServiceRole};
use crate::subnets::PlannedSubnet;
use crate::tree::{get_att, r, s, select_az, sub, MapB, Node};
use moat_model::EndpointKind;

pub(super) const ENDPOINT_SG: &str = "EndpointSecurityGroup";

/// The template parameter holding the region's S3 managed prefix list id.
pub const S3_PREFIX_LIST_PARAM: &str = "S3PrefixListId";

/// Whether a service group names the S3 prefix list: the S3 gateway is planned and a service
/// other than the egress gateway runs.
pub(crate) fn uses_s3_prefix_list(plan: &Plan) -> bool {
    plan.has_s3_gateway()
        && plan
            .services
            .iter()
            .any(|svc| svc.role != ServiceRole::EgressGateway)
}

/// The `S3PrefixListId` parameter and the template `Metadata` that declares what it stands for
/// (see `moat_cfn::prefix_lists`).
pub(crate) fn s3_prefix_list_parameter() -> (Node, Node) {
    // Source for the list's name and lookup:
    // https://docs.aws.amazon.com/vpc/latest/userguide/working-with-aws-managed-prefix-lists.html
    let param = MapB::new()
        .put("Type", s("String"))
        .put(
            "Description",
            s(
                "Id of the region's S3 managed prefix list (com.amazonaws.<region>.s3), the only \
               outside destination of the services' security groups. `moat deploy` fills it; by \
               hand: aws ec2 describe-managed-prefix-lists --filters \
               Name=prefix-list-name,Values=com.amazonaws.<region>.s3",
            ),
        )
        .put("AllowedPattern", s("^pl-[0-9a-f]+$"))
        .build();
    let metadata = MapB::new()
        .put(
            "moat",
            MapB::new()
                .put(
                    "managed_prefix_lists",
                    MapB::new().put(S3_PREFIX_LIST_PARAM, s("s3")).build(),
                )
                .build(),
        )
        .build();
    (param, metadata)
}

pub(crate) fn service_sg(stem: &str) -> String {
    format!("{stem}SecurityGroup")
}

pub(super) fn subnet_refs(plan: &Plan) -> Node {
    Node::Seq(plan.subnets.iter().map(|x| r(&x.logical_id)).collect())
}

pub(super) fn emit(plan: &Plan, res: &mut Resources) {
    // DNS support and hostnames: interface endpoints' private DNS needs both. Source:
    // https://docs.aws.amazon.com/vpc/latest/privatelink/create-interface-endpoint.html
    res.add(
        "Vpc",
        "AWS::EC2::VPC",
        MapB::new()
            .put("CidrBlock", s(&plan.vpc_cidr))
            .put("EnableDnsSupport", Node::Bool(true))
            .put("EnableDnsHostnames", Node::Bool(true))
            .put("Tags", name_tag(plan, "vpc")),
    );
    for sn in &plan.subnets {
        // One route table per AZ with no routes but `local` (and the S3 gateway's prefix-list
        // route, which the gateway endpoint adds): nothing leaves the VPC any other way.
        subnet_with_route_table(plan, res, sn, "Task");
    }
    if plan.egress.is_some() {
        egress_subnets(plan, res);
    }
    endpoints(plan, res);
    security_groups(plan, res);
    if plan.flow_logs {
        flow_logs(plan, res);
    }
}

/// The egress gateway's subnets: one per AZ, each with a route table whose default route goes
/// to the internet gateway. Nothing else is placed in them (the gateway service alone), and no
/// task subnet's route table gets such a route. Source:
/// <https://docs.aws.amazon.com/vpc/latest/userguide/VPC_Internet_Gateway.html>.
fn egress_subnets(plan: &Plan, res: &mut Resources) {
    let Some(eg) = &plan.egress else { return };
    res.add(
        "InternetGateway",
        "AWS::EC2::InternetGateway",
        MapB::new().put("Tags", name_tag(plan, "egress-igw")),
    );
    res.add(
        "InternetGatewayAttachment",
        "AWS::EC2::VPCGatewayAttachment",
        MapB::new()
            .put("VpcId", r("Vpc"))
            .put("InternetGatewayId", r("InternetGateway")),
    );
    for sn in &eg.subnets {
        let n = sn.az_index + 1;
        let rt = subnet_with_route_table(plan, res, sn, "Egress");
        debug_assert_eq!(rt, egress_route_table(sn.az_index));
        // A route to an internet gateway fails until the gateway is attached.
        res.add_after(
            &format!("EgressDefaultRoute{n}"),
            "AWS::EC2::Route",
            &["InternetGatewayAttachment".to_string()],
            MapB::new()
                .put("RouteTableId", r(&rt))
                .put("DestinationCidrBlock", s("0.0.0.0/0"))
                .put("GatewayId", r("InternetGateway")),
        );
    }
}

/// A subnet in one AZ (no public IPs on launch) with a route table of its own, associated:
/// `{kind}RouteTable{n}` and `{kind}RouteTableAssociation{n}`, all three tagged `{kind}-{n}` in
/// lower case. Returns the route table's logical id.
fn subnet_with_route_table(
    plan: &Plan,
    res: &mut Resources,
    sn: &PlannedSubnet,
    kind: &str,
) -> String {
    let n = sn.az_index + 1;
    let tag = format!("{}-{n}", kind.to_ascii_lowercase());
    res.add(
        &sn.logical_id,
        "AWS::EC2::Subnet",
        MapB::new()
            .put("VpcId", r("Vpc"))
            .put("CidrBlock", s(&sn.cidr))
            .put("AvailabilityZone", select_az(sn.az_index))
            .put("MapPublicIpOnLaunch", Node::Bool(false))
            .put("Tags", name_tag(plan, &tag)),
    );
    let rt = format!("{kind}RouteTable{n}");
    res.add(
        &rt,
        "AWS::EC2::RouteTable",
        MapB::new()
            .put("VpcId", r("Vpc"))
            .put("Tags", name_tag(plan, &tag)),
    );
    res.add(
        &format!("{kind}RouteTableAssociation{n}"),
        "AWS::EC2::SubnetRouteTableAssociation",
        MapB::new()
            .put("SubnetId", r(&sn.logical_id))
            .put("RouteTableId", r(&rt)),
    );
    rt
}

pub(super) fn egress_route_table(az_index: usize) -> String {
    format!("EgressRouteTable{}", az_index + 1)
}

fn endpoints(plan: &Plan, res: &mut Resources) {
    for ep in &plan.endpoints {
        let service_name = sub(format!("com.amazonaws.${{AWS::Region}}.{}", ep.name));
        let props = MapB::new()
            .put("VpcId", r("Vpc"))
            .put("ServiceName", service_name);
        let props = match ep.kind {
            EndpointKind::Gateway => {
                // The egress subnets' tables too: the gateway pulls its image layers from
                // S3 through the endpoint, like every task.
                let egress = plan.egress.iter().flat_map(|e| &e.subnets);
                let tables = plan
                    .subnets
                    .iter()
                    .map(|x| r(&format!("TaskRouteTable{}", x.az_index + 1)))
                    .chain(egress.map(|x| r(&egress_route_table(x.az_index))))
                    .collect();
                let p = props
                    .put("VpcEndpointType", s("Gateway"))
                    .put("RouteTableIds", Node::Seq(tables));
                // Least privilege: only the objects the tasks need (ECR layers, env files,
                // read buckets). A gateway without a policy would allow all of S3.
                if ep.name == "s3" && !plan.s3_gateway_policy.is_empty() {
                    p.put("PolicyDocument", policy_doc(&plan.s3_gateway_policy, true))
                } else {
                    p
                }
            }
            _ => props
                .put("VpcEndpointType", s("Interface"))
                .put("PrivateDnsEnabled", Node::Bool(true))
                .put("SubnetIds", subnet_refs(plan))
                .put("SecurityGroupIds", Node::Seq(vec![r(ENDPOINT_SG)])),
        };
        res.add(
            &ep.logical_id,
            "AWS::EC2::VPCEndpoint",
            props.put("Tags", name_tag(plan, &ep.name)),
        );
    }
}

/// Endpoint SG: TCP 443 only from the service SGs. Service SGs: egress TCP 443 only.
///
/// Egress to S3 through the gateway endpoint: TCP 443 to the region's `com.amazonaws.<region>.s3`
/// managed prefix list (`DestinationPrefixListId`), nothing wider. CloudFormation cannot look that
/// id up (`Fn::GetAtt` on a gateway `AWS::EC2::VPCEndpoint` does not return it), so it is the
/// template parameter [`S3_PREFIX_LIST_PARAM`], declared in the template's
/// `Metadata: moat: managed_prefix_lists` as S3's list: `moat deploy` fills it from
/// `DescribeManagedPrefixLists`, and `moat check` of the template without a value knows the rule
/// names S3's list. Inside the VPC, 443 reaches only the endpoint ENIs (whose SG admits the
/// service SGs) and, with `[egress]`, the proxy NLB in the task subnets. The egress gateway's own
/// group keeps its internet rules (it reaches S3 within them). Without the S3 gateway, egress is
/// 443 to the endpoint SG alone.
fn security_groups(plan: &Plan, res: &mut Resources) {
    let has_interface = plan.interface_endpoints().next().is_some();
    // An explicit egress rule replaces the default allow-all one; 127.0.0.1/32 matches nothing
    // an ENI sends, so the SG ends up with no usable egress.
    let no_egress = || {
        Node::Seq(vec![MapB::new()
            .put("CidrIp", s("127.0.0.1/32"))
            .put("IpProtocol", s("-1"))
            .put(
                "Description",
                s("no egress (replaces the default allow-all rule)"),
            )
            .build()])
    };
    if has_interface {
        res.add(
            ENDPOINT_SG,
            "AWS::EC2::SecurityGroup",
            MapB::new()
                .put(
                    "GroupDescription",
                    s(format!(
                        "{}: interface endpoints, HTTPS from the services only",
                        plan.name
                    )),
                )
                .put("VpcId", r("Vpc"))
                .put("SecurityGroupEgress", no_egress())
                .put("Tags", name_tag(plan, "endpoints")),
        );
    }
    for svc in &plan.services {
        let sg = service_sg(&svc.logical_id);
        let mut egress = Vec::new();
        if has_interface {
            egress.push(
                tcp(443)
                    .put("DestinationSecurityGroupId", r(ENDPOINT_SG))
                    .put("Description", s("HTTPS to the interface endpoints"))
                    .build(),
            );
        }
        let gateway = svc.role == ServiceRole::EgressGateway;
        if let (Some(eg), false) = (&plan.egress, gateway) {
            // The proxy NLB's nodes are in the task subnets: only those blocks, not the VPC
            // (the egress subnets hold the gateway tasks, which have public IPs).
            for cidr in task_cidrs(plan) {
                egress.push(
                    tcp(eg.port)
                        .put("CidrIp", s(cidr))
                        .put(
                            "Description",
                            s("to the egress gateway's internal NLB (HTTPS_PROXY), in the task subnets"),
                        )
                        .build(),
                );
            }
        }
        if let (Some(eg), true) = (&plan.egress, gateway) {
            // The allowlisted hosts, through the internet gateway, on the ports the allow
            // entries name (443 and 80 for an entry without one).
            for &port in &eg.egress_ports {
                let what = match port {
                    443 => "HTTPS".to_string(),
                    80 => "HTTP".to_string(),
                    p => format!("TCP {p}"),
                };
                egress.push(
                    tcp(port)
                        .put("CidrIp", s("0.0.0.0/0"))
                        .put(
                            "Description",
                            s(format!(
                                "{what} to the allowlisted hosts through the internet gateway"
                            )),
                        )
                        .build(),
                );
            }
        } else if plan.has_s3_gateway() {
            egress.push(
                tcp(443)
                    .put("DestinationPrefixListId", r(S3_PREFIX_LIST_PARAM))
                    .put(
                        "Description",
                        s("HTTPS to S3 (its managed prefix list) through the gateway endpoint"),
                    )
                    .build(),
            );
        }
        let egress = if egress.is_empty() {
            no_egress()
        } else {
            Node::Seq(egress)
        };
        let mut props = MapB::new()
            .put(
                "GroupDescription",
                s(format!("{}: tasks of service {}", plan.name, svc.name)),
            )
            .put("VpcId", r("Vpc"))
            .put("SecurityGroupEgress", egress);
        if let (Some(eg), true) = (&plan.egress, gateway) {
            // Only from inside the VPC (the NLB's nodes in the task subnets): the gateway has
            // a public IP, and must never be an open proxy on the internet.
            props.push(
                "SecurityGroupIngress",
                Node::Seq(
                    task_cidrs(plan)
                        .map(|cidr| {
                            tcp(eg.port)
                                .put("CidrIp", s(cidr))
                                .put(
                                    "Description",
                                    s("proxy clients, from the task subnets only (through the internal NLB)"),
                                )
                                .build()
                        })
                        .collect(),
                ),
            );
        }
        if let Some(ing) = &svc.ingress {
            // NLB nodes live in the task subnets and have no security group, so the task port
            // is opened to the task subnets' blocks (targets of type ip see the NLB node's
            // address for PrivateLink traffic) — never the egress subnets, whose gateway tasks
            // have public IPs.
            props.push(
                "SecurityGroupIngress",
                Node::Seq(
                    task_cidrs(plan)
                        .map(|cidr| {
                            tcp(ing.container_port)
                                .put("CidrIp", s(cidr))
                                .put(
                                    "Description",
                                    s("from the internal NLB, in the task subnets"),
                                )
                                .build()
                        })
                        .collect(),
                ),
            );
        }
        res.add(
            &sg,
            "AWS::EC2::SecurityGroup",
            props.put("Tags", name_tag(plan, &svc.name)),
        );
        if has_interface {
            // A separate ingress resource: inline it and the two SGs would reference each other.
            res.add(
                &format!("EndpointIngressFrom{}", svc.logical_id),
                "AWS::EC2::SecurityGroupIngress",
                tcp(443)
                    .put("GroupId", r(ENDPOINT_SG))
                    .put("SourceSecurityGroupId", r(&sg))
                    .put("Description", s(format!("HTTPS from service {}", svc.name))),
            );
        }
    }
}

/// The task subnets' CIDR blocks (where the internal NLBs' nodes are).
fn task_cidrs(plan: &Plan) -> impl Iterator<Item = &String> {
    plan.subnets.iter().map(|sn| &sn.cidr)
}

fn tcp(port: u16) -> MapB {
    MapB::new()
        .put("IpProtocol", s("tcp"))
        .put("FromPort", Node::Int(i64::from(port)))
        .put("ToPort", Node::Int(i64::from(port)))
}

/// The flow logs' log group.
pub(super) fn flow_log_group_name(plan: &Plan) -> String {
    format!("/moat/{}/vpc-flow-logs", plan.name)
}

/// Flow logs to CloudWatch Logs. Source:
/// <https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs-iam-role.html>.
fn flow_logs(plan: &Plan, res: &mut Resources) {
    res.add_retained(
        "FlowLogGroup",
        "AWS::Logs::LogGroup",
        MapB::new()
            .put("LogGroupName", s(flow_log_group_name(plan)))
            .put(
                "RetentionInDays",
                Node::Int(i64::from(plan.log_retention_days)),
            )
            .put("KmsKeyId", super::posture::key_arn())
            .put("Tags", name_tag(plan, "flow-logs")),
    );
    let policy = MapB::new()
        .put("Version", s("2012-10-17"))
        .put(
            "Statement",
            Node::Seq(vec![MapB::new()
                .put("Effect", s("Allow"))
                .put(
                    "Action",
                    Node::Seq(
                        [
                            "logs:CreateLogStream",
                            "logs:PutLogEvents",
                            "logs:DescribeLogGroups",
                            "logs:DescribeLogStreams",
                        ]
                        .into_iter()
                        .map(s)
                        .collect(),
                    ),
                )
                .put("Resource", get_att("FlowLogGroup", "Arn"))
                .build()]),
        )
        .build();
    res.add(
        "FlowLogRole",
        "AWS::IAM::Role",
        MapB::new()
            .put(
                "AssumeRolePolicyDocument",
                trust(
                    "vpc-flow-logs.amazonaws.com",
                    "arn:${AWS::Partition}:ec2:${AWS::Region}:${AWS::AccountId}:vpc-flow-log/*",
                ),
            )
            .put(
                "Policies",
                Node::Seq(vec![MapB::new()
                    .put("PolicyName", s("deliver-flow-logs"))
                    .put("PolicyDocument", policy)
                    .build()]),
            )
            .put("Tags", name_tag(plan, "flow-logs")),
    );
    res.add(
        "FlowLog",
        "AWS::EC2::FlowLog",
        MapB::new()
            .put("ResourceId", r("Vpc"))
            .put("ResourceType", s("VPC"))
            .put("TrafficType", s("ALL"))
            .put("LogDestinationType", s("cloud-watch-logs"))
            .put("LogGroupName", r("FlowLogGroup"))
            .put("DeliverLogsPermissionArn", get_att("FlowLogRole", "Arn"))
            .put("MaxAggregationInterval", Node::Int(60))
            .put("Tags", name_tag(plan, "flow-log")),
    );
}
