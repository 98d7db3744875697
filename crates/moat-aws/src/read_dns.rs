//! `audit`'s Route 53 Resolver reads for the audited VPCs: DNS Firewall rule group
//! associations, their rule groups' rules, the rules' domain lists, and Resolver query
//! logging. A read that fails (an `AccessDenied`, an endpoint that does not serve the API)
//! leaves the model's `unread` reason set and adds a note; the audit goes on.
//!
//! API reference:
//! - https://docs.aws.amazon.com/Route53/latest/APIReference/API_route53resolver_ListFirewallRuleGroupAssociations.html
//! - https://docs.aws.amazon.com/Route53/latest/APIReference/API_route53resolver_ListFirewallRules.html
//! - https://docs.aws.amazon.com/Route53/latest/APIReference/API_route53resolver_GetFirewallDomainList.html
//! - https://docs.aws.amazon.com/Route53/latest/APIReference/API_route53resolver_ListFirewallDomains.html
//! - https://docs.aws.amazon.com/Route53/latest/APIReference/API_route53resolver_ListResolverQueryLogConfigAssociations.html
//! - https://docs.aws.amazon.com/Route53/latest/APIReference/API_route53resolver_ListResolverQueryLogConfigs.html
//! - https://docs.aws.amazon.com/Route53/latest/APIReference/API_route53resolver_Filter.html
//!   (`ResourceId` filters query logging associations by VPC)

use crate::error::sdk;
use crate::map_dns::{map_resolver, unread_reason, FirewallRead, QueryLogRead};
use crate::Aws;
use aws_sdk_route53resolver::types::Filter;
use moat_model::Model;

/// Every page of a paginated request, each page's items appended by `$take`; an error
/// returns `Err(reason)` from the enclosing function.
macro_rules! all_pages {
    ($req:expr, $op:expr, |$p:ident| $take:expr) => {{
        let mut out = Vec::new();
        let mut stream = $req.into_paginator().send();
        while let Some(page) = stream.next().await {
            let $p = page.map_err(|e| unread_reason($op, &sdk($op, e).to_string()))?;
            out.extend($take.iter().cloned());
        }
        out
    }};
}

/// Read the Resolver state of `vpcs` into `m.resolver`, with a note per part not read.
pub(crate) async fn read_resolver(
    aws: &Aws,
    vpcs: &[String],
    m: &mut Model,
    notes: &mut Vec<String>,
) {
    let firewall = read_firewall(aws, vpcs).await;
    let logs = read_query_logging(aws, vpcs).await;
    if let Err(why) = &firewall {
        notes.push(format!("{why}: DNS Firewall verdicts are unproved"));
    }
    if let Err(why) = &logs {
        notes.push(format!("Resolver query logging not read: {why}"));
    }
    m.resolver = map_resolver(vpcs, firewall, logs);
}

async fn read_firewall(aws: &Aws, vpcs: &[String]) -> Result<FirewallRead, String> {
    let c = &aws.resolver;
    let mut read = FirewallRead::default();
    for vpc in vpcs {
        let found = all_pages!(
            c.list_firewall_rule_group_associations().vpc_id(vpc),
            "route53resolver:ListFirewallRuleGroupAssociations",
            |p| p.firewall_rule_group_associations()
        );
        read.associations.extend(found);
    }
    let mut groups: Vec<String> = read
        .associations
        .iter()
        .filter_map(|a| a.firewall_rule_group_id().map(str::to_string))
        .collect();
    groups.sort();
    groups.dedup();
    let mut lists: Vec<String> = Vec::new();
    for g in groups {
        let rules = all_pages!(
            c.list_firewall_rules().firewall_rule_group_id(&g),
            "route53resolver:ListFirewallRules",
            |p| p.firewall_rules()
        );
        lists.extend(
            rules
                .iter()
                .filter_map(|r| r.firewall_domain_list_id().map(str::to_string)),
        );
        read.rule_groups.push((g, rules));
    }
    lists.sort();
    lists.dedup();
    for l in lists {
        let op = "route53resolver:GetFirewallDomainList";
        let meta = c
            .get_firewall_domain_list()
            .firewall_domain_list_id(&l)
            .send()
            .await
            .map_err(|e| unread_reason(op, &sdk(op, e).to_string()))?
            .firewall_domain_list()
            .cloned()
            .ok_or_else(|| unread_reason(op, "the response has no FirewallDomainList"))?;
        // An AWS managed list does not list its domains: mapped as unknown content.
        let domains = if meta.managed_owner_name().is_some() {
            Vec::new()
        } else {
            all_pages!(
                c.list_firewall_domains().firewall_domain_list_id(&l),
                "route53resolver:ListFirewallDomains",
                |p| p.domains()
            )
        };
        read.domain_lists.push((l, meta, domains));
    }
    Ok(read)
}

async fn read_query_logging(aws: &Aws, vpcs: &[String]) -> Result<QueryLogRead, String> {
    let c = &aws.resolver;
    let by_vpc = Filter::builder()
        .name("ResourceId")
        .set_values(Some(vpcs.to_vec()))
        .build();
    let associations = all_pages!(
        c.list_resolver_query_log_config_associations()
            .filters(by_vpc),
        "route53resolver:ListResolverQueryLogConfigAssociations",
        |p| p.resolver_query_log_config_associations()
    );
    let configs = if associations.is_empty() {
        Vec::new()
    } else {
        all_pages!(
            c.list_resolver_query_log_configs(),
            "route53resolver:ListResolverQueryLogConfigs",
            |p| p.resolver_query_log_configs()
        )
    };
    Ok(QueryLogRead {
        configs,
        associations,
    })
}
