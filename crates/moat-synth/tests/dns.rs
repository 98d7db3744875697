//! The DNS Firewall synth adds by default: the needed names allowed, everything else blocked,
//! query logging; `[dns] firewall = false` removes it; `[dns] allow` adds names.

mod common;

use moat_synth::{plan_with, synth, PlanOptions, TemplateFormat};

fn yaml(opts: &PlanOptions) -> (moat_synth::Plan, String) {
    let p = plan_with(&common::isolated(), opts).unwrap();
    let y = synth(&p, TemplateFormat::Yaml);
    (p, y)
}

#[test]
fn on_by_default_with_the_needed_names() {
    let (p, y) = yaml(&PlanOptions::default());
    let names: Vec<&str> = p.dns.allow.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "api.ecr.us-east-1.amazonaws.com",
            "*.dkr.ecr.us-east-1.amazonaws.com",
            "logs.us-east-1.amazonaws.com",
            "prod-us-east-1-starport-layer-bucket.s3.us-east-1.amazonaws.com",
            "s3.us-east-1.amazonaws.com",
        ]
    );
    for ty in [
        "AWS::Route53Resolver::FirewallDomainList",
        "AWS::Route53Resolver::FirewallRuleGroup",
        "AWS::Route53Resolver::FirewallRuleGroupAssociation",
        "AWS::Route53Resolver::ResolverQueryLoggingConfig",
        "AWS::Route53Resolver::ResolverQueryLoggingConfigAssociation",
    ] {
        assert!(y.contains(ty), "{ty} missing");
    }
    assert!(y.contains("BlockResponse: NXDOMAIN"));
    assert!(y.contains("FirewallDomainRedirectionAction: TRUST_REDIRECTION_DOMAIN"));
    // The cost is in the plan, dated and sourced: 6 domains (5 names and `*`).
    assert!((p.dns.domains_monthly_usd - 0.0).abs() < 0.01);
    assert_eq!(p.dns.per_million_queries_usd, 0.60);
    assert!(p.notes.iter().any(
        |n| n.contains("DNS Firewall") && n.contains("https://aws.amazon.com/route53/pricing/")
    ));
}

#[test]
fn firewall_false_removes_it_and_allow_adds_names() {
    let mut opts = PlanOptions::default();
    opts.dns.firewall = false;
    let (p, y) = yaml(&opts);
    assert!(!p.dns.firewall && p.dns.allow.is_empty());
    assert!(!y.contains("Route53Resolver"));
    assert!(!p.notes.iter().any(|n| n.contains("DNS Firewall")));

    let mut opts = PlanOptions::default();
    opts.dns.allow = vec!["*.corp.example.com".into()];
    let (p, y) = yaml(&opts);
    assert_eq!(p.dns.allow.last().unwrap().name, "*.corp.example.com");
    assert!(y.contains("\"*.corp.example.com\""), "{y}");
}
