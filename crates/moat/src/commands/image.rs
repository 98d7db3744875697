//! `moat image copy SOURCE DEST`: copy an image between registries without Docker (the work is
//! in `moat-image`). An Amazon ECR registry is logged in to from the AWS credential chain, and
//! a missing destination repository is created (see `registry.rs`).

use super::registry::Routes;
use anyhow::{Context, Result};
use clap::{Args, Subcommand};
use moat_image::{CopyOptions, CopyReport, Credentials, ImageRef, Platform};
use std::io::IsTerminal;

/// Container images: copy them into a private registry (Amazon ECR) without Docker.
#[derive(Debug, Args)]
pub struct ImageCli {
    #[command(subcommand)]
    pub command: ImageCommand,
}

#[derive(Debug, Subcommand)]
pub enum ImageCommand {
    /// Copy an image (every platform of a multi-platform image, unless --platform) from one
    /// registry to another, moving only the blobs the destination lacks; prints the
    /// destination pinned by digest. Run it again after an interruption to resume.
    Copy(CopyArgs),
    /// Assemble the egress gateway's image from a static `moat-gate` binary (one layer on an
    /// empty base, non-root) and push it; prints it pinned by digest. No Docker needed.
    BuildGate(super::image_gate::BuildGateArgs),
}

#[derive(Debug, Args)]
#[command(
    after_help = "Credentials: anonymous unless --src-username/--dest-username is given \
(passwords from MOAT_SRC_PASSWORD / MOAT_DEST_PASSWORD). An Amazon ECR registry \
(ACCOUNT.dkr.ecr.REGION.amazonaws.com) is logged in to from the AWS credential chain \
(ecr:GetAuthorizationToken; AWS_PROFILE and AWS_ENDPOINT_URL are honoured), and a missing \
destination repository is created with scan on push and immutable tags. Registries on localhost \
or 127.0.0.0/8 are spoken to over plain HTTP. MOAT_REGISTRY_ENDPOINTS=REGISTRY=HOST:PORT,… sends \
a registry's traffic elsewhere (an emulator) while the image keeps its name."
)]
pub struct CopyArgs {
    /// The image to copy, e.g. `nginx:1.27`, `public.ecr.aws/docker/library/nginx:1.27`.
    #[arg(value_name = "SOURCE")]
    pub source: String,
    /// Where to, e.g. `123456789012.dkr.ecr.eu-west-1.amazonaws.com/nginx:1.27` (without a
    /// tag, the source's).
    #[arg(value_name = "DEST")]
    pub dest: String,
    /// Copy only these platforms of a multi-platform image (`os/arch[/variant]`, repeatable
    /// or comma-separated). One platform is copied as a plain image manifest.
    #[arg(long, value_name = "OS/ARCH", value_delimiter = ',')]
    pub platform: Vec<String>,
    /// User name for the source registry (password from MOAT_SRC_PASSWORD).
    #[arg(long, value_name = "USER")]
    pub src_username: Option<String>,
    /// User name for the destination registry (password from MOAT_DEST_PASSWORD).
    #[arg(long, value_name = "USER")]
    pub dest_username: Option<String>,
    /// Blobs moved at once.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=32))]
    pub jobs: u16,
    /// No progress bar (it is drawn only when stderr is a terminal anyway).
    #[arg(long)]
    pub no_progress: bool,
    /// Stop after this many blobs moved (tests resuming).
    #[arg(long, hide = true, value_name = "N")]
    pub stop_after_blobs: Option<usize>,
}

pub fn run(cli: ImageCli) -> Result<u8> {
    match cli.command {
        ImageCommand::Copy(a) => copy(a),
        ImageCommand::BuildGate(a) => super::image_gate::run(a),
    }
}

fn copy(a: CopyArgs) -> Result<u8> {
    let source: ImageRef = a.source.parse()?;
    let dest: ImageRef = a.dest.parse()?;
    let platforms = a
        .platform
        .iter()
        .map(|p| p.parse::<Platform>().map_err(anyhow::Error::msg))
        .collect::<Result<Vec<_>>>()?;
    let routes = Routes::from_env()?;
    let progress = !a.no_progress && std::io::stderr().is_terminal();
    let report = moat_image::block_on(async {
        let source_credentials = credentials(
            &source,
            a.src_username.as_deref(),
            "MOAT_SRC_PASSWORD",
            false,
        )
        .await?;
        let dest_credentials = credentials(
            &dest,
            a.dest_username.as_deref(),
            "MOAT_DEST_PASSWORD",
            true,
        )
        .await?;
        let opts = CopyOptions {
            source_credentials,
            dest_credentials,
            platforms,
            jobs: usize::from(a.jobs),
            progress,
            stop_after_blobs: a.stop_after_blobs,
        };
        let routed_source = routes.route(&source)?;
        let routed_dest = routes.route(&dest)?;
        anyhow::Ok(moat_image::copy(&routed_source, &routed_dest, &opts).await?)
    })?;
    eprintln!("{}", summary(&source, &report));
    // Named by the destination as written, not the address its traffic was routed to.
    println!("{}", dest.with_digest(&report.digest));
    Ok(0)
}

/// Explicit credentials win; an ECR registry is logged in to through the AWS credential
/// chain (and, as a destination, its repository made when missing); else anonymous.
pub(super) async fn credentials(
    image: &ImageRef,
    username: Option<&str>,
    password_var: &str,
    destination: bool,
) -> Result<Credentials> {
    if let Some(username) = username {
        let password = std::env::var(password_var).with_context(|| {
            format!(
                "a user name for {} needs its password in {password_var}",
                image.registry()
            )
        })?;
        return Ok(Credentials::Basic {
            username: username.to_string(),
            password,
        });
    }
    match image.ecr_registry() {
        Some(registry) => ecr_credentials(image, &registry, destination).await,
        None => Ok(Credentials::Anonymous),
    }
}

#[cfg(feature = "aws")]
async fn ecr_credentials(
    image: &ImageRef,
    registry: &moat_image::EcrRegistry,
    destination: bool,
) -> Result<Credentials> {
    let aws = super::registry::connect(registry).await?;
    if destination {
        super::registry::ensure_repository(&aws, registry, image.repository()).await?;
    }
    super::registry::login(&aws, registry).await
}

#[cfg(not(feature = "aws"))]
async fn ecr_credentials(
    image: &ImageRef,
    _: &moat_image::EcrRegistry,
    _: bool,
) -> Result<Credentials> {
    anyhow::bail!(
        "{} is an Amazon ECR registry and this moat was built without the `aws` feature, so it \
         cannot log in from the AWS credential chain; pass --dest-username AWS (or \
         --src-username) with the password from `aws ecr get-login-password`",
        image.registry()
    )
}

fn summary(source: &ImageRef, r: &CopyReport) -> String {
    let what = if r.platforms.is_empty() {
        "1 image".to_string()
    } else {
        format!(
            "{} platforms ({})",
            r.platforms.len(),
            r.platforms.join(", ")
        )
    };
    let mut s = format!(
        "copied {source}: {what}; {} blobs: {} uploaded ({}), {} mounted, {} already there; \
         {} manifests pushed, {} already there",
        r.blobs,
        r.blobs_uploaded,
        human_bytes(r.bytes_uploaded),
        r.blobs_mounted,
        r.blobs_present,
        r.manifests_pushed,
        r.manifests_present,
    );
    if r.digest != r.source_digest {
        s.push_str(&format!(
            "\nnote: --platform made a new manifest; the source's digest was {}",
            r.source_digest
        ));
    }
    s
}

fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 4] = ["B", "KiB", "MiB", "GiB"];
    let mut v = n as f64;
    let mut unit = 0;
    while v >= 1024.0 && unit + 1 < UNITS.len() {
        v /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", UNITS[unit])
    }
}
