//! `audit`: read a live VPC (or the VPCs of a stack) through the describe APIs into a
//! [`Model`], so the rules that judge templates judge the account.

use crate::error::sdk;
use crate::map_ec2::*;
use crate::map_svc::*;
use crate::{Aws, AwsError};
use aws_sdk_ec2::types::Filter;
use moat_model::{Id, LogGroup, Maybe, Model, Provenance};
use std::collections::{BTreeSet, HashSet};

/// What to audit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuditTarget {
    /// The VPCs a CloudFormation stack created or uses (through its subnets).
    Stack(String),
    /// One VPC by id.
    Vpc(String),
}

/// Run every page of a paginated request, handing each page to `$body`.
macro_rules! pages {
    ($req:expr, $action:expr, |$p:ident| $body:block) => {{
        let mut stream = $req.into_paginator().send();
        while let Some(page) = stream.next().await {
            let $p = page.map_err(|e| sdk($action, e))?;
            $body
        }
    }};
}

fn vpc_filter(name: &str, vpcs: &[String]) -> Filter {
    Filter::builder()
        .name(name)
        .set_values(Some(vpcs.to_vec()))
        .build()
}

/// Read the live state of `target` into a model. The notes say what was read and what was
/// left out (and why), for the report's summary.
pub async fn audit(aws: &Aws, target: &AuditTarget) -> Result<(Model, Vec<String>), AwsError> {
    let mut notes = Vec::new();
    let mut model = Model {
        region: match &aws.region {
            Some(r) => Maybe::Known(r.clone()),
            None => Maybe::unknown("no region configured"),
        },
        account_id: match aws.account_id().await {
            Ok(a) => Maybe::Known(a),
            Err(e) => {
                notes.push(format!("account id unknown: {e}"));
                Maybe::unknown(e.to_string())
            }
        },
        ..Model::default()
    };
    let scope = match target {
        AuditTarget::Vpc(id) => StackScope {
            vpcs: vec![id.clone()],
            ..Default::default()
        },
        AuditTarget::Stack(name) => stack_scope(aws, name, &mut notes).await?,
    };
    let vpcs = &scope.vpcs;
    notes.push(format!("audited {}", vpcs.join(", ")));
    read_network(aws, vpcs, &mut model, &mut notes).await?;
    crate::prefix_lists::read_prefix_list_names(aws, &mut model).await?;
    read_load_balancers(aws, vpcs, &mut model).await?;
    read_endpoint_services(aws, &scope.endpoint_services, &mut model).await?;
    read_ecs(aws, &scope.ecs_services, &mut model, &mut notes).await?;
    crate::read_dns::read_resolver(aws, vpcs, &mut model, &mut notes).await;
    Ok((model, notes))
}

/// What a stack contributes to an audit.
#[derive(Debug, Default)]
struct StackScope {
    vpcs: Vec<String>,
    /// Endpoint services of the stack (the API does not tie them to a VPC).
    endpoint_services: Vec<String>,
    /// ECS services of the stack (physical ids: ARNs), audited even when their network
    /// configuration cannot be read.
    ecs_services: Vec<String>,
}

/// The VPCs of a stack: its `AWS::EC2::VPC` resources, else the VPCs of its subnets. Also its
/// endpoint services and ECS services.
async fn stack_scope(
    aws: &Aws,
    stack: &str,
    notes: &mut Vec<String>,
) -> Result<StackScope, AwsError> {
    let mut vpcs = BTreeSet::new();
    let mut subnets = Vec::new();
    let mut services = Vec::new();
    let mut ecs_services = Vec::new();
    pages!(
        aws.cfn.list_stack_resources().stack_name(stack),
        "cloudformation:ListStackResources",
        |p| {
            for r in p.stack_resource_summaries() {
                let Some(id) = r.physical_resource_id() else {
                    continue;
                };
                match r.resource_type() {
                    Some("AWS::EC2::VPC") => {
                        vpcs.insert(id.to_string());
                    }
                    Some("AWS::EC2::Subnet") => subnets.push(id.to_string()),
                    Some("AWS::EC2::VPCEndpointService") => services.push(id.to_string()),
                    Some("AWS::ECS::Service") => ecs_services.push(id.to_string()),
                    _ => {}
                }
            }
        }
    );
    if vpcs.is_empty() && !subnets.is_empty() {
        pages!(
            aws.ec2.describe_subnets().set_subnet_ids(Some(subnets)),
            "ec2:DescribeSubnets",
            |p| {
                vpcs.extend(
                    p.subnets()
                        .iter()
                        .filter_map(|s| s.vpc_id().map(str::to_string)),
                );
            }
        );
    }
    if vpcs.is_empty() {
        return Err(AwsError::Api {
            operation: "cloudformation:ListStackResources".into(),
            message: format!("stack `{stack}` has no VPC or subnet to audit"),
        });
    }
    notes.push(format!(
        "stack {stack}: VPCs {}",
        vpcs.iter().cloned().collect::<Vec<_>>().join(", ")
    ));
    Ok(StackScope {
        vpcs: vpcs.into_iter().collect(),
        endpoint_services: services,
        ecs_services,
    })
}

async fn read_network(
    aws: &Aws,
    vpcs: &[String],
    m: &mut Model,
    notes: &mut Vec<String>,
) -> Result<(), AwsError> {
    let ec2 = &aws.ec2;
    let mut dhcp: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    pages!(
        ec2.describe_vpcs().set_vpc_ids(Some(vpcs.to_vec())),
        "ec2:DescribeVpcs",
        |p| {
            for v in p.vpcs() {
                let id = v.vpc_id().unwrap_or_default();
                // `default` is the set AWS gives a VPC without one: AmazonProvidedDNS.
                if let Some(d) = v.dhcp_options_id().filter(|d| *d != "default") {
                    dhcp.entry(d.to_string()).or_default().push(id.to_string());
                }
                let attr = |a: aws_sdk_ec2::types::VpcAttributeName| {
                    ec2.describe_vpc_attribute().vpc_id(id).attribute(a).send()
                };
                let support = attr(aws_sdk_ec2::types::VpcAttributeName::EnableDnsSupport)
                    .await
                    .map_err(|e| sdk("ec2:DescribeVpcAttribute", e))?;
                let hostnames = attr(aws_sdk_ec2::types::VpcAttributeName::EnableDnsHostnames)
                    .await
                    .map_err(|e| sdk("ec2:DescribeVpcAttribute", e))?;
                m.vpcs.push(map_vpc(
                    v,
                    support.enable_dns_support().and_then(|x| x.value()),
                    hostnames.enable_dns_hostnames().and_then(|x| x.value()),
                ));
            }
        }
    );
    read_dhcp_options(aws, &dhcp, m).await?;
    let vf = || vpc_filter("vpc-id", vpcs);
    pages!(
        ec2.describe_subnets().filters(vf()),
        "ec2:DescribeSubnets",
        |p| {
            m.subnets.extend(p.subnets().iter().map(map_subnet));
        }
    );
    pages!(
        ec2.describe_route_tables().filters(vf()),
        "ec2:DescribeRouteTables",
        |p| {
            m.route_tables
                .extend(p.route_tables().iter().map(map_route_table));
        }
    );
    pages!(
        ec2.describe_internet_gateways()
            .filters(vpc_filter("attachment.vpc-id", vpcs)),
        "ec2:DescribeInternetGateways",
        |p| {
            m.internet_gateways
                .extend(p.internet_gateways().iter().map(map_internet_gateway));
        }
    );
    // Egress-only gateways are few per account; filter by attachment here rather than rely on
    // a filter name every implementation supports.
    pages!(
        ec2.describe_egress_only_internet_gateways(),
        "ec2:DescribeEgressOnlyInternetGateways",
        |p| {
            m.internet_gateways.extend(
                p.egress_only_internet_gateways()
                    .iter()
                    .filter(|g| {
                        g.attachments()
                            .iter()
                            .any(|a| a.vpc_id().is_some_and(|v| vpcs.iter().any(|x| x == v)))
                    })
                    .map(map_egress_only_gateway),
            );
        }
    );
    let mut nat_allocations = HashSet::new();
    pages!(
        ec2.describe_nat_gateways().filter(vf()),
        "ec2:DescribeNatGateways",
        |p| {
            for n in p.nat_gateways() {
                // A deleted NAT gateway stays listed for about an hour; it routes nothing.
                if n.state()
                    .is_some_and(|s| matches!(s.as_str(), "deleted" | "deleting" | "failed"))
                {
                    continue;
                }
                nat_allocations.extend(
                    n.nat_gateway_addresses()
                        .iter()
                        .filter_map(|a| a.allocation_id().map(str::to_string)),
                );
                m.nat_gateways.push(map_nat_gateway(n));
            }
        }
    );
    let mut enis = HashSet::new();
    pages!(
        ec2.describe_network_interfaces().filters(vf()),
        "ec2:DescribeNetworkInterfaces",
        |p| {
            enis.extend(
                p.network_interfaces()
                    .iter()
                    .filter_map(|n| n.network_interface_id().map(str::to_string)),
            );
        }
    );
    let addrs = ec2
        .describe_addresses()
        .send()
        .await
        .map_err(|e| sdk("ec2:DescribeAddresses", e))?;
    let mut unattributed = 0;
    for a in addrs.addresses() {
        let in_vpc = a.network_interface_id().is_some_and(|n| enis.contains(n))
            || a.allocation_id()
                .is_some_and(|x| nat_allocations.contains(x));
        if in_vpc {
            m.elastic_ips.push(map_address(a));
        } else if a.association_id().is_none() {
            unattributed += 1;
        }
    }
    if unattributed > 0 {
        notes.push(format!(
            "{unattributed} unassociated Elastic IP(s) in the region belong to no VPC and were not audited"
        ));
    }
    pages!(
        ec2.describe_security_groups().filters(vf()),
        "ec2:DescribeSecurityGroups",
        |p| {
            m.security_groups
                .extend(p.security_groups().iter().map(map_security_group));
        }
    );
    pages!(
        ec2.describe_network_acls().filters(vf()),
        "ec2:DescribeNetworkAcls",
        |p| {
            m.network_acls
                .extend(p.network_acls().iter().map(map_network_acl));
        }
    );
    pages!(
        ec2.describe_vpc_endpoints().filters(vf()),
        "ec2:DescribeVpcEndpoints",
        |p| {
            m.endpoints.extend(
                p.vpc_endpoints()
                    .iter()
                    .filter(|e| {
                        e.state().is_none_or(|s| {
                            !matches!(
                                s.as_str().to_ascii_lowercase().as_str(),
                                "deleted" | "deleting" | "failed" | "rejected"
                            )
                        })
                    })
                    .map(map_endpoint),
            );
        }
    );
    link_gateway_routes(m);
    pages!(
        ec2.describe_flow_logs()
            .filter(vpc_filter("resource-id", vpcs)),
        "ec2:DescribeFlowLogs",
        |p| {
            m.flow_logs.extend(p.flow_logs().iter().map(map_flow_log));
        }
    );
    Ok(())
}

/// The DHCP options sets of the audited VPCs (`sets`: id → the VPCs using it), so the rules
/// see a VPC whose instances do not ask the Route 53 Resolver.
async fn read_dhcp_options(
    aws: &Aws,
    sets: &std::collections::BTreeMap<String, Vec<String>>,
    m: &mut Model,
) -> Result<(), AwsError> {
    if sets.is_empty() {
        return Ok(());
    }
    let out = aws
        .ec2
        .describe_dhcp_options()
        .set_dhcp_options_ids(Some(sets.keys().cloned().collect()))
        .send()
        .await
        .map_err(|e| sdk("ec2:DescribeDhcpOptions", e))?;
    for o in out.dhcp_options() {
        let vpcs = o
            .dhcp_options_id()
            .and_then(|id| sets.get(id))
            .cloned()
            .unwrap_or_default();
        m.dhcp_options.push(map_dhcp_options(o, &vpcs));
    }
    Ok(())
}

/// A gateway endpoint works through the prefix-list routes it installs; a route table holding
/// such a route is associated with the endpoint even if DescribeVpcEndpoints' RouteTableIds
/// omits it (some emulators do).
fn link_gateway_routes(m: &mut Model) {
    for rt in &m.route_tables {
        for r in &rt.routes {
            let moat_model::RouteTarget::VpcEndpoint(Maybe::Known(vpce)) = &r.target else {
                continue;
            };
            if let Some(e) = m.endpoints.iter_mut().find(|e| &e.id == vpce) {
                let id = Maybe::Known(rt.id.clone());
                if !e.route_tables.contains(&id) {
                    e.route_tables.push(id);
                }
            }
        }
    }
}

async fn read_load_balancers(aws: &Aws, vpcs: &[String], m: &mut Model) -> Result<(), AwsError> {
    let in_vpc = |v: Option<&str>| v.is_some_and(|v| vpcs.iter().any(|x| x == v));
    let mut arns = Vec::new();
    pages!(
        aws.elb.describe_load_balancers(),
        "elasticloadbalancing:DescribeLoadBalancers",
        |p| {
            for l in p.load_balancers() {
                if in_vpc(l.vpc_id()) {
                    arns.extend(l.load_balancer_arn().map(str::to_string));
                    m.load_balancers.push(map_load_balancer(l));
                }
            }
        }
    );
    for arn in &arns {
        pages!(
            aws.elb.describe_listeners().load_balancer_arn(arn),
            "elasticloadbalancing:DescribeListeners",
            |p| {
                m.listeners.extend(p.listeners().iter().map(map_listener));
            }
        );
    }
    pages!(
        aws.elb.describe_target_groups(),
        "elasticloadbalancing:DescribeTargetGroups",
        |p| {
            m.target_groups.extend(
                p.target_groups()
                    .iter()
                    .filter(|t| in_vpc(t.vpc_id()))
                    .map(map_target_group),
            );
        }
    );
    Ok(())
}

/// Endpoint services fronted by a load balancer of the audited VPCs, or named by the stack.
async fn read_endpoint_services(
    aws: &Aws,
    stack_services: &[String],
    m: &mut Model,
) -> Result<(), AwsError> {
    let lbs: HashSet<&str> = m.load_balancers.iter().map(|l| l.id.as_str()).collect();
    let mut found = Vec::new();
    pages!(
        aws.ec2.describe_vpc_endpoint_service_configurations(),
        "ec2:DescribeVpcEndpointServiceConfigurations",
        |p| {
            for s in p.service_configurations() {
                let ours = s
                    .network_load_balancer_arns()
                    .iter()
                    .any(|a| lbs.contains(a.as_str()))
                    || s.service_id()
                        .is_some_and(|id| stack_services.iter().any(|x| x == id));
                if ours {
                    found.push(s.clone());
                }
            }
        }
    );
    for s in found {
        let id = s.service_id().unwrap_or_default();
        let mut principals = Vec::new();
        pages!(
            aws.ec2
                .describe_vpc_endpoint_service_permissions()
                .service_id(id),
            "ec2:DescribeVpcEndpointServicePermissions",
            |p| {
                principals.extend(p.allowed_principals().iter().cloned());
            }
        );
        m.endpoint_services
            .push(map_endpoint_service(&s, &principals));
    }
    Ok(())
}

/// ECS services whose awsvpc subnets are in the audited VPCs (or that the audited stack
/// created), their clusters, task definitions, IAM roles and log groups.
async fn read_ecs(
    aws: &Aws,
    stack_services: &[String],
    m: &mut Model,
    notes: &mut Vec<String>,
) -> Result<(), AwsError> {
    let subnets: HashSet<String> = m.subnets.iter().map(|s| s.id.0.clone()).collect();
    let mut clusters = Vec::new();
    pages!(aws.ecs.list_clusters(), "ecs:ListClusters", |p| {
        clusters.extend(p.cluster_arns().iter().cloned());
    });
    let mut task_defs = BTreeSet::new();
    let mut skipped = 0usize;
    for cluster in &clusters {
        let mut arns = Vec::new();
        pages!(
            aws.ecs.list_services().cluster(cluster),
            "ecs:ListServices",
            |p| {
                arns.extend(p.service_arns().iter().cloned());
            }
        );
        let mut used = false;
        // DescribeServices takes at most 10 services per call.
        // Source: https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_DescribeServices.html
        for chunk in arns.chunks(10) {
            let out = aws
                .ecs
                .describe_services()
                .cluster(cluster)
                .set_services(Some(chunk.to_vec()))
                .include(aws_sdk_ecs::types::ServiceField::Tags)
                .send()
                .await
                .map_err(|e| sdk("ecs:DescribeServices", e))?;
            for svc in out.services() {
                let ours = svc
                    .network_configuration()
                    .and_then(|n| n.awsvpc_configuration())
                    .is_some_and(|c| c.subnets().iter().any(|s| subnets.contains(s)))
                    || [svc.service_arn(), svc.service_name()]
                        .into_iter()
                        .flatten()
                        .any(|n| stack_services.iter().any(|x| x == n));
                if !ours {
                    skipped += 1;
                    continue;
                }
                used = true;
                task_defs.extend(svc.task_definition().map(str::to_string));
                m.services.push(map_service(svc));
            }
        }
        if used {
            let out = aws
                .ecs
                .describe_clusters()
                .clusters(cluster)
                .include(aws_sdk_ecs::types::ClusterField::Settings)
                .send()
                .await
                .map_err(|e| sdk("ecs:DescribeClusters", e))?;
            m.clusters.extend(out.clusters().iter().map(map_cluster));
        }
    }
    if skipped > 0 {
        notes.push(format!(
            "{skipped} ECS service(s) outside the audited VPCs were skipped"
        ));
    }
    let mut roles = BTreeSet::new();
    let mut groups = BTreeSet::new();
    for td in &task_defs {
        let out = aws
            .ecs
            .describe_task_definition()
            .task_definition(td)
            .send()
            .await
            .map_err(|e| sdk("ecs:DescribeTaskDefinition", e))?;
        if let Some(t) = out.task_definition() {
            let mapped = map_task_definition(t);
            roles.extend(
                mapped
                    .execution_role
                    .iter()
                    .chain(mapped.task_role.iter())
                    .filter_map(|r| r.known().cloned()),
            );
            for c in &mapped.containers {
                if let Some(g) = c
                    .log
                    .as_ref()
                    .and_then(|l| l.options.get("awslogs-group"))
                    .and_then(|g| g.known())
                {
                    groups.insert(g.clone());
                }
            }
            m.task_definitions.push(mapped);
        }
    }
    for arn in &roles {
        m.roles.push(read_role(aws, arn, notes).await?);
    }
    for g in &groups {
        m.log_groups.push(read_log_group(aws, g).await?);
    }
    Ok(())
}

/// GetRole + attached managed policies + inline policies. `arn` may carry a path
/// (`arn:aws:iam::1:role/service/x`); the role name is the last segment.
async fn read_role(
    aws: &Aws,
    arn: &str,
    notes: &mut Vec<String>,
) -> Result<moat_model::Role, AwsError> {
    let name = arn.rsplit('/').next().unwrap_or(arn);
    let out = aws
        .iam
        .get_role()
        .role_name(name)
        .send()
        .await
        .map_err(|e| sdk("iam:GetRole", e))?;
    let role = out.role().ok_or(AwsError::Missing {
        operation: "iam:GetRole",
        what: "Role",
    })?;
    let mut attached = Vec::new();
    pages!(
        aws.iam.list_attached_role_policies().role_name(name),
        "iam:ListAttachedRolePolicies",
        |p| {
            attached.extend(p.attached_policies().iter().cloned());
        }
    );
    let mut names = Vec::new();
    pages!(
        aws.iam.list_role_policies().role_name(name),
        "iam:ListRolePolicies",
        |p| {
            names.extend(p.policy_names().iter().cloned());
        }
    );
    let mut inline = Vec::new();
    for n in &names {
        let doc = aws
            .iam
            .get_role_policy()
            .role_name(name)
            .policy_name(n)
            .send()
            .await
            .map_err(|e| sdk("iam:GetRolePolicy", e))?;
        // An unreadable document stays in the role as unknown (it may hold a Deny): the
        // calls it could refuse are unproved, never allowed by its absence.
        match decode_policy(doc.policy_document()) {
            Some(v) => inline.push(Ok(v)),
            None => {
                notes.push(format!(
                    "role {name}: inline policy {n} is not a readable JSON document; the calls it could decide are unproved"
                ));
                inline.push(Err(format!(
                    "inline policy {n} is not a readable JSON document"
                )));
            }
        }
    }
    let mut mapped = map_role(role, &attached, &inline);
    read_managed_documents(aws, &mut mapped, notes).await?;
    Ok(mapped)
}

/// The documents of a role's customer managed policies and of its permissions boundary
/// (GetPolicy for the default version, then GetPolicyVersion), so the same IAM evaluation runs
/// on the live role as on the template. AWS managed policies the catalog carries are not read;
/// any other is read like a customer managed one.
/// Source: https://docs.aws.amazon.com/IAM/latest/APIReference/API_GetPolicyVersion.html
async fn read_managed_documents(
    aws: &Aws,
    role: &mut moat_model::Role,
    notes: &mut Vec<String>,
) -> Result<(), AwsError> {
    let attached: Vec<String> = role
        .managed_policy_arns
        .iter()
        .filter_map(|a| a.known().cloned())
        .filter(|a| moat_catalog::managed_policy(a).is_none())
        .collect();
    for arn in attached {
        if let Some(doc) = read_policy_document(aws, &arn, notes).await? {
            let prov = moat_model::Provenance::resource(&arn);
            match moat_model::PolicyDocument::from_json(&doc, &prov) {
                Ok(mut d) => {
                    d.label = format!("managed policy {arn}");
                    d.attached_as = Some(arn.clone());
                    role.policies.push(d);
                }
                Err(e) => notes.push(format!(
                    "managed policy {arn} is not valid policy grammar ({e})"
                )),
            }
        }
    }
    let Some(b) = &mut role.permissions_boundary else {
        return Ok(());
    };
    let Some(arn) = b.arn.known().cloned() else {
        return Ok(());
    };
    if moat_catalog::managed_policy(&arn).is_some() {
        return Ok(()); // the evaluator takes it from the catalog
    }
    if let Some(doc) = read_policy_document(aws, &arn, notes).await? {
        let prov = moat_model::Provenance::resource(&arn);
        b.document = match moat_model::PolicyDocument::from_json(&doc, &prov) {
            Ok(d) => Maybe::Known(d.labelled(format!("permissions boundary {arn}"))),
            Err(e) => Maybe::Unknown(format!(
                "the boundary {arn} is not valid policy grammar ({e})"
            )),
        };
    }
    Ok(())
}

/// The default version's document of a managed policy, or `None` (with a note) when AWS does
/// not return a readable one.
async fn read_policy_document(
    aws: &Aws,
    arn: &str,
    notes: &mut Vec<String>,
) -> Result<Option<serde_json::Value>, AwsError> {
    let policy = aws
        .iam
        .get_policy()
        .policy_arn(arn)
        .send()
        .await
        .map_err(|e| sdk("iam:GetPolicy", e))?;
    let Some(version) = policy.policy().and_then(|p| p.default_version_id()) else {
        notes.push(format!("managed policy {arn} has no default version"));
        return Ok(None);
    };
    let v = aws
        .iam
        .get_policy_version()
        .policy_arn(arn)
        .version_id(version)
        .send()
        .await
        .map_err(|e| sdk("iam:GetPolicyVersion", e))?;
    let doc = v
        .policy_version()
        .and_then(|p| p.document())
        .and_then(decode_policy);
    if doc.is_none() {
        notes.push(format!(
            "managed policy {arn}: the document is not readable JSON"
        ));
    }
    Ok(doc)
}

async fn read_log_group(aws: &Aws, name: &str) -> Result<LogGroup, AwsError> {
    let mut retention = Maybe::unknown("log group does not exist");
    pages!(
        aws.logs.describe_log_groups().log_group_name_prefix(name),
        "logs:DescribeLogGroups",
        |p| {
            if let Some(g) = p
                .log_groups()
                .iter()
                .find(|g| g.log_group_name() == Some(name))
            {
                // No retention set means "never expire".
                retention = Maybe::Known(g.retention_in_days().and_then(|d| u32::try_from(d).ok()));
            }
        }
    );
    Ok(LogGroup {
        id: Id::from(name),
        name: Maybe::Known(name.to_string()),
        retention_days: match retention {
            Maybe::Known(Some(d)) => Some(Maybe::Known(d)),
            Maybe::Known(None) => None,
            Maybe::Unknown(w) => Some(Maybe::Unknown(w)),
        },
        prov: Provenance::resource(name),
    })
}
