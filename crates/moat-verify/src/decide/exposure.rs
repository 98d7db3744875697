//! Isolation beyond the routes: the two deliberate openings of an isolated VPC admit only
//! whom they must. The egress gateway admits no one from outside the VPC (MOAT011 refutes it),
//! and a published endpoint service admits only named principals (MOAT201 refutes it).
//! Sources: https://docs.aws.amazon.com/vpc/latest/userguide/security-group-rules.html ,
//! https://docs.aws.amazon.com/vpc/latest/privatelink/configure-endpoint-service.html#add-remove-permissions

use crate::rules::analysis::vpc_cidrs;
use crate::Context;
use moat_model::{Maybe, Peer, Property, PropertyKind, Unknown, Verdict};

/// Record the exposure properties of egress gateways and endpoint services.
pub(crate) fn record(cx: &Context<'_>) {
    for v in cx.services.iter().filter(|v| v.service.egress_gateway) {
        let cidrs = vpc_cidrs(cx, v.vpc.as_ref());
        let mut verdict = Verdict::Proved;
        if !v.unresolved_security_groups.is_empty() {
            verdict = verdict.and(Verdict::Unproved(v.unresolved_security_groups.clone()));
        }
        for sg in &v.security_groups {
            for rule in &sg.ingress {
                verdict = verdict.and(match &rule.peer {
                    Maybe::Known(Peer::Cidr(c)) if cidrs.iter().any(|v| v.contains(c)) => {
                        Verdict::Proved
                    }
                    Maybe::Known(Peer::SecurityGroup(_)) => Verdict::Proved,
                    Maybe::Known(Peer::Cidr(c)) => {
                        Verdict::Refuted(format!("security group `{}` admits {c}", sg.id))
                    }
                    Maybe::Known(Peer::PrefixList(l)) => Verdict::Refuted(format!(
                        "security group `{}` admits prefix list {}",
                        sg.id,
                        l.known().map_or("(unknown)", |i| i.as_str())
                    )),
                    Maybe::Unknown(why) => Verdict::Unproved(vec![Unknown {
                        what: format!("the source of an ingress rule of `{}` ({why})", sg.id),
                        prov: rule.prov.field("peer"),
                        settle: "give the rule's source a value moat can resolve".into(),
                    }]),
                });
            }
        }
        cx.record(Property {
            kind: PropertyKind::Isolation,
            subject: v.service.id.to_string(),
            claim: format!(
                "egress gateway `{}` admits no one from outside the VPC",
                v.name
            ),
            verdict,
            prov: v.service.prov.clone(),
        });
    }
    for es in &cx.model.endpoint_services {
        let mut verdict = Verdict::Proved;
        for (p, prov) in &es.allowed_principals {
            verdict = verdict.and(match p {
                Maybe::Known(p) if p == "*" => Verdict::Refuted("it allows `*`".to_string()),
                Maybe::Known(_) => Verdict::Proved,
                Maybe::Unknown(why) => Verdict::Unproved(vec![Unknown {
                    what: format!(
                        "an allowed principal of endpoint service `{}` ({why})",
                        es.id
                    ),
                    prov: prov.clone(),
                    settle: "give AllowedPrincipals values moat can resolve (account or role ARNs)"
                        .into(),
                }]),
            });
        }
        cx.record(Property {
            kind: PropertyKind::Isolation,
            subject: es.id.to_string(),
            claim: format!("endpoint service `{}` admits only named principals", es.id),
            verdict,
            prov: es.prov.clone(),
        });
    }
}
