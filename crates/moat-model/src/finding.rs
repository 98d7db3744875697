//! What a check reports.

use crate::Provenance;
use serde::Serialize;
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        })
    }
}

impl std::str::FromStr for Severity {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "info" => Ok(Severity::Info),
            "warning" => Ok(Severity::Warning),
            "error" => Ok(Severity::Error),
            _ => Err(format!(
                "unknown severity `{s}` (expected error, warning or info)"
            )),
        }
    }
}

/// One step of a computed path, for findings about reachability ("task SG egress → endpoint SG
/// ingress → …"). `blocked` marks the hop that stops the traffic.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Hop {
    pub what: String,
    pub resource: String,
    pub ok: bool,
}

/// One finding of a rule, pointing at the element that causes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// Stable rule code (`MOAT101`), never reused.
    pub code: &'static str,
    pub severity: Severity,
    pub message: String,
    /// Where the cause is. `prov.resource` is the logical id (template) or AWS id (live).
    pub prov: Provenance,
    /// How to fix it.
    pub help: String,
    /// For a blocked path: the hops walked, the failing one marked.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub path: Vec<Hop>,
}
