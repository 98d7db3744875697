//! Every synthesized template passes checkov's CloudFormation checks: zero failed checks, and
//! every skipped check waived in the template itself (`Metadata.checkov.skip`) with its reason.
//!
//! checkov comes from `MOAT_CHECKOV` or `PATH` (scripts/test.sh pins it in the test venv).
//! Without it the test fails when `CI` is set and otherwise prints why it skipped. It runs
//! offline: `--skip-download` (no Prisma Cloud metadata), no update check.

mod common;

use serde_json::Value;
use std::process::Command;

/// checkov's JSON report: one object for one framework, a list for several.
fn reports(stdout: &[u8]) -> Vec<Value> {
    let v: Value = serde_json::from_slice(stdout).unwrap_or_else(|e| {
        panic!(
            "checkov's output is not JSON ({e}):\n{}",
            String::from_utf8_lossy(stdout)
        )
    });
    match v {
        Value::Array(list) => list,
        one => vec![one],
    }
}

fn describe(check: &Value) -> String {
    format!(
        "{} {} on {} ({}:{})",
        check["check_id"].as_str().unwrap_or("?"),
        check["check_name"].as_str().unwrap_or("?"),
        check["resource"].as_str().unwrap_or("?"),
        check["file_path"].as_str().unwrap_or("?"),
        check["file_line_range"]
    )
}

#[test]
fn templates_pass_checkov() {
    let Some(checkov) = common::tool("MOAT_CHECKOV", "checkov") else {
        assert!(
            std::env::var_os("CI").is_none(),
            "checkov not found (set MOAT_CHECKOV or put it on PATH); CI must run this test"
        );
        eprintln!("skipping: checkov not found (set MOAT_CHECKOV or put checkov on PATH)");
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let files = common::write_all_templates(tmp.path());
    let out = Command::new(&checkov)
        .args(["--framework", "cloudformation", "--output", "json"])
        .args(["--skip-download", "--compact", "--directory"])
        .arg(tmp.path())
        .env("CKV_SKIP_PACKAGE_UPDATE_CHECK", "true")
        .env("BC_SKIP_MAPPING", "TRUE")
        .output()
        .unwrap_or_else(|e| panic!("running {}: {e}", checkov.display()));
    let reports = reports(&out.stdout);
    let (mut failed, mut skipped, mut passed, mut parse_errors) = (vec![], vec![], 0, 0);
    for report in &reports {
        let results = &report["results"];
        failed.extend(results["failed_checks"].as_array().into_iter().flatten());
        skipped.extend(results["skipped_checks"].as_array().into_iter().flatten());
        passed += results["passed_checks"].as_array().map_or(0, Vec::len);
        parse_errors += report["summary"]["parsing_errors"].as_u64().unwrap_or(0);
    }
    assert_eq!(parse_errors, 0, "checkov could not parse some templates");
    let failures: Vec<String> = failed.iter().map(|c| describe(c)).collect();
    assert!(
        failures.is_empty(),
        "checkov failed checks not waived in the template:\n{}",
        failures.join("\n")
    );
    // A waiver must say why: checkov takes the reason from the waiver's `comment`.
    for check in &skipped {
        let reason = check["check_result"]["suppress_comment"]
            .as_str()
            .unwrap_or_default();
        assert!(
            reason.len() >= 20,
            "waived without a reason: {} (comment {reason:?})",
            describe(check)
        );
    }
    // Every file was scanned: each one has passed checks of its own.
    for file in &files {
        let name = file.file_name().unwrap().to_string_lossy();
        let seen = reports.iter().any(|r| {
            r["results"]["passed_checks"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|c| c["file_path"].as_str().is_some_and(|p| p.ends_with(&*name)))
        });
        assert!(seen, "checkov reported nothing for {name}");
    }
    assert!(passed > 0);
}
