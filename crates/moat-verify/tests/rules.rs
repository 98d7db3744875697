//! Every rule has a one-defect fixture (`tests/fixtures/<CODE>/fail.yml`, generated from
//! `base.yml` by `generate.py`) on which it fires, and the base, on which no rule fires. The
//! rendered findings of each rule are pinned by an insta snapshot (file:line included).

use moat_report::{Sources, Summary, TextOptions};
use std::path::{Path, PathBuf};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn load(path: &Path) -> (Vec<moat_model::Finding>, Sources) {
    let opts = moat_cfn::LoadOptions {
        region: Some("us-east-1".into()),
        account_id: Some("123456789012".into()),
        stack_name: "fixture".into(),
        parameters: Default::default(),
        max_scenarios: 64,
    };
    let loaded = moat_cfn::load_paths(&[path.to_path_buf()], &opts)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut findings = Vec::new();
    for root in &loaded.roots {
        for sc in &root.scenarios {
            findings.extend(moat_verify::check(
                &sc.model,
                &moat_verify::Options::default(),
            ));
        }
    }
    moat_verify::sort_dedup(&mut findings);
    let mut sources = Sources::default();
    for s in &loaded.sources {
        sources
            .files
            .insert(s.path.display().to_string(), s.text.clone());
    }
    (findings, sources)
}

/// Paths in snapshots are relative to the fixtures directory.
fn relativize(
    mut findings: Vec<moat_model::Finding>,
    sources: Sources,
) -> (Vec<moat_model::Finding>, Sources) {
    let root = format!("{}/", fixtures().display());
    for f in &mut findings {
        if let Some(file) = &mut f.prov.file {
            *file = file.replace(&root, "");
        }
    }
    let files = sources
        .files
        .into_iter()
        .map(|(k, v)| (k.replace(&root, ""), v))
        .collect();
    (findings, Sources { files })
}

#[test]
fn base_is_clean_for_every_rule() {
    let (findings, _) = load(&fixtures().join("base.yml"));
    assert!(
        findings.is_empty(),
        "base.yml should be clean, got:\n{findings:#?}"
    );
}

#[test]
fn every_rule_fires_on_its_fixture() {
    let mut missing = Vec::new();
    for rule in moat_verify::all_rules() {
        let path = fixtures().join(rule.code).join("fail.yml");
        if !path.exists() {
            missing.push(format!("{}: no fixture at {}", rule.code, path.display()));
            continue;
        }
        let (findings, sources) = load(&path);
        let (findings, sources) = relativize(findings, sources);
        let mine: Vec<_> = findings
            .into_iter()
            .filter(|f| f.code == rule.code)
            .collect();
        if mine.is_empty() {
            missing.push(format!("{}: did not fire on its fixture", rule.code));
            continue;
        }
        for f in &mine {
            assert!(
                f.prov.line.is_some(),
                "{}: finding without a line: {f:?}",
                rule.code
            );
            assert_eq!(
                f.severity, rule.severity,
                "{}: severity differs from the rule's",
                rule.code
            );
            assert!(!f.help.is_empty(), "{}: finding without help", rule.code);
        }
        let rendered = moat_report::text(
            &mine,
            &sources,
            &Summary {
                checked: vec![format!("{}/fail.yml", rule.code)],
                ..Default::default()
            },
            &TextOptions::default(),
        );
        insta::assert_snapshot!(rule.code, rendered);
    }
    assert!(missing.is_empty(), "{}", missing.join("\n"));
}

#[test]
fn every_rule_is_documented() {
    for rule in moat_verify::all_rules() {
        let doc = rule.markdown();
        for section in [
            "## What it does",
            "## Why is this bad?",
            "## Example",
            "## Fix",
            "## References",
        ] {
            assert!(doc.contains(section), "{} lacks `{section}`", rule.code);
        }
        assert!(
            doc.contains("https://docs.aws.amazon.com/"),
            "{} cites no AWS page",
            rule.code
        );
    }
}

#[test]
fn codes_and_names_are_unique() {
    let rules = moat_verify::all_rules();
    for (i, a) in rules.iter().enumerate() {
        for b in &rules[i + 1..] {
            assert_ne!(a.code, b.code);
            assert_ne!(a.name, b.name);
        }
    }
}
