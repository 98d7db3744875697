//! Route 53 Resolver DNS Firewall, evaluated on a query: the rule groups associated with a VPC
//! in ascending association priority, each group's rules in ascending rule priority; the first
//! `ALLOW` or `BLOCK` rule whose domain list matches decides, `ALERT` rules only log; a query no
//! rule decides is answered. Every value the outcome depends on and moat cannot know (an
//! association's VPC, a priority, an AWS managed list, a domain from a parameter) leaves it open.
//! Sources: https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/resolver-dns-firewall-rule-group-behavior.html ,
//! https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/resolver-dns-firewall-rule-actions.html ,
//! https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/resolver-dns-firewall-domain-lists.html

use crate::Context;
use moat_model::{
    FirewallAction, FirewallAssociation, FirewallRule, Id, Maybe, Provenance, Unknown,
};

/// What is asked of the firewall.
#[derive(Debug, Clone, Copy)]
pub enum Query<'a> {
    /// A name the workload resolves (`*.suffix`: some name under `suffix`). `via_cname`: the
    /// answer may be a CNAME chain moat cannot see, each name of which the firewall inspects
    /// unless the deciding rule trusts redirection.
    Name { name: &'a str, via_cname: bool },
    /// An arbitrary public name (one a task would make up to carry data out).
    Any,
}

/// The firewall's answer to a [`Query`].
#[derive(Debug, Clone)]
pub enum Outcome {
    /// Resolved; the reason says which rule allowed it, or that none decided.
    Allowed {
        why: String,
        prov: Option<Provenance>,
    },
    /// Blocked by this rule.
    Blocked { why: String, prov: Provenance },
    /// Depends on values moat could not know.
    Open(Vec<Unknown>),
}

/// How a domain list covers a query.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cover {
    /// Every name the query stands for matches.
    All,
    /// Some do, some do not (a pattern query, or an arbitrary name against an allow list).
    Some,
    /// An arbitrary-name query against an entry so broad that it is no control (`*.com`).
    Broad,
    None,
    /// Entries moat cannot see.
    Unknown,
}

fn norm(s: &str) -> String {
    s.trim().trim_end_matches('.').to_ascii_lowercase()
}

/// Whether `name` is `suffix` or lies under it.
fn under_or_at(name: &str, suffix: &str) -> bool {
    name == suffix || name.ends_with(&format!(".{suffix}"))
}

/// How one domain specification covers a query. `*.x` matches names under `x` (not `x`
/// itself); `*` matches every name; anything else matches only itself.
fn cover(spec: &str, q: Query<'_>) -> Cover {
    let spec = norm(spec);
    if spec == "*" {
        return Cover::All;
    }
    match q {
        Query::Any => match spec.strip_prefix("*.") {
            Some(s) if !s.contains('.') => Cover::Broad,
            _ => Cover::Some,
        },
        Query::Name { name, .. } => {
            let name = norm(name);
            match (name.strip_prefix("*."), spec.strip_prefix("*.")) {
                // Some name under `t`, spec: names under `s`.
                (Some(t), Some(s)) if under_or_at(t, s) => Cover::All,
                (Some(t), Some(s)) if s.ends_with(&format!(".{t}")) => Cover::Some,
                (Some(t), None) if spec.ends_with(&format!(".{t}")) => Cover::Some,
                (Some(_), _) => Cover::None,
                (None, Some(s)) if name.ends_with(&format!(".{s}")) => Cover::All,
                (None, Some(s)) if !s.contains('*') => Cover::None,
                (None, None) if name == spec => Cover::All,
                (None, _) if spec.contains('*') => Cover::Unknown,
                (None, _) => Cover::None,
            }
        }
    }
}

/// How the domain list `list` covers `q` (an unknown or absent list: its contents are unknown).
fn list_cover(cx: &Context<'_>, rule: &FirewallRule, q: Query<'_>) -> (Cover, Option<Unknown>) {
    let unknown = |what: String| Unknown {
        what,
        prov: rule.prov.clone(),
        settle: "give the rule's domain list in the inputs (a literal Domains list)".into(),
    };
    let id = match &rule.domain_list {
        Maybe::Known(id) => id,
        Maybe::Unknown(why) => {
            return (
                Cover::Unknown,
                Some(unknown(format!(
                    "the domain list of a DNS Firewall rule ({why})"
                ))),
            )
        }
    };
    let Some(list) = cx.model.resolver.domain_list(id) else {
        return (
            Cover::Unknown,
            Some(unknown(format!(
                "the domains of DNS Firewall domain list `{id}` (an AWS managed list, or not defined in the inputs)"
            ))),
        );
    };
    let mut best = Cover::None;
    let mut hidden = list.unseen.clone();
    for d in &list.domains {
        let c = match d {
            Maybe::Known(spec) => cover(spec, q),
            Maybe::Unknown(why) => {
                hidden.get_or_insert_with(|| format!("a domain of list `{id}` ({why})"));
                continue;
            }
        };
        best = match (best, c) {
            (Cover::All, _) | (_, Cover::All) => Cover::All,
            (Cover::Broad, _) | (_, Cover::Broad) => Cover::Broad,
            (Cover::Unknown, _) | (_, Cover::Unknown) => Cover::Unknown,
            (Cover::Some, _) | (_, Cover::Some) => Cover::Some,
            _ => Cover::None,
        };
    }
    match hidden {
        Some(what) if best != Cover::All => (
            Cover::Unknown,
            Some(Unknown {
                what,
                prov: list.prov.field("domains"),
                settle: "list the domains literally in the template".into(),
            }),
        ),
        _ if best == Cover::Unknown => (
            Cover::Unknown,
            Some(Unknown {
                what: format!("whether a wildcard in domain list `{id}` matches the name"),
                prov: list.prov.field("domains"),
                settle: "use `*.domain` or exact names".into(),
            }),
        ),
        _ => (best, None),
    }
}

/// The associations that apply to `vpc`, in evaluation order, or the unknowns that hide it.
fn associations<'m>(
    cx: &Context<'m>,
    vpc: &Id,
) -> Result<Vec<&'m FirewallAssociation>, Vec<Unknown>> {
    let r = &cx.model.resolver;
    if let Some(why) = &r.unread {
        return Err(vec![Unknown {
            what: format!("the DNS Firewall rule groups associated with VPC `{vpc}` ({why})"),
            prov: Provenance::resource(vpc.to_string()),
            settle: "check the template that creates the VPC and its firewall association".into(),
        }]);
    }
    let mut unknowns: Vec<Unknown> = r
        .associations
        .iter()
        .filter_map(|a| {
            a.vpc.why_unknown().map(|why| Unknown {
                what: format!("the VPC of DNS Firewall association `{}` ({why})", a.id),
                prov: a.prov.field("vpc"),
                settle: "give VpcId a value moat can resolve".into(),
            })
        })
        .collect();
    let mut mine: Vec<&FirewallAssociation> = r
        .associations
        .iter()
        .filter(|a| a.vpc.known() == Some(vpc))
        .collect();
    if mine.len() > 1 {
        for a in &mine {
            if let Some(why) = a.priority.why_unknown() {
                unknowns.push(Unknown {
                    what: format!(
                        "the priority of DNS Firewall association `{}` ({why})",
                        a.id
                    ),
                    prov: a.prov.field("priority"),
                    settle: "give Priority a value moat can resolve".into(),
                });
            }
        }
    }
    if !unknowns.is_empty() {
        return Err(unknowns);
    }
    mine.sort_by_key(|a| a.priority.known().copied().unwrap_or(0));
    Ok(mine)
}

/// The rules of the groups associated with `vpc`, in evaluation order.
fn rules<'m>(cx: &Context<'m>, vpc: &Id) -> Result<Vec<&'m FirewallRule>, Vec<Unknown>> {
    let mut out = Vec::new();
    let mut unknowns = Vec::new();
    for a in associations(cx, vpc)? {
        let group = match &a.rule_group {
            Maybe::Known(id) => cx.model.resolver.rule_group(id).ok_or_else(|| {
                format!("DNS Firewall rule group `{id}`, which is not defined in the inputs")
            }),
            Maybe::Unknown(why) => Err(format!(
                "the rule group of DNS Firewall association `{}` ({why})",
                a.id
            )),
        };
        let group = match group {
            Ok(g) => g,
            Err(what) => {
                unknowns.push(Unknown {
                    what,
                    prov: a.prov.field("rule_group"),
                    settle: "check the template that defines the rule group together with this one"
                        .into(),
                });
                continue;
            }
        };
        let mut rules: Vec<&FirewallRule> = group.rules.iter().collect();
        if rules.len() > 1 {
            for r in &rules {
                if let Some(why) = r.priority.why_unknown() {
                    unknowns.push(Unknown {
                        what: format!("the priority of a rule of `{}` ({why})", group.id),
                        prov: r.prov.clone(),
                        settle: "give Priority a value moat can resolve".into(),
                    });
                }
            }
        }
        rules.sort_by_key(|r| r.priority.known().copied().unwrap_or(0));
        out.extend(rules);
    }
    if unknowns.is_empty() {
        Ok(out)
    } else {
        Err(unknowns)
    }
}

/// What the DNS Firewall of `vpc` does with `q`.
pub fn evaluate(cx: &Context<'_>, vpc: &Id, q: Query<'_>) -> Outcome {
    let rules = match rules(cx, vpc) {
        Ok(r) => r,
        Err(u) => return Outcome::Open(u),
    };
    if rules.is_empty() {
        return Outcome::Allowed {
            why: format!("no DNS Firewall rule group is associated with VPC `{vpc}`"),
            prov: None,
        };
    }
    for rule in rules {
        let action = match &rule.action {
            Maybe::Known(FirewallAction::Alert) => continue,
            Maybe::Known(a) => Some(*a),
            Maybe::Unknown(_) => None,
        };
        let (c, unknown) = list_cover(cx, rule, q);
        if c == Cover::None {
            continue;
        }
        let Some(action) = action else {
            return Outcome::Open(vec![Unknown {
                what: format!(
                    "the action of a DNS Firewall rule ({})",
                    rule.action.why_unknown().unwrap_or("unknown")
                ),
                prov: rule.prov.clone(),
                settle: "give Action a value moat can resolve".into(),
            }]);
        };
        match (c, action, q) {
            (Cover::All, FirewallAction::Block, _) => {
                return Outcome::Blocked {
                    why: "a BLOCK rule matches it".into(),
                    prov: rule.prov.clone(),
                }
            }
            (Cover::All, _, Query::Name { via_cname, .. }) => {
                return allowed_by(rule, via_cname);
            }
            (Cover::All | Cover::Broad, _, Query::Any) => {
                return Outcome::Allowed {
                    why:
                        "an ALLOW rule matches every name (or every name under a top-level domain)"
                            .into(),
                    prov: Some(rule.prov.clone()),
                };
            }
            // An arbitrary name is blocked or allowed by narrower lists only for the names in
            // them; blocking more never opens the exit.
            (Cover::Some, _, Query::Any) | (Cover::Unknown, FirewallAction::Block, Query::Any) => {}
            _ => return Outcome::Open(vec![unknown.unwrap_or_else(|| partial(rule))]),
        }
    }
    let why = format!("no rule of VPC `{vpc}`'s DNS Firewall decides it, so Resolver answers it");
    match q {
        Query::Name { via_cname: true, .. } if blocks_anything(cx, vpc) => Outcome::Open(vec![
            Unknown {
                what: "the names in the CNAME chain of a public answer, each of which the DNS Firewall inspects".into(),
                prov: Provenance::resource(vpc.to_string()),
                settle: "allow the name with a rule that sets FirewallDomainRedirectionAction: TRUST_REDIRECTION_DOMAIN".into(),
            },
        ]),
        _ => Outcome::Allowed { why, prov: None },
    }
}

/// Whether any rule of the VPC's firewall might block.
fn blocks_anything(cx: &Context<'_>, vpc: &Id) -> bool {
    rules(cx, vpc).map_or(true, |rs| {
        rs.iter().any(|r| {
            r.action.known() != Some(&FirewallAction::Allow)
                && r.action.known() != Some(&FirewallAction::Alert)
        })
    })
}

/// An ALLOW rule matched: resolved, unless the answer's CNAME chain is inspected too.
fn allowed_by(rule: &FirewallRule, via_cname: bool) -> Outcome {
    if via_cname && rule.trust_redirection.known() != Some(&true) {
        return Outcome::Open(vec![Unknown {
            what: "the names in the CNAME chain of a public answer, which this ALLOW rule inspects too (FirewallDomainRedirectionAction is not TRUST_REDIRECTION_DOMAIN)".into(),
            prov: rule.prov.clone(),
            settle: "set FirewallDomainRedirectionAction: TRUST_REDIRECTION_DOMAIN on the rule".into(),
        }]);
    }
    Outcome::Allowed {
        why: "an ALLOW rule matches it".into(),
        prov: Some(rule.prov.clone()),
    }
}

/// A pattern name (`*.suffix`) that a rule matches only in part.
fn partial(rule: &FirewallRule) -> Unknown {
    Unknown {
        what: "which name under the needed domain the tasks resolve, which a DNS Firewall rule matches only in part".into(),
        prov: rule.prov.clone(),
        settle: "make the rule's domain list cover the whole domain (`*.domain`)".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(n: &str) -> Query<'_> {
        Query::Name {
            name: n,
            via_cname: false,
        }
    }

    #[test]
    fn domain_specs() {
        assert_eq!(cover("*", name("a.b.com")), Cover::All);
        assert_eq!(cover("*.b.com", name("a.b.com")), Cover::All);
        assert_eq!(cover("*.b.com", name("b.com")), Cover::None);
        assert_eq!(cover("A.B.com.", name("a.b.com")), Cover::All);
        assert_eq!(cover("a.b.com", name("c.b.com")), Cover::None);
        // A pattern name: some name under dkr.ecr.
        let dkr = name("*.dkr.ecr.us-east-1.amazonaws.com");
        assert_eq!(cover("*.dkr.ecr.us-east-1.amazonaws.com", dkr), Cover::All);
        assert_eq!(cover("*.us-east-1.amazonaws.com", dkr), Cover::All);
        assert_eq!(cover("1.dkr.ecr.us-east-1.amazonaws.com", dkr), Cover::Some);
        assert_eq!(cover("logs.us-east-1.amazonaws.com", dkr), Cover::None);
        assert_eq!(cover("*.com", Query::Any), Cover::Broad);
        assert_eq!(cover("*.example.com", Query::Any), Cover::Some);
        assert_eq!(cover("*", Query::Any), Cover::All);
    }
}
