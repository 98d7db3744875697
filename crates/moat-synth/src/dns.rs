//! The DNS Firewall `moat synth` adds by default (`[dns] firewall = false` turns it off): a
//! Route 53 Resolver DNS Firewall rule group associated with the VPC that allows the names the
//! workload resolves and blocks every other name (NXDOMAIN), plus Resolver query logging to a
//! CloudWatch Logs group. The names come from the catalog ([`moat_catalog::dns`]), the same
//! table `moat check` proves the firewall against (MOAT012, MOAT013):
//!
//! - each planned interface endpoint's private DNS names;
//! - the public S3 names the gateway endpoint serves: the virtual-hosted name of every bucket in
//!   the S3 gateway policy (the ECR layer bucket, environment-file and `s3_read_buckets`
//!   buckets) and the path-style regional name;
//! - the egress gateway's allowlist, when `[egress]` is set (the gateway resolves them through
//!   the VPC's resolver);
//! - `[dns] allow`.
//!
//! The VPC has no private hosted zone of its own beyond the endpoints' (their names are above).

use crate::plan::Plan;
use moat_catalog::dns::{endpoint_names, s3_names};
use serde::Serialize;

/// A name the firewall allows, and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AllowedName {
    pub name: String,
    pub why: String,
}

/// The planned DNS Firewall.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct PlannedDns {
    /// Add the firewall and query logging.
    pub firewall: bool,
    /// Allowed names, in order: endpoints, S3, egress allowlist, `[dns] allow`.
    pub allow: Vec<AllowedName>,
    /// USD per month for the domain lists (`allow` plus the `*` list).
    pub domains_monthly_usd: f64,
    /// USD per million queries the firewall processes.
    pub per_million_queries_usd: f64,
}

/// The DNS Firewall for `plan` under `settings`.
pub fn plan_dns(plan: &Plan, settings: &moat_spec::DnsSettings) -> PlannedDns {
    if !settings.firewall {
        return PlannedDns::default();
    }
    let mut allow: Vec<AllowedName> = Vec::new();
    let mut add = |name: String, why: String| {
        if !allow.iter().any(|a| a.name == name) {
            allow.push(AllowedName { name, why });
        }
    };
    for e in &plan.endpoints {
        for n in endpoint_names(&e.name, &plan.region) {
            add(
                n.name,
                format!("endpoint `{}` private DNS ({})", e.name, n.source),
            );
        }
    }
    if plan.has_s3_gateway() {
        for st in &plan.s3_gateway_policy {
            for r in &st.resources {
                for n in s3_names(r, &plan.region) {
                    add(
                        n.name,
                        format!("S3 through the gateway endpoint: {r} ({})", n.source),
                    );
                }
            }
        }
    }
    if let Some(e) = &plan.egress {
        for a in &e.allow {
            // `host:port` allow entries: the name is the host.
            let host = a.rsplit_once(':').map_or(a.as_str(), |(h, _)| h);
            add(host.to_string(), "the egress gateway's allowlist".into());
        }
    }
    for a in &settings.allow {
        add(a.clone(), "[dns] allow".into());
    }
    let prices = moat_catalog::prices::DNS_FIREWALL;
    // The allowed names plus the `*` of the block list.
    let domains = allow.len() as f64 + 1.0;
    PlannedDns {
        firewall: true,
        allow,
        domains_monthly_usd: (domains * prices.domain_month * 100.0).round() / 100.0,
        per_million_queries_usd: prices.million_queries,
    }
}

/// The plan's note on the firewall and its cost.
pub fn note(dns: &PlannedDns) -> Option<String> {
    if !dns.firewall {
        return None;
    }
    let p = moat_catalog::prices::DNS_FIREWALL;
    Some(format!(
        "DNS Firewall: {} allowed name(s), every other name answered NXDOMAIN; queries logged to CloudWatch Logs. Cost: {} domain(s) x ${}/domain-month = ${:.2}/month, plus ${:.2} per million queries (Route 53 pricing as of {}, {}; log ingestion is billed by CloudWatch Logs). Turn it off with [dns] firewall = false.",
        dns.allow.len(),
        dns.allow.len() + 1,
        p.domain_month,
        dns.domains_monthly_usd,
        dns.per_million_queries_usd,
        p.as_of,
        p.source
    ))
}
