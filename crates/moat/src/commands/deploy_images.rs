//! `moat deploy`'s image steps, before any change reaches CloudFormation: the services'
//! private ECR images must be there (a missing one otherwise surfaces ten minutes later as
//! `CannotPullContainerError`), and the public images the spec mirrors (`mirror = true`) are
//! copied into the environment's ECR and named by digest in the task definitions; images named
//! through an ECR pull-through cache (`[images] pull_through`) are pulled once through the
//! cache prefix from this machine, since their first pull needs the upstream registry, which
//! the isolated VPC cannot reach.

use super::registry::{self, Routes};
use anyhow::{bail, Context, Result};
use moat_aws::{Aws, EcrImage};
use moat_image::{CopyOptions, Credentials, EcrRegistry, ImageRef};
use moat_model::Maybe;
use moat_spec::Spec;
use std::io::IsTerminal;

/// Every private ECR image a service names, looked up with `DescribeImages`. An image in a
/// repository this stack creates (`ecr_repositories`) may be pushed after the first deploy
/// (deploy prints how), so its absence is a warning; any other missing image is an error
/// naming the service and the image.
pub async fn check_private_images(aws: &Aws, spec: &Spec) -> Result<()> {
    let mut missing = Vec::new();
    for (service, image) in private_images(spec) {
        let Some(registry) = image.ecr_registry() else {
            continue;
        };
        let reference = image
            .digest()
            .or(image.tag())
            .unwrap_or("latest")
            .to_string();
        let repository = image.repository();
        let client = client_for(aws, &registry).await?;
        let found =
            moat_aws::describe_image(&client, Some(&registry.account_id), repository, &reference)
                .await
                .with_context(|| format!("looking up image {image} of service {service}"))?;
        let why = match found {
            EcrImage::Present { .. } => continue,
            EcrImage::NoSuchImage => format!("repository {repository} has no image {reference}"),
            EcrImage::NoSuchRepository => format!("there is no repository {repository}"),
        };
        if spec.ecr_repositories.iter().any(|r| r == repository) {
            eprintln!(
                "note: service {service}: image {image} is not in ECR yet ({why}); this stack \
                 creates the repository, push the image after the deploy"
            );
            continue;
        }
        missing.push(format!("service {service}: image {image} ({why})"));
    }
    if !missing.is_empty() {
        bail!(
            "not deploying: {} not in ECR, so the tasks could not start: {}; push {} or fix \
             the task definition",
            if missing.len() == 1 {
                "an image is"
            } else {
                "images are"
            },
            missing.join("; "),
            if missing.len() == 1 { "it" } else { "them" },
        );
    }
    Ok(())
}

/// (service, image) for every container image on a private ECR registry that is not a
/// mirror's copy (those are made by [`copy_mirrors`]).
fn private_images(spec: &Spec) -> Vec<(String, ImageRef)> {
    let mut out: Vec<(String, ImageRef)> = Vec::new();
    for svc in &spec.services {
        for c in &svc.task_definition.containers {
            let Maybe::Known(image) = &c.image else {
                continue;
            };
            if spec.mirrors.iter().any(|m| &m.target == image) {
                continue;
            }
            let Ok(parsed) = image.parse::<ImageRef>() else {
                continue;
            };
            if parsed.ecr_registry().is_some()
                && !out
                    .iter()
                    .any(|(s, i)| s == &svc.name && i.to_string() == parsed.to_string())
            {
                out.push((svc.name.clone(), parsed));
            }
        }
    }
    out
}

/// Clients for the registry's region: the deploy's own when it is the same region, else
/// fresh ones from the default chain.
async fn client_for(aws: &Aws, registry: &EcrRegistry) -> Result<Aws> {
    if aws.region.as_deref() == Some(registry.region.as_str()) {
        Ok(aws.clone())
    } else {
        registry::connect(registry).await
    }
}

/// One copy made for a mirrored image.
pub struct Copied {
    pub source: String,
    /// The copy, `<registry>/<repository>@sha256:…`.
    pub pinned: String,
    pub summary: String,
}

/// Copy every mirrored public image into its ECR repository (created when missing: scan on
/// push, immutable tags), with a progress bar on a terminal, and point the spec's services at
/// the copies by digest. A copy already there moves nothing.
pub async fn copy_mirrors(aws: &Aws, spec: &mut Spec) -> Result<Vec<Copied>> {
    let routes = Routes::from_env()?;
    let progress = std::io::stderr().is_terminal();
    let mut copied: Vec<Copied> = Vec::new();
    let mut pins: Vec<(String, String)> = Vec::new();
    for m in spec.mirrors.iter().filter(|m| m.pull_through.is_none()) {
        if pins.iter().any(|(t, _)| t == &m.target) {
            continue;
        }
        let source: ImageRef = m.source.parse()?;
        let target: ImageRef = m.target.parse()?;
        let registry = target.ecr_registry().with_context(|| {
            format!("mirror target {target} is not an Amazon ECR private registry")
        })?;
        let client = client_for(aws, &registry).await?;
        registry::ensure_repository(&client, &registry, target.repository()).await?;
        let dest_credentials = registry::login(&client, &registry).await?;
        eprintln!(
            "copying {source} -> {target} (service {}, container {})",
            m.service, m.container
        );
        let opts = CopyOptions {
            source_credentials: Credentials::Anonymous,
            dest_credentials,
            progress,
            ..CopyOptions::default()
        };
        let report = moat_image::copy(&routes.route(&source)?, &routes.route(&target)?, &opts)
            .await
            .with_context(|| format!("copying {source} for service {}", m.service))?;
        let pinned = target.with_digest(&report.digest).to_string();
        pins.push((m.target.clone(), pinned.clone()));
        copied.push(Copied {
            source: m.source.clone(),
            pinned,
            summary: format!(
                "{} blobs, {} uploaded ({} bytes), {} already there",
                report.blobs, report.blobs_uploaded, report.bytes_uploaded, report.blobs_present
            ),
        });
    }
    spec.pin_mirrors(&pins);
    Ok(copied)
}

/// Every image named through a pull-through cache (once each).
pub fn pull_through_images(spec: &Spec) -> Vec<Cached> {
    let mut images: Vec<Cached> = Vec::new();
    for m in &spec.mirrors {
        let Some(upstream) = m.pull_through else {
            continue;
        };
        if images.iter().any(|c| c.target == m.target) {
            continue;
        }
        images.push(Cached {
            source: m.source.clone(),
            target: m.target.clone(),
            prefix: upstream.prefix.to_string(),
        });
    }
    images
}

/// One image named through a pull-through cache.
#[derive(Debug, Clone)]
pub struct Cached {
    pub source: String,
    /// `<registry>/<prefix>/<path>:<tag>`.
    pub target: String,
    pub prefix: String,
}

/// Pull each image once through its cache prefix, which fills the cache (its rule must exist),
/// and return `(target, target pinned by digest)` for each.
pub async fn warm_images(aws: &Aws, images: &[Cached]) -> Result<Vec<(String, String)>> {
    let routes = Routes::from_env()?;
    let progress = std::io::stderr().is_terminal();
    let mut pins = Vec::new();
    for c in images {
        let target: ImageRef = c.target.parse()?;
        let registry = target.ecr_registry().with_context(|| {
            format!("pull-through image {target} is not on an Amazon ECR private registry")
        })?;
        let client = client_for(aws, &registry).await?;
        let credentials = registry::login(&client, &registry).await?;
        eprintln!(
            "pulling {target} through the cache (its first pull fetches {})",
            c.source
        );
        let report = moat_image::pull(&routes.route(&target)?, &credentials, progress)
            .await
            .with_context(|| {
                format!(
                    "warming the pull-through cache ({}/) with {}",
                    c.prefix, c.source
                )
            })?;
        pins.push((
            c.target.clone(),
            target.with_digest(&report.digest).to_string(),
        ));
    }
    Ok(pins)
}
