//! Rendering findings: human text with the source line underlined (rustc/ruff style), the JSON
//! contract of `../shared/DESIGN.md`, and SARIF 2.1.0 for GitHub code scanning.
//!
//! ```
//! use moat_model::{Finding, Provenance, Severity};
//! use moat_report::{json, Sources};
//! let f = Finding { code: "MOAT006", severity: Severity::Error, message: "public IP".into(),
//!     prov: Provenance::at("Service", "t.yml", 3, 7), help: "disable it".into(), path: vec![] };
//! let out = json(&[f], &Default::default());
//! assert!(out.contains("\"code\": \"MOAT006\""));
//! # let _ = Sources::default();
//! ```

mod sarif;
mod text;

pub use sarif::{sarif, sarif_with_suppressions, security_severity, RuleInfo};
pub use text::{text, TextOptions};

use moat_model::{Finding, Property, PropertyKind, Severity, Verdict};
use serde::Serialize;
use std::collections::BTreeMap;

/// Source texts by path, for snippets.
#[derive(Debug, Default, Clone)]
pub struct Sources {
    pub files: BTreeMap<String, String>,
}

impl Sources {
    pub fn line(&self, file: &str, line: u32) -> Option<&str> {
        self.files
            .get(file)?
            .lines()
            .nth(line.checked_sub(1)? as usize)
    }
}

/// Extra facts for the summary (what was checked).
#[derive(Debug, Default, Clone, Serialize)]
pub struct Summary {
    /// Files or resources checked.
    pub checked: Vec<String>,
    /// Assumptions the run made (region, account, unknown-condition scenarios).
    pub assumptions: Vec<String>,
    /// Every property decided (proved, refuted, unproved), merged over scenarios and inputs.
    pub properties: Vec<Property>,
    /// Findings a waiver accepted: reported apart, with the waiver's reason, and not counted.
    #[serde(skip)]
    pub suppressed: Vec<moat_model::Suppressed>,
}

/// How many properties of one kind were proved, refuted and left unproved.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct VerdictCounts {
    pub proved: usize,
    pub refuted: usize,
    pub unproved: usize,
}

impl VerdictCounts {
    fn add(&mut self, v: &Verdict) {
        match v {
            Verdict::Proved => self.proved += 1,
            Verdict::Refuted { .. } => self.refuted += 1,
            Verdict::Unproved { .. } => self.unproved += 1,
        }
    }
}

/// Verdict counts per property kind (kinds with no property are left out).
pub fn property_counts(properties: &[Property]) -> BTreeMap<PropertyKind, VerdictCounts> {
    let mut m: BTreeMap<PropertyKind, VerdictCounts> = BTreeMap::new();
    for p in properties {
        m.entry(p.kind).or_default().add(&p.verdict);
    }
    m
}

/// Verdict counts over every property.
pub fn total_counts(properties: &[Property]) -> VerdictCounts {
    let mut c = VerdictCounts::default();
    for p in properties {
        c.add(&p.verdict);
    }
    c
}

/// One line: "isolation: 2 proved; reach: 5 proved, 1 unproved" ("no properties decided" when
/// there are none).
pub fn properties_line(properties: &[Property]) -> String {
    let parts: Vec<String> = property_counts(properties)
        .into_iter()
        .map(|(kind, c)| {
            let mut words = Vec::new();
            for (n, w) in [
                (c.proved, "proved"),
                (c.refuted, "refuted"),
                (c.unproved, "unproved"),
            ] {
                if n > 0 {
                    words.push(format!("{n} {w}"));
                }
            }
            format!("{kind}: {}", words.join(", "))
        })
        .collect();
    if parts.is_empty() {
        "no properties decided".into()
    } else {
        parts.join("; ")
    }
}

/// Merge the properties of several runs over the same inputs (scenarios of unknown
/// conditions): one property per (kind, subject, claim), its verdict the conjunction — proved
/// only if proved in every scenario.
pub fn merge_properties(runs: Vec<Vec<Property>>) -> Vec<Property> {
    let mut out: Vec<Property> = Vec::new();
    for run in runs {
        for p in run {
            match out
                .iter_mut()
                .find(|o| o.kind == p.kind && o.subject == p.subject && o.claim == p.claim)
            {
                Some(o) => {
                    let v = std::mem::replace(&mut o.verdict, Verdict::Proved);
                    o.verdict = v.and(p.verdict);
                }
                None => out.push(p),
            }
        }
    }
    out
}

/// The SARIF log of [`sarif`], with the property verdicts as the run's `properties`
/// (`moat/properties`: counts per kind; `moat/unproved`: the unproved claims).
pub fn sarif_with_properties(
    findings: &[Finding],
    rules: &[RuleInfo],
    version: &str,
    properties: &[Property],
) -> String {
    sarif_with_properties_and_suppressions(findings, &[], rules, version, properties)
}

/// [`sarif_with_properties`], plus the waived findings as results with `suppressions`
/// ([`sarif_with_suppressions`]).
pub fn sarif_with_properties_and_suppressions(
    findings: &[Finding],
    suppressed: &[moat_model::Suppressed],
    rules: &[RuleInfo],
    version: &str,
    properties: &[Property],
) -> String {
    let text = sarif_with_suppressions(findings, suppressed, rules, version);
    let Ok(mut doc) = serde_json::from_str::<serde_json::Value>(&text) else {
        return text;
    };
    if let Some(run) = doc.pointer_mut("/runs/0") {
        run["properties"] = serde_json::json!({
            "moat/properties": property_counts(properties),
            "moat/totals": total_counts(properties),
            "moat/unproved": properties
                .iter()
                .filter(|p| p.verdict.is_unproved())
                .collect::<Vec<_>>(),
        });
    }
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or(text);
    s.push('\n');
    s
}

/// A control a finding evidences (from `moat_verify::controls`), as JSON and SARIF show it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ControlRef {
    /// `PCI DSS v4.0`, `NIST SP 800-53 Rev. 5`, `CIS AWS Foundations Benchmark v3.0.0`.
    pub framework: String,
    /// The framework's number (`1.3.2`, `SC-7`).
    pub id: String,
    pub title: String,
}

/// Controls by rule code.
pub type Controls = BTreeMap<String, Vec<ControlRef>>;

#[derive(Serialize)]
struct JsonFinding<'a> {
    code: &'a str,
    severity: Severity,
    message: &'a str,
    resource: &'a str,
    file: Option<&'a str>,
    line: Option<u32>,
    column: Option<u32>,
    help: &'a str,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    path: &'a [moat_model::Hop],
    /// The controls the finding's rule evidences (empty when none, or none given).
    controls: &'a [ControlRef],
}

/// Counts by severity.
pub fn counts(findings: &[Finding]) -> BTreeMap<&'static str, usize> {
    let mut m = BTreeMap::from([("error", 0), ("warning", 0), ("info", 0)]);
    for f in findings {
        let k = match f.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        };
        *m.entry(k).or_default() += 1;
    }
    m
}

fn json_finding<'a>(f: &'a Finding, controls: &'a Controls) -> JsonFinding<'a> {
    JsonFinding {
        code: f.code,
        severity: f.severity,
        message: &f.message,
        resource: &f.prov.resource,
        file: f.prov.file.as_deref(),
        line: f.prov.line,
        column: f.prov.column,
        help: &f.help,
        path: &f.path,
        controls: controls.get(f.code).map_or(&[], Vec::as_slice),
    }
}

/// A waived finding in JSON: the finding's fields plus `suppression` (kind, reason, and where
/// the waiver is written).
fn json_suppressed(s: &moat_model::Suppressed, controls: &Controls) -> serde_json::Value {
    let mut v = serde_json::to_value(json_finding(&s.finding, controls)).unwrap_or_default();
    v["suppression"] = serde_json::json!({
        "kind": s.kind,
        "reason": s.reason,
        "file": s.waiver.file,
        "line": s.waiver.line,
    });
    v
}

/// The JSON contract: `{"findings":[{code,severity,message,resource,file,line,column,help,controls}],"summary":{…}}`,
/// with every `controls` empty (see [`json_with_controls`]), plus `"suppressed"`: the findings
/// a waiver accepted, each with its `suppression`.
pub fn json(findings: &[Finding], summary: &Summary) -> String {
    json_with_controls(findings, summary, &Controls::new())
}

/// [`json`], each finding with the controls its rule evidences (`controls[code]`).
pub fn json_with_controls(findings: &[Finding], summary: &Summary, controls: &Controls) -> String {
    let items: Vec<JsonFinding<'_>> = findings.iter().map(|f| json_finding(f, controls)).collect();
    let c = counts(findings);
    let doc = serde_json::json!({
        "findings": items,
        "suppressed": summary
            .suppressed
            .iter()
            .map(|s| json_suppressed(s, controls))
            .collect::<Vec<_>>(),
        "properties": summary.properties,
        "summary": {
            "errors": c["error"],
            "warnings": c["warning"],
            "infos": c["info"],
            "checked": summary.checked,
            "assumptions": summary.assumptions,
            "properties": property_counts(&summary.properties),
            "proved": total_counts(&summary.properties).proved,
            "refuted": total_counts(&summary.properties).refuted,
            "unproved": total_counts(&summary.properties).unproved,
        }
    });
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_else(|_| "{}".into());
    s.push('\n');
    s
}
