//! "Service reaches S3 through its gateway endpoint" holds only when the tasks' egress rule names
//! the region's S3 managed prefix list, as moat knows it: the template parameter declared as that
//! list (`Metadata: moat: managed_prefix_lists`) without a value, or a `pl-…` whose name a live
//! read gave. A `pl-…` moat knows by id only (a literal, a `--param`) is unproved with its
//! location; a list known to be another is not S3's.

use moat_model::{Finding, Maybe, PrefixList, Property, Provenance};
use std::collections::BTreeMap;
use std::path::Path;

fn base() -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/base.yml"))
        .expect("base.yml")
}

/// The model of `text` (one scenario) with parameters `params`.
fn model(text: &str, params: &[(&str, &str)]) -> moat_model::Model {
    let opts = moat_cfn::LoadOptions {
        region: Some("us-east-1".into()),
        account_id: Some("123456789012".into()),
        stack_name: "fixture".into(),
        parameters: params
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect::<BTreeMap<_, _>>(),
        max_scenarios: 64,
    };
    let loaded = moat_cfn::load_str("t.yml", text, &opts).expect("loads");
    loaded.roots[0].scenarios[0].model.clone()
}

fn prove(m: &moat_model::Model) -> (Vec<Finding>, Property) {
    let proof = moat_verify::prove(m, &moat_verify::Options::default());
    let s3 = proof
        .properties
        .into_iter()
        .find(|p| p.claim.contains("s3 through its gateway endpoint"))
        .expect("the S3 reach property");
    (proof.findings, s3)
}

/// The line of `needle` in `text` (1-based).
fn line_of(text: &str, needle: &str) -> u32 {
    text.lines().position(|l| l.contains(needle)).expect(needle) as u32 + 1
}

#[test]
fn the_declared_parameter_without_value_is_s3s_list() {
    let m = model(&base(), &[]);
    assert_eq!(m.prefix_lists.len(), 1, "{:?}", m.prefix_lists);
    assert_eq!(m.prefix_lists[0].id.as_str(), "S3PrefixListId");
    assert_eq!(
        m.prefix_lists[0].name.known().map(String::as_str),
        Some("com.amazonaws.us-east-1.s3")
    );
    let (findings, s3) = prove(&m);
    assert!(findings.is_empty(), "{findings:#?}");
    assert!(s3.verdict.is_proved(), "{s3:#?}");
}

/// `moat check --param S3PrefixListId=pl-…`: an id moat cannot name offline. Unproved, with the
/// rule's line and how to settle it; not clean and not an error.
#[test]
fn a_given_id_is_unproved_with_its_location() {
    let text = base();
    let m = model(&text, &[("S3PrefixListId", "pl-63a5400a")]);
    assert!(m.prefix_lists.is_empty(), "{:?}", m.prefix_lists);
    let (findings, s3) = prove(&m);
    let moat_model::Verdict::Unproved { unknowns } = &s3.verdict else {
        panic!("must be unproved: {s3:#?}");
    };
    assert!(unknowns[0].what.contains("pl-63a5400a"), "{unknowns:#?}");
    assert!(
        unknowns[0].settle.contains("describe-managed-prefix-lists"),
        "{unknowns:#?}"
    );
    let codes: Vec<&str> = findings.iter().map(|f| f.code).collect();
    assert_eq!(codes, ["MOAT120"], "{findings:#?}");
    assert_eq!(
        findings[0].prov.line,
        Some(line_of(
            &text,
            "DestinationPrefixListId: !Ref S3PrefixListId"
        ))
    );
    assert_ne!(findings[0].severity, moat_model::Severity::Error);
}

/// A hand-written template with a literal `pl-…` and no declaration: the same.
#[test]
fn a_literal_id_is_unproved() {
    let text = base().replacen(
        "DestinationPrefixListId: !Ref S3PrefixListId",
        "DestinationPrefixListId: pl-63a5400a",
        1,
    );
    let (findings, s3) = prove(&model(&text, &[]));
    assert!(s3.verdict.is_unproved(), "{s3:#?}");
    let f: Vec<&Finding> = findings.iter().filter(|f| f.code == "MOAT120").collect();
    assert_eq!(
        f[0].prov.line,
        Some(line_of(&text, "DestinationPrefixListId: pl-63a5400a"))
    );
}

/// What `moat deploy` and `moat audit` know: the id with its name. S3's list proves it; another
/// AWS-managed list refutes it (MOAT105); a customer-managed list leaves it open.
#[test]
fn a_named_id_is_judged_by_its_name() {
    let with = |name: &str| {
        let mut m = model(&base(), &[("S3PrefixListId", "pl-63a5400a")]);
        m.prefix_lists.push(PrefixList {
            id: "pl-63a5400a".into(),
            name: Maybe::Known(name.into()),
            prov: Provenance::resource("pl-63a5400a"),
        });
        prove(&m)
    };
    let (findings, s3) = with("com.amazonaws.us-east-1.s3");
    assert!(findings.is_empty(), "{findings:#?}");
    assert!(s3.verdict.is_proved());
    let (findings, s3) = with("com.amazonaws.us-east-1.dynamodb");
    assert!(s3.verdict.is_refuted(), "{s3:#?}");
    assert!(
        findings.iter().any(|f| f.code == "MOAT105"),
        "{findings:#?}"
    );
    let (_, s3) = with("corp-ranges");
    assert!(s3.verdict.is_unproved(), "{s3:#?}");
}
