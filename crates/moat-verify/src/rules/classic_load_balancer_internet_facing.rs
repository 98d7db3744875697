use super::prelude::*;

rule! {
    /// ## What it does
    /// Finds Classic Load Balancers (`AWS::ElasticLoadBalancing::LoadBalancer`) whose scheme
    /// is internet-facing — the default when `Scheme` is omitted.
    ///
    /// ## Why is this bad?
    /// A Classic Load Balancer is ingress like any other: internet-facing, it takes traffic
    /// from everyone through an internet gateway, outside the private ingress design (an
    /// internal NLB published as an endpoint service).
    ///
    /// ## Example
    /// ```yaml
    /// Legacy:
    ///   Type: AWS::ElasticLoadBalancing::LoadBalancer
    ///   Properties:
    ///     Subnets: [!Ref SubnetA]
    ///     Listeners: [{LoadBalancerPort: "80", InstancePort: "80", Protocol: HTTP}]
    /// ```
    ///
    /// ## Fix
    /// Set `Scheme: internal`, or replace it with an internal NLB published as a VPC endpoint
    /// service.
    ///
    /// ## References
    /// - https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-elasticloadbalancing-loadbalancer.html
    /// - https://docs.aws.amazon.com/elasticloadbalancing/latest/classic/elb-internal-load-balancers.html
    pub struct ClassicLoadBalancerInternetFacing {
        code: "MOAT132",
        name: "classic-load-balancer-internet-facing",
        severity: Error,
        summary: "A Classic Load Balancer is internet-facing",
    }
}

impl Rule for ClassicLoadBalancerInternetFacing {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        for lb in &cx.model.classic_load_balancers {
            if lb.internal.known() == Some(&false) {
                out.push(Self::META.finding(
                    format!("Classic Load Balancer `{}` is internet-facing (the default when Scheme is omitted)", lb.id),
                    lb.prov.clone(),
                    "set Scheme: internal and publish the service through an internal NLB and a VPC endpoint service".into(),
                ));
            }
        }
    }
}
