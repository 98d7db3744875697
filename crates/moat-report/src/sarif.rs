//! SARIF 2.1.0, the subset GitHub code scanning reads: one run, the rules as
//! `tool.driver.rules`, results with `ruleId`, `level`, `message`, and a physical location.
//! Spec: https://docs.oasis-open.org/sarif/sarif/v2.1.0/sarif-v2.1.0.html ; GitHub's reading of
//! it: https://docs.github.com/en/code-security/code-scanning/integrating-with-code-scanning/sarif-support-for-code-scanning

use moat_model::{Finding, Severity, Suppressed, WaiverKind};
use serde_json::{json, Value};

/// What SARIF needs to know about a rule.
pub struct RuleInfo {
    pub code: &'static str,
    pub name: &'static str,
    pub summary: &'static str,
    pub help_markdown: String,
    pub severity: Severity,
    /// The controls the rule evidences; each becomes a `properties.tags` entry.
    pub controls: Vec<crate::ControlRef>,
}

/// GitHub code scanning's `security-severity` (a score from 0.0 to 10.0; over 9.0 critical,
/// 7.0-8.9 high, 4.0-6.9 medium, 0.1-3.9 low), from the rule's default severity:
/// https://docs.github.com/en/code-security/code-scanning/integrating-with-code-scanning/sarif-support-for-code-scanning#reportingdescriptor-object
pub fn security_severity(s: Severity) -> &'static str {
    match s {
        Severity::Error => "8.0",
        Severity::Warning => "5.0",
        Severity::Info => "2.0",
    }
}

/// One SARIF result for `f`.
fn result(f: &Finding, rules: &[RuleInfo]) -> Value {
    let mut result = json!({
        "ruleId": f.code,
        "ruleIndex": rules.iter().position(|r| r.code == f.code).unwrap_or(0),
        "level": level(f.severity),
        "message": {"text": format!("{} Fix: {}", f.message, f.help)},
    });
    let mut loc = json!({
        "logicalLocations": [{"name": f.prov.resource, "kind": "resource"}]
    });
    if let Some(file) = &f.prov.file {
        loc["physicalLocation"] = json!({
            "artifactLocation": {"uri": file.replace('\\', "/")},
            "region": {
                "startLine": f.prov.line.unwrap_or(1),
                "startColumn": f.prov.column.unwrap_or(1)
            }
        });
    }
    result["locations"] = json!([loc]);
    result["partialFingerprints"] = json!({ "moat/v2": fingerprint(f) });
    result
}

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// Render findings as a SARIF 2.1.0 log. `version` is the tool version.
pub fn sarif(findings: &[Finding], rules: &[RuleInfo], version: &str) -> String {
    sarif_with_suppressions(findings, &[], rules, version)
}

/// [`sarif`], plus the waived findings as results with `suppressions` (kind `inSource` for a
/// waiver written on the resource, `external` for a baseline file, and the reason as
/// `justification`), which GitHub code scanning shows as dismissed.
pub fn sarif_with_suppressions(
    findings: &[Finding],
    suppressed: &[Suppressed],
    rules: &[RuleInfo],
    version: &str,
) -> String {
    let rules_json: Vec<Value> = rules
        .iter()
        .map(|r| {
            let mut tags = vec!["security".to_string(), "network-isolation".to_string()];
            tags.extend(
                r.controls
                    .iter()
                    .map(|c| format!("{} {}", c.framework, c.id)),
            );
            json!({
                "id": r.code,
                "name": r.name,
                "shortDescription": {"text": r.summary},
                "fullDescription": {"text": r.summary},
                "help": {"text": r.summary, "markdown": r.help_markdown},
                "defaultConfiguration": {"level": level(r.severity)},
                "properties": {"tags": tags, "security-severity": security_severity(r.severity)}
            })
        })
        .collect();
    let mut results: Vec<Value> = findings.iter().map(|f| result(f, rules)).collect();
    for s in suppressed {
        let mut r = result(&s.finding, rules);
        r["suppressions"] = json!([{
            "kind": match s.kind {
                WaiverKind::InSource => "inSource",
                WaiverKind::External => "external",
            },
            "status": "accepted",
            "justification": s.reason,
        }]);
        results.push(r);
    }
    let doc = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "moat",
                "version": version,
                "rules": rules_json
            }},
            "results": results
        }]
    });
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_else(|_| "{}".into());
    s.push('\n');
    s
}

/// A result's identity across runs, for GitHub's alert matching: the rule, the resource, the
/// file and the message (which names what differs between two findings of one rule on one
/// resource, e.g. the endpoint or the port). Not the line: an alert must survive lines moving.
/// GitHub merges results whose fingerprints are equal, so two different findings must never
/// share one:
/// <https://docs.github.com/en/code-security/code-scanning/integrating-with-code-scanning/sarif-support-for-code-scanning#providing-data-to-track-code-scanning-alerts-that-appear-in-multiple-runs>.
pub(crate) fn fingerprint(f: &Finding) -> String {
    let identity = [
        f.code,
        f.prov.resource.as_str(),
        f.prov.file.as_deref().unwrap_or(""),
        f.message.as_str(),
    ]
    .join("\u{1f}");
    format!("{}:{:016x}", f.code, fnv1a64(identity.as_bytes()))
}

/// FNV-1a, 64 bits: stable across Rust versions and platforms (std's `DefaultHasher` is not
/// promised to be), which a fingerprint stored by GitHub between runs needs.
fn fnv1a64(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use moat_model::Provenance;

    fn finding(message: &str) -> Finding {
        Finding {
            code: "MOAT101",
            severity: Severity::Error,
            message: message.into(),
            prov: Provenance::at("TaskSg", "t.yml", 3, 5),
            help: "add it".into(),
            path: vec![],
        }
    }

    /// Issue 13 bug 4: two findings of one rule on one resource get different fingerprints
    /// (GitHub would merge them into one alert); the same finding keeps its fingerprint, even
    /// when its line moves.
    #[test]
    fn fingerprints_differ_per_finding_and_survive_line_moves() {
        let a = finding("task cannot reach ecr.dkr on TCP 443");
        let b = finding("task cannot reach logs on TCP 443");
        let mut moved = a.clone();
        moved.prov = Provenance::at("TaskSg", "t.yml", 40, 5);
        let out: serde_json::Value =
            serde_json::from_str(&sarif(&[a.clone(), b, moved], &[], "0")).unwrap();
        let fps: Vec<&str> = out["runs"][0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["partialFingerprints"]["moat/v2"].as_str().unwrap())
            .collect();
        assert_eq!(fps.len(), 3);
        assert_ne!(fps[0], fps[1]);
        assert_eq!(fps[0], fps[2]);
        assert_eq!(fps[0], fingerprint(&a));
    }
}
