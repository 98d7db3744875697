use super::prelude::*;
use crate::reach::HopVerdict;

rule! {
    /// ## What it does
    /// Walks TCP 443 from each task subnet to each needed endpoint and reports a security group
    /// that blocks it: the task's security group egress, or the endpoint's security group
    /// ingress (an endpoint created without security groups gets the VPC's default group, which
    /// admits only its own members). For the S3 gateway, the task's egress must admit TCP 443 to
    /// the S3 prefix list (or to a range covering it).
    ///
    /// ## Why is this bad?
    /// The endpoint exists but the task cannot open a connection to it: the image pull or secret
    /// read hangs until it times out and the task stops with `CannotPullContainerError` or
    /// `ResourceInitializationError`.
    ///
    /// ## Example
    /// ```yaml
    /// EndpointSecurityGroup:
    ///   Type: AWS::EC2::SecurityGroup
    ///   Properties:
    ///     GroupDescription: endpoints
    ///     VpcId: !Ref VPC
    ///     SecurityGroupIngress:
    ///       - IpProtocol: tcp
    ///         FromPort: 80
    ///         ToPort: 80
    ///         SourceSecurityGroupId: !Ref ServiceSecurityGroup
    /// ```
    ///
    /// ## Fix
    /// Admit TCP 443 from the service's security group on the endpoint's group (and allow TCP
    /// 443 egress from the service's group to it). Prefer a security-group reference over a CIDR.
    ///
    /// ## References
    /// - https://docs.aws.amazon.com/vpc/latest/privatelink/create-interface-endpoint.html#security-group-rules
    /// - https://docs.aws.amazon.com/AmazonECR/latest/userguide/vpc-endpoints.html
    pub struct EndpointBlockedBySecurityGroup {
        code: "MOAT105",
        name: "endpoint-blocked-by-security-group",
        severity: Error,
        summary: "A security group blocks TCP 443 from a task to an endpoint it needs",
    }
}

impl Rule for EndpointBlockedBySecurityGroup {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        report_blocked(cx, out, &Self::META, |hop| {
            hop.what.contains("security group")
        });
    }
}

/// Shared by MOAT105 and MOAT106: report the first denying hop of each walk that matches
/// `is_mine`, one finding per (service, blocking hop) listing the endpoints and subnets it cuts.
pub(crate) fn report_blocked(
    cx: &Context<'_>,
    out: &mut Vec<Finding>,
    meta: &'static RuleMeta,
    is_mine: impl Fn(&moat_model::Hop) -> bool,
) {
    struct Group {
        service: String,
        hop: moat_model::Hop,
        shorts: Vec<&'static str>,
        subnets: Vec<String>,
        prov: moat_model::Provenance,
        path: Vec<moat_model::Hop>,
    }
    let mut groups: Vec<Group> = Vec::new();
    for u in endpoint_uses(cx) {
        let Some(ep) = chosen(&u) else { continue };
        let walks: Vec<(String, crate::reach::Walk)> = match ep.kind.known() {
            Some(EndpointKind::Interface) => interface_walks(cx, &u, ep)
                .into_iter()
                .map(|(from, _, w)| (from.id.to_string(), w))
                .collect(),
            Some(EndpointKind::Gateway) => gateway_walks(cx, &u, ep)
                .into_iter()
                .map(|(from, w)| (from.id.to_string(), w))
                .collect(),
            _ => continue,
        };
        for (subnet, walk) in walks {
            // The first denying hop blocks the path whatever an earlier unknown hop does.
            let Some((hop, _)) = walk.hops.iter().find(|(_, v)| *v == HopVerdict::Deny) else {
                continue;
            };
            if !is_mine(hop) {
                continue;
            }
            let pos = groups.iter().position(|g| {
                g.service == u.view.name && g.hop.what == hop.what && g.hop.resource == hop.resource
            });
            let g = match pos {
                Some(i) => &mut groups[i],
                None => {
                    groups.push(Group {
                        service: u.view.name.clone(),
                        hop: hop.clone(),
                        shorts: Vec::new(),
                        subnets: Vec::new(),
                        prov: blocking_prov(cx, &hop.resource)
                            .unwrap_or_else(|| need_prov(u.view, u.req)),
                        path: walk.hops(),
                    });
                    groups.last_mut().expect("just pushed")
                }
            };
            if !g.shorts.contains(&u.short) {
                g.shorts.push(u.short);
            }
            if !g.subnets.contains(&subnet) {
                g.subnets.push(subnet);
            }
        }
    }
    for g in groups {
        let s3 = g.shorts == ["s3"];
        out.push(meta.finding_path(
            format!(
                "{} on `{}` blocks service `{}` from reaching {} (from subnets {})",
                g.hop.what,
                g.hop.resource,
                g.service,
                g.shorts.join(", "),
                g.subnets.join(", "),
            ),
            g.prov,
            help_for(&g.hop, if s3 { "s3" } else { "" }),
            g.path,
        ));
    }
}

fn blocking_prov(cx: &Context<'_>, resource: &str) -> Option<moat_model::Provenance> {
    let first = resource.split(", ").next()?;
    let id = moat_model::Id::from(first);
    if let Some(sg) = cx.model.security_group(&id) {
        return Some(sg.prov.clone());
    }
    cx.model
        .network_acls
        .iter()
        .find(|a| a.id == id)
        .map(|a| a.prov.clone())
}

fn help_for(hop: &moat_model::Hop, short: &str) -> String {
    let w = &hop.what;
    if w.starts_with("endpoint security group ingress") {
        format!(
            "on `{}` add ingress TCP 443 from the service's security group (SourceSecurityGroupId)",
            hop.resource
        )
    } else if w.starts_with("security group egress") && short == "s3" {
        format!("on `{}` add egress TCP 443 to the S3 prefix list (DestinationPrefixListId of com.amazonaws.<region>.s3)", hop.resource)
    } else if w.starts_with("security group egress") {
        format!("on `{}` add egress TCP 443 to the endpoint's security group (DestinationSecurityGroupId)", hop.resource)
    } else if w.contains("return") {
        format!(
            "on network ACL `{}` allow TCP 1024-65535 for the return traffic",
            hop.resource
        )
    } else {
        format!(
            "on network ACL `{}` allow TCP 443 for this path",
            hop.resource
        )
    }
}
