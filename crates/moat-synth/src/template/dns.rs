//! The Route 53 Resolver DNS Firewall and query logging planned in [`crate::dns`]. CloudFormation
//! types: https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/AWS_Route53Resolver.html
//!
//! One rule group, evaluated in rule priority order
//! (https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/resolver-dns-firewall-rule-actions.html):
//! 100 ALLOW the needed names, trusting the redirection chain
//! (`TRUST_REDIRECTION_DOMAIN`: S3's public answers are CNAME chains whose names moat cannot
//! list; only the first name is inspected), then 200 BLOCK every name with NXDOMAIN.

use super::{name_tag, Resources};
use crate::plan::Plan;
use crate::tree::{get_att, r, s, MapB, Node};

pub(super) fn emit(plan: &Plan, res: &mut Resources) {
    let dns = &plan.dns;
    if !dns.firewall {
        return;
    }
    let domains = Node::Seq(dns.allow.iter().map(|a| s(&a.name)).collect());
    res.add(
        "DnsAllowedNames",
        "AWS::Route53Resolver::FirewallDomainList",
        MapB::new()
            .put("Name", s(format!("{}-allowed-names", plan.name)))
            .put("Domains", domains)
            .put("Tags", name_tag(plan, "dns-allowed-names")),
    );
    res.add(
        "DnsEveryName",
        "AWS::Route53Resolver::FirewallDomainList",
        MapB::new()
            .put("Name", s(format!("{}-every-name", plan.name)))
            .put("Domains", Node::Seq(vec![s("*")]))
            .put("Tags", name_tag(plan, "dns-every-name")),
    );
    let allow = MapB::new()
        .put("Priority", Node::Int(100))
        .put("Action", s("ALLOW"))
        .put("FirewallDomainListId", get_att("DnsAllowedNames", "Id"))
        .put(
            "FirewallDomainRedirectionAction",
            s("TRUST_REDIRECTION_DOMAIN"),
        )
        .build();
    let block = MapB::new()
        .put("Priority", Node::Int(200))
        .put("Action", s("BLOCK"))
        .put("BlockResponse", s("NXDOMAIN"))
        .put("FirewallDomainListId", get_att("DnsEveryName", "Id"))
        .build();
    res.add(
        "DnsFirewallRules",
        "AWS::Route53Resolver::FirewallRuleGroup",
        MapB::new()
            .put("Name", s(format!("{}-dns-firewall", plan.name)))
            .put("FirewallRules", Node::Seq(vec![allow, block]))
            .put("Tags", name_tag(plan, "dns-firewall")),
    );
    // Association priorities run from 100 to 9900; 101 leaves room before it.
    res.add(
        "DnsFirewallAssociation",
        "AWS::Route53Resolver::FirewallRuleGroupAssociation",
        MapB::new()
            .put("Name", s(format!("{}-dns-firewall", plan.name)))
            .put("FirewallRuleGroupId", get_att("DnsFirewallRules", "Id"))
            .put("VpcId", r("Vpc"))
            .put("Priority", Node::Int(101))
            .put("Tags", name_tag(plan, "dns-firewall")),
    );
    query_logging(plan, res);
}

/// The Resolver query log's log group.
pub(super) fn query_log_group_name(plan: &Plan) -> String {
    format!("/moat/{}/dns-queries", plan.name)
}

/// Resolver query logging to CloudWatch Logs: every name the workload tried, allowed or
/// blocked (`moat dns report` reads it). Source:
/// https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/resolver-query-logs.html
fn query_logging(plan: &Plan, res: &mut Resources) {
    res.add_retained(
        "DnsQueryLogGroup",
        "AWS::Logs::LogGroup",
        MapB::new()
            .put("LogGroupName", s(query_log_group_name(plan)))
            .put(
                "RetentionInDays",
                Node::Int(i64::from(plan.log_retention_days)),
            )
            .put("KmsKeyId", super::posture::key_arn())
            .put("Tags", name_tag(plan, "dns-queries")),
    );
    res.add(
        "DnsQueryLogConfig",
        "AWS::Route53Resolver::ResolverQueryLoggingConfig",
        MapB::new()
            .put("Name", s(format!("{}-dns-queries", plan.name)))
            .put("DestinationArn", get_att("DnsQueryLogGroup", "Arn"))
            .put("Tags", name_tag(plan, "dns-queries")),
    );
    res.add(
        "DnsQueryLogAssociation",
        "AWS::Route53Resolver::ResolverQueryLoggingConfigAssociation",
        MapB::new()
            .put(
                "ResolverQueryLogConfigId",
                get_att("DnsQueryLogConfig", "Id"),
            )
            .put("ResourceId", r("Vpc")),
    );
}
