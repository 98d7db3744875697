//! Public images a spec mirrors (`mirror = true`) or pulls through an ECR pull-through cache
//! (`[images] pull_through`): the synthesized task definitions name the private ECR names, and
//! the plan lists each copy and the command that makes it, and each cache rule.

use crate::plan::Plan;
use moat_spec::ImageMirror;
use serde::Serialize;
use serde_json::Value;
use std::fmt::Write as _;

/// One copy the deployment needs before its services can start.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlannedCopy {
    pub service: String,
    pub container: String,
    /// The public image, as the task definition names it.
    pub source: String,
    /// The ECR repository (made by the copy when missing: scan on push, immutable tags).
    pub repository: String,
    /// The image the synthesized task definition names.
    pub target: String,
    /// The command that makes the copy.
    pub command: String,
    /// `latest` or no tag: upstream moves it, the copy is a snapshot.
    pub moving_tag: bool,
    /// The upstream registry whose pull-through cache rule makes the copy (on the first pull
    /// through the cache prefix), when it is not `moat image copy`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pull_through: Option<String>,
}

/// One `AWS::ECR::PullThroughCacheRule`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlannedPullThrough {
    pub logical_id: String,
    /// As ECR names it (`UpstreamRegistryUrl`), e.g. `public.ecr.aws`.
    pub upstream_url: String,
    /// `UpstreamRegistry`, e.g. `ecr-public`.
    pub upstream_registry: String,
    /// `EcrRepositoryPrefix`: images are `<registry>/<prefix>/<upstream path>`.
    pub prefix: String,
    /// The template parameter holding the ARN of the Secrets Manager secret
    /// (`ecr-pullthroughcache/…`) with the upstream's credentials, when the upstream needs one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub credential_parameter: Option<String>,
}

pub(crate) fn planned_pull_through(spec: &moat_spec::Spec) -> Vec<PlannedPullThrough> {
    spec.pull_through
        .iter()
        .map(|u| {
            let stem = crate::plan::logical_stem(u.prefix);
            PlannedPullThrough {
                logical_id: format!("{stem}PullThroughCacheRule"),
                upstream_url: u.url.to_string(),
                upstream_registry: u.registry.to_string(),
                prefix: u.prefix.to_string(),
                credential_parameter: u
                    .needs_secret
                    .then(|| format!("{stem}PullThroughCredentialArn")),
            }
        })
        .collect()
}

pub(crate) fn planned_copies(mirrors: &[ImageMirror]) -> Vec<PlannedCopy> {
    mirrors
        .iter()
        .map(|m| PlannedCopy {
            service: m.service.clone(),
            container: m.container.clone(),
            source: m.source.clone(),
            repository: m.repository.clone(),
            target: m.target.clone(),
            command: m.copy_command(),
            moving_tag: m.moving_tag(),
            pull_through: m.pull_through.map(|u| u.url.to_string()),
        })
        .collect()
}

/// Point `service`'s containers in the task definition JSON at their ECR copies (the spec
/// already did so in its model; the template is built from the JSON file).
pub(crate) fn point_at_copies(mut json: Value, service: &str, mirrors: &[ImageMirror]) -> Value {
    let Some(containers) = json
        .get_mut("containerDefinitions")
        .and_then(Value::as_array_mut)
    else {
        return json;
    };
    for c in containers {
        let name = c.get("name").and_then(Value::as_str).map(str::to_string);
        let Some(m) = mirrors
            .iter()
            .find(|m| m.service == service && Some(&m.container) == name.as_ref())
        else {
            continue;
        };
        if let Some(image) = c.get_mut("image") {
            *image = Value::String(m.target.clone());
        }
    }
    json
}

/// The plan's section on mirrored images (nothing when there are none).
pub(crate) fn render_copies(o: &mut String, plan: &Plan) {
    render_pull_through(o, plan);
    if plan.image_copies.iter().all(|c| c.pull_through.is_some()) {
        return;
    }
    let _ = writeln!(
        o,
        "\nImages copied into private ECR (mirror = true); `moat deploy` copies them first \
         (or run each copy yourself):"
    );
    let mut done: Vec<&str> = Vec::new();
    for c in plan
        .image_copies
        .iter()
        .filter(|c| c.pull_through.is_none())
    {
        let _ = writeln!(
            o,
            "  {}/{}: {} -> {}",
            c.service, c.container, c.source, c.target
        );
        if done.contains(&c.target.as_str()) {
            continue;
        }
        done.push(&c.target);
        let _ = writeln!(
            o,
            "    {}   (every platform; creates repository {} with scan on push and immutable tags)",
            c.command, c.repository
        );
        if c.moving_tag {
            let _ = writeln!(
                o,
                "    note: `{}` is a moving tag: the copy is a snapshot, and the repository's \
                 immutable tags refuse a newer one under the same tag; pin a version",
                c.source
            );
        }
    }
}

/// The pull-through cache rules, the images named through them, and why `moat deploy` pulls
/// each once from the deploying machine. ECR fetches an image from the upstream on its first
/// pull through the cache; when that first pull comes through the VPC's interface endpoints,
/// AWS documents that the VPC needs a route to the internet (a NAT gateway) for it, which an
/// isolated VPC does not have. Later pulls are served from the cache. Source:
/// <https://docs.aws.amazon.com/AmazonECR/latest/userguide/pull-through-cache.html>
/// (considerations for pull through cache).
fn render_pull_through(o: &mut String, plan: &Plan) {
    if plan.pull_through.is_empty() {
        return;
    }
    let _ = writeln!(o, "\nECR pull-through cache rules ([images] pull_through):");
    for r in &plan.pull_through {
        let _ = writeln!(
            o,
            "  {} -> <registry>/{}/…   ({})",
            r.upstream_url, r.prefix, r.logical_id
        );
        if let Some(p) = &r.credential_parameter {
            let _ = writeln!(
                o,
                "    {} needs credentials: a Secrets Manager secret named ecr-pullthroughcache/… \
                 holding `username` and `accessToken`; deploy with --param {p}=<its ARN>",
                r.upstream_url
            );
        }
    }
    let cached: Vec<&PlannedCopy> = plan
        .image_copies
        .iter()
        .filter(|c| c.pull_through.is_some())
        .collect();
    for c in &cached {
        let _ = writeln!(
            o,
            "  {}/{}: {} -> {}",
            c.service, c.container, c.source, c.target
        );
    }
    if !cached.is_empty() {
        let _ = writeln!(
            o,
            "  The first pull of an image through the cache needs the upstream registry, which \
             the isolated VPC cannot reach: `moat deploy` pulls each image once through the \
             cache prefix from the deploying machine (warming the cache) before any service \
             pulls through it — rules the stack lacks are created first, in a stage of their \
             own — so the tasks find it cached."
        );
    }
}
