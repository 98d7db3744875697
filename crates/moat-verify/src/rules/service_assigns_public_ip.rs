use super::prelude::*;

rule! {
    /// ## What it does
    /// Finds ECS services whose `AwsvpcConfiguration.AssignPublicIp` is `ENABLED`.
    ///
    /// ## Why is this bad?
    /// An isolated VPC uses no public IP addresses at all. A task with a public IP in a subnet
    /// without an internet gateway cannot use it, and in a subnet with one it is exposed; either
    /// way the setting is wrong (seed 001: "AssignPublicIp … must be set to false").
    ///
    /// ## Example
    /// ```yaml
    /// NetworkConfiguration:
    ///   AwsvpcConfiguration:
    ///     AssignPublicIp: ENABLED
    /// ```
    ///
    /// Not reported for an egress gateway service (tagged `moat:egress-gateway`) whose subnets
    /// are all in the egress zone (see MOAT001): its public IP is its way out through the
    /// internet gateway, and MOAT011 checks that nothing outside the VPC can reach it.
    ///
    /// ## Fix
    /// Set `AssignPublicIp: DISABLED` (the default).
    ///
    /// ## References
    /// - https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-properties-ecs-service-awsvpcconfiguration.html
    pub struct ServiceAssignsPublicIp {
        code: "MOAT006",
        name: "service-assigns-public-ip",
        severity: Error,
        summary: "An ECS service gives its tasks public IP addresses",
    }
}

impl Rule for ServiceAssignsPublicIp {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        for s in &cx.model.services {
            let in_zone = moat_model::Model::gateway_in_zone(s, &cx.egress_subnets);
            if s.assign_public_ip.known() == Some(&true) && !in_zone {
                out.push(Self::META.finding(
                    format!(
                        "service `{}` assigns public IP addresses to its tasks",
                        s.id
                    ),
                    s.prov.field("assign_public_ip"),
                    "set AssignPublicIp: DISABLED".into(),
                ));
            }
        }
    }
}
