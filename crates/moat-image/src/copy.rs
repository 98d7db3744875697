//! `copy`: read the source's manifests, find which blobs the destination lacks, move those
//! (a cross-repository mount where the registry allows, else a streamed upload), then push the
//! manifests children first and the tag last, so the tag never names an incomplete image.

use crate::endpoint::{Credentials, Endpoint};
use crate::error::ImageError;
use crate::manifest::{self, Descriptor, Parsed, Platform};
use crate::progress::Progress;
use crate::reference::ImageRef;
use bytes::Bytes;
use futures_util::future::BoxFuture;
use futures_util::{stream, StreamExt, TryStreamExt};
use oci_client::errors::OciDistributionError;
use oci_client::RegistryOperation;
use sha2::{Digest as _, Sha256};
use std::collections::HashSet;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// How to copy.
#[derive(Debug, Clone)]
pub struct CopyOptions {
    pub source_credentials: Credentials,
    pub dest_credentials: Credentials,
    /// Only these platforms of an index (empty: every platform, and the index itself, so the
    /// destination's digest is the source's).
    pub platforms: Vec<Platform>,
    /// Blobs checked and moved at once.
    pub jobs: usize,
    /// Draw a progress bar on stderr.
    pub progress: bool,
    /// Stop with [`ImageError::Interrupted`] once this many blobs have been moved: a hook to
    /// test resuming. Moves blobs one at a time so the count is exact.
    pub stop_after_blobs: Option<usize>,
}

impl Default for CopyOptions {
    fn default() -> Self {
        CopyOptions {
            source_credentials: Credentials::Anonymous,
            dest_credentials: Credentials::Anonymous,
            platforms: Vec::new(),
            jobs: 4,
            progress: false,
            stop_after_blobs: None,
        }
    }
}

/// What a copy did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CopyReport {
    /// The destination, pinned by digest: what a task definition should name.
    pub pinned: String,
    /// The digest of the manifest (or index) the destination tag now names.
    pub digest: String,
    /// The source's digest; equal to `digest` unless `--platform` dropped platforms.
    pub source_digest: String,
    /// The platforms copied (empty for a single-platform image).
    pub platforms: Vec<String>,
    /// Distinct blobs (configs and layers) the copied manifests reference.
    pub blobs: usize,
    /// Blobs the destination already had (not moved).
    pub blobs_present: usize,
    /// Blobs linked from another repository of the same registry (not uploaded).
    pub blobs_mounted: usize,
    /// Blobs uploaded, and their bytes.
    pub blobs_uploaded: usize,
    pub bytes_uploaded: u64,
    /// Manifests (children, then the top one) pushed, and those already there.
    pub manifests_pushed: usize,
    pub manifests_present: usize,
}

/// The source's manifests, children before parents, and the blobs they reference.
struct Tree {
    /// (digest, media type, bytes) of each manifest to push by digest before the top one.
    children: Vec<(String, String, Bytes)>,
    top_digest: String,
    top_media_type: String,
    top_bytes: Bytes,
    source_digest: String,
    platforms: Vec<String>,
    blobs: Vec<Descriptor>,
}

/// Copy `source` to `dest`. Every blob already at the destination is skipped, so running a
/// copy again after an interruption moves only what is missing (see the crate docs).
pub async fn copy(
    source: &ImageRef,
    dest: &ImageRef,
    opts: &CopyOptions,
) -> Result<CopyReport, ImageError> {
    let dest = dest_reference(source, dest);
    let src = Endpoint::new(source, &opts.source_credentials);
    let dst = Endpoint::new(&dest, &opts.dest_credentials);
    src.login(RegistryOperation::Pull).await?;
    dst.login(RegistryOperation::Push).await?;
    let progress = Progress::new(opts.progress);

    let tree = read_tree(&src, &opts.platforms).await?;
    let jobs = if opts.stop_after_blobs.is_some() {
        1
    } else {
        opts.jobs.max(1)
    };
    let present = check_blobs(&dst, &tree.blobs, jobs).await?;
    let missing: Vec<Descriptor> = tree
        .blobs
        .iter()
        .zip(&present)
        .filter(|(_, here)| !**here)
        .map(|(d, _)| d.clone())
        .collect();
    progress.plan(missing.len(), missing.iter().map(|d| d.size).sum());

    let tally = Arc::new(Tally::default());
    let moved = move_blobs(
        &src,
        &dst,
        &missing,
        jobs,
        opts.stop_after_blobs,
        &tally,
        &progress,
    )
    .await;
    progress.finish();
    moved?;

    let (pushed, already) = push_manifests(&dst, &dest, &tree).await?;
    Ok(CopyReport {
        pinned: format!(
            "{}/{}@{}",
            dest.inner.registry(),
            dest.repository(),
            tree.top_digest
        ),
        digest: tree.top_digest.clone(),
        source_digest: tree.source_digest.clone(),
        platforms: tree.platforms.clone(),
        blobs: tree.blobs.len(),
        blobs_present: tree.blobs.len() - missing.len(),
        blobs_mounted: tally.mounted.load(Ordering::Relaxed),
        blobs_uploaded: tally.uploaded.load(Ordering::Relaxed),
        bytes_uploaded: tally.bytes.load(Ordering::Relaxed),
        manifests_pushed: pushed,
        manifests_present: already,
    })
}

/// What [`pull`] read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PullReport {
    /// The digest of the top manifest (or index) the reference resolves to.
    pub digest: String,
    /// Manifests read below the top one, distinct blobs read, and their bytes.
    pub manifests: usize,
    pub blobs: usize,
    pub bytes: u64,
}

/// Read an image completely (every manifest of every platform, every blob, digests checked)
/// and keep nothing: what a pull does to a registry. Pulling through an Amazon ECR
/// pull-through cache prefix is what fills the cache.
pub async fn pull(
    image: &ImageRef,
    credentials: &Credentials,
    progress: bool,
) -> Result<PullReport, ImageError> {
    let src = Endpoint::new(image, credentials);
    src.login(RegistryOperation::Pull).await?;
    let progress = Progress::new(progress);
    let tree = read_tree(&src, &[]).await?;
    progress.plan(tree.blobs.len(), tree.blobs.iter().map(|d| d.size).sum());
    let mut bytes = 0;
    for d in &tree.blobs {
        // Checked here too (size and sha256), not only by oci-client's verifying stream.
        let mut check = BlobCheck::new(d);
        let mut stream = src.blob_stream(&d.digest).await?;
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(|e| ImageError::Registry {
                registry: image.registry().to_string(),
                detail: format!(
                    "reading blob {} of {image}: {}",
                    d.digest,
                    crate::error::one_line(&e.to_string())
                ),
            })?;
            if check.update(&chunk).is_err() {
                break;
            }
            bytes += chunk.len() as u64;
            progress.bytes(chunk.len() as u64);
        }
        let complete = check.seen == d.size;
        let mismatch = check.mismatch.lock().ok().and_then(|mut m| m.take());
        if let Some(detail) = mismatch.or_else(|| {
            (!complete).then(|| format!("the registry sent {} of {} bytes", check.seen, d.size))
        }) {
            return Err(ImageError::DigestMismatch {
                what: format!("blob {} of {image}", d.digest),
                detail,
            });
        }
        progress.blob_done();
    }
    progress.finish();
    Ok(PullReport {
        digest: tree.top_digest,
        manifests: tree.children.len(),
        blobs: tree.blobs.len(),
        bytes,
    })
}

/// A destination written without a tag takes the source's (`crane copy` and `docker tag`
/// would name it `latest`, which hides what was copied).
fn dest_reference(source: &ImageRef, dest: &ImageRef) -> ImageRef {
    match (dest.explicit, source.tag()) {
        (false, Some(tag)) => dest.with_tag(tag),
        _ => dest.clone(),
    }
}

/// Index nesting moat follows (an index of indexes is legal; deeper is a loop or an attack).
const MAX_DEPTH: usize = 4;

async fn read_tree(src: &Endpoint, platforms: &[Platform]) -> Result<Tree, ImageError> {
    let (bytes, source_digest) = src.manifest(&src.image).await?;
    let parsed = parse(&src.image, &bytes)?;
    let mut tree = Tree {
        children: Vec::new(),
        top_digest: source_digest.clone(),
        top_media_type: parsed.media_type().to_string(),
        top_bytes: bytes.clone(),
        source_digest,
        platforms: Vec::new(),
        blobs: Vec::new(),
    };
    let mut seen = HashSet::new();
    let manifests = match parsed {
        Parsed::Image { config, layers, .. } => {
            add_blobs(&mut tree.blobs, &mut seen, config, layers);
            return Ok(tree);
        }
        Parsed::Index { manifests, .. } => manifests,
    };
    let selected = select_platforms(&src.image, &manifests, platforms)?;
    tree.platforms = selected
        .iter()
        .filter_map(|d| d.platform.as_ref().map(ToString::to_string))
        .collect();
    for child in &selected {
        read_child(src, child, 1, &mut tree, &mut seen).await?;
    }
    if selected.len() < manifests.len() {
        retop(&mut tree, &bytes, &selected)?;
    }
    Ok(tree)
}

fn parse(at: &ImageRef, bytes: &[u8]) -> Result<Parsed, ImageError> {
    manifest::parse(bytes).map_err(|detail| ImageError::Unsupported {
        image: at.to_string(),
        detail,
    })
}

/// `--platform` keeps the index entries it names (an entry without a platform, such as an
/// attestation manifest, is kept only when copying everything).
fn select_platforms(
    image: &ImageRef,
    manifests: &[Descriptor],
    wanted: &[Platform],
) -> Result<Vec<Descriptor>, ImageError> {
    if wanted.is_empty() {
        return Ok(manifests.to_vec());
    }
    for w in wanted {
        if !manifests
            .iter()
            .any(|d| d.platform.as_ref().is_some_and(|p| w.selects(p)))
        {
            return Err(ImageError::NoSuchPlatform {
                image: image.to_string(),
                wanted: w.to_string(),
                available: manifests
                    .iter()
                    .filter_map(|d| d.platform.as_ref().map(ToString::to_string))
                    .collect::<Vec<_>>()
                    .join(", "),
            });
        }
    }
    Ok(manifests
        .iter()
        .filter(|d| {
            d.platform
                .as_ref()
                .is_some_and(|p| wanted.iter().any(|w| w.selects(p)))
        })
        .cloned()
        .collect())
}

/// With some platforms dropped, the top manifest is the one platform's manifest itself (as
/// `crane copy --platform` does), or a new index listing only the kept ones.
fn retop(tree: &mut Tree, index: &[u8], selected: &[Descriptor]) -> Result<(), ImageError> {
    if let [only] = selected {
        let pos = tree
            .children
            .iter()
            .position(|(d, _, _)| *d == only.digest)
            .expect("the selected manifest was read");
        let (digest, media_type, bytes) = tree.children.remove(pos);
        tree.top_digest = digest;
        tree.top_media_type = media_type;
        tree.top_bytes = bytes;
        return Ok(());
    }
    let filtered =
        manifest::filter_index(index, selected).map_err(|detail| ImageError::Unsupported {
            image: tree.source_digest.clone(),
            detail,
        })?;
    tree.top_digest = manifest::sha256_digest(&filtered);
    tree.top_bytes = Bytes::from(filtered);
    Ok(())
}

fn read_child<'a>(
    src: &'a Endpoint,
    desc: &'a Descriptor,
    depth: usize,
    tree: &'a mut Tree,
    seen: &'a mut HashSet<String>,
) -> BoxFuture<'a, Result<(), ImageError>> {
    Box::pin(async move {
        let at = src.at_digest(&desc.digest);
        if depth > MAX_DEPTH {
            return Err(ImageError::Unsupported {
                image: at.to_string(),
                detail: format!("image indexes nested deeper than {MAX_DEPTH}"),
            });
        }
        // `manifest` checks the bytes against the digest the index names.
        let (bytes, digest) = src.manifest(&at).await?;
        let parsed = parse(&at, &bytes)?;
        let media_type = if desc.media_type.is_empty() {
            parsed.media_type().to_string()
        } else {
            desc.media_type.clone()
        };
        match parsed {
            Parsed::Image { config, layers, .. } => {
                add_blobs(&mut tree.blobs, seen, config, layers)
            }
            Parsed::Index { manifests, .. } => {
                for child in &manifests {
                    read_child(src, child, depth + 1, tree, seen).await?;
                }
            }
        }
        if !tree.children.iter().any(|(d, _, _)| *d == digest) {
            tree.children.push((digest, media_type, bytes));
        }
        Ok(())
    })
}

fn add_blobs(
    blobs: &mut Vec<Descriptor>,
    seen: &mut HashSet<String>,
    config: Descriptor,
    layers: Vec<Descriptor>,
) {
    for d in std::iter::once(config).chain(layers) {
        if seen.insert(d.digest.clone()) {
            blobs.push(d);
        }
    }
}

/// HEAD every blob at the destination: `true` where it is already there.
async fn check_blobs(
    dst: &Endpoint,
    blobs: &[Descriptor],
    jobs: usize,
) -> Result<Vec<bool>, ImageError> {
    stream::iter(blobs)
        .map(|d| dst.blob_exists(&d.digest))
        .buffered(jobs)
        .try_collect()
        .await
}

#[derive(Default)]
struct Tally {
    /// Blobs whose move has started (for the stop hook).
    started: AtomicUsize,
    uploaded: AtomicUsize,
    mounted: AtomicUsize,
    bytes: AtomicU64,
}

async fn move_blobs(
    src: &Endpoint,
    dst: &Endpoint,
    missing: &[Descriptor],
    jobs: usize,
    stop_after: Option<usize>,
    tally: &Arc<Tally>,
    progress: &Progress,
) -> Result<(), ImageError> {
    stream::iter(missing)
        .map(|desc| async move {
            let n = tally.started.fetch_add(1, Ordering::SeqCst);
            if stop_after.is_some_and(|limit| n >= limit) {
                return Err(ImageError::Interrupted { uploads: n });
            }
            move_blob(src, dst, desc, tally, progress).await?;
            progress.blob_done();
            Ok(())
        })
        .buffer_unordered(jobs)
        .try_collect::<Vec<()>>()
        .await
        .map(|_| ())
}

async fn move_blob(
    src: &Endpoint,
    dst: &Endpoint,
    desc: &Descriptor,
    tally: &Arc<Tally>,
    progress: &Progress,
) -> Result<(), ImageError> {
    // Same registry: ask it to link the blob from the source repository (no bytes move).
    if src.image.registry() == dst.image.registry()
        && src.image.repository() != dst.image.repository()
        && dst.mount(&desc.digest, &src.image).await
    {
        tally.mounted.fetch_add(1, Ordering::Relaxed);
        progress.bytes(desc.size);
        return Ok(());
    }
    let body = src.blob_stream(&desc.digest).await?;
    let counter = Arc::clone(tally);
    let bar = progress.bar_handle();
    let mut check = BlobCheck::new(desc);
    let mismatch = Arc::clone(&check.mismatch);
    let body = body.map(move |chunk| {
        let chunk = chunk.map_err(OciDistributionError::IoError)?;
        check.update(&chunk)?;
        counter
            .bytes
            .fetch_add(chunk.len() as u64, Ordering::Relaxed);
        bar.inc(chunk.len() as u64);
        Ok(chunk)
    });
    match dst.upload(&desc.digest, desc.size, body).await {
        Ok(()) => {
            tally.uploaded.fetch_add(1, Ordering::Relaxed);
            Ok(())
        }
        Err(e) => match mismatch.lock().ok().and_then(|mut m| m.take()) {
            Some(detail) => Err(ImageError::DigestMismatch {
                what: format!("blob {} of {}", desc.digest, src.image),
                detail,
            }),
            None => Err(e),
        },
    }
}

/// Hashes a blob as it streams through and fails its last chunk (before the registry has
/// all the bytes, so the upload cannot complete) when size or digest is not the descriptor's.
/// The source-side check of oci-client runs only after the last byte, which an upload with a
/// known length never asks for.
struct BlobCheck {
    expected: String,
    size: u64,
    seen: u64,
    hasher: Sha256,
    mismatch: Arc<Mutex<Option<String>>>,
}

impl BlobCheck {
    fn new(desc: &Descriptor) -> BlobCheck {
        BlobCheck {
            expected: desc.digest.clone(),
            size: desc.size,
            seen: 0,
            hasher: Sha256::new(),
            mismatch: Arc::new(Mutex::new(None)),
        }
    }

    fn update(&mut self, chunk: &[u8]) -> Result<(), OciDistributionError> {
        self.seen += chunk.len() as u64;
        self.hasher.update(chunk);
        let problem = if self.seen > self.size {
            Some(format!("the source sent more than its {} bytes", self.size))
        } else if self.seen == self.size && self.expected.starts_with("sha256:") {
            let actual = format!("sha256:{}", hex::encode(self.hasher.finalize_reset()));
            (actual != self.expected).then(|| format!("the source's bytes hash to {actual}"))
        } else {
            None
        };
        match problem {
            None => Ok(()),
            Some(detail) => {
                if let Ok(mut m) = self.mismatch.lock() {
                    *m = Some(detail.clone());
                }
                Err(OciDistributionError::IoError(std::io::Error::other(detail)))
            }
        }
    }
}

/// Child manifests by digest, then the top one under the destination tag. A manifest the
/// destination already has under that name is not pushed again (so an immutable tag that
/// already names this digest is no error). Returns (pushed, already there).
async fn push_manifests(
    dst: &Endpoint,
    dest: &ImageRef,
    tree: &Tree,
) -> Result<(usize, usize), ImageError> {
    let (mut pushed, mut already) = (0, 0);
    for (digest, media_type, bytes) in &tree.children {
        let at = dst.at_digest(digest);
        if dst.manifest_digest(&at).await?.as_deref() == Some(digest.as_str()) {
            already += 1;
        } else {
            dst.push_manifest(&at, bytes.clone(), media_type).await?;
            pushed += 1;
        }
    }
    let top = match dest.digest() {
        Some(d) if d != tree.top_digest => {
            return Err(ImageError::DigestMismatch {
                what: format!("destination {dest}"),
                detail: format!("it names {d}, the copy is {}", tree.top_digest),
            })
        }
        Some(_) => dst.at_digest(&tree.top_digest),
        None => dest.clone(),
    };
    if dst.manifest_digest(&top).await?.as_deref() == Some(tree.top_digest.as_str()) {
        already += 1;
    } else {
        dst.push_manifest(&top, tree.top_bytes.clone(), &tree.top_media_type)
            .await?;
        pushed += 1;
        // Read it back: the registry must now name exactly the digest we computed.
        let now = dst.manifest_digest(&top).await?;
        if now.as_deref() != Some(tree.top_digest.as_str()) {
            return Err(ImageError::DigestMismatch {
                what: format!("{top} after the push"),
                detail: format!(
                    "expected {}, the registry names {}",
                    tree.top_digest,
                    now.unwrap_or_else(|| "nothing".into())
                ),
            });
        }
    }
    Ok((pushed, already))
}
