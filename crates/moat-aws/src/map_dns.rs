//! Pure mappings from Route 53 Resolver API shapes (DNS Firewall and query logging) to
//! [`moat_model::Resolver`] elements: the same model `moat-cfn` builds from a template's
//! `AWS::Route53Resolver::*` resources, with AWS ids where the template has logical ids. Live
//! elements use the AWS resource id as model id and provenance resource.
//!
//! API reference (shapes):
//! - https://docs.aws.amazon.com/Route53/latest/APIReference/API_route53resolver_FirewallRuleGroupAssociation.html
//! - https://docs.aws.amazon.com/Route53/latest/APIReference/API_route53resolver_FirewallRule.html
//! - https://docs.aws.amazon.com/Route53/latest/APIReference/API_route53resolver_FirewallDomainList.html
//! - https://docs.aws.amazon.com/Route53/latest/APIReference/API_route53resolver_ResolverQueryLogConfig.html
//! - https://docs.aws.amazon.com/Route53/latest/APIReference/API_route53resolver_ResolverQueryLogConfigAssociation.html

use aws_sdk_route53resolver::types as r53r;
use moat_model::{
    FirewallAction, FirewallAssociation, FirewallDomainList, FirewallRule, FirewallRuleGroup, Id,
    Maybe, Provenance, QueryLogAssociation, QueryLogConfig,
};

fn known_id(v: Option<&str>, what: &str) -> Maybe<Id> {
    v.map_or_else(
        || Maybe::unknown(format!("{what} missing from the response")),
        |s| Maybe::Known(Id::from(s)),
    )
}

fn known_num(v: Option<i32>, what: &str) -> Maybe<i64> {
    v.map_or_else(
        || Maybe::unknown(format!("{what} missing from the response")),
        |n| Maybe::Known(i64::from(n)),
    )
}

/// Whether an association acts on queries. A `DELETING` one is on its way out: it is not
/// counted as protection (a verdict that needed it stays open to the finding).
/// Source: https://docs.aws.amazon.com/Route53/latest/APIReference/API_route53resolver_FirewallRuleGroupAssociation.html (Status)
pub fn association_in_effect(a: &r53r::FirewallRuleGroupAssociation) -> bool {
    !matches!(
        a.status(),
        Some(r53r::FirewallRuleGroupAssociationStatus::Deleting)
    )
}

/// `FirewallRuleGroupAssociation` → the association of a rule group with a VPC.
pub fn map_firewall_association(a: &r53r::FirewallRuleGroupAssociation) -> FirewallAssociation {
    let id = a.id().unwrap_or_default().to_string();
    FirewallAssociation {
        id: Id::from(id.as_str()),
        vpc: known_id(a.vpc_id(), "VpcId"),
        rule_group: known_id(a.firewall_rule_group_id(), "FirewallRuleGroupId"),
        priority: known_num(a.priority(), "Priority"),
        prov: Provenance::resource(&id),
    }
}

/// One `FirewallRule` (ListFirewallRules) → a rule of its group. A rule that matches on
/// something the model does not carry is given an unknown domain list, so it decides nothing
/// moat proves: a `Qtype` rule matches only queries of that type (a BLOCK for `*` with
/// `Qtype: A` lets a TXT query through), and a DNS Firewall Advanced rule
/// (`FirewallThreatProtectionId`) matches queries by traits (tunneling, DGA), not names.
/// `FirewallDomainRedirectionAction` absent means `INSPECT_REDIRECTION_DOMAIN`.
/// Source: https://docs.aws.amazon.com/Route53/latest/APIReference/API_route53resolver_FirewallRule.html
pub fn map_firewall_rule(r: &r53r::FirewallRule) -> FirewallRule {
    let group = r.firewall_rule_group_id().unwrap_or_default();
    let label = match (r.name(), r.priority()) {
        (Some(n), _) => format!("{group} rule {n}"),
        (None, Some(p)) => format!("{group} rule priority {p}"),
        (None, None) => format!("{group} rule"),
    };
    let action = match r.action() {
        None => Maybe::unknown("Action missing from the response"),
        Some(a) => FirewallAction::parse(a.as_str()).map_or_else(
            || Maybe::unknown(format!("action `{}`", a.as_str())),
            Maybe::Known,
        ),
    };
    let domain_list = match (r.qtype(), r.firewall_domain_list_id()) {
        (Some(q), _) if !q.is_empty() => Maybe::unknown(format!(
            "the rule matches only DNS queries of type {q}; moat models rules that match every type"
        )),
        (_, Some(list)) => Maybe::Known(Id::from(list)),
        (_, None) => Maybe::unknown(match r.firewall_threat_protection_id() {
            Some(t) => format!(
                "a DNS Firewall Advanced rule ({t}) matches queries by their traits, not by a domain list"
            ),
            None => "FirewallDomainListId missing from the response".to_string(),
        }),
    };
    FirewallRule {
        priority: known_num(r.priority(), "Priority"),
        action,
        domain_list,
        trust_redirection: Maybe::Known(matches!(
            r.firewall_domain_redirection_action(),
            Some(r53r::FirewallDomainRedirectionAction::TrustRedirectionDomain)
        )),
        prov: Provenance::resource(label),
    }
}

/// A rule group and its rules (every page of ListFirewallRules).
pub fn map_rule_group(id: &str, rules: &[r53r::FirewallRule]) -> FirewallRuleGroup {
    FirewallRuleGroup {
        id: Id::from(id),
        rules: rules.iter().map(map_firewall_rule).collect(),
        prov: Provenance::resource(id),
    }
}

/// A domain list: `meta` from GetFirewallDomainList, `domains` from every page of
/// ListFirewallDomains. An AWS managed list (`ManagedOwnerName` set) does not show its domains:
/// its content is unknown (`unseen`), never empty.
/// Source: https://docs.aws.amazon.com/Route53/latest/APIReference/API_route53resolver_FirewallDomainList.html
/// and https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/resolver-dns-firewall-domain-lists.html
pub fn map_domain_list(
    id: &str,
    meta: &r53r::FirewallDomainList,
    domains: &[String],
) -> FirewallDomainList {
    let unseen = meta.managed_owner_name().map(|owner| {
        format!(
            "the domains of managed domain list `{}` (owner {owner}), which AWS does not list",
            meta.name().unwrap_or(id)
        )
    });
    FirewallDomainList {
        id: Id::from(id),
        domains: if unseen.is_some() {
            Vec::new()
        } else {
            domains.iter().cloned().map(Maybe::Known).collect()
        },
        unseen,
        prov: Provenance::resource(id),
    }
}

/// `ResolverQueryLogConfig` → a query logging configuration.
pub fn map_query_log_config(c: &r53r::ResolverQueryLogConfig) -> QueryLogConfig {
    let id = c.id().unwrap_or_default().to_string();
    QueryLogConfig {
        id: Id::from(id.as_str()),
        destination: c.destination_arn().map_or_else(
            || Maybe::unknown("DestinationArn missing from the response"),
            |d| Maybe::Known(d.to_string()),
        ),
        prov: Provenance::resource(&id),
    }
}

/// `ResolverQueryLogConfigAssociation` → the association of a configuration with a VPC.
pub fn map_query_log_association(
    a: &r53r::ResolverQueryLogConfigAssociation,
) -> QueryLogAssociation {
    let id = a.id().unwrap_or_default().to_string();
    QueryLogAssociation {
        id: Id::from(id.as_str()),
        config: known_id(a.resolver_query_log_config_id(), "ResolverQueryLogConfigId"),
        vpc: known_id(a.resource_id(), "ResourceId"),
        prov: Provenance::resource(&id),
    }
}

/// Whether a query logging association logs: `ACTIVE` or `CREATING`; `FAILED`,
/// `ACTION_NEEDED` and `DELETING` ones do not deliver logs.
/// Source: https://docs.aws.amazon.com/Route53/latest/APIReference/API_route53resolver_ResolverQueryLogConfigAssociation.html (Status)
pub fn query_log_association_in_effect(a: &r53r::ResolverQueryLogConfigAssociation) -> bool {
    use r53r::ResolverQueryLogConfigAssociationStatus as S;
    matches!(a.status(), None | Some(S::Active | S::Creating))
}

/// The reason a Resolver read failed, for `Resolver::unread` and the audit's notes: the
/// operation and the error (an `AccessDenied`, or an endpoint that does not serve the API).
pub fn unread_reason(operation: &str, error: &str) -> String {
    format!(
        "moat audit could not read Route 53 Resolver DNS Firewall ({operation} failed: {error})"
    )
}

/// What the DNS Firewall reads returned for the audited VPCs.
#[derive(Debug, Clone, Default)]
pub struct FirewallRead {
    /// ListFirewallRuleGroupAssociations, every page, for each audited VPC.
    pub associations: Vec<r53r::FirewallRuleGroupAssociation>,
    /// Per associated rule group: its id and every page of ListFirewallRules.
    pub rule_groups: Vec<(String, Vec<r53r::FirewallRule>)>,
    /// Per domain list the rules name: GetFirewallDomainList and, for a list that is not
    /// managed, every page of ListFirewallDomains.
    pub domain_lists: Vec<(String, r53r::FirewallDomainList, Vec<String>)>,
}

/// What the Resolver query logging reads returned for the audited VPCs.
#[derive(Debug, Clone, Default)]
pub struct QueryLogRead {
    pub configs: Vec<r53r::ResolverQueryLogConfig>,
    pub associations: Vec<r53r::ResolverQueryLogConfigAssociation>,
}

/// The Resolver part of a live model for `vpcs`. A failed firewall read (`Err(reason)`)
/// leaves `unread` set: every firewall verdict is then unproved, never "no firewall". A failed
/// query logging read sets `query_logs_unread`. What was read is mapped exactly.
pub fn map_resolver(
    vpcs: &[String],
    firewall: Result<FirewallRead, String>,
    logs: Result<QueryLogRead, String>,
) -> moat_model::Resolver {
    let in_scope = |v: Option<&str>| v.is_some_and(|v| vpcs.iter().any(|x| x == v));
    let mut r = moat_model::Resolver::default();
    match firewall {
        Ok(f) => {
            r.associations = f
                .associations
                .iter()
                .filter(|a| in_scope(a.vpc_id()) && association_in_effect(a))
                .map(map_firewall_association)
                .collect();
            r.rule_groups = f
                .rule_groups
                .iter()
                .map(|(id, rules)| map_rule_group(id, rules))
                .collect();
            r.domain_lists = f
                .domain_lists
                .iter()
                .map(|(id, meta, domains)| map_domain_list(id, meta, domains))
                .collect();
        }
        Err(why) => r.unread = Some(why),
    }
    match logs {
        Ok(l) => {
            r.query_log_associations = l
                .associations
                .iter()
                .filter(|a| in_scope(a.resource_id()) && query_log_association_in_effect(a))
                .map(map_query_log_association)
                .collect();
            let used: Vec<&Id> = r
                .query_log_associations
                .iter()
                .filter_map(|a| a.config.known())
                .collect();
            r.query_log_configs = l
                .configs
                .iter()
                .filter(|c| {
                    c.id()
                        .is_some_and(|id| used.iter().any(|u| u.as_str() == id))
                })
                .map(map_query_log_config)
                .collect();
        }
        Err(why) => r.query_logs_unread = Some(why),
    }
    r
}

#[cfg(test)]
#[path = "map_dns_tests.rs"]
mod tests;
