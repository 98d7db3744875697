use super::prelude::*;
use crate::decide::dns::exits;

rule! {
    /// ## What it does
    /// Finds VPCs where ECS services run whose DNS resolves arbitrary public names: no Route 53
    /// Resolver DNS Firewall rule group is associated with the VPC, or none ends in a `BLOCK`
    /// rule for `*` (every name), or an `ALLOW` rule matches every name (or every name under a
    /// top-level domain, `*.com`). When an association, a priority or a domain list is unknown
    /// the verdict is unproved (MOAT120), never clean. A warning by default; an error under
    /// the strict profile (`moat check --strict`, `moat audit --strict`).
    ///
    /// `moat audit` reads the VPC's rule group associations, their rules and domain lists from
    /// the Route 53 Resolver API; a call it may not make leaves the verdict unproved, naming the
    /// call. A rule that matches one query type (`Qtype`) or by threat traits (DNS Firewall
    /// Advanced) is not a block of every name: a `BLOCK` for `*` with `Qtype: A` lets a `TXT`
    /// query through.
    ///
    /// ## Why is this bad?
    /// A VPC without an internet gateway or NAT still has one way out: the Amazon-provided
    /// resolver answers any public name by asking the internet's name servers. A compromised
    /// task can carry data out in the names it queries (`<data>.attacker.example`), whose
    /// authoritative server the attacker reads, and can take commands back in the answers.
    /// Flow logs do not show it: the traffic goes to the VPC's resolver.
    ///
    /// ## Example
    /// ```yaml
    /// VPC:
    ///   Type: AWS::EC2::VPC
    ///   Properties:
    ///     CidrBlock: 10.0.0.0/16
    /// # no AWS::Route53Resolver::FirewallRuleGroupAssociation for it
    /// ```
    ///
    /// ## Fix
    /// Associate a rule group that allows the names the workload needs and blocks the rest
    /// (`moat synth` adds one; `moat.toml` `[dns] firewall = false` turns it off):
    /// ```yaml
    /// Allowed:
    ///   Type: AWS::Route53Resolver::FirewallDomainList
    ///   Properties:
    ///     Domains: [api.ecr.us-east-1.amazonaws.com, "*.dkr.ecr.us-east-1.amazonaws.com"]
    /// Everything:
    ///   Type: AWS::Route53Resolver::FirewallDomainList
    ///   Properties:
    ///     Domains: ["*"]
    /// Rules:
    ///   Type: AWS::Route53Resolver::FirewallRuleGroup
    ///   Properties:
    ///     FirewallRules:
    ///       - {Priority: 100, Action: ALLOW, FirewallDomainListId: !Ref Allowed,
    ///          FirewallDomainRedirectionAction: TRUST_REDIRECTION_DOMAIN}
    ///       - {Priority: 200, Action: BLOCK, BlockResponse: NXDOMAIN, FirewallDomainListId: !Ref Everything}
    /// Association:
    ///   Type: AWS::Route53Resolver::FirewallRuleGroupAssociation
    ///   Properties:
    ///     FirewallRuleGroupId: !Ref Rules
    ///     VpcId: !Ref VPC
    ///     Priority: 101
    /// ```
    ///
    /// ## References
    /// - https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/resolver-dns-firewall.html
    /// - https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/resolver-dns-firewall-rule-actions.html
    /// - https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-route53resolver-firewallrulegroupassociation.html
    pub struct DnsExfiltrationOpen {
        code: "MOAT012",
        name: "dns-exfiltration-open",
        severity: Warning,
        summary: "A workload VPC's DNS resolves arbitrary public names (a way out for data)",
    }
}

impl Rule for DnsExfiltrationOpen {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        for e in exits(cx) {
            let moat_model::Verdict::Refuted { why } = &e.verdict else {
                continue;
            };
            out.push(Self::META.finding(
                format!(
                    "VPC `{}` resolves arbitrary public names ({why}): a task can carry data out in DNS queries",
                    e.vpc
                ),
                e.allowing_rule.unwrap_or(e.prov),
                "associate a DNS Firewall rule group that allows the names the workload needs and ends in a BLOCK rule for `*` (moat synth adds one)".into(),
            ));
        }
    }
}
