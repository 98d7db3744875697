//! The rules about every policy on a call's path, DNS and regions (MOAT121–MOAT132): each has a
//! clean twin of its one-defect fixture (`tests/fixtures/<CODE>/clean.yml`, written by
//! `generate_iam.py`) on which no rule fires and no property of these rules is refuted; and the
//! base template proves every permission it needs.

use moat_model::{PropertyKind, Verdict};
use std::path::{Path, PathBuf};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn prove(path: &Path) -> moat_verify::Proof {
    let opts = moat_cfn::LoadOptions {
        region: "us-east-1".into(),
        account_id: "123456789012".into(),
        stack_name: "fixture".into(),
        parameters: Default::default(),
        max_scenarios: 64,
    };
    let loaded = moat_cfn::load_paths(&[path.to_path_buf()], &opts)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut all = moat_verify::Proof::default();
    for root in &loaded.roots {
        for sc in &root.scenarios {
            let p = moat_verify::prove(&sc.model, &moat_verify::Options::default());
            all.findings.extend(p.findings);
            all.properties.extend(p.properties);
        }
    }
    all
}

const CODES: &[&str] = &[
    "MOAT121", "MOAT122", "MOAT123", "MOAT124", "MOAT125", "MOAT126", "MOAT127", "MOAT128",
    "MOAT129", "MOAT130", "MOAT131", "MOAT132",
];

#[test]
fn clean_twins_are_clean() {
    for code in CODES {
        let path = fixtures().join(code).join("clean.yml");
        let p = prove(&path);
        assert!(
            p.findings.is_empty(),
            "{code}/clean.yml should be clean, got:\n{:#?}",
            p.findings
        );
        for prop in &p.properties {
            assert!(
                !prop.verdict.is_refuted(),
                "{code}/clean.yml: refuted {}: {:?}",
                prop.claim,
                prop.verdict
            );
        }
    }
}

#[test]
fn fail_fixtures_fire_their_rule() {
    for code in CODES {
        let p = prove(&fixtures().join(code).join("fail.yml"));
        assert!(
            p.findings.iter().any(|f| f.code == *code),
            "{code}/fail.yml: {code} did not fire; findings: {:#?}",
            p.findings
        );
    }
}

#[test]
fn base_proves_every_permission() {
    let p = prove(&fixtures().join("base.yml"));
    let perms: Vec<_> = p
        .properties
        .iter()
        .filter(|x| x.kind == PropertyKind::Permission)
        .collect();
    assert!(
        perms.len() >= 6,
        "too few permission properties: {perms:#?}"
    );
    for x in perms {
        assert_eq!(x.verdict, Verdict::Proved, "{}", x.claim);
    }
}

#[test]
fn clean_twins_prove_what_their_rule_checks() {
    let proved = |code: &str, needle: &str| {
        let p = prove(&fixtures().join(code).join("clean.yml"));
        assert!(
            p.properties
                .iter()
                .any(|x| x.claim.contains(needle) && x.verdict.is_proved()),
            "{code}: no proved property containing `{needle}`: {:#?}",
            p.properties
        );
    };
    proved("MOAT121", "ecr:BatchGetImage");
    proved("MOAT122", "through endpoint `EcrDkrEndpoint`");
    proved("MOAT123", "starport-layer-bucket");
    proved("MOAT124", "kms:Decrypt");
    proved("MOAT125", "ECS may assume execution role");
    proved("MOAT126", "secretsmanager:GetSecretValue");
    proved("MOAT127", "Amazon-provided resolver");
}
