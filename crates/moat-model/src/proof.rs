//! Three-valued verdicts: every property moat decides is proved, refuted, or unproved.
//!
//! A check that cannot read a value must not count it as passing. Where a rule would have said
//! "allowed" or "reachable" only because it did not know better, it says [`Verdict::Unproved`]
//! instead, naming each [`Unknown`] that leaves the verdict open, where it is, and what would
//! settle it (pass the exporting template too, `--param`, `--region`, …).
//!
//! ```
//! use moat_model::{Property, PropertyKind, Provenance, Unknown, Verdict};
//! let p = Property {
//!     kind: PropertyKind::Reach,
//!     subject: "Service".into(),
//!     claim: "service `api` reaches com.amazonaws.eu-west-1.ecr.dkr on TCP 443".into(),
//!     verdict: Verdict::Unproved(vec![Unknown {
//!         what: "Fn::ImportValue SharedSubnets".into(),
//!         prov: Provenance::at("Service", "app.yml", 12, 9),
//!         settle: "check the template that exports `SharedSubnets` together with this one".into(),
//!     }]),
//!     prov: Provenance::resource("Service"),
//! };
//! assert!(p.verdict.is_unproved());
//! assert!(!p.verdict.is_proved());
//! ```

use crate::Provenance;
use serde::Serialize;
use std::fmt;

/// One value a verdict depends on that moat could not know.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Unknown {
    /// The unknown value, as the user would recognise it (`Fn::ImportValue SharedVpcCidr`,
    /// `parameter ImageUri has no value`, `AWS::Region`).
    pub what: String,
    /// Where it is (the property that holds it, when known).
    pub prov: Provenance,
    /// What settles it: an input, a flag, a parameter.
    pub settle: String,
}

/// The outcome of deciding one property.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "verdict", rename_all = "lowercase")]
pub enum Verdict {
    /// The property holds on every value the inputs allow.
    Proved,
    /// The property fails; the reason says which element breaks it.
    Refuted { why: String },
    /// The property holds or fails depending on values moat could not know.
    Unproved { unknowns: Vec<Unknown> },
}

#[allow(non_snake_case)]
impl Verdict {
    /// Shorthand for an unproved verdict.
    pub fn Unproved(unknowns: Vec<Unknown>) -> Self {
        Verdict::Unproved { unknowns }
    }
    /// Shorthand for a refuted verdict.
    pub fn Refuted(why: impl Into<String>) -> Self {
        Verdict::Refuted { why: why.into() }
    }
    pub fn is_proved(&self) -> bool {
        matches!(self, Verdict::Proved)
    }
    pub fn is_refuted(&self) -> bool {
        matches!(self, Verdict::Refuted { .. })
    }
    pub fn is_unproved(&self) -> bool {
        matches!(self, Verdict::Unproved { .. })
    }
    /// Conjunction: refuted if either is refuted, else unproved if either is (unknowns
    /// gathered), else proved.
    pub fn and(self, other: Verdict) -> Verdict {
        match (self, other) {
            (r @ Verdict::Refuted { .. }, _) | (_, r @ Verdict::Refuted { .. }) => r,
            (Verdict::Unproved { mut unknowns }, Verdict::Unproved { unknowns: more }) => {
                unknowns.extend(more);
                Verdict::Unproved { unknowns }
            }
            (u @ Verdict::Unproved { .. }, Verdict::Proved)
            | (Verdict::Proved, u @ Verdict::Unproved { .. }) => u,
            (Verdict::Proved, Verdict::Proved) => Verdict::Proved,
        }
    }
    /// Disjunction: proved if either is proved, else unproved if either is, else refuted
    /// (the first reason kept).
    pub fn or(self, other: Verdict) -> Verdict {
        match (self, other) {
            (Verdict::Proved, _) | (_, Verdict::Proved) => Verdict::Proved,
            (Verdict::Unproved { mut unknowns }, Verdict::Unproved { unknowns: more }) => {
                unknowns.extend(more);
                Verdict::Unproved { unknowns }
            }
            (u @ Verdict::Unproved { .. }, Verdict::Refuted { .. })
            | (Verdict::Refuted { .. }, u @ Verdict::Unproved { .. }) => u,
            (r @ Verdict::Refuted { .. }, Verdict::Refuted { .. }) => r,
        }
    }
    /// The short word shown in summaries.
    pub fn word(&self) -> &'static str {
        match self {
            Verdict::Proved => "proved",
            Verdict::Refuted { .. } => "refuted",
            Verdict::Unproved { .. } => "unproved",
        }
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.word())
    }
}

/// The kind of property, for grouping in summaries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum PropertyKind {
    /// A subnet has no path to or from the internet.
    Isolation,
    /// A task reaches what it needs (an endpoint on 443, S3 through the gateway).
    Reach,
    /// A call is allowed by every policy on its path (identity, boundary, endpoint, resource).
    Permission,
    /// A name resolves to where it must (private DNS, DHCP options, hosted zones).
    Dns,
    /// Anything else moat proves (region consistency, trust policies, …).
    Other,
}

impl fmt::Display for PropertyKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            PropertyKind::Isolation => "isolation",
            PropertyKind::Reach => "reach",
            PropertyKind::Permission => "permission",
            PropertyKind::Dns => "dns",
            PropertyKind::Other => "other",
        })
    }
}

/// One decided property: what was claimed about which element, and the verdict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Property {
    pub kind: PropertyKind,
    /// The element the property is about (logical id or AWS id).
    pub subject: String,
    /// The claim in words: "subnet `A` has no route to the internet".
    pub claim: String,
    #[serde(flatten)]
    pub verdict: Verdict,
    /// Where the subject is defined.
    pub prov: Provenance,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unknown(what: &str) -> Unknown {
        Unknown {
            what: what.into(),
            prov: Provenance::resource("R"),
            settle: "pass it".into(),
        }
    }

    #[test]
    fn and_or_truth_tables() {
        let p = || Verdict::Proved;
        let r = || Verdict::Refuted("no");
        let u = |w: &str| Verdict::Unproved(vec![unknown(w)]);
        assert!(p().and(p()).is_proved());
        assert!(p().and(u("a")).is_unproved());
        assert!(u("a").and(r()).is_refuted());
        assert!(r().or(u("a")).is_unproved());
        assert!(r().or(p()).is_proved());
        assert!(r().or(r()).is_refuted());
        match u("a").and(u("b")) {
            Verdict::Unproved { unknowns } => assert_eq!(unknowns.len(), 2),
            v => panic!("{v:?}"),
        }
        // An unknown never becomes proved through `and`.
        assert!(!u("a").and(p()).is_proved());
    }

    #[test]
    fn serializes_with_a_verdict_tag() {
        let j = serde_json::to_value(Verdict::Refuted("closed")).unwrap();
        assert_eq!(j["verdict"], "refuted");
        assert_eq!(j["why"], "closed");
    }
}
