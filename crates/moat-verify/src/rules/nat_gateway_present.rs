use super::prelude::*;

rule! {
    /// ## What it does
    /// Finds public NAT gateways (`ConnectivityType: public`, the default).
    ///
    /// ## Why is this bad?
    /// A public NAT gateway exists only to reach the internet; in an isolated design it is either
    /// unused (and billed every hour) or used, which breaks isolation.
    ///
    /// ## Example
    /// ```yaml
    /// NatGateway:
    ///   Type: AWS::EC2::NatGateway
    ///   Properties:
    ///     AllocationId: !GetAtt NatEip.AllocationId
    ///     SubnetId: !Ref PublicSubnet
    /// ```
    ///
    /// ## Fix
    /// Delete the NAT gateway and its Elastic IP; use VPC endpoints and the moat egress gateway.
    ///
    /// ## References
    /// - https://docs.aws.amazon.com/vpc/latest/userguide/vpc-nat-gateway.html
    pub struct NatGatewayPresent {
        code: "MOAT008",
        name: "nat-gateway-present",
        severity: Error,
        summary: "A public NAT gateway exists",
    }
}

impl Rule for NatGatewayPresent {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        for n in &cx.model.nat_gateways {
            if n.public.or(true) {
                out.push(Self::META.finding(
                    format!("public NAT gateway `{}`", n.id),
                    n.prov.clone(),
                    "delete the NAT gateway and its Elastic IP".into(),
                ));
            }
        }
    }
}
