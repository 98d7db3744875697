//! Classifying container image references.

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
    /// Another private registry host (needs its own path in; e.g. through the egress gateway and
    /// `repositoryCredentials`).
    OtherRegistry { registry: String },
}

/// Classify an image reference string.
pub fn classify_image(image: &str) -> ImageRef {
    let _ = image;
    unimplemented!("catalog: classify_image")
}
