//! `moat image build-gate DEST --binary PATH [--binary PATH]`: the egress gateway's image
//! without Docker, for one platform or (several binaries) an image index over several (the
//! work is in `moat_image::build_gate`).

use anyhow::Result;
use clap::Args;
use moat_image::{GateImageOptions, GateImageReport, ImageRef};
use std::path::PathBuf;

#[derive(Debug, Args)]
#[command(
    after_help = "The binary must be statically linked (the image has an empty base): \
`scripts/build-gate-static.sh` builds one (glibc, crt-static) and prints its path, e.g.\n  \
moat image build-gate 123456789012.dkr.ecr.eu-west-1.amazonaws.com/moat-gate:0.1.0 --binary \
\"$(scripts/build-gate-static.sh)\"\nFor x86-64 and arm64 (Graviton) tasks alike, give one binary per \
CPU (--binary twice; build the arm64 one on an arm64 machine): the image is then an OCI image \
index with one manifest per platform; two binaries of one platform are refused.\nThen set `[egress] image` to the \
printed reference (pinned by digest). Credentials as for `moat image copy` (--dest-username, \
MOAT_DEST_PASSWORD)."
)]
pub struct BuildGateArgs {
    /// Where to push, e.g. `123456789012.dkr.ecr.eu-west-1.amazonaws.com/moat-gate:0.1.0`
    /// (without a tag: `latest`).
    #[arg(value_name = "DEST")]
    pub dest: String,
    /// A statically linked `moat-gate` binary; its CPU (x86-64 or arm64, read from its ELF
    /// header) is its image's platform. Repeatable, once per platform: several binaries make
    /// an OCI image index with one manifest per platform.
    #[arg(long, value_name = "PATH", required = true)]
    pub binary: Vec<PathBuf>,
    /// An image label added to the defaults (title, description, licenses, the binary's
    /// digest), e.g. `org.opencontainers.image.revision=$(git rev-parse HEAD)`; repeatable.
    #[arg(long, value_name = "KEY=VALUE")]
    pub label: Vec<String>,
    /// User name for the destination registry (password from MOAT_DEST_PASSWORD).
    #[arg(long, value_name = "USER")]
    pub dest_username: Option<String>,
}

pub fn run(a: BuildGateArgs) -> Result<u8> {
    let dest: ImageRef = a.dest.parse()?;
    let labels = moat_image::parse_labels(&a.label)?;
    let report = moat_image::block_on(async {
        // An ECR destination: logged in from the AWS credential chain, repository made.
        let credentials = super::image::credentials(
            &dest,
            a.dest_username.as_deref(),
            "MOAT_DEST_PASSWORD",
            true,
        )
        .await?;
        let opts = GateImageOptions {
            binaries: a.binary,
            credentials,
            labels,
        };
        anyhow::Ok(moat_image::build_gate(&dest, &opts).await?)
    })?;
    eprintln!("{}", summary(&report));
    println!("{}", report.pinned);
    Ok(0)
}

fn summary(r: &GateImageReport) -> String {
    let images: Vec<String> = r
        .platforms
        .iter()
        .map(|p| {
            format!(
                "{}, one layer of {} KiB, binary {} KiB",
                p.platform,
                p.layer_bytes.div_ceil(1024),
                p.binary_bytes.div_ceil(1024)
            )
        })
        .collect();
    format!(
        "built the moat-gate image{} ({}): {} blob(s) uploaded, {} already there; {} {}",
        if r.index { " index" } else { "" },
        images.join("; "),
        r.blobs_uploaded,
        r.blobs_present,
        if r.index { "index" } else { "manifest" },
        if r.manifest_pushed {
            "pushed"
        } else {
            "already there"
        }
    )
}
