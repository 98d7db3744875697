//! `[images] pull_through = ["public.ecr.aws", …]`: an Amazon ECR pull-through cache rule per
//! upstream registry, and the services' images from those registries named through the
//! cache (`<account>.dkr.ecr.<region>.amazonaws.com/<prefix>/<path>`), so the tasks pull from
//! private ECR through the VPC's endpoints while ECR fetches from the upstream.
//!
//! The upstreams ECR supports, their `UpstreamRegistry` names and URLs, and which need a
//! Secrets Manager secret with upstream credentials. Sources:
//! <https://docs.aws.amazon.com/AmazonECR/latest/userguide/pull-through-cache.html> (which
//! upstreams need authentication) and
//! <https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_CreatePullThroughCacheRule.html>
//! (`upstreamRegistryUrl` per upstream; `ecrRepositoryPrefix` 2–30 characters).

use moat_catalog::image::split_image;

/// One upstream registry ECR can cache.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Upstream {
    /// The `UpstreamRegistryUrl` ECR expects.
    pub url: &'static str,
    /// The `UpstreamRegistry` name.
    pub registry: &'static str,
    /// The repository prefix moat uses for it (the one the ECR console suggests).
    pub prefix: &'static str,
    /// Whether ECR needs a Secrets Manager secret (`ecr-pullthroughcache/…`) with the
    /// upstream's user name and access token.
    pub needs_secret: bool,
    /// Host names images on it are written with.
    hosts: &'static [&'static str],
}

/// Only the upstreams with one fixed URL (not Azure's or a custom ECR's).
pub const UPSTREAMS: &[Upstream] = &[
    Upstream {
        url: "public.ecr.aws",
        registry: "ecr-public",
        prefix: "ecr-public",
        needs_secret: false,
        hosts: &["public.ecr.aws"],
    },
    Upstream {
        url: "registry.k8s.io",
        registry: "k8s",
        prefix: "kubernetes",
        needs_secret: false,
        hosts: &["registry.k8s.io"],
    },
    Upstream {
        url: "quay.io",
        registry: "quay",
        prefix: "quay",
        needs_secret: false,
        hosts: &["quay.io"],
    },
    Upstream {
        url: "registry-1.docker.io",
        registry: "docker-hub",
        prefix: "docker-hub",
        needs_secret: true,
        hosts: &[
            "docker.io",
            "index.docker.io",
            "registry-1.docker.io",
            "registry.hub.docker.com",
        ],
    },
    Upstream {
        url: "ghcr.io",
        registry: "github-container-registry",
        prefix: "github",
        needs_secret: true,
        hosts: &["ghcr.io"],
    },
    Upstream {
        url: "registry.gitlab.com",
        registry: "gitlab-container-registry",
        prefix: "gitlab",
        needs_secret: true,
        hosts: &["registry.gitlab.com"],
    },
];

/// The upstream a host name (as written in `pull_through` or in an image) is.
pub fn upstream(host: &str) -> Option<&'static Upstream> {
    let host = host.trim().to_ascii_lowercase();
    UPSTREAMS.iter().find(|u| u.hosts.contains(&host.as_str()))
}

/// The hosts `pull_through` accepts, for an error message.
pub(crate) fn known_upstreams() -> String {
    UPSTREAMS
        .iter()
        .map(|u| u.hosts[0])
        .collect::<Vec<_>>()
        .join(", ")
}

/// The image's upstream (among `rules`) and the path it has through the cache:
/// `<prefix>/<path><tag or digest>`. Docker Hub's official images keep their `library/`.
pub(crate) fn cache_path(image: &str, rules: &[Upstream]) -> Option<(Upstream, String)> {
    let parts = split_image(image);
    let host = parts.registry.unwrap_or("docker.io");
    let rule = rules.iter().find(|r| Some(*r) == upstream(host))?;
    let path = if rule.registry == "docker-hub" && !parts.path.contains('/') {
        format!("library/{}", parts.path)
    } else {
        parts.path.to_string()
    };
    let reference = match parts.reference {
        "" => ":latest",
        r => r,
    };
    Some((
        *rule,
        format!("{}/{}{}", rule.prefix, path.to_ascii_lowercase(), reference),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn images_map_to_their_cache_path() {
        let rules = [
            *upstream("public.ecr.aws").unwrap(),
            *upstream("docker.io").unwrap(),
        ];
        let (u, path) = cache_path("nginx:1.27", &rules).unwrap();
        assert_eq!(u.registry, "docker-hub");
        assert_eq!(path, "docker-hub/library/nginx:1.27");
        let (_, path) = cache_path("bitnami/redis", &rules).unwrap();
        assert_eq!(path, "docker-hub/bitnami/redis:latest");
        let (_, path) = cache_path("docker.io/nginx@sha256:abc", &rules).unwrap();
        assert_eq!(path, "docker-hub/library/nginx@sha256:abc");
        let (u, path) = cache_path(
            "public.ecr.aws/aws-observability/aws-for-fluent-bit:stable",
            &rules,
        )
        .unwrap();
        assert!(!u.needs_secret);
        assert_eq!(
            path,
            "ecr-public/aws-observability/aws-for-fluent-bit:stable"
        );
        assert_eq!(cache_path("quay.io/a/b:1", &rules), None);
    }

    #[test]
    fn upstreams_that_need_credentials_say_so() {
        assert!(upstream("docker.io").unwrap().needs_secret);
        assert!(upstream("ghcr.io").unwrap().needs_secret);
        assert!(!upstream("quay.io").unwrap().needs_secret);
        assert!(!upstream("registry.k8s.io").unwrap().needs_secret);
        assert_eq!(upstream("gcr.io"), None);
        // Every prefix fits ECR's 2–30 characters.
        assert!(UPSTREAMS.iter().all(|u| (2..=30).contains(&u.prefix.len())));
    }
}
