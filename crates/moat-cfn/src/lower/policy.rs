//! Policy documents in templates (`PolicyDocument`, `AssumeRolePolicyDocument`, `KeyPolicy`,
//! `ResourcePolicy`) as [`moat_model::PolicyDocument`]s, each value known or unknown with the
//! reason, and a role's `PermissionsBoundary`.
//!
//! Grammar: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html

use crate::value::{Val, V};
use moat_model::{
    Condition, Effect, Maybe, Patterns, PermissionsBoundary, PolicyDocument, PolicyStatement,
    Principals, Provenance,
};

/// One value: a string (a `Ref` to a resource is its model id), else unknown with the reason.
/// `Fn::GetAtt X.Arn` is, like a `Ref`, the model id of `X`, so a policy naming a role or a key
/// of the template by its ARN matches the same element (see `physical`).
fn value(v: &V) -> Maybe<String> {
    match &v.val {
        Val::Str(s) | Val::Res(s) => Maybe::Known(s.clone()),
        Val::Att { res, attr } if attr == "Arn" => Maybe::Known(res.clone()),
        _ => Maybe::Unknown(v.text().err().unwrap_or_default()),
    }
}

/// A scalar or a list of scalars (no comma splitting: a policy value may hold a comma).
fn values(v: &V) -> Vec<Maybe<String>> {
    match &v.val {
        Val::List(items) => items
            .iter()
            .filter(|x| x.val != Val::NoValue)
            .map(value)
            .collect(),
        Val::NoValue => Vec::new(),
        _ => vec![value(v)],
    }
}

fn patterns(st: &V, pos: &str, neg: &str) -> Patterns {
    match (st.get(pos), st.get(neg)) {
        (Some(v), _) => Patterns {
            negated: false,
            items: values(v),
        },
        (None, Some(v)) => Patterns {
            negated: true,
            items: values(v),
        },
        (None, None) => Patterns::default(),
    }
}

fn principals(st: &V) -> Option<Principals> {
    let (v, negated) = match (st.get("Principal"), st.get("NotPrincipal")) {
        (Some(v), _) => (v, false),
        (None, Some(v)) => (v, true),
        (None, None) => return None,
    };
    let items = match &v.val {
        Val::Map(m) => m
            .iter()
            .flat_map(|(k, x)| values(x).into_iter().map(|x| (k.name.clone(), x)))
            .collect(),
        Val::Str(s) if s == "*" => vec![("*".to_string(), Maybe::Known("*".into()))],
        _ => vec![(
            "*".to_string(),
            Maybe::Unknown(v.text().err().unwrap_or_default()),
        )],
    };
    Some(Principals { negated, items })
}

fn conditions(st: &V) -> Vec<Condition> {
    let Some(c) = st.get("Condition") else {
        return Vec::new();
    };
    let Val::Map(ops) = &c.val else {
        // A whole condition block that is unknown: one condition nothing can satisfy for sure.
        return vec![Condition {
            operator: "Unknown".into(),
            key: "unknown".into(),
            values: vec![Maybe::Unknown(c.text().err().unwrap_or_default())],
        }];
    };
    let mut out = Vec::new();
    for (op, keys) in ops {
        match &keys.val {
            Val::Map(keys) => out.extend(keys.iter().map(|(k, vals)| Condition {
                operator: op.name.clone(),
                key: k.name.clone(),
                values: values(vals),
            })),
            _ => out.push(Condition {
                operator: op.name.clone(),
                key: "unknown".into(),
                values: vec![Maybe::Unknown(keys.text().err().unwrap_or_default())],
            }),
        }
    }
    out
}

/// A policy document value. An unknown document (a parameter, an import) is unknown as a
/// whole.
pub fn document(doc: &V, prov: &Provenance, label: String) -> Maybe<PolicyDocument> {
    let statements = match doc.get("Statement") {
        Some(
            s @ V {
                val: Val::Map(_), ..
            },
        ) => vec![s.clone()],
        Some(V {
            val: Val::List(l), ..
        }) => l.clone(),
        Some(other) => {
            return Maybe::Unknown(format!(
                "the Statement of {label} is unknown ({})",
                other.text().err().unwrap_or_default()
            ))
        }
        None => match &doc.val {
            Val::Map(_) => Vec::new(),
            _ => {
                return Maybe::Unknown(format!(
                    "{label} is unknown ({})",
                    doc.text().err().unwrap_or_default()
                ))
            }
        },
    };
    let statements = statements
        .iter()
        .filter(|s| s.val != Val::NoValue)
        .map(|s| PolicyStatement {
            sid: s.get("Sid").and_then(V::as_str).map(str::to_string),
            effect: match s.get("Effect").map(value) {
                Some(Maybe::Known(e)) if e == "Allow" => Maybe::Known(Effect::Allow),
                Some(Maybe::Known(e)) if e == "Deny" => Maybe::Known(Effect::Deny),
                Some(Maybe::Known(e)) => {
                    Maybe::Unknown(format!("Effect `{e}` is not Allow or Deny"))
                }
                Some(Maybe::Unknown(w)) => Maybe::Unknown(w),
                None => Maybe::Unknown("the statement has no Effect".into()),
            },
            actions: patterns(s, "Action", "NotAction"),
            resources: patterns(s, "Resource", "NotResource"),
            principals: principals(s),
            conditions: conditions(s),
            prov: prov.with_pos(s.pos.line, s.pos.col),
        })
        .collect();
    Maybe::Known(PolicyDocument {
        label,
        statements,
        attached_as: None,
        prov: prov.with_pos(doc.pos.line, doc.pos.col),
    })
}

/// A document where an unknown whole stands as one statement of unknown effect (so it can
/// neither allow nor be ignored).
pub fn document_or_unknown(doc: &V, prov: &Provenance, label: String) -> PolicyDocument {
    match document(doc, prov, label.clone()) {
        Maybe::Known(d) => d,
        Maybe::Unknown(why) => PolicyDocument {
            label,
            statements: vec![PolicyStatement {
                sid: None,
                effect: Maybe::Unknown(why.clone()),
                actions: Patterns {
                    negated: false,
                    items: vec![Maybe::Unknown(why.clone())],
                },
                resources: Patterns {
                    negated: false,
                    items: vec![Maybe::Unknown(why)],
                },
                principals: None,
                conditions: Vec::new(),
                prov: prov.with_pos(doc.pos.line, doc.pos.col),
            }],
            attached_as: None,
            prov: prov.with_pos(doc.pos.line, doc.pos.col),
        },
    }
}

/// A role's `Policies` (inline policies).
pub fn inline_policies(v: Option<&V>, prov: &Provenance) -> Vec<PolicyDocument> {
    let Some(v) = v else { return Vec::new() };
    let items = match &v.val {
        Val::List(l) => l.clone(),
        _ => vec![v.clone()],
    };
    items
        .iter()
        .filter(|p| p.val != Val::NoValue)
        .map(|p| {
            let name = p
                .get("PolicyName")
                .and_then(|n| n.text().ok())
                .unwrap_or_else(|| "(unnamed)".into());
            let label = format!("inline policy {name} of role {}", prov.resource);
            match p.get("PolicyDocument") {
                Some(d) => document_or_unknown(d, prov, label),
                None => document_or_unknown(p, prov, label),
            }
        })
        .collect()
}

/// `PermissionsBoundary`: the ARN (a `Ref` to a template `AWS::IAM::ManagedPolicy` is its
/// model id; [`super::finish`] fills in that policy's document).
pub fn boundary(v: Option<&V>, prov: &Provenance) -> Option<PermissionsBoundary> {
    let v = v?;
    let arn = value(v);
    Some(PermissionsBoundary {
        document: Maybe::Unknown(match &arn {
            Maybe::Known(a) => format!("the boundary policy {a} is not in the template"),
            Maybe::Unknown(w) => format!("the boundary policy is unknown ({w})"),
        }),
        arn,
        prov: prov.with_pos(v.pos.line, v.pos.col),
    })
}
