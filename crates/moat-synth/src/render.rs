//! [`render_plan_text`]: what `moat plan` prints. Plain text, aligned columns, no colour.

use crate::plan::{Plan, PolicyStatement, ServiceRole};
use moat_model::EndpointKind;
use std::fmt::Write;

fn usd(x: f64) -> String {
    format!("{x:.2}")
}

/// A saving as people say it: "12.30 USD/month less", or "4.10 USD/month more" when the
/// planned design costs more.
fn difference(saving: f64) -> String {
    if saving >= 0.0 {
        format!("{} USD/month less", usd(saving))
    } else {
        format!("{} USD/month more", usd(-saving))
    }
}

fn statements(out: &mut String, stmts: &[PolicyStatement], indent: &str) {
    if stmts.is_empty() {
        let _ = writeln!(out, "{indent}(no permissions)");
    }
    for st in stmts {
        let _ = writeln!(out, "{indent}allow {}", st.actions.join(", "));
        for r in &st.resources {
            let _ = writeln!(out, "{indent}  on {r}");
        }
    }
}

/// The plan as text: endpoints with their reasons, subnets, security groups, roles, services,
/// and the monthly cost table with its price date and page.
pub fn render_plan_text(plan: &Plan) -> String {
    let mut o = String::new();
    let _ = writeln!(
        o,
        "Plan for {} ({}) from {}",
        plan.name, plan.region, plan.spec_path
    );
    let _ = writeln!(
        o,
        "\nVPC {} (DNS support and hostnames on; {})",
        plan.vpc_cidr,
        if plan.egress.is_some() {
            "no NAT; an internet gateway routed from the egress gateway's subnets only"
        } else {
            "no internet gateway, no NAT"
        }
    );
    render_subnets(&mut o, plan);
    render_endpoints(&mut o, plan);
    // Width of the name column in the security group and service tables.
    let sw = plan
        .services
        .iter()
        .map(|x| x.name.len())
        .max()
        .unwrap_or(0)
        .max("endpoints".len());
    render_security_groups(&mut o, plan, sw);
    render_iam(&mut o, plan);
    render_services(&mut o, plan, sw);
    render_egress(&mut o, plan);
    render_logs_and_repositories(&mut o, plan);
    render_cost(&mut o, plan);
    render_notes(&mut o, plan);
    o
}

/// The subnets, with the room each leaves for tasks.
fn render_subnets(o: &mut String, plan: &Plan) {
    let _ = writeln!(
        o,
        "\nSubnets (isolated, one per AZ; route tables hold only `local` and the S3 gateway route)"
    );
    let room = |id: &str| {
        plan.capacity
            .subnets
            .iter()
            .chain(&plan.capacity.egress_subnets)
            .find(|c| c.logical_id == id)
            .map(|c| {
                format!(
                    "  {} free of {} addresses; tasks at the maximum count: {}",
                    c.free, c.size, c.tasks_at_max
                )
            })
            .unwrap_or_default()
    };
    let subnet_rows = |o: &mut String, subnets: &[crate::subnets::PlannedSubnet]| {
        for sn in subnets {
            let _ = writeln!(
                o,
                "  {:<14} {:<18} AZ #{}{}",
                sn.logical_id,
                sn.cidr,
                sn.az_index,
                room(&sn.logical_id)
            );
        }
    };
    subnet_rows(o, &plan.subnets);
    if let Some(eg) = &plan.egress {
        let _ = writeln!(
            o,
            "  egress gateway only (route 0.0.0.0/0 to the internet gateway; nothing else runs there):"
        );
        subnet_rows(o, &eg.subnets);
    }
    if let Some(c) = plan.capacity.subnets.first() {
        let _ = writeln!(
            o,
            "  (each task subnet: {} addresses kept by AWS, {} for interface endpoints, {} for load balancers; tasks at the maximum count: {}, spread over the AZs)",
            c.aws_reserved, c.endpoint_interfaces, c.load_balancer_interfaces, plan.capacity.max_tasks
        );
    }
    if !plan.reserved_egress_cidrs.is_empty() {
        let _ = writeln!(
            o,
            "  reserved for egress gateway subnets: {}",
            plan.reserved_egress_cidrs.join(", ")
        );
    }
}

/// Each endpoint with its kind, cost and the reasons that require it; the S3 gateway policy.
fn render_endpoints(o: &mut String, plan: &Plan) {
    let _ = writeln!(o, "\nEndpoints");
    let w = plan
        .endpoints
        .iter()
        .map(|e| e.name.len())
        .max()
        .unwrap_or(0);
    for ep in &plan.endpoints {
        let (kind, cost) = match ep.kind {
            EndpointKind::Gateway => ("gateway", "free".to_string()),
            _ => ("interface", format!("{} USD/month", usd(ep.monthly_usd))),
        };
        let _ = writeln!(o, "  {:<w$}  {:<9}  {}", ep.name, kind, cost);
        for rs in &ep.reasons {
            let who = match &rs.reason.container {
                Some(c) => format!("{} / {c}", rs.service),
                None => rs.service.clone(),
            };
            let _ = writeln!(o, "      {who}  {}: {}", rs.reason.field, rs.reason.detail);
        }
    }
    if !plan.s3_gateway_policy.is_empty() {
        let _ = writeln!(o, "\nS3 gateway endpoint policy (least privilege)");
        statements(o, &plan.s3_gateway_policy, "  ");
    }
}

/// Each security group's rules (`sw`: the width of the name column).
fn render_security_groups(o: &mut String, plan: &Plan, sw: usize) {
    let _ = writeln!(o, "\nSecurity groups");
    if plan.interface_endpoints().next().is_some() {
        let _ = writeln!(
            o,
            "  {:<sw$} ingress TCP 443 from the service security groups only",
            "endpoints"
        );
    }
    for svc in &plan.services {
        let mut eg = Vec::new();
        let gateway = svc.role == ServiceRole::EgressGateway;
        if plan.interface_endpoints().next().is_some() {
            eg.push("TCP 443 to the endpoint SG".to_string());
        }
        if gateway {
            let ports = plan
                .egress
                .as_ref()
                .map(|e| {
                    let ports: Vec<String> = e.egress_ports.iter().map(u16::to_string).collect();
                    ports.join(", ")
                })
                .unwrap_or_else(|| "443, 80".into());
            eg.push(format!(
                "TCP {ports} to the internet (the allowlisted hosts)"
            ));
        } else if plan.has_s3_gateway() {
            eg.push("TCP 443 to S3 (gateway route)".into());
        }
        if let (Some(e), false) = (&plan.egress, gateway) {
            eg.push(format!("TCP {} to the egress gateway's NLB", e.port));
        }
        if let (Some(e), true) = (&plan.egress, gateway) {
            let _ = writeln!(
                o,
                "  {:<sw$} ingress TCP {} from the VPC only (never the internet)",
                svc.name, e.port
            );
        }
        if eg.is_empty() {
            eg.push("none".into());
        }
        let label = if gateway { "" } else { svc.name.as_str() };
        let _ = writeln!(o, "  {:<sw$} egress {}", label, eg.join(", "));
        if let Some(i) = &svc.ingress {
            let _ = writeln!(
                o,
                "  {:<sw$} ingress TCP {} from the VPC (internal NLB)",
                "", i.container_port
            );
        }
    }
}

/// Each service's execution and task role.
fn render_iam(o: &mut String, plan: &Plan) {
    let _ = writeln!(
        o,
        "\nIAM (one execution role per service; trust limited to this account's ECS)"
    );
    for svc in &plan.services {
        let _ = writeln!(o, "  execution role of {}", svc.name);
        statements(o, &svc.execution_role, "    ");
        let _ = writeln!(o, "  task role of {}", svc.name);
        statements(o, &svc.task_role, "    ");
    }
}

/// Each service: capacity, count, scaling, ingress (`sw`: the width of the name column).
fn render_services(o: &mut String, plan: &Plan, sw: usize) {
    let _ = writeln!(o, "\nServices");
    for svc in &plan.services {
        let mut bits = vec![
            format!("{:?}", svc.capacity).to_uppercase(),
            format!("desired {}", svc.desired_count),
        ];
        if let Some(a) = &svc.autoscaling {
            bits.push(format!(
                "autoscaling {}-{} at {}% CPU",
                a.min, a.max, a.cpu_target
            ));
        }
        if svc.execute_command {
            bits.push("ECS Exec".into());
        }
        if let (Some(e), ServiceRole::EgressGateway) = (&plan.egress, svc.role) {
            bits.push(format!(
                "in the egress subnets with a public IP, behind an internal NLB on TCP {}",
                e.port
            ));
        }
        if let Some(i) = &svc.ingress {
            let proto = match i.tls {
                "terminate" => "TLS (terminated at the NLB)",
                "reencrypt" => "TLS (terminated at the NLB, re-encrypted to the task)",
                _ => "TCP (TLS, if any, passes through to the task)",
            };
            bits.push(format!(
                "internal NLB {proto} {} -> {}:{} published as an endpoint service (acceptance {})",
                i.port,
                i.container,
                i.container_port,
                if i.acceptance_required {
                    "required"
                } else {
                    "not required"
                }
            ));
        }
        let _ = writeln!(o, "  {:<sw$} {}", svc.name, bits.join(", "));
    }
}

/// The egress gateway, when `[egress]` is set.
fn render_egress(o: &mut String, plan: &Plan) {
    if let Some(eg) = &plan.egress {
        let _ = writeln!(o, "\nEgress gateway (moat gate, mode {})", eg.mode);
        let _ = writeln!(
            o,
            "  allow     {}",
            if eg.allow.is_empty() {
                "(nothing: every request is denied in enforce mode, logged in discover mode)"
                    .to_string()
            } else {
                eg.allow.join(", ")
            }
        );
        let _ = writeln!(o, "  image     {}", eg.image);
        let _ = writeln!(
            o,
            "  clients   the workload containers, through an internal NLB on TCP {}: HTTPS_PROXY and HTTP_PROXY name it",
            eg.port
        );
        let _ = writeln!(o, "  NO_PROXY  {}", eg.no_proxy);
        let _ = writeln!(
            o,
            "  decisions one JSON line each in the gateway's log group; `moat gate report` lists the hosts"
        );
    }
}

/// Log groups, ECR repositories and the image copies.
fn render_logs_and_repositories(o: &mut String, plan: &Plan) {
    if !plan.log_groups.is_empty() || plan.flow_logs {
        let _ = writeln!(
            o,
            "\nLog groups (retention {} days)",
            plan.log_retention_days
        );
        for g in &plan.log_groups {
            let _ = writeln!(o, "  {}", g.name);
        }
    }
    if plan.flow_logs {
        let _ = writeln!(o, "  /moat/{}/vpc-flow-logs (VPC flow logs)", plan.name);
    }
    if !plan.ecr_repositories.is_empty() {
        let _ = writeln!(
            o,
            "\nECR repositories (scan on push): {}",
            plan.ecr_repositories.join(", ")
        );
    }
    crate::mirror::render_copies(o, plan);
}

/// The monthly cost against a NAT design and a fixed six-endpoint design.
fn render_cost(o: &mut String, plan: &Plan) {
    let c = &plan.cost;
    let _ = writeln!(
        o,
        "\nMonthly cost (USD per month; {} AZ{}, 730 hours, {} GB processed assumed)",
        c.azs,
        if c.azs == 1 { "" } else { "s" },
        c.gb_per_month
    );
    let _ = writeln!(
        o,
        "  {:<32} {:>6} {:>10} {:>11} {:>10}",
        "design", "units", "hours USD", "traffic USD", "total USD"
    );
    for d in [&c.planned, &c.six_endpoint_design, &c.nat] {
        let _ = writeln!(
            o,
            "  {:<32} {:>6} {:>10} {:>11} {:>10}",
            d.name,
            d.hourly_units,
            usd(d.hourly_usd),
            usd(d.traffic_usd),
            usd(d.monthly_usd)
        );
    }
    let _ = writeln!(
        o,
        "  against the fixed six-endpoint design: {}",
        difference(c.saving_vs_six_endpoint_design_usd)
    );
    let _ = writeln!(
        o,
        "  against one NAT gateway per AZ:        {}",
        difference(c.saving_vs_nat_usd)
    );
    let _ = writeln!(
        o,
        "  prices for {} as of {}: interface endpoint {}/AZ-h + {}/GB, NAT {}/h + {}/GB",
        c.price_region,
        c.as_of,
        c.interface_endpoint_hour,
        c.interface_endpoint_gb,
        c.nat_gateway_hour,
        c.nat_gateway_gb
    );
    if !c.region_priced {
        let _ = writeln!(
            o,
            "  (no price sheet for {}; {} prices used)",
            c.region, c.price_region
        );
    }
    let _ = writeln!(o, "  sources: {}", c.sources.join(", "));
}

/// The plan's notes.
fn render_notes(o: &mut String, plan: &Plan) {
    if !plan.notes.is_empty() {
        let _ = writeln!(o, "\nNotes");
        for n in &plan.notes {
            let _ = writeln!(o, "  - {n}");
        }
    }
}
