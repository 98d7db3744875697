use super::prelude::*;

rule! {
    /// ## What it does
    /// Finds VPC endpoint services with `AcceptanceRequired: false` (the CloudFormation default).
    ///
    /// ## Why is this bad?
    /// Every allowed principal's endpoint connects at once, with no review. Requiring acceptance
    /// keeps a human (or an automated approval) on each new consumer connection.
    ///
    /// ## Example
    /// ```yaml
    /// EndpointService:
    ///   Type: AWS::EC2::VPCEndpointService
    ///   Properties:
    ///     NetworkLoadBalancerArns: [!Ref Nlb]
    /// ```
    ///
    /// ## Fix
    /// Set `AcceptanceRequired: true` and accept connections as consumers arrive.
    ///
    /// ## References
    /// - https://docs.aws.amazon.com/vpc/latest/privatelink/configure-endpoint-service.html#accept-reject-connection-requests
    pub struct EndpointServiceAcceptanceDisabled {
        code: "MOAT202",
        name: "endpoint-service-acceptance-disabled",
        severity: Warning,
        summary: "A VPC endpoint service accepts connections without review",
    }
}

impl Rule for EndpointServiceAcceptanceDisabled {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        for es in &cx.model.endpoint_services {
            if es.acceptance_required.known() == Some(&false) {
                out.push(Self::META.finding(
                    format!(
                        "endpoint service `{}` accepts connection requests automatically",
                        es.id
                    ),
                    es.prov.field("acceptance_required"),
                    "set AcceptanceRequired: true".into(),
                ));
            }
        }
    }
}
