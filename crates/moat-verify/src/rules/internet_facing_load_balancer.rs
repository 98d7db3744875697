use super::prelude::*;

rule! {
    /// ## What it does
    /// Finds load balancers whose scheme is `internet-facing` (the default when `Scheme` is
    /// omitted).
    ///
    /// ## Why is this bad?
    /// Private ingress in an isolated design goes through an internal Network Load Balancer
    /// published as a VPC endpoint service to named principals (seed 003). An internet-facing
    /// load balancer needs an internet gateway and exposes the service to everyone.
    ///
    /// ## Example
    /// ```yaml
    /// Nlb:
    ///   Type: AWS::ElasticLoadBalancingV2::LoadBalancer
    ///   Properties:
    ///     Type: network
    /// ```
    ///
    /// ## Fix
    /// Set `Scheme: internal` and publish the NLB with an `AWS::EC2::VPCEndpointService`.
    ///
    /// ## References
    /// - https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-elasticloadbalancingv2-loadbalancer.html
    /// - https://docs.aws.amazon.com/vpc/latest/privatelink/create-endpoint-service.html
    pub struct InternetFacingLoadBalancer {
        code: "MOAT010",
        name: "internet-facing-load-balancer",
        severity: Error,
        summary: "A load balancer is internet-facing",
    }
}

impl Rule for InternetFacingLoadBalancer {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        for lb in &cx.model.load_balancers {
            if lb.internal.known() == Some(&false) {
                out.push(Self::META.finding(
                    format!("load balancer `{}` is internet-facing", lb.id),
                    lb.prov.field("scheme"),
                    "set Scheme: internal and publish it through a VPC endpoint service".into(),
                ));
            }
        }
    }
}
