//! `mirror = true` (on a service, or `[images] mirror = true` for all): a public image is
//! accepted and replaced by its copy in the environment's private ECR, which `moat image copy`
//! (and `moat deploy`) makes. An isolated VPC cannot pull from a public registry; it can pull
//! from ECR through the `ecr.api`, `ecr.dkr` and S3 endpoints.

use moat_catalog::image::{ecr_copy_name, split_image};
use moat_catalog::{classify_image, ImageRef};
use moat_model::{Maybe, TaskDefinition};
use serde::Deserialize;
use toml::Spanned;

/// The `[images]` table.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawImages {
    /// Mirror every service's public images.
    pub mirror: Option<Spanned<bool>>,
    /// Upstream registries reached through ECR pull-through cache rules.
    #[serde(default)]
    pub pull_through: Vec<Spanned<String>>,
}

/// One public image and the private ECR copy a service uses instead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageMirror {
    pub service: String,
    pub container: String,
    /// The image as the task definition names it, e.g. `nginx:1.27`.
    pub source: String,
    /// The ECR repository the copy goes to, e.g. `nginx`, `bitnami/redis`.
    pub repository: String,
    /// What the task definition points at instead:
    /// `<account>.dkr.ecr.<region>.amazonaws.com/<repository>:<tag>` (or `@<digest>` when the
    /// source is pinned by digest: a whole-index copy keeps the digest).
    pub target: String,
    /// Set when the copy is made by an ECR pull-through cache rule for this upstream (the
    /// first pull through the cache prefix), not by `moat image copy`.
    pub pull_through: Option<crate::pull_through::Upstream>,
}

impl ImageMirror {
    /// The `moat image copy` command that makes the copy (for a pull-through image: pulls it
    /// through the cache once, which is what fills the cache).
    pub fn copy_command(&self) -> String {
        format!("moat image copy {} {}", self.source, self.target)
    }

    /// A tag that upstream moves (`latest`, or none): the copy is a snapshot, and the ECR
    /// repository's tags are immutable, so a later copy of a newer `latest` is refused.
    pub fn moving_tag(&self) -> bool {
        let reference = split_image(&self.source).reference;
        reference.is_empty() || reference == ":latest"
    }
}

/// The ECR copy of a public `image` in `account`'s registry in `region`; `None` for an image
/// that is not on a public registry (it is not mirrored).
pub fn mirror_target(image: &str, account: &str, region: &str) -> Option<(String, String)> {
    if !matches!(classify_image(image), ImageRef::Public { .. }) {
        return None;
    }
    let repository = ecr_copy_name(image);
    let reference = match split_image(image).reference {
        "" => ":latest",
        r => r,
    };
    // Registry host form: https://docs.aws.amazon.com/AmazonECR/latest/userguide/Registries.html
    let suffix = if region.starts_with("cn-") {
        "amazonaws.com.cn"
    } else {
        "amazonaws.com"
    };
    Some((
        repository.clone(),
        format!("{account}.dkr.ecr.{region}.{suffix}/{repository}{reference}"),
    ))
}

/// Point every container of `td` whose image is public at its ECR copy, and say which: through
/// the pull-through cache when its registry is one of `pull_through`, else (when `mirror`) at
/// a copy `moat image copy` makes. `images` is (container, image as written, line, column)
/// from the task definition file.
pub(crate) fn rewrite_public_images(
    service: &str,
    td: &mut TaskDefinition,
    images: &[(String, String, u32, u32)],
    (account, region): (&str, &str),
    pull_through: &[crate::pull_through::Upstream],
    mirror: bool,
) -> Vec<ImageMirror> {
    let mut mirrors = Vec::new();
    for (container, image, ..) in images {
        let Some((repository, target)) = mirror_target(image, account, region) else {
            continue;
        };
        let (repository, target, via) = match crate::pull_through::cache_path(image, pull_through) {
            Some((upstream, path)) => {
                let host = target.split('/').next().unwrap_or_default();
                let repository = split_image(&path).path.to_string();
                (repository, format!("{host}/{path}"), Some(upstream))
            }
            None if mirror => (repository, target, None),
            None => continue,
        };
        for c in &mut td.containers {
            if c.name.known().map(String::as_str) == Some(container.as_str()) {
                c.image = Maybe::Known(target.clone());
            }
        }
        mirrors.push(ImageMirror {
            service: service.to_string(),
            container: container.clone(),
            source: image.clone(),
            repository,
            target,
            pull_through: via,
        });
    }
    mirrors
}

impl crate::Spec {
    /// After the copies are made: name each by the digest it got (`(target, pinned)` pairs,
    /// `pinned` being `<registry>/<repository>@sha256:…`), in [`crate::Spec::mirrors`] and in
    /// the services' task definitions, so a task runs exactly what was copied.
    pub fn pin_mirrors(&mut self, pinned: &[(String, String)]) {
        let pin_of = |target: &str| {
            pinned
                .iter()
                .find(|(t, _)| t == target)
                .map(|(_, p)| p.clone())
        };
        for m in &mut self.mirrors {
            let Some(p) = pin_of(&m.target) else { continue };
            for svc in self.services.iter_mut().filter(|s| s.name == m.service) {
                for c in &mut svc.task_definition.containers {
                    if c.name.known() == Some(&m.container) {
                        c.image = Maybe::Known(p.clone());
                    }
                }
            }
            m.target = p;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_images_map_to_the_environment_ecr() {
        let (repo, target) = mirror_target("nginx:1.27", "123456789012", "eu-west-1").unwrap();
        assert_eq!(repo, "nginx");
        assert_eq!(
            target,
            "123456789012.dkr.ecr.eu-west-1.amazonaws.com/nginx:1.27"
        );
        let (repo, target) = mirror_target(
            "public.ecr.aws/aws-observability/aws-for-fluent-bit:stable",
            "123456789012",
            "us-east-1",
        )
        .unwrap();
        assert_eq!(repo, "aws-observability/aws-for-fluent-bit");
        assert!(target.ends_with(".amazonaws.com/aws-observability/aws-for-fluent-bit:stable"));
        let digest = format!("sha256:{}", "a".repeat(64));
        let (_, target) = mirror_target(
            &format!("bitnami/redis@{digest}"),
            "123456789012",
            "us-east-1",
        )
        .unwrap();
        assert!(
            target.ends_with(&format!("/bitnami/redis@{digest}")),
            "{target}"
        );
        let (_, target) = mirror_target("busybox", "123456789012", "cn-north-1").unwrap();
        assert_eq!(
            target,
            "123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn/busybox:latest"
        );
    }

    #[test]
    fn private_images_are_not_mirrored() {
        assert_eq!(
            mirror_target(
                "123456789012.dkr.ecr.us-east-1.amazonaws.com/app:1",
                "123456789012",
                "us-east-1"
            ),
            None
        );
        assert_eq!(
            mirror_target("registry.example.com/app:1", "123456789012", "us-east-1"),
            None
        );
    }
}
