//! IAM policy evaluation as AWS documents it, for the calls a task makes.
//!
//! A call is a [`Request`]: who makes it (the ECS agent with the execution role, the application
//! with the task role, or an ECR presigned URL), the action, the resource, and the condition keys
//! the call fixes (`aws:SourceVpc`/`aws:SourceVpce` when it crosses an endpoint of the VPC,
//! `aws:PrincipalAccount`, `aws:ResourceAccount`, `aws:RequestedRegion`, …). [`decide`] runs it
//! through every policy on its path — identity policies (inline, customer managed, and the AWS
//! managed policies the catalog carries), the permissions boundary, the endpoint policy, the
//! resource's policy — and returns a [`moat_model::Verdict`]: proved, refuted (with the stage that
//! refused), or unproved when a condition, a value or a policy is unknown. An unknown never
//! counts as allowed.
//!
//! Sources: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html,
//! https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic_policy-eval-denyallow.html
//!
//! ```
//! use moat_verify::iam::{decide, Layer, Principal, Request, Stage};
//! use moat_model::{PolicyDocument, Provenance};
//! let doc = PolicyDocument::from_json(&serde_json::json!({"Statement": [
//!     {"Effect": "Allow", "Action": "logs:*", "Resource": "*"},
//!     {"Effect": "Deny", "Action": "logs:*", "Resource": "*",
//!      "Condition": {"StringNotEquals": {"aws:SourceVpce": "vpce-1"}}}]}),
//!     &Provenance::resource("P")).unwrap();
//! let layer = |docs| Layer { stage: Stage::Identity, what: "P".into(), docs, must_allow: true, unknown: vec![] };
//! let principal = Principal::Role { arn: None, account: Some("123456789012".into()) };
//! let through = Request::new(principal.clone(), "logs:PutLogEvents", Some("*")).with("aws:SourceVpce", "vpce-1");
//! assert!(decide(&[layer(vec![&doc])], &through).verdict.is_proved());
//! let around = Request::new(principal, "logs:PutLogEvents", Some("*")).without("aws:SourceVpce");
//! assert!(decide(&[layer(vec![&doc])], &around).verdict.is_refuted());
//! ```

mod condition;
mod eval;
pub mod glob;
mod request;
mod role;
mod simple;
#[cfg(test)]
mod tests;

pub use eval::{decide, evaluate_layer, statement_applies, Decision, Layer, LayerOutcome, Stage};
pub use glob::{glob, globs_intersect};
pub use request::{CtxValue, Principal, Request};
pub use role::{boundary_layer, identity_layer, trust_verdict, RolePolicies};
pub use simple::{policy_allows, Allowed};

use moat_model::Unknown;

/// Three-valued truth of "does this statement / condition apply?".
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Tri {
    Yes,
    No,
    /// Depends on these unknowns.
    Maybe(Vec<Unknown>),
}

impl From<bool> for Tri {
    fn from(b: bool) -> Self {
        if b {
            Tri::Yes
        } else {
            Tri::No
        }
    }
}

impl Tri {
    pub fn and(self, other: Tri) -> Tri {
        match (self, other) {
            (Tri::No, _) | (_, Tri::No) => Tri::No,
            (Tri::Yes, t) | (t, Tri::Yes) => t,
            (Tri::Maybe(mut a), Tri::Maybe(b)) => {
                a.extend(b);
                Tri::Maybe(a)
            }
        }
    }
    pub fn or(self, other: Tri) -> Tri {
        match (self, other) {
            (Tri::Yes, _) | (_, Tri::Yes) => Tri::Yes,
            (Tri::No, t) | (t, Tri::No) => t,
            (Tri::Maybe(mut a), Tri::Maybe(b)) => {
                a.extend(b);
                Tri::Maybe(a)
            }
        }
    }
    #[allow(clippy::should_implement_trait)]
    pub fn not(self) -> Tri {
        match self {
            Tri::Yes => Tri::No,
            Tri::No => Tri::Yes,
            m => m,
        }
    }
}
