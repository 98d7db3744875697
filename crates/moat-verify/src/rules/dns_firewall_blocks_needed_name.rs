use super::prelude::*;
use crate::decide::dns::needed_names;

rule! {
    /// ## What it does
    /// Finds names a service must resolve that the VPC's Route 53 Resolver DNS Firewall blocks:
    /// the private DNS names of the interface endpoints it needs (`api.ecr.<region>.amazonaws.com`,
    /// `<account>.dkr.ecr.<region>.amazonaws.com`, `logs.<region>.amazonaws.com`, …) and the
    /// public S3 names it reaches through the gateway endpoint (the ECR layer bucket's and the
    /// environment-file buckets' virtual-hosted names, and the path-style
    /// `s3.<region>.amazonaws.com`). `moat explain` and `docs/catalog.md` list the names per
    /// need with their sources.
    ///
    /// ## Why is this bad?
    /// A blocked name is a closed port by other means: the endpoint is there and the security
    /// groups admit the task, but the name never resolves, so the image pull, the secret fetch
    /// or the log stream fails and the task does not start.
    ///
    /// ## Example
    /// ```yaml
    /// Rules:
    ///   Type: AWS::Route53Resolver::FirewallRuleGroup
    ///   Properties:
    ///     FirewallRules:
    ///       - {Priority: 100, Action: BLOCK, BlockResponse: NXDOMAIN, FirewallDomainListId: !Ref Everything}
    /// ```
    ///
    /// ## Fix
    /// Allow the name before the rule that blocks it (a lower priority number), with
    /// `FirewallDomainRedirectionAction: TRUST_REDIRECTION_DOMAIN` for public names whose answer
    /// is a CNAME chain (S3):
    /// ```yaml
    ///       - {Priority: 50, Action: ALLOW, FirewallDomainListId: !Ref Needed,
    ///          FirewallDomainRedirectionAction: TRUST_REDIRECTION_DOMAIN}
    /// ```
    ///
    /// ## References
    /// - https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/resolver-dns-firewall-rule-actions.html
    /// - https://docs.aws.amazon.com/vpc/latest/privatelink/privatelink-access-aws-services.html#interface-endpoint-private-dns
    /// - https://docs.aws.amazon.com/AmazonS3/latest/userguide/VirtualHosting.html
    /// - https://docs.aws.amazon.com/AmazonECR/latest/userguide/vpc-endpoints.html
    pub struct DnsFirewallBlocksNeededName {
        code: "MOAT013",
        name: "dns-firewall-blocks-needed-name",
        severity: Error,
        summary: "The VPC's DNS Firewall blocks a name a service must resolve",
    }
}

impl Rule for DnsFirewallBlocksNeededName {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        for n in needed_names(cx) {
            let moat_model::Verdict::Refuted { why } = &n.verdict else {
                continue;
            };
            out.push(Self::META.finding(
                format!("the DNS Firewall blocks {} ({why}); {}", n.name.name, n.why),
                n.blocked_by.unwrap_or(n.need_prov),
                format!(
                    "allow {} in a rule evaluated before this one (source: {})",
                    n.name.name, n.name.source
                ),
            ));
        }
    }
}
