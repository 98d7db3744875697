//! The DNS rules on a live-mapped Resolver: the rule fixtures' base template (a VPC with an
//! ECS service) with its template resolver replaced by what `moat audit` maps from the Route 53
//! Resolver API shapes. The live firewall must decide exactly as the template's does, and what
//! the API could not show must stay unproved.

use moat_aws::aws_sdk_route53resolver::types as r53r;
use moat_aws::{map_resolver, unread_reason, FirewallRead, QueryLogRead};
use moat_model::{Model, PropertyKind, Verdict};
use std::path::Path;

/// The base fixture's model (one scenario) and its VPC's id.
fn base_model() -> (Model, String) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../moat-verify/tests/fixtures/base.yml");
    let opts = moat_cfn::LoadOptions {
        region: Some("us-east-1".into()),
        account_id: Some("123456789012".into()),
        stack_name: "fixture".into(),
        parameters: Default::default(),
        max_scenarios: 64,
    };
    let loaded = moat_cfn::load_paths(&[path], &opts).expect("base.yml loads");
    let model = loaded.roots[0].scenarios[0].model.clone();
    let vpc = model.vpcs[0].id.to_string();
    (model, vpc)
}

/// The names the template's allow list holds (resolved), to build the live list from.
fn needed_names(model: &Model) -> Vec<String> {
    let list = model
        .resolver
        .domain_lists
        .iter()
        .find(|l| l.domains.len() > 1)
        .expect("the base template's allow list");
    list.domains
        .iter()
        .map(|d| d.known().expect("resolved domain").clone())
        .collect()
}

fn rule(priority: i32, action: r53r::Action, list: &str) -> r53r::FirewallRule {
    r53r::FirewallRule::builder()
        .firewall_rule_group_id("rslvr-frg-1")
        .priority(priority)
        .action(action)
        .firewall_domain_list_id(list)
        .firewall_domain_redirection_action(
            r53r::FirewallDomainRedirectionAction::TrustRedirectionDomain,
        )
        .build()
}

fn own_list(id: &str) -> r53r::FirewallDomainList {
    r53r::FirewallDomainList::builder().id(id).name(id).build()
}

/// What the API shows for a VPC with an allow-list + block-all rule group.
fn allow_then_block(vpc: &str, needed: Vec<String>) -> FirewallRead {
    FirewallRead {
        associations: vec![r53r::FirewallRuleGroupAssociation::builder()
            .id("rslvr-frgassoc-1")
            .vpc_id(vpc)
            .firewall_rule_group_id("rslvr-frg-1")
            .priority(101)
            .status(r53r::FirewallRuleGroupAssociationStatus::Complete)
            .build()],
        rule_groups: vec![(
            "rslvr-frg-1".into(),
            vec![
                rule(100, r53r::Action::Allow, "rslvr-fdl-needed"),
                rule(200, r53r::Action::Block, "rslvr-fdl-all"),
            ],
        )],
        domain_lists: vec![
            (
                "rslvr-fdl-needed".into(),
                own_list("rslvr-fdl-needed"),
                needed,
            ),
            (
                "rslvr-fdl-all".into(),
                own_list("rslvr-fdl-all"),
                vec!["*".into()],
            ),
        ],
    }
}

/// Prove `model`: the findings' codes and the DNS properties.
fn prove(model: &Model) -> (Vec<&'static str>, Vec<moat_model::Property>) {
    let proof = moat_verify::prove(model, &moat_verify::Options::default());
    let dns = proof
        .properties
        .into_iter()
        .filter(|p| p.kind == PropertyKind::Dns)
        .collect();
    (proof.findings.iter().map(|f| f.code).collect(), dns)
}

fn exit(props: &[moat_model::Property]) -> &Verdict {
    &props
        .iter()
        .find(|p| p.claim.contains("resolves no arbitrary public name"))
        .expect("the exit property")
        .verdict
}

#[test]
fn an_allow_list_then_block_all_proves_the_vpc_closed_like_the_template() {
    let (mut model, vpc) = base_model();
    let (template_codes, template_props) = prove(&model);
    let live = allow_then_block(&vpc, needed_names(&model));
    model.resolver = map_resolver(
        std::slice::from_ref(&vpc),
        Ok(live),
        Ok(QueryLogRead::default()),
    );
    let (codes, props) = prove(&model);
    assert!(codes.is_empty(), "{codes:?}");
    assert!(exit(&props).is_proved(), "{props:#?}");
    // The same properties, with the same verdicts, as the template's firewall.
    let verdicts = |ps: &[moat_model::Property]| {
        ps.iter()
            .map(|p| (p.claim.clone(), p.verdict.is_proved()))
            .collect::<Vec<_>>()
    };
    assert_eq!(verdicts(&props), verdicts(&template_props));
    assert!(template_codes.is_empty());
}

#[test]
fn no_association_is_the_finding() {
    let (mut model, vpc) = base_model();
    model.resolver = map_resolver(
        std::slice::from_ref(&vpc),
        Ok(FirewallRead::default()),
        Ok(QueryLogRead::default()),
    );
    let (codes, props) = prove(&model);
    assert!(codes.contains(&"MOAT012"), "{codes:?}");
    assert!(matches!(exit(&props), Verdict::Refuted { .. }));
}

#[test]
fn a_managed_list_in_the_allow_rule_leaves_the_exit_unproved() {
    let (mut model, vpc) = base_model();
    let mut live = allow_then_block(&vpc, needed_names(&model));
    live.domain_lists[0].1 = r53r::FirewallDomainList::builder()
        .id("rslvr-fdl-needed")
        .name("AWSManagedDomainsAggregateThreatList")
        .managed_owner_name("Route 53 Resolver DNS Firewall")
        .build();
    live.domain_lists[0].2.clear();
    model.resolver = map_resolver(
        std::slice::from_ref(&vpc),
        Ok(live),
        Ok(QueryLogRead::default()),
    );
    let (codes, props) = prove(&model);
    assert!(exit(&props).is_unproved(), "{props:#?}");
    assert!(!codes.contains(&"MOAT012"), "{codes:?}");
    assert!(codes.contains(&"MOAT120"), "{codes:?}");
}

#[test]
fn a_block_all_for_one_query_type_does_not_close_the_exit() {
    let (mut model, vpc) = base_model();
    let mut live = allow_then_block(&vpc, needed_names(&model));
    live.rule_groups[0].1[1] = r53r::FirewallRule::builder()
        .firewall_rule_group_id("rslvr-frg-1")
        .priority(200)
        .action(r53r::Action::Block)
        .firewall_domain_list_id("rslvr-fdl-all")
        .qtype("A")
        .build();
    model.resolver = map_resolver(
        std::slice::from_ref(&vpc),
        Ok(live),
        Ok(QueryLogRead::default()),
    );
    let (codes, props) = prove(&model);
    assert!(!exit(&props).is_proved(), "{props:#?}");
    assert!(codes.contains(&"MOAT012"), "{codes:?}");
}

#[test]
fn a_failed_read_is_moat120_naming_the_reason() {
    let (mut model, vpc) = base_model();
    let why = unread_reason(
        "route53resolver:ListFirewallRuleGroupAssociations",
        "access denied for route53resolver:ListFirewallRuleGroupAssociations",
    );
    model.resolver = map_resolver(
        std::slice::from_ref(&vpc),
        Err(why),
        Ok(QueryLogRead::default()),
    );
    let proof = moat_verify::prove(&model, &moat_verify::Options::default());
    let codes: Vec<&str> = proof.findings.iter().map(|f| f.code).collect();
    assert!(!codes.contains(&"MOAT012"), "{codes:?}");
    let unproved: Vec<_> = proof
        .findings
        .iter()
        .filter(|f| f.code == "MOAT120")
        .collect();
    assert!(
        unproved.iter().any(|f| f
            .message
            .contains("ListFirewallRuleGroupAssociations failed")),
        "{unproved:#?}"
    );
    assert!(proof
        .properties
        .iter()
        .filter(|p| p.kind == PropertyKind::Dns)
        .all(|p| p.verdict.is_unproved()));
}
