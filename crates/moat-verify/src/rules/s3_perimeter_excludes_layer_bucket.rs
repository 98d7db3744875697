use super::calls::call_checks;
use super::prelude::*;
use crate::iam::{policy_allows, Allowed, Stage};
use moat_catalog::Caller;

rule! {
    /// ## What it does
    /// Finds S3 gateway endpoint policies that keep ECR's layer bucket
    /// (`prod-<region>-starport-layer-bucket`, owned by AWS) out by a condition — a data
    /// perimeter such as "deny unless `aws:ResourceAccount` is ours", or an allow limited to
    /// our account's buckets. MOAT108 covers policies that do not name the bucket at all.
    ///
    /// ## Why is this bad?
    /// The perimeter is right for the workload's own buckets, but the layer bucket belongs to
    /// AWS: every image pull fails with `CannotPullContainerError` on the first layer.
    ///
    /// ## Example
    /// ```yaml
    /// PolicyDocument:
    ///   Statement:
    ///     - Effect: Allow
    ///       Principal: "*"
    ///       Action: s3:GetObject
    ///       Resource: "*"
    ///     - Effect: Deny
    ///       Principal: "*"
    ///       Action: s3:*
    ///       Resource: "*"
    ///       Condition:
    ///         StringNotEquals: { aws:ResourceAccount: !Ref AWS::AccountId }
    /// ```
    ///
    /// ## Fix
    /// Exempt the layer bucket: add `arn:aws:s3:::prod-<region>-starport-layer-bucket/*` to
    /// the deny's `NotResource`, or allow it in its own statement without the account condition.
    ///
    /// ## References
    /// - https://docs.aws.amazon.com/AmazonECR/latest/userguide/vpc-endpoints.html#ecr-minimum-s3-perms
    /// - https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-resourceaccount
    pub struct S3PerimeterExcludesLayerBucket {
        code: "MOAT123",
        name: "s3-perimeter-excludes-layer-bucket",
        severity: Error,
        summary: "An S3 endpoint perimeter keeps out ECR's layer bucket",
    }
}

impl Rule for S3PerimeterExcludesLayerBucket {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        for c in call_checks(cx) {
            if c.call.caller != Caller::EcrPresignedUrl {
                continue;
            }
            c.record(cx);
            if c.decision.stage != Some(Stage::Endpoint) {
                continue;
            }
            let Some(ep) = c.endpoint else { continue };
            // A policy that does not name the bucket at all is MOAT108's finding.
            if let Some(Maybe::Known(json)) = &ep.policy {
                if policy_allows(json, "s3:GetObject", &c.resource) == Allowed::No {
                    continue;
                }
            }
            let why = c.refutation();
            out.push(Self::META.finding(
                format!(
                    "the policy of S3 endpoint `{}` keeps out ECR's layer bucket {} ({why}): the bucket belongs to AWS, not to this account; {}",
                    ep.id, c.resource, c.why()
                ),
                ep.prov.field("policy"),
                format!("exempt {} from the perimeter (NotResource in the deny, or its own allow statement)", c.resource),
            ));
        }
    }
}
