//! Snapshots of each example's plan and template (`examples/*/moat.toml` via `moat_spec::load`).

use moat_synth::{plan, plan_with, render_plan_text, synth, PlanOptions, TemplateFormat};
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

fn redact(text: &str) -> String {
    let root = root().display().to_string();
    text.replace(&root, "[root]")
        .replace(&format!("{}/crates/moat-synth/../..", root), "[root]")
}

#[test]
fn example_templates() {
    let dir = root().join("examples");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.join("moat.toml").is_file())
        .collect();
    dirs.sort();
    assert!(!dirs.is_empty(), "no examples under {}", dir.display());
    for d in dirs {
        let name = d.file_name().unwrap().to_string_lossy().into_owned();
        let (spec, extras) =
            moat_spec::load_with_extras(&d).unwrap_or_else(|e| panic!("{name}: {e}"));
        let p = plan_with(&spec, &PlanOptions::from_extras(&extras))
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let yaml = synth(&p, TemplateFormat::Yaml);
        assert_eq!(
            yaml,
            synth(&p, TemplateFormat::Yaml),
            "{name}: not deterministic"
        );
        insta::assert_snapshot!(format!("example_{name}_yaml"), redact(&yaml));
        insta::assert_snapshot!(
            format!("example_{name}_plan"),
            redact(&render_plan_text(&p))
        );
    }
}

/// Seed 001's service needs exactly ecr.api, ecr.dkr, logs and the S3 gateway, and costs less
/// than seed 001's six interface endpoints.
#[test]
fn isolated_service_example_endpoints_and_saving() {
    let spec = moat_spec::load(&root().join("examples/isolated-service")).unwrap();
    let p = plan(&spec).unwrap();
    let names: Vec<&str> = p.endpoints.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(names, ["s3", "ecr.api", "ecr.dkr", "logs"]);
    assert!(
        p.cost.saving_vs_six_endpoint_design_usd > 0.0,
        "{:?}",
        p.cost
    );
}
