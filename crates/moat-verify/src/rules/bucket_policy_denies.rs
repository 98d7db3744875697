use super::calls::{bucket_policy_of, call_checks};
use super::prelude::*;
use crate::iam::Stage;

rule! {
    /// ## What it does
    /// Evaluates the bucket policy (`AWS::S3::BucketPolicy`) of every bucket a task reads from —
    /// environment files, FireLens outputs — against the call with its context: the role, the
    /// object, and the S3 gateway endpoint the call crosses (`aws:SourceVpce`).
    ///
    /// ## Why is this bad?
    /// A bucket perimeter ("deny unless through endpoint X") that names another endpoint, or
    /// denies the role, overrides every allow: the task fails with `ResourceInitializationError:
    /// failed to download env files`.
    ///
    /// ## Example
    /// ```yaml
    /// ConfigBucketPolicy:
    ///   Type: AWS::S3::BucketPolicy
    ///   Properties:
    ///     Bucket: !Ref ConfigBucket
    ///     PolicyDocument:
    ///       Statement:
    ///         - Effect: Deny
    ///           Principal: "*"
    ///           Action: s3:*
    ///           Resource: !Sub arn:aws:s3:::${ConfigBucket}/*
    ///           Condition: { StringNotEquals: { aws:SourceVpce: vpce-0aaaaaaaaaaaaaaaa } }
    /// ```
    ///
    /// ## Fix
    /// Name the S3 gateway endpoint the tasks use (`!Ref S3Endpoint`) in the exception.
    ///
    /// ## References
    /// - https://docs.aws.amazon.com/AmazonS3/latest/userguide/example-bucket-policies-vpc-endpoint.html
    /// - https://docs.aws.amazon.com/AmazonECS/latest/developerguide/use-environment-file.html
    pub struct BucketPolicyDenies {
        code: "MOAT133",
        name: "bucket-policy-denies",
        severity: Error,
        summary: "A bucket policy refuses an object the tasks read",
    }
}

impl Rule for BucketPolicyDenies {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        for c in call_checks(cx) {
            if c.decision.stage != Some(Stage::Resource) {
                continue;
            }
            let Some(b) = bucket_policy_of(cx, &c.resource) else {
                continue;
            };
            let why = c.refutation();
            out.push(Self::META.finding(
                format!(
                    "bucket policy `{}` refuses {} on {} by {} ({why}); {}",
                    b.id,
                    c.action,
                    c.resource,
                    c.signer(),
                    c.why()
                ),
                b.prov.clone(),
                "exempt the execution role and the S3 gateway endpoint the tasks use from the deny".into(),
            ));
        }
    }
}
