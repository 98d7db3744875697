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
        region: Some("us-east-1".into()),
        account_id: Some("123456789012".into()),
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
    "MOAT129", "MOAT130", "MOAT131", "MOAT132", "MOAT133",
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
    proved(
        "MOAT133",
        "s3:GetObject on arn:aws:s3:::moat-fixture-config/web.env",
    );
}

/// One edit of base.yml, checked from a temporary file.
fn prove_edited(name: &str, old: &str, new: &str) -> moat_verify::Proof {
    let base = std::fs::read_to_string(fixtures().join("base.yml")).unwrap();
    assert_eq!(base.matches(old).count(), 1, "{old}");
    let dir = std::env::temp_dir().join(format!("moat-iam-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("t.yml");
    std::fs::write(&path, base.replace(old, new)).unwrap();
    let p = prove(&path);
    let _ = std::fs::remove_dir_all(&dir);
    p
}

#[test]
fn an_endpoint_of_another_region_does_not_serve_the_tasks() {
    let p = prove_edited(
        "region",
        "ServiceName: !Sub com.amazonaws.${AWS::Region}.logs",
        "ServiceName: com.amazonaws.eu-west-1.logs",
    );
    assert!(
        p.findings
            .iter()
            .any(|f| f.code == "MOAT129" && f.message.contains("LogsEndpoint")),
        "{:#?}",
        p.findings
    );
}

#[test]
fn a_boundary_with_an_unknown_document_is_unproved_not_allowed() {
    let p = prove_edited(
        "boundary",
        "        - arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy\n",
        "        - arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy\n      PermissionsBoundary: arn:aws:iam::123456789012:policy/org-boundary\n",
    );
    let perms: Vec<_> = p
        .properties
        .iter()
        .filter(|x| x.kind == PropertyKind::Permission && x.claim.contains("execution role"))
        .collect();
    assert!(!perms.is_empty());
    for x in perms {
        assert!(x.verdict.is_unproved(), "{}: {:?}", x.claim, x.verdict);
    }
    assert!(!p
        .findings
        .iter()
        .any(|f| f.code == "MOAT121" || f.code == "MOAT110"));
}

#[test]
fn without_a_region_nothing_is_refuted_for_it() {
    let opts = moat_cfn::LoadOptions {
        region: None,
        account_id: Some("123456789012".into()),
        stack_name: "fixture".into(),
        parameters: Default::default(),
        max_scenarios: 64,
    };
    for file in ["base.yml", "MOAT124/clean.yml", "MOAT126/clean.yml"] {
        // Without the literals that name us-east-1, the loader cannot infer the region.
        let text = std::fs::read_to_string(fixtures().join(file))
            .unwrap()
            .replace(
                "AvailabilityZone: us-east-1a",
                "AvailabilityZone: !Select [0, !GetAZs '']",
            )
            .replace(
                "AvailabilityZone: us-east-1b",
                "AvailabilityZone: !Select [1, !GetAZs '']",
            )
            .replace(
                "CertificateArn: arn:aws:acm:us-east-1:",
                "CertificateArn: !Sub arn:aws:acm:${AWS::Region}:",
            );
        let loaded = moat_cfn::load_str(file, &text, &opts).unwrap();
        let model = &loaded.roots[0].scenarios[0].model;
        assert!(!model.region.is_known(), "{file}: {:?}", model.region);
        let p = moat_verify::prove(model, &moat_verify::Options::default());
        let mine: Vec<_> = p
            .findings
            .iter()
            .filter(|f| CODES.contains(&f.code) || f.code == "MOAT110" || f.code == "MOAT114")
            .collect();
        assert!(mine.is_empty(), "{file}: {mine:#?}");
        for x in &p.properties {
            assert!(
                !x.verdict.is_refuted(),
                "{file}: {}: {:?}",
                x.claim,
                x.verdict
            );
        }
    }
}
