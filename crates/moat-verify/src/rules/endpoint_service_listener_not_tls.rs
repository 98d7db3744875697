use super::prelude::*;

rule! {
    /// ## What it does
    /// Finds plain TCP listeners on a Network Load Balancer published as a VPC endpoint service.
    ///
    /// ## Why is this bad?
    /// PrivateLink keeps traffic off the internet but does not encrypt it. Seed 003's best
    /// practice: "terminate TLS at the NLB or within ECS tasks". A TCP listener is fine when the
    /// tasks terminate TLS themselves, which moat cannot see — hence informational.
    ///
    /// ## Example
    /// ```yaml
    /// Listener:
    ///   Type: AWS::ElasticLoadBalancingV2::Listener
    ///   Properties:
    ///     Protocol: TCP
    ///     Port: 443
    /// ```
    ///
    /// ## Fix
    /// Use `Protocol: TLS` with an ACM certificate (`Certificates: [{CertificateArn: …}]`), or
    /// confirm the tasks terminate TLS.
    ///
    /// ## References
    /// - https://docs.aws.amazon.com/elasticloadbalancing/latest/network/create-tls-listener.html
    pub struct EndpointServiceListenerNotTls {
        code: "MOAT203",
        name: "endpoint-service-listener-not-tls",
        severity: Info,
        summary: "An endpoint service's NLB listener is plain TCP",
    }
}

impl Rule for EndpointServiceListenerNotTls {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let published: Vec<_> = cx
            .model
            .endpoint_services
            .iter()
            .flat_map(|es| es.network_load_balancers.iter().filter_map(|n| n.known()))
            .collect();
        for l in &cx.model.listeners {
            let on_published = l
                .load_balancer
                .known()
                .is_some_and(|lb| published.contains(&lb));
            if on_published
                && l.protocol
                    .known()
                    .is_some_and(|p| p.eq_ignore_ascii_case("TCP"))
            {
                out.push(Self::META.finding(
                    format!("listener `{}` of a published NLB is plain TCP", l.id),
                    l.prov.clone(),
                    "use Protocol: TLS with an ACM certificate, or make sure the tasks terminate TLS".into(),
                ));
            }
        }
    }
}
