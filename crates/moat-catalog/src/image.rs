//! Classifying container image references.
//!
//! The private ECR host forms come from "Amazon ECR registry" / "Amazon ECR interface VPC
//! endpoints" (<https://docs.aws.amazon.com/AmazonECR/latest/userguide/Registries.html>,
//! <https://docs.aws.amazon.com/AmazonECR/latest/userguide/vpc-endpoints.html>):
//! `<account>.dkr.ecr.<region>.amazonaws.com`, the FIPS form `<account>.dkr.ecr-fips.<region>…`,
//! and the dual-stack form `<account>.dkr-ecr.<region>.on.aws`. A reference without a registry
//! host (`nginx`, `library/nginx`, `user/app`) is Docker Hub, as Docker resolves it.

/// Where an image comes from, as far as an isolated VPC is concerned.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub enum ImageRef {
    /// `<account>.dkr.ecr[-fips].<region>.amazonaws.com[.cn]/<repo>[:tag|@digest]`, or the dual-stack
    /// form `<account>.dkr-ecr[-fips].<region>.on.aws/…`.
    PrivateEcr {
        account: String,
        region: String,
        repository: String,
        fips: bool,
        dual_stack: bool,
    },
    /// A public registry (Docker Hub — including bare names like `nginx` —, public.ecr.aws,
    /// ghcr.io, quay.io, gcr.io, registry.k8s.io, mcr.microsoft.com, …): unreachable from an
    /// isolated VPC.
    Public { registry: String },
    /// Another private registry host (needs its own path in: on EC2 capacity, the egress gateway
    /// as the ECS agent's proxy, and `repositoryCredentials`).
    OtherRegistry { registry: String },
}

/// Docker Hub's canonical registry name, used for bare references.
pub const DOCKER_HUB: &str = "docker.io";

/// Registries anyone can pull from (anonymously, over the internet). Hosts ending in `.gcr.io`
/// (regional GCR) count too.
const PUBLIC_REGISTRIES: &[&str] = &[
    "docker.io",
    "index.docker.io",
    "registry-1.docker.io",
    "registry.hub.docker.com",
    "public.ecr.aws",
    "ghcr.io",
    "quay.io",
    "gcr.io",
    "k8s.gcr.io",
    "registry.k8s.io",
    "mcr.microsoft.com",
    "registry.gitlab.com",
    "docker.elastic.co",
    "nvcr.io",
    "registry.access.redhat.com",
    "cgr.dev",
];

/// An image reference split into registry host (None = Docker Hub implied), repository path and
/// the tag or digest (with its `:` / `@`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageParts<'a> {
    pub registry: Option<&'a str>,
    pub path: &'a str,
    pub reference: &'a str,
}

/// Split `image` the way Docker does: the first component is a registry host when it contains a
/// `.` or a `:` or is `localhost`.
pub fn split_image(image: &str) -> ImageParts<'_> {
    let image = image.trim();
    let (registry, rest) = match image.split_once('/') {
        Some((first, rest))
            if first.contains('.') || first.contains(':') || first == "localhost" =>
        {
            (Some(first), rest)
        }
        _ => (None, image),
    };
    // A digest starts at '@'; a tag is a ':' after the last '/'.
    let no_digest = rest.split_once('@').map_or(rest, |(before, _)| before);
    let last_slash = no_digest.rfind('/').map_or(0, |i| i + 1);
    let path_end = no_digest[last_slash..]
        .find(':')
        .map_or(no_digest.len(), |i| last_slash + i);
    let path = &rest[..path_end];
    let reference = &rest[path_end..];
    ImageParts {
        registry,
        path,
        reference,
    }
}

/// Parse a private ECR registry host into (account, region, fips, dual_stack).
fn parse_ecr_host(host: &str) -> Option<(String, String, bool, bool)> {
    let host = host.to_ascii_lowercase();
    let (account, rest) = host.split_once('.')?;
    // A template checked without an account or region writes `${AWS::AccountId}` /
    // `${AWS::Region}` into the URI (moat_model::UNKNOWN_ACCOUNT / UNKNOWN_REGION): the stack's
    // own account and region, whatever they are.
    let account = if account.eq_ignore_ascii_case(moat_model::UNKNOWN_ACCOUNT) {
        moat_model::UNKNOWN_ACCOUNT
    } else if account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit()) {
        account
    } else {
        return None;
    };
    let (kind, rest) = rest.split_once('.')?;
    let (region, suffix) = rest.split_once('.')?;
    let (fips, dual_stack) = match kind {
        "dkr" => {
            // dkr.ecr[-fips].<region>.amazonaws.com[.cn]
            let (ecr, rest2) = rest.split_once('.')?;
            let fips = match ecr {
                "ecr" => false,
                "ecr-fips" => true,
                _ => return None,
            };
            let (region2, suffix2) = rest2.split_once('.')?;
            if suffix2 != "amazonaws.com" && suffix2 != "amazonaws.com.cn" {
                return None;
            }
            return valid_region(region2)
                .then(|| (account.to_string(), region_name(region2), fips, false));
        }
        "dkr-ecr" => (false, true),
        "dkr-ecr-fips" => (true, true),
        _ => return None,
    };
    (suffix == "on.aws" && valid_region(region))
        .then(|| (account.to_string(), region_name(region), fips, dual_stack))
}

/// The region as the model writes it (the unknown region keeps its case).
fn region_name(r: &str) -> String {
    if r.eq_ignore_ascii_case(moat_model::UNKNOWN_REGION) {
        moat_model::UNKNOWN_REGION.to_string()
    } else {
        r.to_string()
    }
}

/// `us-east-1`, `us-gov-west-1`, `cn-north-1`: dash-separated, ending in a digit (or the unknown
/// region of a check without one).
fn valid_region(r: &str) -> bool {
    r.eq_ignore_ascii_case(moat_model::UNKNOWN_REGION)
        || r.contains('-')
            && r.ends_with(|c: char| c.is_ascii_digit())
            && r.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// Classify an image reference string.
pub fn classify_image(image: &str) -> ImageRef {
    let parts = split_image(image);
    let Some(host) = parts.registry else {
        return ImageRef::Public {
            registry: DOCKER_HUB.to_string(),
        };
    };
    if let Some((account, region, fips, dual_stack)) = parse_ecr_host(host) {
        return ImageRef::PrivateEcr {
            account,
            region,
            repository: parts.path.to_string(),
            fips,
            dual_stack,
        };
    }
    let lower = host.to_ascii_lowercase();
    if PUBLIC_REGISTRIES.contains(&lower.as_str()) || lower.ends_with(".gcr.io") {
        ImageRef::Public { registry: lower }
    } else {
        ImageRef::OtherRegistry { registry: lower }
    }
}

/// The repository name a public image gets when copied into private ECR: the path without the
/// registry, and without Docker Hub's `library/` prefix (`nginx`, `bitnami/redis`).
pub fn ecr_copy_name(image: &str) -> String {
    let parts = split_image(image);
    let path = match parts.registry {
        None | Some("docker.io" | "index.docker.io" | "registry-1.docker.io") => {
            parts.path.strip_prefix("library/").unwrap_or(parts.path)
        }
        Some(_) => parts.path,
    };
    path.to_ascii_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ecr(account: &str, region: &str, repo: &str, fips: bool, dual: bool) -> ImageRef {
        ImageRef::PrivateEcr {
            account: account.into(),
            region: region.into(),
            repository: repo.into(),
            fips,
            dual_stack: dual,
        }
    }

    #[test]
    fn the_unknown_account_and_region_are_the_stacks_own_ecr() {
        let image = format!(
            "{}.dkr.ecr.{}.amazonaws.com/app:1",
            moat_model::UNKNOWN_ACCOUNT,
            moat_model::UNKNOWN_REGION
        );
        assert_eq!(
            classify_image(&image),
            ecr(
                moat_model::UNKNOWN_ACCOUNT,
                moat_model::UNKNOWN_REGION,
                "app",
                false,
                false
            )
        );
    }

    #[test]
    fn private_ecr_forms() {
        assert_eq!(
            classify_image(
                "123456789012.dkr.ecr.us-east-1.amazonaws.com/my-ecr-repo/app-image:latest"
            ),
            ecr(
                "123456789012",
                "us-east-1",
                "my-ecr-repo/app-image",
                false,
                false
            )
        );
        assert_eq!(
            classify_image("123456789012.dkr.ecr-fips.us-gov-west-1.amazonaws.com/app@sha256:abcd"),
            ecr("123456789012", "us-gov-west-1", "app", true, false)
        );
        assert_eq!(
            classify_image("123456789012.dkr-ecr.eu-west-1.on.aws/team/app:1.2"),
            ecr("123456789012", "eu-west-1", "team/app", false, true)
        );
        assert_eq!(
            classify_image("123456789012.dkr-ecr-fips.us-east-2.on.aws/app"),
            ecr("123456789012", "us-east-2", "app", true, true)
        );
        assert_eq!(
            classify_image("123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn/app:v1"),
            ecr("123456789012", "cn-north-1", "app", false, false)
        );
    }

    #[test]
    fn docker_hub_forms_are_public() {
        for img in [
            "nginx",
            "nginx:1.27",
            "library/nginx",
            "user/app:tag",
            "docker.io/library/redis",
        ] {
            assert!(
                matches!(classify_image(img), ImageRef::Public { .. }),
                "{img}"
            );
        }
        assert_eq!(
            classify_image("nginx"),
            ImageRef::Public {
                registry: "docker.io".into()
            }
        );
        assert_eq!(ecr_copy_name("library/nginx:1.27"), "nginx");
        assert_eq!(ecr_copy_name("bitnami/redis"), "bitnami/redis");
    }

    #[test]
    fn other_public_registries() {
        for (img, reg) in [
            (
                "public.ecr.aws/aws-observability/aws-for-fluent-bit:stable",
                "public.ecr.aws",
            ),
            ("ghcr.io/org/app:1", "ghcr.io"),
            ("quay.io/prometheus/node-exporter", "quay.io"),
            ("gcr.io/distroless/static", "gcr.io"),
            ("us.gcr.io/proj/app", "us.gcr.io"),
            ("registry.k8s.io/pause:3.9", "registry.k8s.io"),
            ("mcr.microsoft.com/dotnet/runtime:8.0", "mcr.microsoft.com"),
        ] {
            assert_eq!(
                classify_image(img),
                ImageRef::Public {
                    registry: reg.into()
                },
                "{img}"
            );
        }
    }

    #[test]
    fn other_registries_and_lookalikes() {
        assert_eq!(
            classify_image("registry.internal.example:5000/app:1"),
            ImageRef::OtherRegistry {
                registry: "registry.internal.example:5000".into()
            }
        );
        // Not a 12-digit account: not ECR.
        assert!(matches!(
            classify_image("1234.dkr.ecr.us-east-1.amazonaws.com/app"),
            ImageRef::OtherRegistry { .. }
        ));
        assert!(matches!(
            classify_image("123456789012.dkr.ecr.us-east-1.example.com/app"),
            ImageRef::OtherRegistry { .. }
        ));
    }

    #[test]
    fn split_keeps_port_in_registry() {
        let p = split_image("localhost:5000/a/b:c@sha256:00");
        assert_eq!(p.registry, Some("localhost:5000"));
        assert_eq!(p.path, "a/b");
        assert_eq!(p.reference, ":c@sha256:00");
    }
}
