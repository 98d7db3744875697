//! moat's rules: every check runs on [`moat_model::Model`], whatever the source (spec, template,
//! live account), and returns [`Finding`]s with a stable code, the resource, its position and the
//! fix.
//!
//! ```
//! use moat_model::Model;
//! let findings = moat_verify::check(&Model::default(), &moat_verify::Options::default());
//! assert!(findings.is_empty());
//! ```
//!
//! Rules live one per file under `rules/`, declared with [`rule!`], whose doc comment (What it
//! does / Why is this bad? / Example / Fix / References) is what `moat explain CODE` prints and
//! what `docs/rules.md` is generated from. Reachability ("can this task reach `ecr.dkr` on TCP
//! 443?") is computed by [`reach`] by walking route tables, NACLs and security groups.

#[macro_use]
mod meta;
mod context;
pub mod controls;
mod decide;
pub mod firewall;
pub mod iam;
mod profile;
pub mod reach;
pub mod rules;

pub use context::{Context, ServiceView};
pub use meta::{Rule, RuleMeta};
use moat_model::{Finding, Model, Property};
pub use profile::{apply_profile, Profile, STRICT_ERRORS};

/// Options for a check run.
#[derive(Debug, Clone)]
pub struct Options {
    /// Region used to name endpoint services and the ECR layer bucket when the model has none.
    pub region: String,
}

/// No region by default: a model whose region is unknown names its endpoint services with
/// [`moat_model::UNKNOWN_REGION`], the same value `AWS::Region` takes in it.
impl Default for Options {
    fn default() -> Self {
        Options {
            region: moat_model::UNKNOWN_REGION.into(),
        }
    }
}

/// Run every rule on `model`. Findings are sorted by file, line, code, and deduplicated.
pub fn check(model: &Model, opts: &Options) -> Vec<Finding> {
    prove(model, opts).findings
}

/// What one check run decided: the findings, and every property with its verdict.
#[derive(Debug, Clone, Default)]
pub struct Proof {
    pub findings: Vec<Finding>,
    /// Every property the rules decided (proved, refuted or unproved), in rule order.
    pub properties: Vec<Property>,
}

/// Run every rule on `model`, keeping the decided properties beside the findings.
pub fn prove(model: &Model, opts: &Options) -> Proof {
    let cx = Context::new(model, opts);
    decide::record(&cx);
    let mut findings = Vec::new();
    for rule in rules::ALL {
        rule.check(&cx, &mut findings);
    }
    sort_dedup(&mut findings);
    Proof {
        findings,
        properties: cx.take_properties(),
    }
}

/// Sort findings by location then code, and drop exact duplicates.
pub fn sort_dedup(findings: &mut Vec<Finding>) {
    findings.sort_by(|a, b| {
        (
            &a.prov.file,
            a.prov.line,
            a.prov.column,
            a.code,
            &a.prov.resource,
            &a.message,
        )
            .cmp(&(
                &b.prov.file,
                b.prov.line,
                b.prov.column,
                b.code,
                &b.prov.resource,
                &b.message,
            ))
    });
    findings.dedup();
}

/// The rule with this code (`MOAT101`) or name (`endpoint-missing`).
pub fn rule(code_or_name: &str) -> Option<&'static RuleMeta> {
    rules::ALL
        .iter()
        .map(|r| r.meta())
        .find(|m| m.code.eq_ignore_ascii_case(code_or_name) || m.name == code_or_name)
}

/// Every rule's metadata, in code order.
pub fn all_rules() -> Vec<&'static RuleMeta> {
    let mut v: Vec<_> = rules::ALL.iter().map(|r| r.meta()).collect();
    v.sort_by_key(|m| m.code);
    v
}
