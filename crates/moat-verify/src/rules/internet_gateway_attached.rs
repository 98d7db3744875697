use super::prelude::*;
use moat_model::Id;

rule! {
    /// ## What it does
    /// Finds internet gateways attached to a VPC.
    ///
    /// ## Why is this bad?
    /// An isolated VPC "does not even have an internet gateway that would allow inbound traffic
    /// to reach your workloads" (seed 001). With a gateway attached, one added route or one public
    /// IP is all it takes to open the VPC; the gateway is the precondition of every internet path.
    ///
    /// ## Example
    /// ```yaml
    /// GatewayAttachment:
    ///   Type: AWS::EC2::VPCGatewayAttachment
    ///   Properties:
    ///     VpcId: !Ref VPC
    ///     InternetGatewayId: !Ref InternetGateway
    /// ```
    ///
    /// Not reported for the egress zone's gateway: one that route tables of the egress zone
    /// (see MOAT001) route to, and no other table does.
    ///
    /// ## Fix
    /// Delete the attachment and the internet gateway.
    ///
    /// ## References
    /// - https://docs.aws.amazon.com/vpc/latest/userguide/VPC_Internet_Gateway.html
    pub struct InternetGatewayAttached {
        code: "MOAT005",
        name: "internet-gateway-attached",
        severity: Error,
        summary: "An internet gateway is attached to the VPC",
    }
}

impl Rule for InternetGatewayAttached {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        for igw in &cx.model.internet_gateways {
            if igw.egress_only || serves_egress_zone_only(cx, &igw.id) {
                continue;
            }
            for (vpc, prov) in &igw.attached_vpcs {
                out.push(Self::META.finding(
                    format!(
                        "internet gateway `{}` is attached to VPC `{}`",
                        igw.id,
                        maybe_id(vpc)
                    ),
                    prov.clone(),
                    "delete the gateway attachment and the internet gateway".into(),
                ));
            }
        }
    }
}

/// Whether routes to `igw` exist and all of them are in egress-zone route tables.
fn serves_egress_zone_only(cx: &Context<'_>, igw: &Id) -> bool {
    let mut any = false;
    for rt in &cx.model.route_tables {
        for route in &rt.routes {
            if let RouteTarget::InternetGateway(target) = &route.target {
                if target.known() != Some(igw) {
                    // An unknown target may be this gateway: be strict.
                    if target.known().is_none() && !cx.egress_only(rt) {
                        return false;
                    }
                    continue;
                }
                if !cx.egress_only(rt) {
                    return false;
                }
                any = true;
            }
        }
    }
    any
}
