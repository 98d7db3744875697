//! Every synthesized template passes cfn-lint with zero errors.
//!
//! cfn-lint comes from `MOAT_CFN_LINT` or `PATH`. Without it the test fails when `CI` is set
//! (CI must lint) and otherwise prints why it skipped.

mod common;

use moat_synth::{plan_with, synth, PlanOptions, TemplateFormat};
use std::path::{Path, PathBuf};
use std::process::Command;

fn cfn_lint() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("MOAT_CFN_LINT") {
        return Some(PathBuf::from(p));
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join("cfn-lint"))
        .find(|p| p.is_file())
}

fn examples() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    let mut out: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map(|rd| {
            rd.flatten()
                .map(|e| e.path())
                .filter(|p| p.join("moat.toml").is_file())
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}

#[test]
fn templates_pass_cfn_lint() {
    let Some(lint) = cfn_lint() else {
        assert!(
            std::env::var_os("CI").is_none(),
            "cfn-lint not found (set MOAT_CFN_LINT or put it on PATH); CI must run this test"
        );
        eprintln!("skipping: cfn-lint not found (set MOAT_CFN_LINT or put cfn-lint on PATH)");
        return;
    };
    let mut specs = vec![
        (
            "isolated".to_string(),
            common::isolated(),
            PlanOptions::default(),
        ),
        ("full".to_string(), common::full(), common::full_options()),
    ];
    for dir in examples() {
        let (spec, extras) =
            moat_spec::load_with_extras(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        specs.push((
            dir.file_name().unwrap().to_string_lossy().into_owned(),
            spec,
            PlanOptions::from_extras(&extras),
        ));
    }
    let tmp = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    for (name, spec, opts) in &specs {
        let p = plan_with(spec, opts).unwrap_or_else(|e| panic!("{name}: {e}"));
        for (fmt, ext) in [
            (TemplateFormat::Yaml, "yaml"),
            (TemplateFormat::Json, "json"),
        ] {
            let file = tmp.path().join(format!("{name}.{ext}"));
            std::fs::write(&file, synth(&p, fmt)).unwrap();
            files.push(file);
        }
    }
    // One run for all templates: cfn-lint's start-up dominates its run time.
    // `--non-zero-exit-code error`: warnings and informational findings do not fail the test.
    let out = Command::new(&lint)
        .args(["--non-zero-exit-code", "error", "--"])
        .args(&files)
        .output()
        .unwrap_or_else(|e| panic!("running {}: {e}", lint.display()));
    assert!(
        out.status.success(),
        "cfn-lint found errors (exit {:?}):\n{}{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let linted = files.len();
    assert!(linted >= 4);
}
