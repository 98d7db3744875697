//! Waivers: a documented exception to a rule on one resource, and where findings are matched
//! against them (once, after the rules ran, whatever the source).
//!
//! Two sources: `Metadata: moat: ignore: [{code, reason}]` on a resource in a template (read by
//! `moat-cfn` into [`crate::Model::waivers`]), and a baseline file of accepted findings. A
//! waived finding is not dropped: it is reported as suppressed, with its reason, so a reviewer
//! sees every exception.

use crate::{Finding, Provenance};
use serde::Serialize;

/// Where a waiver was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum WaiverKind {
    /// In the template, on the resource (SARIF `inSource`).
    InSource,
    /// In a baseline file beside it (SARIF `external`).
    External,
}

/// An accepted finding: rule `code` on `resource`, for `reason`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Waiver {
    /// Logical id (template) or resource id (live), as findings name it.
    pub resource: String,
    /// Rule code (`MOAT101`).
    pub code: String,
    /// When set, only the finding with exactly this message (a baseline entry names one
    /// finding, not every finding of its rule on the resource).
    pub message: Option<String>,
    /// Why the exception is accepted; never empty.
    pub reason: String,
    pub kind: WaiverKind,
    /// Where the waiver is written.
    pub prov: Provenance,
}

impl Waiver {
    pub fn matches(&self, f: &Finding) -> bool {
        f.code == self.code
            && f.prov.resource == self.resource
            && self.message.as_ref().is_none_or(|m| *m == f.message)
    }
}

/// A finding a waiver accepted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Suppressed {
    pub finding: Finding,
    pub reason: String,
    pub kind: WaiverKind,
    /// Where the waiver is written.
    pub waiver: Provenance,
}

/// Splits `findings` into those still reported and those a waiver accepts (the first matching
/// waiver gives the reason).
pub fn apply_waivers(
    findings: Vec<Finding>,
    waivers: &[Waiver],
) -> (Vec<Finding>, Vec<Suppressed>) {
    let mut kept = Vec::new();
    let mut suppressed = Vec::new();
    for f in findings {
        match waivers.iter().find(|w| w.matches(&f)) {
            Some(w) => suppressed.push(Suppressed {
                finding: f,
                reason: w.reason.clone(),
                kind: w.kind,
                waiver: w.prov.clone(),
            }),
            None => kept.push(f),
        }
    }
    (kept, suppressed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Severity;

    fn finding(code: &'static str, resource: &str, message: &str) -> Finding {
        Finding {
            code,
            severity: Severity::Error,
            message: message.into(),
            prov: Provenance::at(resource, "t.yml", 3, 3),
            help: String::new(),
            path: vec![],
        }
    }

    #[test]
    fn waivers_match_code_and_resource_and_baseline_messages() {
        let w = |code: &str, resource: &str, message: Option<&str>| Waiver {
            resource: resource.into(),
            code: code.into(),
            message: message.map(str::to_string),
            reason: "accepted by the risk board".into(),
            kind: WaiverKind::InSource,
            prov: Provenance::at(resource, "t.yml", 9, 9),
        };
        let fs = vec![
            finding("MOAT101", "TaskSg", "a"),
            finding("MOAT101", "TaskSg", "b"),
            finding("MOAT101", "OtherSg", "a"),
            finding("MOAT102", "TaskSg", "a"),
        ];
        let (kept, gone) = apply_waivers(fs.clone(), &[w("MOAT101", "TaskSg", None)]);
        assert_eq!((kept.len(), gone.len()), (2, 2));
        assert_eq!(gone[0].reason, "accepted by the risk board");
        let (kept, gone) = apply_waivers(fs, &[w("MOAT101", "TaskSg", Some("b"))]);
        assert_eq!((kept.len(), gone.len()), (3, 1));
        assert_eq!(gone[0].finding.message, "b");
    }
}
