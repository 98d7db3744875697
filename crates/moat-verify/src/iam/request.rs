//! A request as IAM sees it: who calls, the action, the resource, and the request context (the
//! condition keys and the values the call fixes).
//!
//! Source: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic_policy-eval-reqcontext.html

use moat_model::{Provenance, Unknown};
use std::collections::BTreeMap;

/// The principal making the call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    /// An IAM role (its sessions): the ARN when known, and its account.
    Role {
        arn: Option<String>,
        account: Option<String>,
    },
    /// A request not signed by the task's roles (an ECR presigned layer URL).
    Anonymous,
    /// An AWS service principal (`ecs-tasks.amazonaws.com`), for trust policies.
    Service(String),
}

/// The value of one condition key in the request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CtxValue {
    /// Present, with these values (one for a single-valued key).
    Present(Vec<String>),
    /// The request does not carry the key.
    Absent,
    /// Carried, but moat cannot know the value.
    Unknown(Unknown),
    /// The physical id AWS assigns to model element `id` (a VPC or endpoint a template
    /// creates): a policy value that is a `Ref` to the same element matches, a literal id of that
    /// kind (`prefix…`) may or may not be it, anything else does not match.
    Assigned { id: String, prefix: &'static str },
}

/// One call to evaluate.
#[derive(Debug, Clone)]
pub struct Request {
    pub principal: Principal,
    pub action: String,
    /// The resource ARN; a `*` stands for a part moat does not know. `None`: the policy type has
    /// no `Resource` (trust policies).
    pub resource: Option<String>,
    /// Condition keys, lower-case. A key not listed is unknown (moat cannot tell whether the
    /// request carries it).
    pub context: BTreeMap<String, CtxValue>,
}

impl Request {
    pub fn new(principal: Principal, action: &str, resource: Option<&str>) -> Self {
        Request {
            principal,
            action: action.to_string(),
            resource: resource.map(str::to_string),
            context: BTreeMap::new(),
        }
    }

    /// Set a key the request carries.
    pub fn with(mut self, key: &str, value: &str) -> Self {
        self.context.insert(
            key.to_ascii_lowercase(),
            CtxValue::Present(vec![value.to_string()]),
        );
        self
    }

    /// Set a key whose value is the AWS-assigned id of model element `id` (or, when `id` already
    /// is a physical id, that id).
    pub fn assigned(mut self, key: &str, id: &str, prefix: &'static str) -> Self {
        let v = if !prefix.is_empty() && id.starts_with(prefix) {
            CtxValue::Present(vec![id.to_string()])
        } else {
            CtxValue::Assigned {
                id: id.to_string(),
                prefix,
            }
        };
        self.context.insert(key.to_ascii_lowercase(), v);
        self
    }

    /// Set a key the request certainly does not carry.
    pub fn without(mut self, key: &str) -> Self {
        self.context
            .insert(key.to_ascii_lowercase(), CtxValue::Absent);
        self
    }

    /// Set a key the request carries with a value moat does not know.
    pub fn unknown(mut self, key: &str, what: &str, settle: &str) -> Self {
        self.context.insert(
            key.to_ascii_lowercase(),
            CtxValue::Unknown(Unknown {
                what: what.to_string(),
                prov: Provenance::default(),
                settle: settle.to_string(),
            }),
        );
        self
    }

    pub fn get(&self, key: &str) -> Option<&CtxValue> {
        self.context.get(&key.to_ascii_lowercase())
    }
}
