use super::prelude::*;

rule! {
    /// ## What it does
    /// Finds task subnets whose route table is not among the S3 gateway endpoint's route tables.
    ///
    /// ## Why is this bad?
    /// A gateway endpoint works by adding a route to S3's prefix list to the route tables it is
    /// associated with. ECR stores image layers in S3: a task subnet without that route cannot
    /// download them, and the pull fails with `CannotPullContainerError` after the manifest was
    /// fetched.
    ///
    /// ## Example
    /// ```yaml
    /// S3Endpoint:
    ///   Type: AWS::EC2::VPCEndpoint
    ///   Properties:
    ///     VpcEndpointType: Gateway
    ///     ServiceName: !Sub com.amazonaws.${AWS::Region}.s3
    ///     RouteTableIds: [!Ref RouteTableA]   # tasks also run in subnets using RouteTableB
    /// ```
    ///
    /// ## Fix
    /// Add every task subnet's route table to `RouteTableIds`.
    ///
    /// ## References
    /// - https://docs.aws.amazon.com/vpc/latest/privatelink/vpc-endpoints-s3.html
    /// - https://docs.aws.amazon.com/AmazonECR/latest/userguide/vpc-endpoints.html#ecr-setting-up-s3-gateway
    pub struct S3GatewayNotRouted {
        code: "MOAT107",
        name: "s3-gateway-not-routed",
        severity: Error,
        summary: "A task subnet's route table has no route to the S3 gateway endpoint",
    }
}

impl Rule for S3GatewayNotRouted {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        for u in endpoint_uses(cx) {
            let gateways: Vec<_> = u
                .candidates
                .iter()
                .filter(|e| e.kind.known() == Some(&EndpointKind::Gateway))
                .collect();
            let Some(first) = gateways.first() else {
                continue;
            };
            if gateways
                .iter()
                .any(|e| e.route_tables.iter().any(|r| !r.is_known()))
            {
                continue; // an unknown route table might be the one (MOAT113 reports unknowns)
            }
            for ts in &u.view.subnets {
                // An unknown association leaves it unproved (MOAT120), not refuted.
                let Ok(rt) = governing_route_table(cx, ts) else {
                    continue;
                };
                let routed = rt.is_some_and(|rt| {
                    gateways
                        .iter()
                        .any(|e| e.route_tables.iter().any(|r| r.known() == Some(&rt.id)))
                });
                if routed {
                    continue;
                }
                let rt_name = rt
                    .map(|r| format!("route table `{}`", r.id))
                    .unwrap_or_else(|| "the VPC's main route table".into());
                out.push(Self::META.finding(
                    format!(
                        "subnet `{}` of service `{}` uses {rt_name}, which has no route to gateway endpoint `{}` ({}); {}",
                        ts.id,
                        u.view.name,
                        first.id,
                        u.short,
                        need_why(u.view, u.req)
                    ),
                    first.prov.field("route_tables"),
                    match rt {
                        Some(rt) => format!("add `{}` to the endpoint's RouteTableIds", rt.id),
                        None => "associate the subnet with a route table and add that table to the endpoint's RouteTableIds".into(),
                    },
                ));
            }
        }
    }
}
