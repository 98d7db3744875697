//! Copy container images between registries with the OCI distribution protocol, without a
//! Docker daemon: every platform of an image index (or the ones asked for), each blob moved
//! once at most, digests checked, and a copy that was interrupted resumable by running it again.
//!
//! ```no_run
//! # async fn demo() -> Result<(), moat_image::ImageError> {
//! use moat_image::{copy, CopyOptions, Credentials, ImageRef};
//! let source: ImageRef = "public.ecr.aws/docker/library/nginx:1.27".parse()?;
//! let dest: ImageRef = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/nginx:1.27".parse()?;
//! let opts = CopyOptions {
//!     // ECR: the user `AWS` and the password GetAuthorizationToken returns (moat-aws).
//!     dest_credentials: Credentials::Basic { username: "AWS".into(), password: "…".into() },
//!     ..CopyOptions::default()
//! };
//! let report = copy(&source, &dest, &opts).await?;
//! println!("{}", report.pinned); // …/nginx@sha256:…
//! # Ok(()) }
//! ```
//!
//! The protocol is spoken by [`oci_client`] (the ORAS project's client): bearer-token
//! challenges (anonymous or with credentials) and basic auth, blob HEAD, cross-repository
//! mount, streamed uploads and verifying downloads. Registries on loopback (`localhost`,
//! `127.0.0.0/8`, `[::1]`) are spoken to over plain HTTP, as docker and crane do.
//!
//! [`build_gate`] assembles the egress gateway's own image (a static `moat-gate` as one layer
//! on an empty base) and pushes it with the same calls; see its module for the static
//! binary and name resolution.
//!
//! ## What "resumable" means
//!
//! The unit of progress is the blob. Before moving anything, [`copy`] asks the destination
//! which blobs it already holds (HEAD) and moves only the others; manifests are pushed after
//! all their blobs, children before the index, the tag last. So after an interruption (Ctrl-C,
//! a dropped connection, a killed process) the same command moves only the blobs that had not
//! been completely committed, and the tag never points at an incomplete image. A blob whose
//! upload was cut off halfway is sent again from its first byte: upload sessions are not
//! resumed mid-blob (registries expire them, and the source stream cannot be replayed).

mod copy;
mod endpoint;
mod error;
mod gate_image;
pub mod manifest;
mod progress;
mod reference;
mod repository;
#[doc(hidden)]
pub mod testing;

pub use copy::{copy, pull, CopyOptions, CopyReport, PullReport};
pub use endpoint::Credentials;
pub use error::ImageError;
pub use gate_image::{
    assemble, assemble_index, build_gate, inspect_binary, parse_labels, BinaryPlatform, GateImage,
    GateImageError, GateImageOptions, GateImageReport, PlatformReport, GATE_PATH, GATE_UID,
};
pub use manifest::{Descriptor, Platform};
pub use reference::{EcrRegistry, ImageRef};
pub use repository::Repository;

/// Run a future to completion on a fresh runtime, for callers that are not async (the CLI).
pub fn block_on<F: std::future::Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a tokio runtime (threads and timers) can be built")
        .block_on(future)
}
