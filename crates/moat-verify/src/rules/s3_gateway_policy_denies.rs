use super::prelude::*;
use crate::iam::{policy_allows, Allowed};
use moat_catalog::Need;

rule! {
    /// ## What it does
    /// Checks that the S3 gateway endpoint's policy allows `s3:GetObject` on every S3 object the
    /// tasks need: the ECR layer bucket `prod-<region>-starport-layer-bucket` for private ECR
    /// images, the objects named in `environmentFiles`, FireLens configuration files.
    ///
    /// ## Why is this bad?
    /// A restrictive endpoint policy is good practice, but one that forgets the ECR layer bucket
    /// breaks every image pull with `CannotPullContainerError` (access denied on a layer).
    ///
    /// ## Example
    /// ```yaml
    /// PolicyDocument:
    ///   Statement:
    ///     - Effect: Allow
    ///       Principal: "*"
    ///       Action: s3:GetObject
    ///       Resource: arn:aws:s3:::my-app-config/*
    /// ```
    ///
    /// ## Fix
    /// Add `arn:aws:s3:::prod-<region>-starport-layer-bucket/*` (and the other objects) to the
    /// allowed resources.
    ///
    /// ## References
    /// - https://docs.aws.amazon.com/AmazonECR/latest/userguide/vpc-endpoints.html#ecr-setting-up-s3-gateway
    pub struct S3GatewayPolicyDenies {
        code: "MOAT108",
        name: "s3-gateway-policy-denies",
        severity: Error,
        summary: "The S3 gateway endpoint policy denies an object the tasks need",
    }
}

impl Rule for S3GatewayPolicyDenies {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        for u in endpoint_uses(cx) {
            if u.short != "s3" {
                continue;
            }
            let Some(ep) = chosen(&u) else { continue };
            let Some(Maybe::Known(doc)) = &ep.policy else {
                continue;
            };
            for r in &u.view.needs.requirements {
                let Need::S3Object { resource } = &r.need else {
                    continue;
                };
                if policy_allows(doc, "s3:GetObject", resource) == Allowed::No {
                    out.push(Self::META.finding(
                        format!(
                            "the policy of S3 gateway endpoint `{}` does not allow s3:GetObject on {resource}; {}",
                            ep.id,
                            need_why(u.view, r)
                        ),
                        ep.prov.field("policy"),
                        format!("allow s3:GetObject on {resource} in the endpoint policy"),
                    ));
                }
            }
        }
    }
}
