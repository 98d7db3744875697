//! Rule metadata and the `rule!` macro that keeps a rule's documentation next to its code.

use moat_model::{Finding, Hop, Provenance, Severity};

/// What `moat rules` lists and `moat explain` prints.
#[derive(Debug)]
pub struct RuleMeta {
    /// Stable code, never reused (`MOAT101`).
    pub code: &'static str,
    /// Kebab-case name derived from the problem (`endpoint-missing`).
    pub name: &'static str,
    pub severity: Severity,
    /// One line.
    pub summary: &'static str,
    /// The rule's doc comment (Markdown): What it does, Why is this bad?, Example, Fix, References.
    pub doc: &'static str,
}

impl RuleMeta {
    /// A finding of this rule with its default severity.
    pub fn finding(&'static self, message: String, prov: Provenance, help: String) -> Finding {
        Finding {
            code: self.code,
            severity: self.severity,
            message,
            prov,
            help,
            path: Vec::new(),
        }
    }

    /// A finding with a walked path attached.
    pub fn finding_path(
        &'static self,
        message: String,
        prov: Provenance,
        help: String,
        path: Vec<Hop>,
    ) -> Finding {
        Finding {
            path,
            ..self.finding(message, prov, help)
        }
    }

    /// The documentation as Markdown, without the one-space indent doc comments carry.
    pub fn markdown(&self) -> String {
        let mut s = String::new();
        for line in self.doc.lines() {
            s.push_str(line.strip_prefix(' ').unwrap_or(line));
            s.push('\n');
        }
        s
    }
}

/// A rule: metadata plus a check over the [`crate::Context`].
pub trait Rule: Sync {
    fn meta(&self) -> &'static RuleMeta;
    fn check(&self, cx: &crate::Context<'_>, out: &mut Vec<Finding>);
}

/// Declare a rule struct whose doc comment becomes its [`RuleMeta::doc`].
macro_rules! rule {
    (
        $(#[doc = $doc:literal])*
        pub struct $name:ident {
            code: $code:literal,
            name: $slug:literal,
            severity: $sev:ident,
            summary: $summary:literal $(,)?
        }
    ) => {
        $(#[doc = $doc])*
        pub struct $name;

        impl $name {
            pub const META: $crate::meta::RuleMeta = $crate::meta::RuleMeta {
                code: $code,
                name: $slug,
                severity: moat_model::Severity::$sev,
                summary: $summary,
                doc: concat!($($doc, "\n"),*),
            };
        }
    };
}
