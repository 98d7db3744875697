//! The existing-VPC part of `moat plan`'s text: what is reused and why, what moat adds and
//! what that costs, the requests for the network team, and the open questions.

use super::VpcPlan;
use crate::plan::Plan;
use std::fmt::Write;

/// The whole plan text for an existing VPC: the usual plan, whose lines about the VPC and its
/// subnets speak of the network team's VPC as it is (moat does not make it isolated, it proves
/// whether it is), then [`render_text`].
pub fn render_plan(plan: &Plan, vp: &VpcPlan) -> String {
    let mut o = String::new();
    for line in crate::render_plan_text(plan).lines() {
        if line.starts_with("VPC ") {
            let _ = writeln!(
                o,
                "VPC {}: the existing {} (the network team's; its routes are read and checked, not assumed)",
                vp.vpc_cidrs.join(", "),
                vp.vpc_id
            );
        } else if line.starts_with("Subnets (") {
            let _ = writeln!(
                o,
                "Subnets (the given ones, on the network team's route tables and NACLs, listed below)"
            );
        } else {
            let _ = writeln!(o, "{line}");
        }
    }
    let _ = write!(o, "\n{}", render_text(plan, vp));
    o
}

pub fn render_text(plan: &Plan, vp: &VpcPlan) -> String {
    let mut o = String::new();
    let _ = writeln!(
        o,
        "Existing VPC {} ({}), subnets:",
        vp.vpc_id,
        vp.vpc_cidrs.join(", ")
    );
    for s in &vp.subnets {
        let _ = writeln!(
            o,
            "  {}  {}  {}  route table {}  network ACL {}",
            s.id,
            s.az.as_deref().unwrap_or("(AZ unknown)"),
            s.cidr,
            s.route_table.as_deref().unwrap_or("(unknown)"),
            s.network_acl.as_deref().unwrap_or("(unknown)")
        );
    }
    let _ = writeln!(o, "\nReuses (the network team's, left as it is):");
    if vp.reused.is_empty() {
        let _ = writeln!(o, "  nothing");
    }
    for r in &vp.reused {
        let _ = writeln!(o, "  {:<16} {}  {}", r.name, r.id, r.why);
    }
    let _ = writeln!(o, "\nAdds:");
    for e in &plan.endpoints {
        let cost = if e.monthly_usd > 0.0 {
            format!("${:.2}/month", e.monthly_usd)
        } else {
            "free".into()
        };
        let _ = writeln!(o, "  endpoint {:<16} {:?}  {cost}", e.name, e.kind);
    }
    let _ =
        writeln!(
        o,
        "  security groups for the services, IAM roles, log groups, the ECS cluster and services{}",
        if vp.flow_logs_exist { "" } else { ", a VPC flow log" }
    );
    let _ = writeln!(
        o,
        "  monthly cost of the additions: ${:.2} (interface endpoints in {} AZ(s), and {} GB through them assumed)",
        vp.additions_monthly_usd,
        vp.subnets.len(),
        plan.cost.gb_per_month
    );
    if !vp.requests.is_empty() {
        let _ = writeln!(o, "\nRequests for the network team:");
    }
    for (i, q) in vp.requests.iter().enumerate() {
        let by = if q.made_by_moat {
            "moat makes it (allow_route_changes = true); moat destroy undoes it"
        } else {
            "not made by moat (set [vpc] allow_route_changes = true to let it)"
        };
        let _ = writeln!(o, "  {}. {}\n     why: {}\n     {by}", i + 1, q.what, q.why);
        let _ = writeln!(o, "     API call:\n       {}", q.api_call);
        let _ = writeln!(
            o,
            "     CloudFormation:\n{}",
            q.template_snippet
                .lines()
                .map(|l| format!("       {l}"))
                .collect::<Vec<_>>()
                .join("\n")
        );
    }
    if !vp.questions.is_empty() {
        let _ = writeln!(o, "\nQuestions:");
    }
    for q in &vp.questions {
        let _ = writeln!(o, "  ? {q}");
    }
    for n in &vp.notes {
        let _ = writeln!(o, "note: {n}");
    }
    o
}
