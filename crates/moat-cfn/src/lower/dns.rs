//! AWS::Route53Resolver::* resources: DNS Firewall rule groups, domain lists and their VPC
//! associations, and Resolver query logging. Properties and defaults from each type's page under
//! https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/ (cited per type below).

use super::util::*;
use crate::stack::Env;
use crate::value::V;
use crate::Error;
use moat_model::*;

/// Returns whether `ty` is one of ours.
pub fn lower(env: &mut Env, ty: &str, p: &V, mut prov: Provenance) -> Result<bool, Error> {
    let id = Id(prov.resource.clone());
    let r = &mut env.model.resolver;
    match ty {
        // https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-route53resolver-firewallrulegroup.html
        "AWS::Route53Resolver::FirewallRuleGroup" => {
            field(&mut prov, "rules", p.get("FirewallRules"));
            let rules = match p.get("FirewallRules").map(V::items) {
                None => Vec::new(),
                Some(Ok(items)) => items.iter().map(|x| rule(x, &prov)).collect(),
                // The whole list is unknown: one rule that may do anything.
                Some(Err(why)) => vec![FirewallRule {
                    priority: Maybe::Unknown(why.clone()),
                    action: Maybe::Unknown(why.clone()),
                    domain_list: Maybe::Unknown(why.clone()),
                    trust_redirection: Maybe::Unknown(why),
                    prov: prov.field("rules"),
                }],
            };
            r.rule_groups.push(FirewallRuleGroup { id, rules, prov });
        }
        // https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-route53resolver-firewalldomainlist.html
        "AWS::Route53Resolver::FirewallDomainList" => {
            field(&mut prov, "domains", p.get("Domains"));
            let unseen = p.get("DomainFileUrl").map(|v| match v.text() {
                Ok(url) => format!("the domains in file {url} (DomainFileUrl)"),
                Err(why) => format!("the domains in DomainFileUrl ({why})"),
            });
            r.domain_lists.push(FirewallDomainList {
                id,
                domains: strs(p.get("Domains")),
                unseen,
                prov,
            });
        }
        // https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-route53resolver-firewallrulegroupassociation.html
        "AWS::Route53Resolver::FirewallRuleGroupAssociation" => {
            field(&mut prov, "vpc", p.get("VpcId"));
            field(&mut prov, "rule_group", p.get("FirewallRuleGroupId"));
            field(&mut prov, "priority", p.get("Priority"));
            r.associations.push(FirewallAssociation {
                id,
                vpc: mid_opt(p.get("VpcId"), "VpcId"),
                rule_group: mid_opt(p.get("FirewallRuleGroupId"), "FirewallRuleGroupId"),
                priority: p
                    .get("Priority")
                    .map_or_else(|| Maybe::Unknown("Priority not set".into()), mnum),
                prov,
            });
        }
        // https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-route53resolver-resolverqueryloggingconfig.html
        "AWS::Route53Resolver::ResolverQueryLoggingConfig" => {
            r.query_log_configs.push(QueryLogConfig {
                id,
                destination: mstr(p.get("DestinationArn"), "DestinationArn"),
                prov,
            });
        }
        // https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-route53resolver-resolverqueryloggingconfigassociation.html
        "AWS::Route53Resolver::ResolverQueryLoggingConfigAssociation" => {
            r.query_log_associations.push(QueryLogAssociation {
                id,
                config: mid_opt(
                    p.get("ResolverQueryLogConfigId"),
                    "ResolverQueryLogConfigId",
                ),
                vpc: mid_opt(p.get("ResourceId"), "ResourceId"),
                prov,
            });
        }
        _ => return Ok(false),
    }
    Ok(true)
}

/// One `FirewallRules[]` entry:
/// https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-properties-route53resolver-firewallrulegroup-firewallrule.html
/// (`FirewallDomainRedirectionAction` default `INSPECT_REDIRECTION_DOMAIN`; `Qtype`: the DNS
/// query type the rule matches, every type when absent).
fn rule(x: &V, group: &Provenance) -> FirewallRule {
    let prov = if x.pos.line > 0 {
        group.with_pos(x.pos.line, x.pos.col)
    } else {
        group.clone()
    };
    let action = match x.get("Action").map(V::text) {
        None => Maybe::Unknown("Action not set".into()),
        Some(Ok(s)) => FirewallAction::parse(&s)
            .map_or_else(|| Maybe::Unknown(format!("action `{s}`")), Maybe::Known),
        Some(Err(why)) => Maybe::Unknown(why),
    };
    let trust_redirection = match x.get("FirewallDomainRedirectionAction").map(V::text) {
        None => Maybe::Known(false),
        Some(Ok(s)) => Maybe::Known(s.eq_ignore_ascii_case("TRUST_REDIRECTION_DOMAIN")),
        Some(Err(why)) => Maybe::Unknown(why),
    };
    // A rule with `Qtype` matches only queries of that type (a BLOCK for `*` with `Qtype: A`
    // lets a TXT query through); the model has rules for every type, so its names are unknown.
    let domain_list = match x.get("Qtype").map(V::text) {
        Some(Ok(q)) => Maybe::Unknown(format!(
            "the rule matches only DNS queries of type {q}; moat models rules that match every type"
        )),
        Some(Err(why)) => Maybe::Unknown(format!("the rule's Qtype ({why})")),
        None => mid_opt(x.get("FirewallDomainListId"), "FirewallDomainListId"),
    };
    FirewallRule {
        priority: x
            .get("Priority")
            .map_or_else(|| Maybe::Unknown("Priority not set".into()), mnum),
        action,
        domain_list,
        trust_redirection,
        prov,
    }
}
