//! Condition operators, evaluated on the request context.
//!
//! Source: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html
//! (operators, `…IfExists`, `Null`; "if the key that you specify in a policy condition is not
//! present in the request context, the values do not match", and negated operators such as
//! `StringNotEquals` then match) and
//! https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html
//! (`ForAnyValue`, `ForAllValues`: with no key in the request, `ForAllValues` matches and
//! `ForAnyValue` does not).

use super::glob::glob;
use super::request::{CtxValue, Request};
use super::Tri;
use moat_model::{Condition, Maybe, Provenance, Unknown};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Set {
    Single,
    Any,
    All,
}

fn unknown(what: String, settle: &str, prov: &Provenance) -> Tri {
    Tri::Maybe(vec![Unknown {
        what,
        prov: prov.clone(),
        settle: settle.to_string(),
    }])
}

/// Does one context value match one policy value under the base operator (before negation)?
/// `None`: the operator is not one moat evaluates on these values.
fn base_match(base: &str, ctx: &str, pol: &str) -> Option<bool> {
    Some(match base {
        "StringEquals" | "StringNotEquals" => ctx == pol,
        "StringEqualsIgnoreCase" | "StringNotEqualsIgnoreCase" => ctx.eq_ignore_ascii_case(pol),
        "StringLike" | "StringNotLike" => glob(pol, ctx, false),
        "ArnEquals" | "ArnNotEquals" | "ArnLike" | "ArnNotLike" => glob(pol, ctx, false),
        "Bool" => ctx.eq_ignore_ascii_case(pol),
        "NumericEquals" | "NumericNotEquals" => {
            ctx.parse::<f64>().ok()? == pol.parse::<f64>().ok()?
        }
        _ => return None,
    })
}

/// A `${…}` in a policy value is a policy variable, except the placeholders the loader writes
/// for the unknown account and region (handled as symbolic values).
fn is_policy_variable(pv: &str) -> bool {
    pv.replace(moat_model::UNKNOWN_ACCOUNT, "")
        .replace(moat_model::UNKNOWN_REGION, "")
        .contains("${")
}

fn negated(base: &str) -> bool {
    base.contains("Not")
}

/// Evaluate one condition on the request.
pub fn evaluate(c: &Condition, req: &Request, prov: &Provenance) -> Tri {
    let (set, rest) = if let Some(r) = c.operator.strip_prefix("ForAnyValue:") {
        (Set::Any, r)
    } else if let Some(r) = c.operator.strip_prefix("ForAllValues:") {
        (Set::All, r)
    } else {
        (Set::Single, c.operator.as_str())
    };
    let (base, if_exists) = match rest.strip_suffix("IfExists") {
        Some(b) => (b, true),
        None => (rest, false),
    };
    let settle = "give the value a literal, or check the live account (`moat audit`)";
    let ctx = match req.get(&c.key) {
        Some(v) => v.clone(),
        None => {
            return unknown(
                format!(
                    "condition {} on `{}`: moat does not know whether this call carries the key",
                    c.operator, c.key
                ),
                "a condition on a key moat does not model cannot be decided statically",
                prov,
            )
        }
    };
    if base == "Null" {
        return null(c, &ctx, prov);
    }
    let (values, assigned) = match &ctx {
        CtxValue::Absent => {
            return match set {
                Set::All => Tri::Yes,
                Set::Any => Tri::No,
                Set::Single if if_exists => Tri::Yes,
                Set::Single => Tri::from(negated(base)),
            }
        }
        CtxValue::Unknown(u) => {
            let mut u = u.clone();
            u.prov = prov.clone();
            return Tri::Maybe(vec![u]);
        }
        CtxValue::Present(v) => (v.clone(), None),
        CtxValue::Assigned { id, prefix } => (vec![id.clone()], Some(*prefix)),
    };
    let neg = negated(base);
    // One context value against the policy's values: a positive operator matches when any
    // value matches, a negated one when none does.
    let one = |ctx: &str| -> Tri {
        let mut unknowns = Vec::new();
        let mut hit = false;
        for pv in &c.values {
            match pv {
                Maybe::Known(pv) if assigned.is_some_and(|p| pv.starts_with(p)) && pv != ctx => {
                    unknowns.push(Unknown {
                        what: format!("whether `{pv}` is the id AWS assigns to `{ctx}` ({} on `{}`)", c.operator, c.key),
                        prov: prov.clone(),
                        settle: "refer to the element with !Ref instead of a literal id, or check the live account (`moat audit`)".into(),
                    })
                }
                Maybe::Known(pv) if is_policy_variable(pv) => unknowns.push(Unknown {
                    what: format!("policy variable in `{pv}`"),
                    prov: prov.clone(),
                    settle: settle.to_string(),
                }),
                // A `*` in the context value stands for a part moat does not know (a task ARN's
                // cluster and id): a pattern matches for sure only when it covers every value.
                Maybe::Known(pv)
                    if ctx.contains('*')
                        || ctx.contains(moat_model::UNKNOWN_ACCOUNT)
                        || pv.contains(moat_model::UNKNOWN_ACCOUNT) =>
                match super::eval::placeholder_cover(pv, ctx) {
                    super::glob::Cover::All if base.contains("Like") || base.starts_with("Arn") || pv == ctx => hit = true,
                    super::glob::Cover::None => {}
                    _ => unknowns.push(Unknown {
                        what: format!("whether `{ctx}` matches `{pv}` ({} on `{}`)", c.operator, c.key),
                        prov: prov.clone(),
                        settle: settle.to_string(),
                    }),
                },
                Maybe::Known(pv) => match base_match(base, ctx, pv) {
                    Some(true) => hit = true,
                    Some(false) => {}
                    None => unknowns.push(Unknown {
                        what: format!("condition operator {} is not one moat evaluates", c.operator),
                        prov: prov.clone(),
                        settle: "check the call with the IAM policy simulator".into(),
                    }),
                },
                Maybe::Unknown(w) => unknowns.push(Unknown {
                    what: format!("a value of condition {} on `{}` ({w})", c.operator, c.key),
                    prov: prov.clone(),
                    settle: settle.to_string(),
                }),
            }
        }
        match (hit, unknowns.is_empty()) {
            (true, _) => Tri::from(!neg),
            (false, true) => Tri::from(neg),
            (false, false) => Tri::Maybe(unknowns),
        }
    };
    match set {
        Set::Single | Set::Any => values.iter().map(|v| one(v)).fold(Tri::No, Tri::or),
        Set::All => values.iter().map(|v| one(v)).fold(Tri::Yes, Tri::and),
    }
}

fn null(c: &Condition, ctx: &CtxValue, prov: &Provenance) -> Tri {
    let absent = matches!(ctx, CtxValue::Absent);
    let mut out = Tri::No;
    for v in &c.values {
        out = out.or(match v {
            Maybe::Known(v) if v.eq_ignore_ascii_case("true") => Tri::from(absent),
            Maybe::Known(v) if v.eq_ignore_ascii_case("false") => Tri::from(!absent),
            Maybe::Known(v) => unknown(
                format!("Null condition value `{v}`"),
                "use true or false",
                prov,
            ),
            Maybe::Unknown(w) => unknown(
                format!("a Null condition value ({w})"),
                "give it a literal",
                prov,
            ),
        });
    }
    out
}
