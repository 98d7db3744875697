//! DNS as an exit. Per VPC a service runs in: "an arbitrary public name does not resolve" (a
//! DNS Firewall rule group associated with the VPC ends in a BLOCK for `*`). Per service and
//! name it resolves (the catalog's [`moat_catalog::dns`]): "the VPC's DNS Firewall lets it
//! resolve". Both are computed here, recorded as [`PropertyKind::Dns`] properties, and reported
//! when refuted by MOAT012 (`dns-exfiltration-open`) and MOAT013 (`dns-firewall-blocks-needed-name`).

use crate::firewall::{evaluate, Outcome, Query};
use crate::rules::analysis::need_prov;
use crate::{Context, ServiceView};
use moat_catalog::dns::{requirement_names, NeededName};
use moat_model::{Id, Property, PropertyKind, Provenance, Verdict};

/// "VPC `v` resolves no arbitrary public name", decided.
pub(crate) struct ExitVerdict {
    pub vpc: Id,
    pub verdict: Verdict,
    /// The VPC (or the first service in it, when the VPC is not in the inputs).
    pub prov: Provenance,
    /// The rule that allows every name, when one does.
    pub allowing_rule: Option<Provenance>,
}

/// "Service `s` resolves `name`", decided.
pub(crate) struct NameVerdict<'a, 'm> {
    pub view: &'a ServiceView<'m>,
    pub name: NeededName,
    /// What needs it ("service `api` needs it: container `app` pulls …").
    pub why: String,
    pub verdict: Verdict,
    /// Where the need comes from.
    pub need_prov: Provenance,
    /// The rule that blocks it, when refuted.
    pub blocked_by: Option<Provenance>,
}

/// The VPCs services run in, each once, with the first service's provenance.
fn workload_vpcs<'a>(cx: &'a Context<'_>) -> Vec<(Id, &'a Provenance)> {
    let mut out: Vec<(Id, &Provenance)> = Vec::new();
    for v in &cx.services {
        if let Some(vpc) = &v.vpc {
            if !out.iter().any(|(o, _)| o == vpc) {
                out.push((vpc.clone(), &v.service.prov));
            }
        }
    }
    out
}

pub(crate) fn exits(cx: &Context<'_>) -> Vec<ExitVerdict> {
    workload_vpcs(cx)
        .into_iter()
        .map(|(vpc, service_prov)| {
            let prov = cx
                .model
                .vpc(&vpc)
                .map_or_else(|| service_prov.clone(), |v| v.prov.clone());
            let (verdict, allowing_rule) = match evaluate(cx, &vpc, Query::Any) {
                Outcome::Blocked { .. } => (Verdict::Proved, None),
                Outcome::Allowed { why, prov } => (Verdict::Refuted(why), prov),
                Outcome::Open(u) => (Verdict::Unproved(u), None),
            };
            ExitVerdict {
                vpc,
                verdict,
                prov,
                allowing_rule,
            }
        })
        .collect()
}

/// Whether the VPC has a DNS Firewall moat must judge (an association that is or may be its,
/// or a source that could not show them). Without one every name resolves; those properties
/// are not recorded one by one.
fn has_firewall(cx: &Context<'_>, vpc: &Id) -> bool {
    let r = &cx.model.resolver;
    r.unread.is_some()
        || r.associations
            .iter()
            .any(|a| a.vpc.known().is_none_or(|v| v == vpc))
}

pub(crate) fn needed_names<'a, 'm>(cx: &'a Context<'m>) -> Vec<NameVerdict<'a, 'm>> {
    let mut out = Vec::new();
    for view in &cx.services {
        let Some(vpc) = &view.vpc else { continue };
        if !has_firewall(cx, vpc) {
            continue;
        }
        let mut seen: Vec<String> = Vec::new();
        for (_, needs) in &view.branch_needs {
            for req in &needs.requirements {
                for name in requirement_names(req, &cx.region) {
                    if seen.contains(&name.name) {
                        continue;
                    }
                    seen.push(name.name.clone());
                    let q = Query::Name {
                        name: &name.name,
                        via_cname: name.via_cname,
                    };
                    let (verdict, blocked_by) = match evaluate(cx, vpc, q) {
                        Outcome::Allowed { .. } => (Verdict::Proved, None),
                        Outcome::Blocked { why, prov } => (Verdict::Refuted(why), Some(prov)),
                        Outcome::Open(u) => (Verdict::Unproved(u), None),
                    };
                    out.push(NameVerdict {
                        view,
                        why: crate::rules::analysis::need_why(view, req),
                        name,
                        verdict,
                        need_prov: need_prov(view, req),
                        blocked_by,
                    });
                }
            }
        }
    }
    out
}

pub(crate) fn record(cx: &Context<'_>) {
    for e in exits(cx) {
        cx.record(Property {
            kind: PropertyKind::Dns,
            subject: e.vpc.to_string(),
            claim: format!(
                "VPC `{}` resolves no arbitrary public name (DNS is no way out)",
                e.vpc
            ),
            verdict: e.verdict,
            prov: e.prov,
        });
    }
    for n in needed_names(cx) {
        cx.record(Property {
            kind: PropertyKind::Dns,
            subject: n.view.service.id.to_string(),
            claim: format!(
                "the DNS Firewall lets service `{}` resolve {}",
                n.view.name, n.name.name
            ),
            verdict: n.verdict,
            prov: n.need_prov,
        });
    }
}
