//! Every synthesized template passes cfn-lint with zero errors.
//!
//! cfn-lint comes from `MOAT_CFN_LINT` or `PATH`. Without it the test fails when `CI` is set
//! (CI must lint) and otherwise prints why it skipped.

mod common;

use std::process::Command;

#[test]
fn templates_pass_cfn_lint() {
    let Some(lint) = common::tool("MOAT_CFN_LINT", "cfn-lint") else {
        assert!(
            std::env::var_os("CI").is_none(),
            "cfn-lint not found (set MOAT_CFN_LINT or put it on PATH); CI must run this test"
        );
        eprintln!("skipping: cfn-lint not found (set MOAT_CFN_LINT or put cfn-lint on PATH)");
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let files = common::write_all_templates(tmp.path());
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
