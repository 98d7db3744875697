//! The DNS Firewall verdicts are three-valued: variants of the rule fixtures' base template
//! (which associates a rule group allowing the needed names and blocking `*`) whose firewall is
//! unknown, managed by AWS, too broad or inspecting CNAME chains.

use moat_model::{PropertyKind, Verdict};
use std::path::{Path, PathBuf};

fn base() -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/base.yml"))
        .expect("base.yml")
}

/// Prove `text` (written to a file of its own) and return the findings' codes and the DNS
/// properties.
fn prove(name: &str, text: &str) -> (Vec<&'static str>, Vec<moat_model::Property>) {
    let dir: PathBuf = std::env::temp_dir().join(format!("moat-dns-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("{name}.yml"));
    std::fs::write(&path, text).unwrap();
    let opts = moat_cfn::LoadOptions {
        region: Some("us-east-1".into()),
        account_id: Some("123456789012".into()),
        stack_name: "fixture".into(),
        parameters: Default::default(),
        max_scenarios: 64,
    };
    let loaded = moat_cfn::load_paths(&[path], &opts).expect("loads");
    let model = &loaded.roots[0].scenarios[0].model;
    let proof = moat_verify::prove(model, &moat_verify::Options::default());
    let dns = proof
        .properties
        .into_iter()
        .filter(|p| p.kind == PropertyKind::Dns)
        .collect();
    (proof.findings.iter().map(|f| f.code).collect(), dns)
}

fn edit(old: &str, new: &str) -> String {
    let b = base();
    assert_eq!(b.matches(old).count(), 1, "{old}");
    b.replacen(old, new, 1)
}

fn exit_verdict(props: &[moat_model::Property]) -> &Verdict {
    &props
        .iter()
        .find(|p| p.claim.contains("resolves no arbitrary public name"))
        .expect("the exit property is recorded")
        .verdict
}

#[test]
fn base_proves_the_exit_closed_and_every_needed_name_open() {
    let (codes, props) = prove("base", &base());
    assert!(codes.is_empty(), "{codes:?}");
    assert!(exit_verdict(&props).is_proved());
    let names: Vec<&str> = props
        .iter()
        .filter(|p| p.claim.contains("lets service"))
        .map(|p| p.claim.as_str())
        .collect();
    // ecr.api, ecr.dkr, logs, the layer bucket and path-style S3.
    assert_eq!(names.len(), 5, "{names:#?}");
    assert!(props.iter().all(|p| p.verdict.is_proved()), "{props:#?}");
}

#[test]
fn an_association_whose_rule_group_is_imported_is_unproved_not_clean() {
    let (codes, props) = prove(
        "imported",
        &edit(
            "FirewallRuleGroupId: !GetAtt DnsRules.Id",
            "FirewallRuleGroupId: !ImportValue shared-dns-rules",
        ),
    );
    assert!(exit_verdict(&props).is_unproved());
    assert!(codes.contains(&"MOAT120"), "{codes:?}");
    assert!(!codes.contains(&"MOAT012"), "{codes:?}");
    assert!(!codes.contains(&"MOAT013"), "{codes:?}");
}

#[test]
fn an_aws_managed_allow_list_leaves_the_exit_open_question() {
    let (codes, props) = prove(
        "managed",
        &edit(
            "FirewallDomainListId: !Ref NeededNames",
            "FirewallDomainListId: rslvr-fdl-0123456789abcdef",
        ),
    );
    assert!(exit_verdict(&props).is_unproved(), "{props:#?}");
    assert!(codes.contains(&"MOAT120"), "{codes:?}");
}

#[test]
fn an_allow_for_a_whole_top_level_domain_is_no_control() {
    let (codes, props) = prove(
        "broad",
        &edit(
            "        - !Sub s3.${AWS::Region}.amazonaws.com\n",
            "        - !Sub s3.${AWS::Region}.amazonaws.com\n        - '*.com'\n",
        ),
    );
    assert!(exit_verdict(&props).is_refuted());
    assert!(codes.contains(&"MOAT012"), "{codes:?}");
}

#[test]
fn s3_names_need_the_allow_rule_to_trust_redirection() {
    let (codes, props) = prove(
        "inspect",
        &edit(
            "          FirewallDomainRedirectionAction: TRUST_REDIRECTION_DOMAIN\n",
            "",
        ),
    );
    let s3: Vec<_> = props
        .iter()
        .filter(|p| p.claim.contains(".s3.") || p.claim.ends_with(" s3.us-east-1.amazonaws.com"))
        .collect();
    assert_eq!(s3.len(), 2, "{props:#?}");
    assert!(s3.iter().all(|p| p.verdict.is_unproved()));
    // The endpoints' private names are answered without a CNAME chain.
    assert!(props
        .iter()
        .filter(|p| p.claim.ends_with("logs.us-east-1.amazonaws.com"))
        .all(|p| p.verdict.is_proved()));
    assert!(codes.contains(&"MOAT120"), "{codes:?}");
}

#[test]
fn a_block_before_the_allow_refutes_the_needed_names() {
    let (codes, _) = prove(
        "order",
        &edit("        - Priority: 200\n", "        - Priority: 50\n"),
    );
    assert!(codes.contains(&"MOAT013"), "{codes:?}");
}

#[test]
fn a_block_all_for_one_query_type_does_not_close_the_exit() {
    // `Qtype: A`: the BLOCK matches only A queries; a TXT query for any name still resolves.
    let (codes, props) = prove(
        "qtype",
        &edit(
            "          Action: BLOCK\n",
            "          Action: BLOCK\n          Qtype: A\n",
        ),
    );
    assert!(!exit_verdict(&props).is_proved(), "{props:#?}");
    assert!(codes.contains(&"MOAT012"), "{codes:?}");
}
