//! Into a VPC the network team already owns (`[vpc] id` in the spec).
//!
//! [`adapt`] takes the plan moat would build in a VPC of its own and the live model of the
//! existing VPC (read by the same reader `moat audit` uses) and keeps only what is missing:
//!
//! - **Interface endpoints.** One in the VPC for the same service with private DNS on is
//!   reused: the service's default name (`ecr.api.<region>.amazonaws.com`) then resolves to its
//!   network interfaces for every subnet of the VPC, so the tasks use it with no setting. One
//!   with private DNS off is not (the tasks would have to name its endpoint-specific DNS name);
//!   moat adds its own and says how the network team could turn private DNS on instead.
//! - **A shared endpoint VPC** (endpoints in a central VPC, their names served to this VPC by
//!   private hosted zones associated with it) counts only when the model shows a private hosted
//!   zone associated with this VPC whose name is the service's DNS name or a parent of it. The
//!   live reader does not read Route 53 yet, so such a service is planned as an addition and a
//!   note says how to tell moat otherwise; it is never assumed.
//! - **Gateway endpoints** (S3, DynamoDB) work through a route in each task subnet's route
//!   table. Reused when every task subnet's table already routes to one; otherwise the missing
//!   association is a change to the network team's route tables: a [`NetworkRequest`], made by
//!   moat (a gateway endpoint of its own on those tables) only with `allow_route_changes`.
//! - **Security groups of reused endpoints** must admit HTTPS from the task subnets; a missing
//!   rule is a request too (their group), made by moat only with `allow_route_changes`.
//! - **NACLs** of the task subnets must let HTTPS out to the VPC (and to S3's public ranges when
//!   the tasks use S3) and the replies back in on the ephemeral ports; a missing entry is a
//!   request, made by moat only with `allow_route_changes`.
//! - **Routes to 0.0.0.0/0 through a transit gateway or peering** are shown as the question
//!   they are: where does that path go? (`moat check` and `moat audit` keep judging them.)
//!
//! The VPC, its subnets and route tables are never created; the template takes `VpcId` and
//! `SubnetIds` as parameters ([`template`]). Costs are those of the additions only.

mod nacl;
mod render;
pub mod template;

pub use render::{render_plan, render_text};

use crate::plan::{Plan, PlannedEndpoint};
use crate::subnets::{PlannedSubnet, SubnetRole};
use moat_model::{EndpointKind, Id, Maybe, Model, RouteDestination, RouteTarget};
use moat_spec::ExistingVpcSpec;
use serde::Serialize;

/// The existing-VPC part of a plan: what is reused, what the network team is asked for.
#[derive(Debug, Clone, Serialize)]
pub struct VpcPlan {
    pub vpc_id: String,
    pub region: String,
    pub vpc_cidrs: Vec<String>,
    pub subnets: Vec<LiveSubnet>,
    pub allow_route_changes: bool,
    pub reused: Vec<Reused>,
    /// Requests for the network team (each made by moat only with `allow_route_changes`).
    pub requests: Vec<NetworkRequest>,
    /// What the plan cannot decide: a path whose end moat cannot see.
    pub questions: Vec<String>,
    pub notes: Vec<String>,
    /// An S3 gateway endpoint of the VPC is reused: the tasks' groups allow HTTPS to the S3
    /// prefix list (the template's `S3PrefixListId` parameter) only.
    pub s3_gateway_reused: bool,
    /// Security groups of reused interface endpoints: the tasks' groups allow HTTPS to them.
    pub reused_endpoint_groups: Vec<String>,
    /// A VPC flow log exists already: moat adds none.
    pub flow_logs_exist: bool,
    /// USD per month of what moat adds: its interface endpoints × AZs, and the traffic the
    /// estimate assumes through them.
    pub additions_monthly_usd: f64,
}

/// A task subnet as the account has it.
#[derive(Debug, Clone, Serialize)]
pub struct LiveSubnet {
    pub id: String,
    pub az: Option<String>,
    pub cidr: String,
    /// The route table that governs it (its own association, else the VPC's main table).
    pub route_table: Option<String>,
    pub network_acl: Option<String>,
}

/// Something of the network team's moat uses as it is.
#[derive(Debug, Clone, Serialize)]
pub struct Reused {
    /// `ecr.api`, `s3`, `flow logs`.
    pub name: String,
    /// `vpce-…`, `fl-…`.
    pub id: String,
    pub why: String,
}

/// A change to what the network team owns.
#[derive(Debug, Clone, Serialize)]
pub struct NetworkRequest {
    pub what: String,
    pub why: String,
    /// The AWS CLI call that makes it.
    pub api_call: String,
    /// The same as CloudFormation (for the network team's own template).
    pub template_snippet: String,
    /// `allow_route_changes = true`: moat's template makes it (and `moat destroy` undoes it).
    pub made_by_moat: bool,
    #[serde(skip)]
    pub(crate) change: Change,
}

/// What the template adds for a request when moat may make it.
#[derive(Debug, Clone)]
pub(crate) enum Change {
    /// A gateway endpoint of moat's own for `service` on these route tables.
    GatewayEndpoint {
        logical_id: String,
        route_tables: Vec<String>,
    },
    /// HTTPS from the task subnets into a reused endpoint's security group.
    EndpointIngress { group: String, cidrs: Vec<String> },
    /// A NACL entry.
    NaclEntry(nacl::Entry),
    /// The DNS Firewall and query-log associations with the VPC.
    DnsFirewall,
}

/// Why the existing VPC cannot be planned into.
#[derive(Debug, thiserror::Error)]
#[error("{path}: [vpc]: {message}")]
pub struct ExistingVpcError {
    pub path: String,
    pub message: String,
}

/// Keeps in `plan` only what the existing VPC lacks, and says what it reuses and asks for.
pub fn adapt(
    plan: &mut Plan,
    spec: &ExistingVpcSpec,
    live: &Model,
) -> Result<VpcPlan, ExistingVpcError> {
    let err = |message: String| ExistingVpcError {
        path: plan.spec_path.clone(),
        message,
    };
    let vpc_id = Id::from(spec.id.as_str());
    let vpc = live.vpc(&vpc_id).ok_or_else(|| {
        err(format!(
            "VPC {} is not in the account and region moat read ({})",
            spec.id,
            live.region.known().map_or("unknown region", String::as_str)
        ))
    })?;
    let vpc_cidrs: Vec<String> = vpc
        .cidrs
        .iter()
        .filter_map(|c| c.known().map(|c| c.to_string()))
        .collect();
    let subnets = live_subnets(spec, live).map_err(err)?;
    let mut vp = VpcPlan {
        vpc_id: spec.id.clone(),
        region: plan.region.clone(),
        vpc_cidrs: vpc_cidrs.clone(),
        subnets,
        allow_route_changes: spec.allow_route_changes,
        reused: Vec::new(),
        requests: Vec::new(),
        questions: Vec::new(),
        notes: Vec::new(),
        s3_gateway_reused: false,
        reused_endpoint_groups: Vec::new(),
        flow_logs_exist: false,
        additions_monthly_usd: 0.0,
    };
    plan.vpc_cidr = vpc_cidrs.first().cloned().unwrap_or_default();
    plan.subnets = vp
        .subnets
        .iter()
        .enumerate()
        .map(|(i, s)| PlannedSubnet {
            logical_id: format!("TaskSubnet{}", i + 1),
            role: SubnetRole::Task,
            az_index: i,
            cidr: s.cidr.clone(),
            block: i,
        })
        .collect();
    plan.reserved_egress_cidrs.clear();
    let endpoints = std::mem::take(&mut plan.endpoints);
    for ep in endpoints {
        let keep = match ep.kind {
            EndpointKind::Gateway => gateway_endpoint(&ep, live, &mut vp),
            _ => interface_endpoint(&ep, live, &mut vp),
        };
        if keep {
            plan.endpoints.push(ep);
        }
    }
    nacl::requests(plan, live, &mut vp);
    flow_logs(live, &mut vp);
    vp.questions.extend(default_route_questions(live, &vp));
    vp.questions.extend(dhcp_question(live, &vp));
    dns_firewall(plan, &mut vp);
    let interfaces = plan.interface_endpoints().count() as u32;
    let azs = vp.subnets.len() as u32;
    plan.cost = crate::cost::estimate(&plan.region, azs, interfaces, plan.cost.gb_per_month);
    vp.additions_monthly_usd = plan.cost.planned.monthly_usd;
    recount_capacity(plan, interfaces);
    plan.notes.push(format!(
        "existing VPC {}: the address counts are of the given subnets with what moat adds; addresses the network team's own interfaces already use there are not counted",
        spec.id
    ));
    Ok(vp)
}

/// The subnets' addresses against what moat puts in them: its interface endpoints, its NLBs
/// and the tasks at their maximum count.
fn recount_capacity(plan: &mut Plan, interfaces: u32) {
    let workloads = plan
        .services
        .iter()
        .filter(|s| s.role == crate::plan::ServiceRole::Workload);
    let occupants = crate::capacity::Occupants {
        interface_endpoints: interfaces,
        load_balancers: workloads.clone().filter(|s| s.ingress.is_some()).count() as u32,
        max_tasks: workloads
            .map(|s| s.autoscaling.as_ref().map_or(s.desired_count, |a| a.max))
            .sum(),
        gateway_tasks: 0,
    };
    plan.capacity = crate::capacity::capacity(&plan.subnets, &[], &occupants);
}

/// The given subnets, each in the VPC, one per AZ (an interface endpoint takes one subnet per
/// AZ: <https://docs.aws.amazon.com/vpc/latest/privatelink/create-interface-endpoint.html>).
fn live_subnets(spec: &ExistingVpcSpec, live: &Model) -> Result<Vec<LiveSubnet>, String> {
    let mut out: Vec<LiveSubnet> = Vec::new();
    for id in &spec.subnet_ids {
        let Some(s) = live.subnet(&Id::from(id.as_str())) else {
            return Err(format!("subnet {id} is not in VPC {}", spec.id));
        };
        if s.vpc.known().is_some_and(|v| v.as_str() != spec.id) {
            return Err(format!("subnet {id} is not in VPC {}", spec.id));
        }
        let az = s.az.known().cloned();
        if let Some(other) = out.iter().find(|o| o.az.is_some() && o.az == az) {
            return Err(format!(
                "subnets {} and {id} are both in {}: give one subnet per Availability Zone (an interface endpoint takes one subnet per AZ)",
                other.id,
                az.unwrap_or_default()
            ));
        }
        let Some(cidr) = s.cidr.known() else {
            return Err(format!("subnet {id}: its CIDR could not be read"));
        };
        out.push(LiveSubnet {
            id: id.clone(),
            az,
            cidr: cidr.to_string(),
            route_table: live.route_table_for_subnet(s).map(|r| r.id.0.clone()),
            network_acl: live.network_acl_for_subnet(s).map(|n| n.id.0.clone()),
        });
    }
    Ok(out)
}

/// The live endpoints of `short` in the VPC, usable (the reader leaves out deleted ones).
fn live_endpoints<'a>(
    live: &'a Model,
    vp: &VpcPlan,
    short: &str,
    kind: EndpointKind,
) -> Vec<&'a moat_model::VpcEndpoint> {
    live.endpoints_for_service(&Id::from(vp.vpc_id.as_str()), short)
        .filter(|e| e.kind.known() == Some(&kind))
        .collect()
}

/// Whether moat adds the interface endpoint `ep` (false: an existing one is reused).
fn interface_endpoint(ep: &PlannedEndpoint, live: &Model, vp: &mut VpcPlan) -> bool {
    let found = live_endpoints(live, vp, &ep.name, EndpointKind::Interface);
    let Some(e) = found.iter().find(|e| e.private_dns.known() == Some(&true)) else {
        for e in &found {
            vp.notes.push(format!(
                "{} exists for {} with private DNS off: the tasks would have to name its endpoint-specific DNS name, so moat adds one with private DNS. Or ask the network team: aws ec2 modify-vpc-endpoint --vpc-endpoint-id {} --private-dns-enabled",
                e.id, ep.name, e.id
            ));
        }
        if shared_zone_serves(live, vp, &ep.name) {
            vp.notes.push(format!("{}: a private hosted zone associated with {} serves its name (a shared endpoint VPC); moat still adds its own because it cannot prove the path to the shared endpoint", ep.name, vp.vpc_id));
        }
        return true;
    };
    vp.reused.push(Reused {
        name: ep.name.clone(),
        id: e.id.0.clone(),
        why: "interface endpoint in this VPC with private DNS on: the service's default name resolves to it from every subnet".into(),
    });
    let cidrs: Vec<String> = vp.subnets.iter().map(|s| s.cidr.clone()).collect();
    for g in e.security_groups.iter().filter_map(|g| g.known()) {
        if !vp.reused_endpoint_groups.contains(&g.0) {
            vp.reused_endpoint_groups.push(g.0.clone());
        }
        let Some(sg) = live.security_group(g) else {
            continue;
        };
        let missing: Vec<String> = cidrs
            .iter()
            .filter(|c| !admits_https_from(sg, c))
            .cloned()
            .collect();
        if !missing.is_empty() && !vp.requests.iter().any(|r| r.what.contains(&g.0)) {
            vp.requests.push(endpoint_ingress_request(
                vp.allow_route_changes,
                &g.0,
                &e.id.0,
                &ep.name,
                missing,
            ));
        }
    }
    false
}

/// Whether a private hosted zone associated with the VPC is authoritative for the service's
/// DNS name (`<service>.<region>.amazonaws.com` or a parent): the shared-endpoint-VPC pattern.
fn shared_zone_serves(live: &Model, vp: &VpcPlan, short: &str) -> bool {
    let region = live.region.known().cloned().unwrap_or_default();
    let name = format!("{short}.{region}.amazonaws.com");
    live.hosted_zones.iter().any(|z| {
        z.vpcs
            .iter()
            .any(|v| v.known().is_some_and(|v| v.as_str() == vp.vpc_id))
            && z.name.known().is_some_and(|zn| {
                let zn = zn.trim_end_matches('.');
                name == zn || name.ends_with(&format!(".{zn}"))
            })
    })
}

/// Does `sg` admit TCP 443 from the whole of `cidr` (a CIDR rule holding it)? A rule naming
/// a security group or a prefix list does not count: the task groups do not exist yet.
fn admits_https_from(sg: &moat_model::SecurityGroup, cidr: &str) -> bool {
    let Ok(net) = cidr.parse::<ipnet::IpNet>() else {
        return false;
    };
    sg.ingress.iter().any(|r| {
        r.admits_tcp_port(443) == Some(true)
            && matches!(r.peer.known(), Some(moat_model::Peer::Cidr(c)) if c.contains(&net))
    })
}

fn endpoint_ingress_request(
    made_by_moat: bool,
    group: &str,
    endpoint: &str,
    service: &str,
    cidrs: Vec<String>,
) -> NetworkRequest {
    let ranges = cidrs
        .iter()
        .map(|c| format!("{{CidrIp={c}}}"))
        .collect::<Vec<_>>()
        .join(",");
    let snippet = cidrs
        .iter()
        .enumerate()
        .map(|(i, c)| format!("MoatTasksHttps{}:\n  Type: AWS::EC2::SecurityGroupIngress\n  Properties:\n    GroupId: {group}\n    IpProtocol: tcp\n    FromPort: 443\n    ToPort: 443\n    CidrIp: {c}\n", i + 1))
        .collect::<String>();
    NetworkRequest {
        what: format!("allow HTTPS from the task subnets into security group {group} (endpoint {endpoint}, {service})"),
        why: format!("the tasks reach {service} through {endpoint}, whose security group does not admit TCP 443 from {}", cidrs.join(", ")),
        api_call: format!("aws ec2 authorize-security-group-ingress --group-id {group} --ip-permissions 'IpProtocol=tcp,FromPort=443,ToPort=443,IpRanges=[{ranges}]'"),
        template_snippet: snippet,
        made_by_moat,
        change: Change::EndpointIngress { group: group.to_string(), cidrs },
    }
}

/// Whether moat adds the gateway endpoint `ep`: reused when every task subnet's route table
/// routes to one already; else the association is a request, and moat adds an endpoint of its
/// own on the missing tables only with `allow_route_changes`.
fn gateway_endpoint(ep: &PlannedEndpoint, live: &Model, vp: &mut VpcPlan) -> bool {
    let found = live_endpoints(live, vp, &ep.name, EndpointKind::Gateway);
    let mut missing: Vec<String> = Vec::new();
    for s in &vp.subnets {
        let Some(rt) = &s.route_table else {
            vp.questions.push(format!(
                "subnet {}: moat could not read which route table governs it, so cannot tell whether it routes to the {} gateway endpoint",
                s.id, ep.name
            ));
            continue;
        };
        let via = found.iter().find(|e| {
            e.route_tables
                .iter()
                .any(|t| t.known().is_some_and(|t| t.as_str() == rt))
        });
        match via {
            Some(e) => {
                vp.s3_gateway_reused |= ep.name == "s3";
                if !vp.reused.iter().any(|r| r.id == e.id.0) {
                    vp.reused.push(Reused {
                        name: ep.name.clone(),
                        id: e.id.0.clone(),
                        why: format!(
                            "gateway endpoint routed from the task subnets' route table {rt}"
                        ),
                    });
                }
            }
            None if !missing.contains(rt) => missing.push(rt.clone()),
            None => {}
        }
    }
    if missing.is_empty() {
        return false;
    }
    let existing = found.first().map(|e| e.id.0.clone());
    vp.requests
        .push(gateway_request(vp, ep, &missing, existing.as_deref()));
    vp.allow_route_changes
}

fn gateway_request(
    vp: &VpcPlan,
    ep: &PlannedEndpoint,
    tables: &[String],
    existing: Option<&str>,
) -> NetworkRequest {
    let name = &ep.name;
    let why = format!(
        "the tasks reach {name} through a gateway endpoint, which works only through a route in the task subnets' route table; {} {} no such route",
        tables.join(", "),
        if tables.len() == 1 { "has" } else { "have" }
    );
    let api_call = match existing {
        Some(e) => format!(
            "aws ec2 modify-vpc-endpoint --vpc-endpoint-id {e} --add-route-table-ids {}",
            tables.join(" ")
        ),
        None => format!(
            "aws ec2 create-vpc-endpoint --vpc-id {} --vpc-endpoint-type Gateway --service-name com.amazonaws.{}.{name} --route-table-ids {}",
            vp.vpc_id,
            vp.region,
            tables.join(" ")
        ),
    };
    let snippet = format!(
        "{}GatewayEndpoint:\n  Type: AWS::EC2::VPCEndpoint\n  Properties:\n    VpcEndpointType: Gateway\n    VpcId: {}\n    ServiceName: !Sub com.amazonaws.${{AWS::Region}}.{name}\n    RouteTableIds: [{}]\n",
        crate::plan::logical_stem(name),
        vp.vpc_id,
        tables.join(", ")
    );
    NetworkRequest {
        what: match existing {
            Some(e) => format!(
                "associate gateway endpoint {e} ({name}) with route table(s) {}",
                tables.join(", ")
            ),
            None => format!(
                "a {name} gateway endpoint on route table(s) {}",
                tables.join(", ")
            ),
        },
        why,
        api_call,
        template_snippet: snippet,
        made_by_moat: vp.allow_route_changes,
        change: Change::GatewayEndpoint {
            logical_id: ep.logical_id.clone(),
            route_tables: tables.to_vec(),
        },
    }
}

/// A flow log on the VPC (or on every task subnet) already records the traffic.
fn flow_logs(live: &Model, vp: &mut VpcPlan) {
    let on = |id: &str| {
        live.flow_logs
            .iter()
            .find(|f| f.resource.known().is_some_and(|r| r.as_str() == id))
    };
    if let Some(f) = on(&vp.vpc_id) {
        vp.flow_logs_exist = true;
        vp.reused.push(Reused {
            name: "flow logs".into(),
            id: f.id.0.clone(),
            why: format!(
                "flow log on {} already records the VPC's traffic",
                vp.vpc_id
            ),
        });
    }
}

/// A default route (0.0.0.0/0 or ::/0) from a task subnet's table through a transit gateway or
/// a peering connection leads somewhere moat cannot see.
fn default_route_questions(live: &Model, vp: &VpcPlan) -> Vec<String> {
    let mut out = Vec::new();
    let mut seen = Vec::new();
    for s in &vp.subnets {
        let Some(rt) = s.route_table.as_deref() else {
            continue;
        };
        if seen.contains(&rt) {
            continue;
        }
        seen.push(rt);
        let Some(table) = live.route_table(&Id::from(rt)) else {
            continue;
        };
        for r in &table.routes {
            let default = matches!(r.destination.known(), Some(RouteDestination::Cidr(c)) if c.prefix_len() == 0);
            let via = match &r.target {
                RouteTarget::TransitGateway(t) => format!("transit gateway {}", show(t)),
                RouteTarget::VpcPeering(p) => format!("peering connection {}", show(p)),
                _ => continue,
            };
            if default {
                out.push(format!(
                    "route table {rt} sends 0.0.0.0/0 to {via}: where does that path go? If it reaches the internet (a central egress VPC, a firewall), the tasks are not isolated; moat check and moat audit report it (MOAT001)"
                ));
            }
        }
    }
    out
}

/// DHCP options naming other name servers than the Route 53 Resolver (`AmazonProvidedDNS`):
/// the endpoints' private DNS names resolve only if those servers forward the AWS names to the
/// Resolver, which moat cannot see.
/// Source: <https://docs.aws.amazon.com/vpc/latest/userguide/DHCPOptionSet.html>.
fn dhcp_question(live: &Model, vp: &VpcPlan) -> Option<String> {
    let set = live.dhcp_options.iter().find(|o| {
        o.vpcs
            .iter()
            .any(|v| v.known().is_some_and(|v| v.as_str() == vp.vpc_id))
    })?;
    let servers: Vec<&str> = set
        .domain_name_servers
        .iter()
        .filter_map(|s| s.known().map(String::as_str))
        .collect();
    if servers.is_empty() || servers.contains(&"AmazonProvidedDNS") {
        return None;
    }
    Some(format!(
        "DHCP options {} send DNS to {}: do they forward the AWS service names to the Route 53 Resolver? Otherwise the endpoints' private DNS names do not resolve for the tasks",
        set.id,
        servers.join(", ")
    ))
}

fn show(m: &Maybe<Id>) -> String {
    m.known()
        .map_or_else(|| "(unknown)".to_string(), |i| i.0.clone())
}

/// The DNS Firewall filters every query of the VPC: associating it with the network team's
/// VPC is their change. Without `allow_route_changes` moat creates the rule group and asks.
fn dns_firewall(plan: &Plan, vp: &mut VpcPlan) {
    if !plan.dns.firewall {
        return;
    }
    vp.requests.push(NetworkRequest {
        what: format!("associate moat's DNS Firewall rule group and Resolver query logging with {}", vp.vpc_id),
        why: "the firewall answers, and the query log records, every DNS query of the VPC: other workloads' too".into(),
        api_call: format!("aws route53resolver associate-firewall-rule-group --firewall-rule-group-id <id of the stack's DnsFirewallRules> --vpc-id {0} --priority 101 --name {1}-dns-firewall && aws route53resolver associate-resolver-query-log-config --resolver-query-log-config-id <id of the stack's DnsQueryLogConfig> --resource-id {0}", vp.vpc_id, plan.name),
        template_snippet: format!("DnsFirewallAssociation:\n  Type: AWS::Route53Resolver::FirewallRuleGroupAssociation\n  Properties:\n    FirewallRuleGroupId: <id of the stack's DnsFirewallRules>\n    VpcId: {0}\n    Priority: 101\nDnsQueryLogAssociation:\n  Type: AWS::Route53Resolver::ResolverQueryLoggingConfigAssociation\n  Properties:\n    ResolverQueryLogConfigId: <id of the stack's DnsQueryLogConfig>\n    ResourceId: {0}\n", vp.vpc_id),
        made_by_moat: vp.allow_route_changes,
        change: Change::DnsFirewall,
    });
}

#[cfg(test)]
mod tests;
