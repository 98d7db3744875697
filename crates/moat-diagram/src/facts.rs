//! The plain statement a reviewer looks for first: is there any way to the internet?
//!
//! Three facts, each true, false or "cannot tell" (a value the source could not resolve): no
//! internet gateway, no NAT gateway, no public IPs. They are computed from the whole model, not
//! only from what is drawn, so an internet gateway that is declared but attached to nothing
//! still counts.

use moat_model::{Maybe, Model, RouteTarget};

/// One fact about the way out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fact {
    /// What is true, in words (`No NAT gateway`, `NAT gateway: Nat1`, `Public IPs: cannot tell …`).
    pub text: String,
    /// `Some(true)`: the isolated state holds; `Some(false)`: it does not; `None`: cannot tell.
    pub isolated: Option<bool>,
}

/// The three facts: internet gateway, NAT gateway, public IPs.
pub fn isolation_facts(model: &Model) -> Vec<Fact> {
    vec![
        internet_gateway(model),
        nat_gateway(model),
        public_ips(model),
    ]
}

/// The facts as one line. When all three hold it reads exactly
/// `No internet gateway · No NAT gateway · No public IPs`.
///
/// ```
/// let m = moat_model::Model::default();
/// assert_eq!(
///     moat_diagram::isolation_statement(&m),
///     "No internet gateway · No NAT gateway · No public IPs"
/// );
/// ```
pub fn isolation_statement(model: &Model) -> String {
    isolation_facts(model)
        .into_iter()
        .map(|f| f.text)
        .collect::<Vec<_>>()
        .join(" · ")
}

fn maybe_id<T: std::fmt::Display>(m: &Maybe<T>) -> String {
    match m {
        Maybe::Known(v) => v.to_string(),
        Maybe::Unknown(why) => format!("? ({why})"),
    }
}

fn internet_gateway(model: &Model) -> Fact {
    let mut present: Vec<String> = model
        .internet_gateways
        .iter()
        .map(|g| {
            if g.egress_only {
                format!("{} (egress-only)", g.id)
            } else {
                g.id.to_string()
            }
        })
        .collect();
    let mut unsure = Vec::new();
    // Routes from the egress gateway's own subnets (see `Model::egress_subnets`) are its way
    // out, not a hole in the isolation: stated, not flagged.
    let zone = model.egress_subnets();
    let mut egress_zone = Vec::new();
    let (mut zone_igws, mut other_igws) = (Vec::new(), Vec::new());
    for rt in &model.route_tables {
        for r in &rt.routes {
            if let RouteTarget::InternetGateway(id) = &r.target {
                if Model::egress_only(rt, &zone) {
                    zone_igws.push(maybe_id(id));
                } else {
                    other_igws.push(maybe_id(id));
                }
            }
            match &r.target {
                RouteTarget::InternetGateway(_) if Model::egress_only(rt, &zone) => {
                    egress_zone.push(rt.id.to_string());
                }
                RouteTarget::InternetGateway(id) | RouteTarget::EgressOnlyInternetGateway(id) => {
                    let name = maybe_id(id);
                    if !present.contains(&name) {
                        present.push(format!("{name} (route in {})", rt.id));
                    }
                }
                RouteTarget::UnknownGateway(why) => unsure.push(format!(
                    "route in {} via an unresolved gateway: {why}",
                    rt.id
                )),
                _ => {}
            }
        }
    }
    // A gateway routed to from the egress zone alone is the zone's; one that any other table
    // routes to stays a problem.
    present.retain(|p| !zone_igws.contains(p) || other_igws.contains(p));
    if !present.is_empty() {
        Fact {
            text: format!("Internet gateway: {}", present.join(", ")),
            isolated: Some(false),
        }
    } else if !egress_zone.is_empty() {
        Fact {
            text: format!(
                "Internet gateway for the egress gateway's subnets only ({})",
                egress_zone.join(", ")
            ),
            isolated: Some(true),
        }
    } else if !unsure.is_empty() {
        Fact {
            text: format!("Internet gateway: cannot tell ({})", unsure.join("; ")),
            isolated: None,
        }
    } else {
        Fact {
            text: "No internet gateway".into(),
            isolated: Some(true),
        }
    }
}

fn nat_gateway(model: &Model) -> Fact {
    let mut present: Vec<String> = model
        .nat_gateways
        .iter()
        .map(|n| n.id.to_string())
        .collect();
    for rt in &model.route_tables {
        for r in &rt.routes {
            if let RouteTarget::NatGateway(id) = &r.target {
                let name = maybe_id(id);
                if !present.contains(&name) {
                    present.push(format!("{name} (route in {})", rt.id));
                }
            }
        }
    }
    if present.is_empty() {
        Fact {
            text: "No NAT gateway".into(),
            isolated: Some(true),
        }
    } else {
        Fact {
            text: format!("NAT gateway: {}", present.join(", ")),
            isolated: Some(false),
        }
    }
}

fn public_ips(model: &Model) -> Fact {
    let mut present = Vec::new();
    let mut unsure = Vec::new();
    for s in &model.subnets {
        match &s.map_public_ip {
            Maybe::Known(true) => present.push(format!("subnet {} maps public IPs", s.id)),
            Maybe::Known(false) => {}
            Maybe::Unknown(why) => unsure.push(format!("subnet {}: {why}", s.id)),
        }
    }
    let zone = model.egress_subnets();
    for svc in &model.services {
        if Model::gateway_in_zone(svc, &zone) {
            // The egress gateway's public IP in its own subnets is its way out, not a hole.
            continue;
        }
        match &svc.assign_public_ip {
            Maybe::Known(true) => present.push(format!("service {} assigns public IPs", svc.id)),
            Maybe::Known(false) => {}
            Maybe::Unknown(why) => unsure.push(format!("service {}: {why}", svc.id)),
        }
    }
    for eip in &model.elastic_ips {
        present.push(format!("Elastic IP {}", eip.id));
    }
    for lb in &model.load_balancers {
        match &lb.internal {
            Maybe::Known(false) => present.push(format!("internet-facing load balancer {}", lb.id)),
            Maybe::Known(true) => {}
            Maybe::Unknown(why) => unsure.push(format!("load balancer {} scheme: {why}", lb.id)),
        }
    }
    if !present.is_empty() {
        Fact {
            text: format!("Public IPs: {}", present.join(", ")),
            isolated: Some(false),
        }
    } else if !unsure.is_empty() {
        Fact {
            text: format!("Public IPs: cannot tell ({})", unsure.join("; ")),
            isolated: None,
        }
    } else {
        Fact {
            text: "No public IPs".into(),
            isolated: Some(true),
        }
    }
}
