use super::calls::call_checks;
use super::prelude::*;
use crate::iam::Stage;
use moat_catalog::Caller;

rule! {
    /// ## What it does
    /// Evaluates the policy of every interface and gateway endpoint a task's call crosses
    /// against the real request: the role that signs it, the action, the resource ARN (the
    /// ECR repository in its own account, the secret, the log group), and the condition keys the
    /// call carries (`aws:SourceVpc`, `aws:SourceVpce`, `aws:PrincipalAccount`,
    /// `aws:ResourceAccount`, …). Reports calls the endpoint policy refuses.
    ///
    /// ## Why is this bad?
    /// A restrictive endpoint policy is good practice, but one that admits only another
    /// account's repositories, or forgets the log group, makes every task fail at start-up
    /// (`CannotPullContainerError`, `ResourceInitializationError`) although network and IAM
    /// look right.
    ///
    /// ## Example
    /// ```yaml
    /// EcrDkrEndpoint:
    ///   Type: AWS::EC2::VPCEndpoint
    ///   Properties:
    ///     PolicyDocument:
    ///       Statement:
    ///         - Effect: Allow
    ///           Principal: "*"
    ///           Action: ecr:*
    ///           Resource: arn:aws:ecr:us-east-1:111122223333:repository/*   # another account
    /// ```
    ///
    /// ## Fix
    /// Allow the action on the resource named in the finding (for the role, or `*` with a
    /// condition on `aws:PrincipalAccount`).
    ///
    /// ## References
    /// - https://docs.aws.amazon.com/vpc/latest/privatelink/vpc-endpoints-access.html
    /// - https://docs.aws.amazon.com/AmazonECR/latest/userguide/vpc-endpoints.html
    pub struct EndpointPolicyDenies {
        code: "MOAT122",
        name: "endpoint-policy-denies",
        severity: Error,
        summary: "A VPC endpoint policy refuses a call the tasks need",
    }
}

impl Rule for EndpointPolicyDenies {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        for c in call_checks(cx) {
            // ECR layer downloads through the S3 gateway are MOAT108 / MOAT123.
            if c.decision.stage != Some(Stage::Endpoint) || c.call.caller == Caller::EcrPresignedUrl
            {
                continue;
            }
            let Some(ep) = c.endpoint else { continue };
            let why = c.refutation();
            out.push(Self::META.finding(
                format!(
                    "the policy of endpoint `{}` refuses {} on {} by {} ({why}); {}",
                    ep.id,
                    c.action,
                    c.resource,
                    c.signer(),
                    c.why()
                ),
                ep.prov.field("policy"),
                format!(
                    "allow {} on {} in the endpoint policy",
                    c.action, c.resource
                ),
            ));
        }
    }
}
