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

pub use sarif::{sarif, RuleInfo};
pub use text::{text, TextOptions};

use moat_model::{Finding, Severity};
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
}

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

/// The JSON contract: `{"findings":[{code,severity,message,resource,file,line,column,help}],"summary":{…}}`.
pub fn json(findings: &[Finding], summary: &Summary) -> String {
    let items: Vec<JsonFinding<'_>> = findings
        .iter()
        .map(|f| JsonFinding {
            code: f.code,
            severity: f.severity,
            message: &f.message,
            resource: &f.prov.resource,
            file: f.prov.file.as_deref(),
            line: f.prov.line,
            column: f.prov.column,
            help: &f.help,
            path: &f.path,
        })
        .collect();
    let c = counts(findings);
    let doc = serde_json::json!({
        "findings": items,
        "summary": {
            "errors": c["error"],
            "warnings": c["warning"],
            "infos": c["info"],
            "checked": summary.checked,
            "assumptions": summary.assumptions,
        }
    });
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_else(|_| "{}".into());
    s.push('\n');
    s
}
