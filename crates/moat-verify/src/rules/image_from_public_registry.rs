use super::prelude::*;
use moat_catalog::ProblemKind;

rule! {
    /// ## What it does
    /// Finds containers whose image is on a public registry (Docker Hub — including bare names
    /// like `nginx` —, `public.ecr.aws`, `ghcr.io`, `quay.io`, `gcr.io`, …).
    ///
    /// ## Why is this bad?
    /// An isolated VPC cannot reach a public registry: the task fails with
    /// `CannotPullContainerError` after the pull times out. The seeds all push the image into the
    /// private ECR repository first for this reason.
    ///
    /// ## Example
    /// ```yaml
    /// ContainerDefinitions:
    ///   - Name: web
    ///     Image: public.ecr.aws/docker/library/busybox
    /// ```
    ///
    /// ## Fix
    /// Copy the image into the private ECR repository in the same region and use that URI:
    /// `docker pull IMAGE && docker tag IMAGE ACCOUNT.dkr.ecr.REGION.amazonaws.com/REPO:TAG &&
    /// docker push ACCOUNT.dkr.ecr.REGION.amazonaws.com/REPO:TAG` (or an ECR pull-through cache
    /// rule, populated from outside the VPC).
    ///
    /// ## References
    /// - https://docs.aws.amazon.com/AmazonECR/latest/userguide/docker-push-ecr-image.html
    /// - https://docs.aws.amazon.com/AmazonECR/latest/userguide/pull-through-cache.html
    pub struct ImageFromPublicRegistry {
        code: "MOAT111",
        name: "image-from-public-registry",
        severity: Error,
        summary: "A container image is on a public registry the isolated VPC cannot reach",
    }
}

impl Rule for ImageFromPublicRegistry {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        for p in all_problems(cx) {
            if p.kind == ProblemKind::PublicImage {
                out.push(Self::META.finding(p.message.clone(), p.prov.clone(), p.help.clone()));
            }
        }
    }
}
