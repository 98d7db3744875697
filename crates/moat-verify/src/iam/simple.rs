//! The plain question MOAT108 asks of the S3 gateway endpoint policy: "does any statement without
//! a condition allow s3:GetObject on this object?" (a conditional statement makes the answer
//! unknown). The full evaluation with a request context is [`super::eval`].
//!
//! Source: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html

use super::glob::glob;
use serde_json::Value;

/// The answer to "is this allowed?".
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Allowed {
    Yes,
    No,
    /// Cannot tell (a managed policy moat does not know, an unknown value).
    Unknown(String),
}

fn as_list(v: Option<&Value>) -> Vec<&Value> {
    match v {
        Some(Value::Array(a)) => a.iter().collect(),
        Some(other) => vec![other],
        None => vec![],
    }
}

/// Does a resource policy document (an endpoint policy) allow any principal `action` on
/// `resource`? Only `Effect`, `Action`/`NotAction`, `Resource`, and `Principal: "*"` are
/// interpreted; a statement with a `Condition` is treated as not certainly applying.
pub fn policy_allows(doc: &Value, action: &str, resource: &str) -> Allowed {
    let statements = as_list(doc.get("Statement"));
    let applies = |st: &Value| -> Option<bool> {
        let acts = as_list(st.get("Action"));
        let nacts = as_list(st.get("NotAction"));
        let act_ok = if !acts.is_empty() {
            acts.iter()
                .any(|a| a.as_str().is_some_and(|a| glob(a, action, true)))
        } else if !nacts.is_empty() {
            !nacts
                .iter()
                .any(|a| a.as_str().is_some_and(|a| glob(a, action, true)))
        } else {
            false
        };
        let res_ok = as_list(st.get("Resource"))
            .iter()
            .any(|r| r.as_str().is_some_and(|r| glob(r, resource, false)));
        if !(act_ok && res_ok) {
            return Some(false);
        }
        if st.get("Condition").is_some() {
            return None;
        }
        Some(true)
    };
    let mut maybe = false;
    for st in &statements {
        if st.get("Effect").and_then(Value::as_str) == Some("Deny") {
            match applies(st) {
                Some(true) => return Allowed::No,
                None => maybe = true,
                Some(false) => {}
            }
        }
    }
    for st in &statements {
        if st.get("Effect").and_then(Value::as_str) == Some("Allow") {
            match applies(st) {
                Some(true) => {
                    return if maybe {
                        Allowed::Unknown("a conditional Deny statement may apply".into())
                    } else {
                        Allowed::Yes
                    }
                }
                None => maybe = true,
                Some(false) => {}
            }
        }
    }
    if maybe {
        Allowed::Unknown("only conditional statements match".into())
    } else {
        Allowed::No
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoint_policy() {
        let layer = "arn:aws:s3:::prod-us-east-1-starport-layer-bucket/*";
        let doc: Value = serde_json::json!({"Statement": [{"Effect": "Allow", "Principal": "*",
            "Action": ["s3:GetObject"], "Resource": ["arn:aws:s3:::prod-us-east-1-starport-layer-bucket/*"]}]});
        assert_eq!(policy_allows(&doc, "s3:GetObject", layer), Allowed::Yes);
        let narrow: Value = serde_json::json!({"Statement": {"Effect": "Allow", "Principal": "*",
            "Action": "s3:*", "Resource": "arn:aws:s3:::my-bucket/*"}});
        assert_eq!(policy_allows(&narrow, "s3:GetObject", layer), Allowed::No);
        let deny: Value = serde_json::json!({"Statement": [
            {"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"},
            {"Effect": "Deny", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::prod-*"}]});
        assert_eq!(policy_allows(&deny, "s3:GetObject", layer), Allowed::No);
    }
}
