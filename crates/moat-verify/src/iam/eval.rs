//! Statement and policy evaluation, and the decision over every policy on a call's path.
//!
//! Source: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic_policy-eval-denyallow.html
//! — an explicit deny in any policy wins; otherwise the request needs an allow from the
//! identity policies (or a same-account resource policy), and, where they apply, an allow from
//! the permissions boundary
//! (https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_boundaries.html: the
//! effective permissions are the intersection) and from the VPC endpoint policy
//! (https://docs.aws.amazon.com/vpc/latest/privatelink/vpc-endpoints-access.html).

use super::condition;
use super::glob::{cover, glob, Cover};
use super::request::{Principal, Request};
use super::Tri;
use moat_model::{Effect, Maybe, PolicyDocument, PolicyStatement, Provenance, Unknown, Verdict};

fn unknown_at(what: String, prov: &Provenance, settle: &str) -> Tri {
    Tri::Maybe(vec![Unknown {
        what,
        prov: prov.clone(),
        settle: settle.to_string(),
    }])
}

const SETTLE: &str = "give the value a literal, or check the live account (`moat audit`)";

/// Does the statement's Action/NotAction cover the request's action? (Case-insensitive.)
fn action_matches(st: &PolicyStatement, req: &Request) -> Tri {
    let mut any = Tri::No;
    for a in &st.actions.items {
        any = any.or(match a {
            Maybe::Known(a) => Tri::from(glob(a, &req.action, true)),
            Maybe::Unknown(w) => unknown_at(format!("an action ({w})"), &st.prov, SETTLE),
        });
    }
    if st.actions.negated {
        any.not()
    } else {
        any
    }
}

/// Does the statement's Resource/NotResource cover the request's resource? (Case-sensitive; a
/// `*` of the request stands for an unknown part and is covered only by a `*`.)
fn resource_matches(st: &PolicyStatement, req: &Request) -> Tri {
    let Some(res) = &req.resource else {
        return Tri::Yes;
    };
    let mut any = Tri::No;
    for r in &st.resources.items {
        any = any.or(match r {
            Maybe::Known(r) => match placeholder_cover(r, res) {
                Cover::All => Tri::Yes,
                Cover::None => Tri::No,
                Cover::Some => unknown_at(
                    format!("whether `{r}` covers `{res}` (a part of the resource is unknown)"),
                    &st.prov,
                    "name the account and resource literally (or pass --account)",
                ),
            },
            Maybe::Unknown(w) => unknown_at(format!("a resource ({w})"), &st.prov, SETTLE),
        });
    }
    if st.resources.negated {
        // NotResource: matches resources outside the list. With an unknown part the request
        // may be in or out.
        any.not()
    } else {
        any
    }
}

/// [`cover`] where either side may hold the unknown region (`${AWS::Region}`, what the loader
/// writes when no region is given): the same placeholder on both sides is the same region; on
/// one side only, it may or may not be the other side's literal region.
/// The unknown account (`${AWS::AccountId}`) is treated the same way.
pub(crate) fn placeholder_cover(stmt: &str, need: &str) -> Cover {
    let mut worst = Cover::All;
    let (mut stmt, mut need) = (stmt.to_string(), need.to_string());
    for r in [moat_model::UNKNOWN_REGION, moat_model::UNKNOWN_ACCOUNT] {
        match (stmt.contains(r), need.contains(r)) {
            (false, true) => need = need.replace(r, "*"),
            (true, false) => {
                stmt = stmt.replace(r, "*");
                worst = Cover::Some;
            }
            _ => {}
        }
    }
    match (cover(&stmt, &need), worst) {
        (Cover::All, Cover::Some) => Cover::Some,
        (c, _) => c,
    }
}

/// Does the statement's Principal/NotPrincipal name the caller? Identity policies have none.
fn principal_matches(st: &PolicyStatement, req: &Request) -> Tri {
    let Some(ps) = &st.principals else {
        return Tri::Yes;
    };
    let mut any = Tri::No;
    for (kind, v) in &ps.items {
        let v = match v {
            Maybe::Known(v) => v,
            Maybe::Unknown(w) => {
                any = any.or(unknown_at(format!("a principal ({w})"), &st.prov, SETTLE));
                continue;
            }
        };
        any = any.or(match (kind.as_str(), &req.principal) {
            ("*", _) => Tri::Yes,
            ("AWS", _) if v == "*" => Tri::Yes,
            ("AWS", Principal::Role { arn, account }) => {
                let acct_of = |p: &str| -> Option<String> {
                    if p.len() == 12 && p.bytes().all(|b| b.is_ascii_digit()) {
                        return Some(p.to_string());
                    }
                    if p.contains(moat_model::UNKNOWN_ACCOUNT) && p.ends_with(":root") {
                        return Some(moat_model::UNKNOWN_ACCOUNT.to_string());
                    }
                    let rest = p.strip_suffix(":root")?;
                    Some(rest.rsplit(':').next()?.to_string())
                };
                if let Some(a) = acct_of(v) {
                    // The account as principal: any principal of that account whose own
                    // policies allow (the identity layer decides that).
                    match account {
                        Some(acct) if *acct == a => Tri::Yes,
                        // The unknown account on one side only: it may be the other.
                        Some(acct)
                            if acct == moat_model::UNKNOWN_ACCOUNT
                                || a == moat_model::UNKNOWN_ACCOUNT =>
                        {
                            unknown_at("the caller's account".into(), &st.prov, "pass --account-id")
                        }
                        Some(_) => Tri::No,
                        None => unknown_at("the caller's account".into(), &st.prov, "pass --account"),
                    }
                } else {
                    match arn {
                        Some(arn) => Tri::from(arn == v),
                        None => unknown_at(
                            format!("whether principal `{v}` is the calling role (its ARN is assigned by AWS)"),
                            &st.prov,
                            "give the role a RoleName, or check the live account",
                        ),
                    }
                }
            }
            ("Service", Principal::Service(s)) => Tri::from(v.eq_ignore_ascii_case(s)),
            _ => Tri::No,
        });
    }
    if ps.negated {
        any.not()
    } else {
        any
    }
}

/// Does the statement apply to the request (action, resource, principal, every condition)?
pub fn statement_applies(st: &PolicyStatement, req: &Request) -> Tri {
    let mut t = action_matches(st, req);
    if t == Tri::No {
        return Tri::No;
    }
    t = t.and(resource_matches(st, req));
    if t == Tri::No {
        return Tri::No;
    }
    t = t.and(principal_matches(st, req));
    for c in &st.conditions {
        if t == Tri::No {
            return Tri::No;
        }
        t = t.and(condition::evaluate(c, req, &st.prov));
    }
    t
}

/// The outcome of one set of policies (one layer) for a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LayerOutcome {
    /// An explicit deny that certainly applies: the policy's label and the statement.
    pub denied_by: Option<(String, Provenance)>,
    /// Deny statements that may apply.
    pub maybe_denied: Vec<Unknown>,
    /// Whether some Allow statement applies.
    pub allow: Tri,
}

/// Evaluate a set of policy documents as one layer.
pub fn evaluate_layer(docs: &[&PolicyDocument], req: &Request) -> LayerOutcome {
    let mut out = LayerOutcome {
        denied_by: None,
        maybe_denied: Vec::new(),
        allow: Tri::No,
    };
    for doc in docs {
        for st in &doc.statements {
            let applies = statement_applies(st, req);
            match (&st.effect, applies) {
                (_, Tri::No) => {}
                (Maybe::Known(Effect::Deny), Tri::Yes) => {
                    if out.denied_by.is_none() {
                        out.denied_by = Some((doc.label.clone(), st.prov.clone()));
                    }
                }
                (Maybe::Known(Effect::Deny), Tri::Maybe(u)) => out.maybe_denied.extend(u),
                (Maybe::Known(Effect::Allow), t) => out.allow = out.allow.clone().or(t),
                (Maybe::Unknown(w), t) => {
                    let u = vec![Unknown {
                        what: format!("the effect of a statement of {} ({w})", doc.label),
                        prov: st.prov.clone(),
                        settle: SETTLE.into(),
                    }];
                    out.maybe_denied.extend(u.clone());
                    let t = t.and(Tri::Maybe(u));
                    out.allow = out.allow.clone().or(t);
                }
            }
        }
    }
    out
}

/// Which policy on the path refused a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    Identity,
    Boundary,
    Endpoint,
    Resource,
    /// A KMS key policy: it must allow the call, directly or by delegating to IAM.
    KeyPolicy,
}

/// The decision on one call, with the stage that refused it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub verdict: Verdict,
    /// Set when refuted.
    pub stage: Option<Stage>,
}

/// One layer on a call's path.
pub struct Layer<'a> {
    pub stage: Stage,
    /// What the layer is, for messages (`the identity policies of role Exec`).
    pub what: String,
    pub docs: Vec<&'a PolicyDocument>,
    /// Whether the request needs an allow from this layer (identity, boundary, endpoint do;
    /// a same-account resource policy only adds to the identity layer).
    pub must_allow: bool,
    /// Unknowns about the layer itself (a managed policy moat does not know).
    pub unknown: Vec<Unknown>,
}

/// Decide a call over its layers: explicit deny anywhere refutes; then every layer that must
/// allow must allow; the identity layer's allow may come from a resource layer instead.
pub fn decide(layers: &[Layer<'_>], req: &Request) -> Decision {
    let outcomes: Vec<LayerOutcome> = layers
        .iter()
        .map(|l| evaluate_layer(&l.docs, req))
        .collect();
    for (l, o) in layers.iter().zip(&outcomes) {
        if let Some((label, _)) = &o.denied_by {
            return Decision {
                verdict: Verdict::Refuted(format!("explicitly denied by {label}")),
                stage: Some(l.stage),
            };
        }
    }
    let mut unknowns: Vec<Unknown> = Vec::new();
    let resource_allow = layers
        .iter()
        .zip(&outcomes)
        .filter(|(l, _)| l.stage == Stage::Resource)
        .fold(Tri::No, |t, (_, o)| t.or(o.allow.clone()));
    for (l, o) in layers.iter().zip(&outcomes) {
        unknowns.extend(o.maybe_denied.iter().cloned());
        unknowns.extend(l.unknown.iter().cloned());
        if !l.must_allow {
            continue;
        }
        let mut allow = o.allow.clone();
        if l.stage == Stage::Identity {
            allow = allow.or(resource_allow.clone());
        }
        // A layer whose own content is partly unknown allows at best "maybe".
        if !l.unknown.is_empty() && allow == Tri::No {
            allow = Tri::Maybe(l.unknown.clone());
        }
        match allow {
            Tri::Yes => {}
            Tri::No => {
                return Decision {
                    verdict: Verdict::Refuted(format!("no statement of {} allows it", l.what)),
                    stage: Some(l.stage),
                }
            }
            Tri::Maybe(u) => unknowns.extend(u),
        }
    }
    unknowns.dedup();
    Decision {
        verdict: if unknowns.is_empty() {
            Verdict::Proved
        } else {
            Verdict::Unproved(unknowns)
        },
        stage: None,
    }
}
