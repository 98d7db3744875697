use super::prelude::*;
use moat_catalog::ProblemKind;

rule! {
    /// ## What it does
    /// Finds containers whose image is in another region's ECR or in another private registry.
    ///
    /// ## Why is this bad?
    /// Interface endpoints reach only the VPC's own region: a cross-region ECR pull needs the
    /// internet (or ECR replication into this region), and a third-party private registry needs
    /// a path out plus `repositoryCredentials`.
    ///
    /// ## Example
    /// Tasks in `us-east-1` with `Image: 123456789012.dkr.ecr.eu-west-1.amazonaws.com/app:1`.
    ///
    /// ## Fix
    /// Replicate the repository into the task's region (ECR cross-region replication) and use
    /// that URI, or push the image there.
    ///
    /// ## References
    /// - https://docs.aws.amazon.com/AmazonECR/latest/userguide/replication.html
    pub struct ImageFromOtherRegistry {
        code: "MOAT112",
        name: "image-from-other-registry",
        severity: Error,
        summary: "A container image is in another region's ECR or another private registry",
    }
}

impl Rule for ImageFromOtherRegistry {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        for p in all_problems(cx) {
            if p.kind == ProblemKind::ForeignRegistry {
                out.push(Self::META.finding(p.message.clone(), p.prov.clone(), p.help.clone()));
            }
        }
    }
}
