//! SARIF 2.1.0, the subset GitHub code scanning reads: one run, the rules as
//! `tool.driver.rules`, results with `ruleId`, `level`, `message`, and a physical location.
//! Spec: https://docs.oasis-open.org/sarif/sarif/v2.1.0/sarif-v2.1.0.html ; GitHub's reading of
//! it: https://docs.github.com/en/code-security/code-scanning/integrating-with-code-scanning/sarif-support-for-code-scanning

use moat_model::{Finding, Severity};
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

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// Render findings as a SARIF 2.1.0 log. `version` is the tool version.
pub fn sarif(findings: &[Finding], rules: &[RuleInfo], version: &str) -> String {
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
    let results: Vec<Value> = findings
        .iter()
        .map(|f| {
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
            result["partialFingerprints"] = json!({
                "moat/v1": format!("{}:{}:{}", f.code, f.prov.resource, f.prov.file.as_deref().unwrap_or(""))
            });
            result
        })
        .collect();
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
