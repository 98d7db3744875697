use super::prelude::*;

rule! {
    /// ## What it does
    /// Finds VPC endpoint services whose allowed principals include `*`.
    ///
    /// ## Why is this bad?
    /// Any AWS account can then create an endpoint to the service: private ingress becomes
    /// ingress from everyone on AWS. Seed 003: "Control access to your endpoint by whitelisting
    /// specified AWS accounts or VPCs."
    ///
    /// ## Example
    /// ```yaml
    /// Permissions:
    ///   Type: AWS::EC2::VPCEndpointServicePermissions
    ///   Properties:
    ///     ServiceId: !Ref EndpointService
    ///     AllowedPrincipals: ["*"]
    /// ```
    ///
    /// ## Fix
    /// List the consumer accounts (`arn:aws:iam::210987654321:root`) or roles explicitly.
    ///
    /// ## References
    /// - https://docs.aws.amazon.com/vpc/latest/privatelink/configure-endpoint-service.html#add-remove-permissions
    pub struct EndpointServiceOpenToAll {
        code: "MOAT201",
        name: "endpoint-service-open-to-all",
        severity: Error,
        summary: "A VPC endpoint service allows every AWS principal",
    }
}

impl Rule for EndpointServiceOpenToAll {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        for es in &cx.model.endpoint_services {
            for (p, prov) in &es.allowed_principals {
                if p.known().is_some_and(|p| p == "*") {
                    out.push(Self::META.finding(
                        format!(
                            "endpoint service `{}` allows every AWS principal (`*`)",
                            es.id
                        ),
                        prov.field("allowed_principals"),
                        "list the consumer account or role ARNs instead of *".into(),
                    ));
                }
            }
        }
    }
}
