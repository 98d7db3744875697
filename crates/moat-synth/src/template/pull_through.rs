//! `AWS::ECR::PullThroughCacheRule` per `[images] pull_through` upstream, and a template
//! parameter for the credential secret of an upstream that needs one. Properties:
//! <https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-ecr-pullthroughcacherule.html>
//! (`CredentialArn` must name a secret `ecr-pullthroughcache/…` in the same account and
//! region).

use super::Resources;
use crate::plan::Plan;
use crate::tree::{r, s, MapB, Node};

pub(super) fn emit(plan: &Plan, res: &mut Resources) {
    for rule in &plan.pull_through {
        let mut props = MapB::new()
            .put("EcrRepositoryPrefix", s(&rule.prefix))
            .put("UpstreamRegistry", s(&rule.upstream_registry))
            .put("UpstreamRegistryUrl", s(&rule.upstream_url));
        if let Some(p) = &rule.credential_parameter {
            props.push("CredentialArn", r(p));
        }
        res.add(&rule.logical_id, "AWS::ECR::PullThroughCacheRule", props);
    }
}

/// The template's `Parameters` entries (none without a credential secret to name).
pub(super) fn parameters(plan: &Plan) -> Vec<(String, Node)> {
    plan.pull_through
        .iter()
        .filter_map(|rule| {
            let p = rule.credential_parameter.as_ref()?;
            let param = MapB::new()
                .put("Type", s("String"))
                .put(
                    "Description",
                    s(format!(
                        "ARN of the Secrets Manager secret (named ecr-pullthroughcache/…) with \
                         the username and accessToken ECR uses to pull from {}",
                        rule.upstream_url
                    )),
                )
                .put(
                    "AllowedPattern",
                    s("^arn:aws[a-z-]*:secretsmanager:[a-zA-Z0-9-:]+:secret:ecr\\-pullthroughcache\\/[a-zA-Z0-9\\/_+=.@-]+$"),
                )
                .build();
            Some((p.clone(), param))
        })
        .collect()
}
