//! Per service and needed AWS service: "the tasks reach it" (an interface endpoint on TCP 443
//! with its private DNS name resolving, or S3 through the gateway endpoint: routed, admitted by
//! the security groups and network ACLs both ways, and allowed by the endpoint policy).
//!
//! Every value a verdict depends on is either known or named as an [`Unknown`]: the service's
//! subnets and security groups, the launch type (both branches are derived), the task
//! definition and the values that decide its needs, the endpoint's name, kind, subnets, groups,
//! private DNS and route tables, the VPC's DNS attributes, and each rule on the path.
//! Sources: https://docs.aws.amazon.com/vpc/latest/privatelink/create-interface-endpoint.html ,
//! https://docs.aws.amazon.com/vpc/latest/privatelink/vpc-endpoints-s3.html

use crate::iam::{policy_allows, Allowed};
use crate::rules::analysis::{
    endpoint_unresolved_subnets, gateway_walks, governing_route_table, interface_walks, need_prov,
    EndpointUse,
};
use crate::{Context, ServiceView};
use moat_catalog::{Need, Requirement};
use moat_model::{EndpointKind, Id, Maybe, Property, PropertyKind, Unknown, Verdict, VpcEndpoint};

/// Record, for every service, whether its needs are known and whether it reaches each AWS
/// service it needs.
pub(crate) fn record(cx: &Context<'_>) {
    for view in &cx.services {
        if !view.needs_unknown.is_empty() {
            cx.record(Property {
                kind: PropertyKind::Reach,
                subject: view.service.id.to_string(),
                claim: format!(
                    "every AWS service that service `{}` needs is known",
                    view.name
                ),
                verdict: Verdict::Unproved(view.needs_unknown.clone()),
                prov: view.service.prov.clone(),
            });
        }
        let placement = placement_unknowns(view);
        for (short, req) in view.endpoint_needs_any_branch() {
            let mut verdict = reach_verdict(cx, view, short, req);
            // A need of only some launch types: proved only if it holds anyway; otherwise it
            // depends on the unknown launch type.
            let branches = view.branches_needing(&req.need);
            if branches.len() < view.launch_types.len() {
                if let Some(u) = &view.launch_type_unknown {
                    verdict = verdict.or(Verdict::Unproved(vec![u.clone()]));
                }
            }
            if !placement.is_empty() {
                verdict = verdict.and(Verdict::Unproved(placement.clone()));
            }
            cx.record(Property {
                kind: PropertyKind::Reach,
                subject: view.service.id.to_string(),
                claim: claim(cx, view, short),
                verdict,
                prov: need_prov(view, req),
            });
        }
    }
}

fn claim(cx: &Context<'_>, view: &ServiceView<'_>, short: &str) -> String {
    let kind = moat_catalog::service(short).map(|s| s.kind);
    if kind == Some(EndpointKind::Gateway) {
        format!(
            "service `{}` reaches {} through its gateway endpoint",
            view.name,
            cx.service_name(short)
        )
    } else {
        format!(
            "service `{}` reaches {} on TCP 443",
            view.name,
            cx.service_name(short)
        )
    }
}

/// Unknowns about where the tasks run, which every reach verdict of the service depends on.
fn placement_unknowns(view: &ServiceView<'_>) -> Vec<Unknown> {
    let mut out = view.unresolved_subnets.clone();
    if view.subnets.is_empty() && out.is_empty() {
        out.push(Unknown {
            what: format!(
                "the subnets of service `{}` (none given; the tasks' network is the container instances')",
                view.name
            ),
            prov: view.service.prov.clone(),
            settle: "set NetworkConfiguration.AwsvpcConfiguration.Subnets (awsvpc network mode)"
                .into(),
        });
    }
    out
}

/// Whether the tasks in the known subnets reach `short`.
fn reach_verdict(
    cx: &Context<'_>,
    view: &ServiceView<'_>,
    short: &'static str,
    req: &Requirement,
) -> Verdict {
    let Some(vpc) = view.vpc.clone() else {
        // No subnet in the model (the placement unknowns say why), or subnets whose VPC is
        // unknown: nothing can be walked.
        return Verdict::Unproved(subnet_vpc_unknowns(view));
    };
    // A task subnet whose VPC is unknown may lie in another VPC than the endpoints.
    let placed = match subnet_vpc_unknowns(view) {
        u if u.is_empty() => Verdict::Proved,
        u => Verdict::Unproved(u),
    };
    placed.and(endpoint_verdict(cx, view, short, req, vpc))
}

/// The unknown VPCs of the service's subnets.
fn subnet_vpc_unknowns(view: &ServiceView<'_>) -> Vec<Unknown> {
    view.subnets
        .iter()
        .filter_map(|s| {
            s.vpc.why_unknown().map(|why| Unknown {
                what: format!("the VPC of subnet `{}` ({why})", s.id),
                prov: s.prov.field("vpc"),
                settle: "give the subnet's VpcId a value moat can resolve".into(),
            })
        })
        .collect()
}

/// Whether the tasks in the known subnets of `vpc` reach `short` through its endpoint.
fn endpoint_verdict(
    cx: &Context<'_>,
    view: &ServiceView<'_>,
    short: &'static str,
    req: &Requirement,
    vpc: Id,
) -> Verdict {
    let mut candidates: Vec<&VpcEndpoint> = cx.model.endpoints_for_service(&vpc, short).collect();
    candidates.sort_by_key(|e| {
        (
            e.kind.known() != Some(&EndpointKind::Interface)
                && e.kind.known() != Some(&EndpointKind::Gateway),
            e.private_dns.known() != Some(&true),
        )
    });
    let Some(ep) = candidates.first().copied() else {
        let unknown_named: Vec<Unknown> = cx
            .model
            .endpoints
            .iter()
            .filter(|e| e.vpc.known().is_none_or(|v| *v == vpc))
            .filter_map(|e| {
                e.service.why_unknown().map(|why| Unknown {
                    what: format!("the service name of endpoint `{}` ({why}); it might be `{short}`", e.id),
                    prov: e.prov.field("service"),
                    settle: "make the ServiceName resolvable (pass --region, the parameters, or the template that exports it)".into(),
                })
            })
            .collect();
        if unknown_named.is_empty() {
            return Verdict::Refuted(format!("VPC `{vpc}` has no endpoint for `{short}`"));
        }
        return Verdict::Unproved(unknown_named);
    };
    // An endpoint whose VPC is unknown is a candidate for every VPC; it may be in another one.
    let elsewhere = match &ep.vpc {
        Maybe::Unknown(why) => Verdict::Unproved(vec![Unknown {
            what: format!("the VPC of endpoint `{}` ({why})", ep.id),
            prov: ep.prov.field("vpc"),
            settle: "give the endpoint's VpcId a value moat can resolve".into(),
        }]),
        Maybe::Known(_) => Verdict::Proved,
    };
    let u = EndpointUse {
        view,
        short,
        req,
        vpc: vpc.clone(),
        candidates: candidates.clone(),
        unknown_named: Vec::new(),
    };
    elsewhere.and(match &ep.kind {
        Maybe::Known(EndpointKind::Interface) => interface_verdict(cx, &u, ep, &vpc),
        Maybe::Known(EndpointKind::Gateway) => gateway_verdict(cx, &u, ep),
        Maybe::Known(EndpointKind::GatewayLoadBalancer) => Verdict::Refuted(format!(
            "endpoint `{}` is a Gateway Load Balancer endpoint, not one for `{short}`",
            ep.id
        )),
        Maybe::Unknown(why) => Verdict::Unproved(vec![Unknown {
            what: format!("the type of endpoint `{}` ({why})", ep.id),
            prov: ep.prov.field("kind"),
            settle: "give VpcEndpointType a value moat can resolve".into(),
        }]),
    })
}

fn interface_verdict(
    cx: &Context<'_>,
    u: &EndpointUse<'_, '_>,
    ep: &VpcEndpoint,
    vpc: &Id,
) -> Verdict {
    let mut v = Verdict::Proved;
    // The regional name resolves to the endpoint only with private DNS on, which needs the
    // VPC's DNS support and DNS hostnames.
    // Source: https://docs.aws.amazon.com/vpc/latest/privatelink/privatelink-access-aws-services.html#interface-endpoint-private-dns
    v = v.and(flag(
        &ep.private_dns,
        format!("endpoint `{}` has private DNS disabled", ep.id),
        |why| Unknown {
            what: format!("whether endpoint `{}` has private DNS ({why})", ep.id),
            prov: ep.prov.field("private_dns"),
            settle: "give PrivateDnsEnabled a value moat can resolve".into(),
        },
    ));
    match cx.model.vpc(vpc) {
        Some(m) => {
            for (field, value, prop) in [
                ("dns_support", &m.dns_support, "EnableDnsSupport"),
                ("dns_hostnames", &m.dns_hostnames, "EnableDnsHostnames"),
            ] {
                v = v.and(flag(value, format!("VPC `{vpc}` has {prop} off"), |why| {
                    Unknown {
                        what: format!("{prop} of VPC `{vpc}` ({why})"),
                        prov: m.prov.field(field),
                        settle: format!("give {prop} a value moat can resolve"),
                    }
                }));
            }
        }
        None => {
            v = v.and(Verdict::Unproved(vec![Unknown {
                what: format!(
                    "VPC `{vpc}` (its DNS attributes), which is not defined in the inputs"
                ),
                prov: u.view.service.prov.clone(),
                settle: "check the template that defines the VPC together with this one".into(),
            }]))
        }
    }
    let unresolved = endpoint_unresolved_subnets(cx, ep);
    let walks = interface_walks(cx, u, ep);
    if walks.is_empty() && unresolved.is_empty() {
        return v.and(Verdict::Refuted(format!(
            "endpoint `{}` has no subnet, so no network interface",
            ep.id
        )));
    }
    // A task may be given any of the endpoint's interfaces, including those in subnets moat
    // cannot see.
    if !unresolved.is_empty() {
        v = v.and(Verdict::Unproved(unresolved));
    }
    for (_, _, walk) in walks {
        v = v.and(walk.verdict());
    }
    v
}

fn gateway_verdict(cx: &Context<'_>, u: &EndpointUse<'_, '_>, ep: &VpcEndpoint) -> Verdict {
    let mut v = Verdict::Proved;
    let unknown_tables: Vec<Unknown> = ep
        .route_tables
        .iter()
        .filter_map(|r| r.why_unknown())
        .map(|why| Unknown {
            what: format!("a route table of gateway endpoint `{}` ({why})", ep.id),
            prov: ep.prov.field("route_tables"),
            settle: "check the template that defines the route table together with this one, or pass the value".into(),
        })
        .collect();
    for ts in &u.view.subnets {
        let rt = match governing_route_table(cx, ts) {
            Ok(rt) => rt,
            Err(unknown) => {
                v = v.and(Verdict::Unproved(vec![*unknown]));
                continue;
            }
        };
        let routed = rt.is_some_and(|rt| ep.route_tables.iter().any(|r| r.known() == Some(&rt.id)));
        if routed {
            continue;
        }
        v = v.and(if unknown_tables.is_empty() {
            Verdict::Refuted(format!(
                "subnet `{}` uses a route table without a route to gateway endpoint `{}`",
                ts.id, ep.id
            ))
        } else {
            Verdict::Unproved(unknown_tables.clone())
        });
    }
    for (_, walk) in gateway_walks(cx, u, ep) {
        v = v.and(walk.verdict());
    }
    if u.short == "s3" {
        v = v.and(policy_verdict(u, ep));
    }
    v
}

/// Whether the gateway endpoint's policy admits every S3 object the tasks need.
fn policy_verdict(u: &EndpointUse<'_, '_>, ep: &VpcEndpoint) -> Verdict {
    let doc = match &ep.policy {
        None => return Verdict::Proved, // the default policy allows everything
        Some(Maybe::Known(doc)) => doc,
        Some(Maybe::Unknown(why)) => {
            return Verdict::Unproved(vec![Unknown {
                what: format!("the policy of gateway endpoint `{}` ({why})", ep.id),
                prov: ep.prov.field("policy"),
                settle: "give PolicyDocument values moat can resolve".into(),
            }])
        }
    };
    let mut v = Verdict::Proved;
    for (_, needs) in &u.view.branch_needs {
        for r in &needs.requirements {
            let Need::S3Object { resource } = &r.need else {
                continue;
            };
            v = v.and(match policy_allows(doc, "s3:GetObject", resource) {
                Allowed::Yes => Verdict::Proved,
                Allowed::No => Verdict::Refuted(format!(
                    "the policy of `{}` does not allow s3:GetObject on {resource}",
                    ep.id
                )),
                Allowed::Unknown(why) => Verdict::Unproved(vec![Unknown {
                    what: format!(
                        "whether the policy of `{}` allows s3:GetObject on {resource} ({why})",
                        ep.id
                    ),
                    prov: ep.prov.field("policy"),
                    settle: "give the policy's values moat can resolve".into(),
                }]),
            });
        }
    }
    v
}

/// A boolean that must be true: proved, refuted with `off`, or unproved.
fn flag(value: &Maybe<bool>, off: String, unknown: impl FnOnce(&str) -> Unknown) -> Verdict {
    match value {
        Maybe::Known(true) => Verdict::Proved,
        Maybe::Known(false) => Verdict::Refuted(off),
        Maybe::Unknown(why) => Verdict::Unproved(vec![unknown(why)]),
    }
}
