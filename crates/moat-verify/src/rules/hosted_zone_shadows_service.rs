use super::dns::{service_dns_name, zone_covers};
use super::prelude::*;
use moat_model::{Property, PropertyKind, Unknown, Verdict};

rule! {
    /// ## What it does
    /// Finds Route 53 private hosted zones associated with a task VPC whose name is, or is a
    /// parent of, the DNS name of an AWS service the tasks need (a zone
    /// `ecr.eu-west-1.amazonaws.com`, `eu-west-1.amazonaws.com` or `amazonaws.com`).
    ///
    /// ## Why is this bad?
    /// In a VPC, a private hosted zone answers for its whole domain: a name it does not hold
    /// gets NXDOMAIN instead of the endpoint's private address. A zone made for one service
    /// can hide every other one, and the tasks fail to resolve `api.ecr…`, `logs…`.
    ///
    /// ## Example
    /// ```yaml
    /// Zone:
    ///   Type: AWS::Route53::HostedZone
    ///   Properties:
    ///     Name: amazonaws.com
    ///     VPCs: [{VPCId: !Ref VPC, VPCRegion: !Ref AWS::Region}]
    /// ```
    ///
    /// ## Fix
    /// Remove the zone (enable private DNS on the interface endpoints instead), or narrow it to
    /// a domain no needed service lives under and hold records for every name it covers.
    ///
    /// ## References
    /// - https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/hosted-zone-private-considerations.html
    /// - https://docs.aws.amazon.com/vpc/latest/privatelink/manage-dns-names.html
    pub struct HostedZoneShadowsService {
        code: "MOAT128",
        name: "hosted-zone-shadows-service",
        severity: Warning,
        summary: "A private hosted zone shadows the DNS name of a service the tasks need",
    }
}

impl Rule for HostedZoneShadowsService {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        for view in &cx.services {
            let Some(vpc) = &view.vpc else { continue };
            let zones: Vec<_> = cx
                .model
                .hosted_zones
                .iter()
                .filter(|z| z.vpcs.iter().any(|v| v.known() == Some(vpc)))
                .collect();
            for (short, req) in view.endpoint_needs() {
                let name = service_dns_name(short, &cx.region);
                for z in &zones {
                    let shadows = match &z.name {
                        Maybe::Known(n) => zone_covers(n, &name),
                        Maybe::Unknown(_) => false,
                    };
                    if !shadows {
                        continue;
                    }
                    let zname = z.name.known().cloned().unwrap_or_default();
                    cx.record(Property {
                        kind: PropertyKind::Dns,
                        subject: view.service.id.to_string(),
                        claim: format!("service `{}` resolves {name} to its endpoint", view.name),
                        verdict: Verdict::Unproved(vec![Unknown {
                            what: format!("whether private hosted zone `{}` ({zname}) holds a record for {name}", z.id),
                            prov: z.prov.clone(),
                            settle: "remove the zone or narrow it; moat does not read its records".into(),
                        }]),
                        prov: z.prov.clone(),
                    });
                    out.push(Self::META.finding(
                        format!(
                            "private hosted zone `{}` ({zname}) is associated with VPC `{vpc}` and answers for {name}: unless it holds that record, service `{}` gets NXDOMAIN instead of the endpoint; {}",
                            z.id, view.name, need_why(view, req)
                        ),
                        z.prov.clone(),
                        "remove the zone (use the endpoints' private DNS) or narrow it to a domain no needed service lives under".into(),
                    ));
                }
            }
        }
    }
}
