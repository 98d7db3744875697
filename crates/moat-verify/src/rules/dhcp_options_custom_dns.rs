use super::prelude::*;
use moat_model::{Property, PropertyKind, Unknown, Verdict};
use std::net::Ipv4Addr;

rule! {
    /// ## What it does
    /// Finds task VPCs whose DHCP options set gives DNS servers other than the Amazon-provided
    /// resolver (`AmazonProvidedDNS`, the VPC base address + 2, or `169.254.169.253`).
    ///
    /// ## Why is this bad?
    /// Interface endpoints answer their private DNS names only through the Amazon-provided
    /// resolver. Tasks that resolve through other servers get the public addresses of
    /// `ecr.api`, `logs`, `secretsmanager`, … — unreachable from an isolated VPC — unless those
    /// servers forward `amazonaws.com` to the VPC resolver, which moat cannot see.
    ///
    /// ## Example
    /// ```yaml
    /// Dhcp:
    ///   Type: AWS::EC2::DHCPOptions
    ///   Properties:
    ///     DomainNameServers: [10.10.0.10, 10.10.0.11]
    /// ```
    ///
    /// ## Fix
    /// Use `AmazonProvidedDNS`, or make sure the servers forward the service domains to the
    /// Route 53 Resolver (conditional forwarding, a Resolver inbound endpoint).
    ///
    /// ## References
    /// - https://docs.aws.amazon.com/AmazonECR/latest/userguide/vpc-endpoints.html
    /// - https://docs.aws.amazon.com/vpc/latest/userguide/DHCPOptionSetConcepts.html
    /// - https://docs.aws.amazon.com/vpc/latest/privatelink/manage-dns-names.html
    pub struct DhcpOptionsCustomDns {
        code: "MOAT127",
        name: "dhcp-options-custom-dns",
        severity: Warning,
        summary: "The tasks' DHCP options use DNS servers other than the Amazon-provided resolver",
    }
}

/// Is `server` the Amazon-provided resolver of a VPC with these CIDRs?
/// Source: https://docs.aws.amazon.com/vpc/latest/userguide/AmazonDNS-concepts.html
fn amazon_resolver(server: &str, cidrs: &[ipnet::IpNet]) -> bool {
    if server.eq_ignore_ascii_case("AmazonProvidedDNS") || server == "169.254.169.253" {
        return true;
    }
    let Ok(ip) = server.parse::<Ipv4Addr>() else {
        return false;
    };
    cidrs.iter().any(|c| match c {
        ipnet::IpNet::V4(n) => u32::from(n.network()).wrapping_add(2) == u32::from(ip),
        ipnet::IpNet::V6(_) => false,
    })
}

impl Rule for DhcpOptionsCustomDns {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let mut vpcs: Vec<&moat_model::Id> =
            cx.services.iter().filter_map(|v| v.vpc.as_ref()).collect();
        vpcs.sort();
        vpcs.dedup();
        for vpc in vpcs {
            let cidrs = vpc_cidrs(cx, Some(vpc));
            for opts in &cx.model.dhcp_options {
                if !opts.vpcs.iter().any(|v| v.known() == Some(vpc)) {
                    continue;
                }
                let mut other = Vec::new();
                let mut unknowns = Vec::new();
                for s in &opts.domain_name_servers {
                    match s {
                        Maybe::Known(s) if amazon_resolver(s, &cidrs) => {}
                        Maybe::Known(s) => other.push(s.clone()),
                        Maybe::Unknown(w) => unknowns.push(Unknown {
                            what: format!("a DNS server of `{}` ({w})", opts.id),
                            prov: opts.prov.clone(),
                            settle: "give DomainNameServers literal values".into(),
                        }),
                    }
                }
                let verdict = if !other.is_empty() {
                    Verdict::Unproved(vec![Unknown {
                        what: format!("whether {} forward the AWS service domains to the Amazon-provided resolver", other.join(", ")),
                        prov: opts.prov.clone(),
                        settle: "use AmazonProvidedDNS, or verify the servers' conditional forwarding".into(),
                    }])
                } else if !unknowns.is_empty() {
                    Verdict::Unproved(unknowns)
                } else {
                    Verdict::Proved
                };
                cx.record(Property {
                    kind: PropertyKind::Dns,
                    subject: vpc.to_string(),
                    claim: format!("tasks in VPC `{vpc}` resolve endpoint names through the Amazon-provided resolver"),
                    verdict,
                    prov: opts.prov.clone(),
                });
                if !other.is_empty() {
                    out.push(Self::META.finding(
                        format!(
                            "DHCP options `{}` of VPC `{vpc}` send the tasks to DNS servers {}: interface endpoints' private names answer only through the Amazon-provided resolver, so unless these servers forward the AWS service domains to it the tasks resolve public addresses they cannot reach",
                            opts.id, other.join(", ")
                        ),
                        opts.prov.clone(),
                        "use DomainNameServers: [AmazonProvidedDNS], or forward the service domains to the Route 53 Resolver".into(),
                    ));
                }
            }
        }
    }
}
