//! Hand-built Route 53 Resolver shapes -> model elements.

use super::*;

fn rule(group: &str, priority: i32, action: r53r::Action, list: &str) -> r53r::FirewallRule {
    r53r::FirewallRule::builder()
        .firewall_rule_group_id(group)
        .priority(priority)
        .action(action)
        .firewall_domain_list_id(list)
        .build()
}

fn association(
    id: &str,
    vpc: &str,
    group: &str,
    priority: i32,
) -> r53r::FirewallRuleGroupAssociation {
    r53r::FirewallRuleGroupAssociation::builder()
        .id(id)
        .vpc_id(vpc)
        .firewall_rule_group_id(group)
        .priority(priority)
        .status(r53r::FirewallRuleGroupAssociationStatus::Complete)
        .build()
}

fn own_list(id: &str) -> r53r::FirewallDomainList {
    r53r::FirewallDomainList::builder().id(id).name(id).build()
}

#[test]
fn association_fields() {
    let a = map_firewall_association(&association(
        "rslvr-frgassoc-1",
        "vpc-1",
        "rslvr-frg-1",
        101,
    ));
    assert_eq!(a.id.as_str(), "rslvr-frgassoc-1");
    assert_eq!(a.vpc, Maybe::Known(Id::from("vpc-1")));
    assert_eq!(a.rule_group, Maybe::Known(Id::from("rslvr-frg-1")));
    assert_eq!(a.priority, Maybe::Known(101));
    assert_eq!(a.prov.resource, "rslvr-frgassoc-1");
    // A response without a priority: unknown, not 0.
    let b = map_firewall_association(
        &r53r::FirewallRuleGroupAssociation::builder()
            .id("a")
            .vpc_id("vpc-1")
            .build(),
    );
    assert!(!b.priority.is_known());
    assert!(!b.rule_group.is_known());
}

#[test]
fn rule_fields_and_redirection_default() {
    let r = map_firewall_rule(&rule("g", 100, r53r::Action::Allow, "rslvr-fdl-1"));
    assert_eq!(r.priority, Maybe::Known(100));
    assert_eq!(r.action, Maybe::Known(FirewallAction::Allow));
    assert_eq!(r.domain_list, Maybe::Known(Id::from("rslvr-fdl-1")));
    // Absent FirewallDomainRedirectionAction: INSPECT_REDIRECTION_DOMAIN.
    assert_eq!(r.trust_redirection, Maybe::Known(false));
    let t = map_firewall_rule(
        &r53r::FirewallRule::builder()
            .priority(1)
            .action(r53r::Action::Allow)
            .firewall_domain_list_id("l")
            .firewall_domain_redirection_action(
                r53r::FirewallDomainRedirectionAction::TrustRedirectionDomain,
            )
            .build(),
    );
    assert_eq!(t.trust_redirection, Maybe::Known(true));
}

#[test]
fn a_rule_for_one_query_type_or_by_threat_matches_unknown_names() {
    // BLOCK * for A queries only lets a TXT query through: not a block of every name.
    let q = map_firewall_rule(
        &r53r::FirewallRule::builder()
            .priority(200)
            .action(r53r::Action::Block)
            .firewall_domain_list_id("rslvr-fdl-all")
            .qtype("A")
            .build(),
    );
    assert!(q.domain_list.why_unknown().unwrap().contains("type A"));
    let t = map_firewall_rule(
        &r53r::FirewallRule::builder()
            .priority(300)
            .action(r53r::Action::Block)
            .firewall_threat_protection_id("rslvr-ftp-1")
            .build(),
    );
    assert!(t.domain_list.why_unknown().unwrap().contains("traits"));
    let a = map_firewall_rule(
        &r53r::FirewallRule::builder()
            .priority(1)
            .action(r53r::Action::from("QUARANTINE"))
            .firewall_domain_list_id("l")
            .build(),
    );
    assert!(!a.action.is_known());
}

#[test]
fn a_managed_domain_list_is_unknown_content_never_empty() {
    let meta = r53r::FirewallDomainList::builder()
        .id("rslvr-fdl-aws")
        .name("AWSManagedDomainsMalwareDomainList")
        .managed_owner_name("Route 53 Resolver DNS Firewall")
        .build();
    let l = map_domain_list("rslvr-fdl-aws", &meta, &[]);
    assert!(l.domains.is_empty());
    let why = l.unseen.expect("managed content is unseen");
    assert!(why.contains("AWSManagedDomainsMalwareDomainList"), "{why}");
    let own = map_domain_list("rslvr-fdl-1", &own_list("rslvr-fdl-1"), &["*".into()]);
    assert_eq!(own.domains, vec![Maybe::Known("*".to_string())]);
    assert!(own.unseen.is_none());
}

#[test]
fn resolver_keeps_the_audited_vpcs_and_acting_associations() {
    let deleting = r53r::FirewallRuleGroupAssociation::builder()
        .id("gone")
        .vpc_id("vpc-1")
        .firewall_rule_group_id("g")
        .priority(300)
        .status(r53r::FirewallRuleGroupAssociationStatus::Deleting)
        .build();
    let read = FirewallRead {
        associations: vec![
            association("a1", "vpc-1", "g", 101),
            association("other", "vpc-9", "g", 101),
            deleting,
        ],
        rule_groups: vec![("g".into(), vec![rule("g", 100, r53r::Action::Block, "l")])],
        domain_lists: vec![("l".into(), own_list("l"), vec!["*".into()])],
    };
    let logs = QueryLogRead {
        configs: vec![
            r53r::ResolverQueryLogConfig::builder()
                .id("qlc-1")
                .destination_arn("arn:aws:logs:us-east-1:1:log-group:dns")
                .build(),
            r53r::ResolverQueryLogConfig::builder()
                .id("qlc-unused")
                .build(),
        ],
        associations: vec![
            r53r::ResolverQueryLogConfigAssociation::builder()
                .id("qla-1")
                .resolver_query_log_config_id("qlc-1")
                .resource_id("vpc-1")
                .status(r53r::ResolverQueryLogConfigAssociationStatus::Active)
                .build(),
            r53r::ResolverQueryLogConfigAssociation::builder()
                .id("qla-failed")
                .resolver_query_log_config_id("qlc-unused")
                .resource_id("vpc-1")
                .status(r53r::ResolverQueryLogConfigAssociationStatus::Failed)
                .build(),
        ],
    };
    let r = map_resolver(&["vpc-1".into()], Ok(read), Ok(logs));
    assert!(r.unread.is_none() && r.query_logs_unread.is_none());
    let ids: Vec<&str> = r.associations.iter().map(|a| a.id.as_str()).collect();
    assert_eq!(ids, ["a1"]);
    assert_eq!(r.rule_groups.len(), 1);
    assert_eq!(r.domain_lists.len(), 1);
    let ql: Vec<&str> = r
        .query_log_associations
        .iter()
        .map(|a| a.id.as_str())
        .collect();
    assert_eq!(ql, ["qla-1"]);
    assert_eq!(r.query_log_configs.len(), 1);
    assert_eq!(
        r.query_log_configs[0]
            .destination
            .known()
            .map(String::as_str),
        Some("arn:aws:logs:us-east-1:1:log-group:dns")
    );
}

#[test]
fn a_failed_read_is_unread_never_no_firewall() {
    let why = unread_reason(
        "route53resolver:ListFirewallRuleGroupAssociations",
        "access denied",
    );
    let r = map_resolver(
        &["vpc-1".into()],
        Err(why.clone()),
        Err("logs: access denied".into()),
    );
    assert_eq!(r.unread.as_deref(), Some(why.as_str()));
    assert!(why.contains("ListFirewallRuleGroupAssociations"));
    assert!(r.associations.is_empty());
    assert_eq!(r.query_logs_unread.as_deref(), Some("logs: access denied"));
}
