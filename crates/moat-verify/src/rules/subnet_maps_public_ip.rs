use super::prelude::*;

rule! {
    /// ## What it does
    /// Finds subnets with `MapPublicIpOnLaunch: true`.
    ///
    /// ## Why is this bad?
    /// Every network interface launched in the subnet gets a public IPv4 address. In an isolated
    /// VPC that address is useless at best; it also makes the subnet a public subnet by intent,
    /// which reviewers and scanners flag.
    ///
    /// ## Example
    /// ```yaml
    /// SubnetOne:
    ///   Type: AWS::EC2::Subnet
    ///   Properties:
    ///     MapPublicIpOnLaunch: true
    /// ```
    ///
    /// ## Fix
    /// Remove the property or set it to `false`.
    ///
    /// ## References
    /// - https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-ec2-subnet.html
    pub struct SubnetMapsPublicIp {
        code: "MOAT007",
        name: "subnet-maps-public-ip",
        severity: Warning,
        summary: "A subnet assigns public IPv4 addresses on launch",
    }
}

impl Rule for SubnetMapsPublicIp {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        for s in &cx.model.subnets {
            if s.map_public_ip.known() == Some(&true) {
                out.push(Self::META.finding(
                    format!("subnet `{}` maps public IP addresses on launch", s.id),
                    s.prov.field("map_public_ip"),
                    "set MapPublicIpOnLaunch: false".into(),
                ));
            }
        }
    }
}
