use super::prelude::*;
use moat_catalog::{classify_image, ImageRef};
use moat_model::{Property, PropertyKind, Unknown, Verdict};

rule! {
    /// ## What it does
    /// Finds images pulled through an ECR pull through cache rule of the template (the
    /// repository starts with the rule's `EcrRepositoryPrefix`).
    ///
    /// ## Why is this bad?
    /// The first pull of an image through the cache fetches it from the upstream registry,
    /// which an isolated VPC cannot reach over its ECR interface endpoints: AWS documents that
    /// the first pull needs a route to the internet. Until the image is cached, tasks fail with
    /// `CannotPullContainerError`.
    ///
    /// ## Example
    /// A `AWS::ECR::PullThroughCacheRule` with `EcrRepositoryPrefix: ecr-public` and a task
    /// image `<account>.dkr.ecr.<region>.amazonaws.com/ecr-public/nginx/nginx:latest`.
    ///
    /// ## Fix
    /// Pull the image once through the cache from a network with internet access (or copy it
    /// into a private repository) before the isolated tasks start.
    ///
    /// ## References
    /// - https://docs.aws.amazon.com/AmazonECR/latest/userguide/vpc-endpoints.html
    /// - https://docs.aws.amazon.com/AmazonECR/latest/userguide/pull-through-cache.html
    pub struct PullThroughCacheFirstPull {
        code: "MOAT131",
        name: "pull-through-cache-first-pull",
        severity: Warning,
        summary: "An image comes through a pull through cache whose first pull needs the internet",
    }
}

impl Rule for PullThroughCacheFirstPull {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        for view in &cx.services {
            let Some(td) = view.task_definition else {
                continue;
            };
            for k in &td.containers {
                let Some(image) = k.image.known() else {
                    continue;
                };
                let ImageRef::PrivateEcr { repository, .. } = classify_image(image) else {
                    continue;
                };
                for rule in &cx.model.pull_through_cache_rules {
                    let Some(prefix) = rule.prefix.known() else {
                        continue;
                    };
                    if !repository.starts_with(&format!("{prefix}/")) {
                        continue;
                    }
                    let upstream = rule
                        .upstream
                        .known()
                        .cloned()
                        .unwrap_or_else(|| "the upstream registry".into());
                    cx.record(Property {
                        kind: PropertyKind::Reach,
                        subject: view.service.id.to_string(),
                        claim: format!("service `{}` pulls {image} without reaching {upstream}", view.name),
                        verdict: Verdict::Unproved(vec![Unknown {
                            what: format!("whether {image} is already in the pull through cache"),
                            prov: k.prov.field("image"),
                            settle: "pull the image once through the cache from a network with internet access".into(),
                        }]),
                        prov: k.prov.field("image"),
                    });
                    out.push(Self::META.finding(
                        format!(
                            "image `{image}` comes through pull through cache rule `{}` ({upstream}): its first pull fetches from {upstream}, which the isolated VPC cannot reach",
                            rule.id
                        ),
                        k.prov.field("image"),
                        format!("pull {image} once from a network with internet access (or copy it into a private repository) before the tasks start"),
                    ));
                }
            }
        }
    }
}
