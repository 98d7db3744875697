//! IAM policy documents as moat keeps them: every statement with its effect, actions (or
//! `NotAction`), resources (or `NotResource`), principals and conditions, each value known or
//! [`Maybe::Unknown`] with the reason. Identity policies, permissions boundaries, trust
//! policies, endpoint policies, key policies and secret resource policies all use this one type;
//! `moat-verify` evaluates them against a request as AWS documents.
//!
//! Grammar: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html
//!
//! ```
//! use moat_model::{PolicyDocument, Provenance, Effect};
//! let doc = PolicyDocument::from_json(
//!     &serde_json::json!({"Statement": {"Effect": "Deny", "NotAction": "s3:*", "Resource": "*"}}),
//!     &Provenance::resource("P"),
//! ).unwrap();
//! assert_eq!(doc.statements[0].effect.known(), Some(&Effect::Deny));
//! assert!(doc.statements[0].actions.negated);
//! ```

use crate::{Maybe, Provenance};
use serde::Serialize;
use serde_json::Value;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Effect {
    Allow,
    Deny,
}

/// `Action`/`NotAction` or `Resource`/`NotResource`: a list of patterns, negated for the `Not`
/// form. An absent element is an empty, non-negated list (matches nothing).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Patterns {
    pub negated: bool,
    pub items: Vec<Maybe<String>>,
}

/// `Principal`/`NotPrincipal`: `(kind, value)` pairs, kind `AWS`, `Service`, `Federated`,
/// `CanonicalUser`, or `*` for `"Principal": "*"`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Principals {
    pub negated: bool,
    pub items: Vec<(String, Maybe<String>)>,
}

/// One condition: operator (`StringEquals`, `ForAnyValue:StringLike`, `ArnLikeIfExists`, …),
/// key (`aws:SourceVpce`) and the values it is compared with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Condition {
    pub operator: String,
    pub key: String,
    pub values: Vec<Maybe<String>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PolicyStatement {
    pub sid: Option<String>,
    pub effect: Maybe<Effect>,
    pub actions: Patterns,
    pub resources: Patterns,
    /// `None` in identity policies and boundaries (they have no `Principal`).
    pub principals: Option<Principals>,
    pub conditions: Vec<Condition>,
    pub prov: Provenance,
}

/// A whole policy document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PolicyDocument {
    /// What the document is, for messages: `inline policy exec-logs of role ExecutionRole`,
    /// `AWS managed policy AmazonECSTaskExecutionRolePolicy`.
    pub label: String,
    pub statements: Vec<PolicyStatement>,
    /// For a managed policy: the ARN (or, in a template, the model id) roles attach it by.
    pub attached_as: Option<String>,
    pub prov: Provenance,
}

/// A role's permissions boundary: the managed policy's ARN and, when moat can read it, its
/// document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PermissionsBoundary {
    pub arn: Maybe<String>,
    pub document: Maybe<PolicyDocument>,
    pub prov: Provenance,
}

fn list(v: &Value) -> Vec<&Value> {
    match v {
        Value::Array(a) => a.iter().collect(),
        other => vec![other],
    }
}

fn strings(v: &Value, what: &str) -> Result<Vec<Maybe<String>>, String> {
    list(v)
        .into_iter()
        .map(|x| match x {
            Value::String(s) => Ok(Maybe::Known(s.clone())),
            Value::Bool(b) => Ok(Maybe::Known(b.to_string())),
            Value::Number(n) => Ok(Maybe::Known(n.to_string())),
            other => Err(format!("{what}: `{other}` is not a string")),
        })
        .collect()
}

fn patterns(st: &Value, pos: &str, neg: &str) -> Result<Patterns, String> {
    if let Some(v) = st.get(pos) {
        return Ok(Patterns {
            negated: false,
            items: strings(v, pos)?,
        });
    }
    if let Some(v) = st.get(neg) {
        return Ok(Patterns {
            negated: true,
            items: strings(v, neg)?,
        });
    }
    Ok(Patterns::default())
}

fn principals(st: &Value) -> Result<Option<Principals>, String> {
    let (v, negated) = match (st.get("Principal"), st.get("NotPrincipal")) {
        (Some(v), _) => (v, false),
        (None, Some(v)) => (v, true),
        (None, None) => return Ok(None),
    };
    let mut items = Vec::new();
    match v {
        Value::String(s) if s == "*" => items.push(("*".to_string(), Maybe::Known("*".into()))),
        Value::Object(m) => {
            for (kind, vals) in m {
                for x in strings(vals, "Principal")? {
                    items.push((kind.clone(), x));
                }
            }
        }
        other => return Err(format!("Principal: `{other}` is neither `*` nor a mapping")),
    }
    Ok(Some(Principals { negated, items }))
}

fn conditions(st: &Value) -> Result<Vec<Condition>, String> {
    let Some(c) = st.get("Condition") else {
        return Ok(Vec::new());
    };
    let Value::Object(ops) = c else {
        return Err("Condition must be a mapping".into());
    };
    let mut out = Vec::new();
    for (op, keys) in ops {
        let Value::Object(keys) = keys else {
            return Err(format!("Condition {op} must map keys to values"));
        };
        for (key, vals) in keys {
            out.push(Condition {
                operator: op.clone(),
                key: key.clone(),
                values: strings(vals, key)?,
            });
        }
    }
    Ok(out)
}

impl PolicyDocument {
    /// Read a JSON policy document (live APIs, endpoint policies, the catalog's managed
    /// policies). A document that is not valid policy grammar is an error naming the element.
    pub fn from_json(doc: &Value, prov: &Provenance) -> Result<PolicyDocument, String> {
        // A document is a JSON object; anything else read as "no statements" would drop what
        // the policy says (a Deny included).
        if !doc.is_object() {
            return Err("the policy document is not a JSON object".into());
        }
        let statements = match doc.get("Statement") {
            Some(s) => list(s),
            None => Vec::new(),
        };
        let mut out = Vec::new();
        for st in statements {
            let effect = match st.get("Effect").and_then(Value::as_str) {
                Some("Allow") => Maybe::Known(Effect::Allow),
                Some("Deny") => Maybe::Known(Effect::Deny),
                Some(other) => return Err(format!("Effect `{other}` is neither Allow nor Deny")),
                None => return Err("a statement has no Effect".into()),
            };
            out.push(PolicyStatement {
                sid: st.get("Sid").and_then(Value::as_str).map(str::to_string),
                effect,
                actions: patterns(st, "Action", "NotAction")?,
                resources: patterns(st, "Resource", "NotResource")?,
                principals: principals(st)?,
                conditions: conditions(st)?,
                prov: prov.clone(),
            });
        }
        Ok(PolicyDocument {
            label: prov.resource.clone(),
            statements: out,
            attached_as: None,
            prov: prov.clone(),
        })
    }

    /// The same document under another label.
    pub fn labelled(mut self, label: impl Into<String>) -> Self {
        self.label = label.into();
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_every_element() {
        let doc = PolicyDocument::from_json(
            &serde_json::json!({"Version": "2012-10-17", "Statement": [
                {"Sid": "A", "Effect": "Allow", "Principal": {"AWS": ["arn:aws:iam::1:root", "2"]},
                 "Action": ["s3:GetObject"], "NotResource": "arn:aws:s3:::x/*",
                 "Condition": {"StringEquals": {"aws:SourceVpce": ["vpce-1", "vpce-2"]}, "Bool": {"aws:SecureTransport": true}}},
                {"Effect": "Deny", "Principal": "*", "NotAction": "s3:*", "Resource": "*"}
            ]}),
            &Provenance::resource("P"),
        )
        .unwrap();
        let a = &doc.statements[0];
        assert_eq!(a.sid.as_deref(), Some("A"));
        assert!(a.resources.negated && !a.actions.negated);
        assert_eq!(a.principals.as_ref().unwrap().items.len(), 2);
        assert_eq!(a.conditions.len(), 2);
        assert_eq!(a.conditions[1].values, vec![Maybe::Known("true".into())]);
        assert_eq!(
            doc.statements[1].principals.as_ref().unwrap().items[0].0,
            "*"
        );
    }

    #[test]
    fn rejects_bad_grammar() {
        let p = Provenance::resource("P");
        assert!(PolicyDocument::from_json(&serde_json::json!("not a document"), &p).is_err());
        assert!(PolicyDocument::from_json(&serde_json::json!([]), &p).is_err());
        assert!(PolicyDocument::from_json(
            &serde_json::json!({"Statement": {"Effect": "Maybe"}}),
            &p
        )
        .is_err());
        assert!(
            PolicyDocument::from_json(&serde_json::json!({"Statement": {"Action": "x"}}), &p)
                .is_err()
        );
    }
}
