//! The egress gateway's container image, assembled without Docker: a statically linked
//! `moat-gate` binary as the one layer on an empty base, a non-root user, the entrypoint and
//! labels; pushed with the calls `copy` uses.
//!
//! ```no_run
//! # async fn demo() -> Result<(), moat_image::GateImageError> {
//! use moat_image::{build_gate, GateImageOptions, ImageRef};
//! let dest: ImageRef = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/moat-gate:0.1.0".parse()?;
//! let opts = GateImageOptions {
//!     binaries: vec!["target/x86_64-unknown-linux-gnu/release/moat-gate".into()],
//!     ..GateImageOptions::default()
//! };
//! let report = build_gate(&dest, &opts).await?;
//! println!("{}", report.pinned); // …/moat-gate@sha256:…
//! # Ok(()) }
//! ```
//!
//! ## The binaries
//!
//! One binary gives one image manifest. Several binaries (one per CPU: x86-64 and AArch64)
//! give an OCI image index with one manifest per platform, each read from its binary's ELF
//! header, so one reference runs on either kind of Fargate task; two binaries of the same
//! platform are refused. Format:
//! <https://github.com/opencontainers/image-spec/blob/main/image-index.md>.
//!
//!
//! An empty base has no dynamic loader and no shared libraries, so the binary must be
//! statically linked: [`inspect_binary`] refuses one with an ELF interpreter (`PT_INTERP`) or a
//! needed library (`DT_NEEDED`), and reads the platform from the ELF machine. Build it with
//! `scripts/build-gate-static.sh` (the glibc target with `-C target-feature=+crt-static`).
//!
//! Name resolution in a static glibc binary: glibc 2.34 and later carry the `files` and `dns`
//! NSS modules inside libc itself (also in `libc.a`), so `getaddrinfo` reads `/etc/hosts` and
//! asks the servers of `/etc/resolv.conf` without loading any `libnss_*.so`; the linker's
//! warning that getaddrinfo "requires at runtime the shared libraries from the glibc version
//! used for linking" concerns the other modules (`myhostname`, `resolve`, LDAP, …), which the
//! layer's `/etc/nsswitch.conf` (`hosts: files dns`) does not name. The test
//! `tests/build_gate.rs` resolves `localhost` inside the unpacked image (chroot) through the
//! gateway itself.
//!
//! ## Reproducible
//!
//! Every file in the layer has owner 0:0 (the home directory 65532), mtime 0, and fixed modes;
//! the gzip header carries no time or name; the config's `created` is the epoch. The same
//! binary and labels therefore give the same digests, and a second push uploads nothing.

use crate::endpoint::{Credentials, Endpoint};
use crate::error::ImageError;
use crate::manifest::{sha256_digest, OCI_INDEX, OCI_MANIFEST};
use crate::reference::ImageRef;
use bytes::Bytes;
use object::elf;
use object::read::elf::{Dyn as _, ElfFile64, FileHeader as _, ProgramHeader as _};
use object::Endianness;
use oci_client::RegistryOperation;
use serde_json::json;
use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};

/// Where the binary is in the image, and the entrypoint.
pub const GATE_PATH: &str = "/usr/local/bin/moat-gate";
/// The user the gateway runs as (`nonroot`, the distroless convention): never root.
pub const GATE_UID: u32 = 65532;
/// Media types of the pieces.
pub const OCI_CONFIG: &str = "application/vnd.oci.image.config.v1+json";
pub const OCI_LAYER_GZIP: &str = "application/vnd.oci.image.layer.v1.tar+gzip";

/// The gateway's ports, as `docker/gate.Dockerfile` exposes them: the proxy and the metrics.
const EXPOSED: [&str; 2] = ["3128/tcp", "9090/tcp"];

/// The default command, as `docker/gate.Dockerfile` has it (`moat synth` overrides it).
const DEFAULT_CMD: [&str; 8] = [
    "--proxy-listen",
    "0.0.0.0:3128",
    "--metrics-listen",
    "0.0.0.0:9090",
    "--mode",
    "enforce",
    "--allowlist",
    "/etc/moat-gate/allowlist.txt",
];

/// Why the gateway's image could not be built or pushed.
#[derive(Debug, thiserror::Error)]
pub enum GateImageError {
    /// The binary cannot be read, or cannot run on an empty base.
    #[error("{path}: {detail}")]
    Binary { path: PathBuf, detail: String },
    /// No binary to build from.
    #[error("no moat-gate binary given (--binary PATH, once per platform)")]
    NoBinary,
    /// Two binaries for one platform: an index holds one image per platform.
    #[error(
        "{second}: built for {platform}, as {first} is; an image index holds one image per \
         platform (give one binary per CPU: x86-64, AArch64)"
    )]
    SamePlatform {
        platform: String,
        first: PathBuf,
        second: PathBuf,
    },
    /// A `--label` that is not `KEY=VALUE`.
    #[error("label `{0}` is not KEY=VALUE")]
    Label(String),
    #[error(transparent)]
    Image(#[from] ImageError),
}

/// How to build the image.
#[derive(Debug, Clone, Default)]
pub struct GateImageOptions {
    /// The statically linked `moat-gate` binaries, one per platform (read from each one's ELF
    /// header). One gives an image manifest; several an OCI image index over one manifest per
    /// platform.
    pub binaries: Vec<PathBuf>,
    /// Credentials for the destination registry.
    pub credentials: Credentials,
    /// Labels added to (or replacing) the default ones.
    pub labels: Vec<(String, String)>,
}

/// What a build did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GateImageReport {
    /// The destination pinned by digest: what `[egress] image` should name.
    pub pinned: String,
    /// The digest `pinned` names: the image manifest's, or with several binaries the index's.
    pub digest: String,
    /// Whether `digest` is an image index (several binaries).
    pub index: bool,
    /// One per binary, ordered by platform.
    pub platforms: Vec<PlatformReport>,
    /// Blobs (configs, layers) uploaded, and those the registry already had.
    pub blobs_uploaded: usize,
    pub blobs_present: usize,
    /// Whether the tagged manifest (or index) was pushed (false: the tag already named it).
    pub manifest_pushed: bool,
}

/// One platform's image of a build.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlatformReport {
    /// `linux/amd64` or `linux/arm64/v8`, from the binary.
    pub platform: String,
    /// The image manifest's digest.
    pub digest: String,
    /// Size of the gzip-compressed layer, and of the binary in it.
    pub layer_bytes: u64,
    pub binary_bytes: u64,
}

/// The platform of a static binary (`os`, `architecture`, `variant`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BinaryPlatform {
    pub architecture: &'static str,
    pub variant: Option<&'static str>,
}

impl std::fmt::Display for BinaryPlatform {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "linux/{}", self.architecture)?;
        if let Some(v) = self.variant {
            write!(f, "/{v}")?;
        }
        Ok(())
    }
}

/// Check that `bytes` is a 64-bit Linux ELF executable that needs no dynamic loader and no
/// shared library, and read its platform (x86-64 is `amd64`, AArch64 `arm64/v8`: the two CPU
/// architectures Fargate runs, https://docs.aws.amazon.com/AmazonECS/latest/developerguide/ecs-arm64.html).
pub fn inspect_binary(bytes: &[u8]) -> Result<BinaryPlatform, String> {
    let file = ElfFile64::<Endianness>::parse(bytes)
        .map_err(|e| format!("not a 64-bit ELF executable ({e})"))?;
    let header = file.elf_header();
    let endian = file.endian();
    let kind = header.e_type(endian);
    if kind != elf::ET_EXEC && kind != elf::ET_DYN {
        return Err("not an executable (a relocatable object or core file)".into());
    }
    for segment in file.elf_program_headers() {
        if segment.p_type(endian) == elf::PT_INTERP {
            let interp = segment
                .interpreter(endian, bytes)
                .ok()
                .flatten()
                .map(|i| String::from_utf8_lossy(i).into_owned())
                .unwrap_or_else(|| "a dynamic loader".into());
            return Err(format!(
                "dynamically linked (it needs {interp}), but the image has an empty base with \
                 no loader or libraries: build a static binary with scripts/build-gate-static.sh"
            ));
        }
        if let Ok(Some(entries)) = segment.dynamic(endian, bytes) {
            if entries.iter().any(|d| d.tag(endian) == elf::DT_NEEDED) {
                return Err(
                    "it needs shared libraries (DT_NEEDED), which an empty base lacks: \
                            build a static binary with scripts/build-gate-static.sh"
                        .into(),
                );
            }
        }
    }
    match header.e_machine(endian) {
        elf::EM_X86_64 => Ok(BinaryPlatform {
            architecture: "amd64",
            variant: None,
        }),
        elf::EM_AARCH64 => Ok(BinaryPlatform {
            architecture: "arm64",
            variant: Some("v8"),
        }),
        other => Err(format!(
            "built for ELF machine {other}, which Fargate does not run (x86-64 or AArch64)"
        )),
    }
}

/// The assembled image: blobs and manifest, not yet pushed.
#[derive(Debug, Clone)]
pub struct GateImage {
    pub platform: BinaryPlatform,
    /// The gzip-compressed layer, and the digest of its uncompressed tar (the config's
    /// `diff_id`).
    pub layer: Bytes,
    pub diff_id: String,
    pub config: Bytes,
    pub manifest: Bytes,
    pub binary_bytes: u64,
}

/// Build the image from the binary's bytes (no I/O: the same input gives the same digests).
pub fn assemble(binary: &[u8], labels: &[(String, String)]) -> Result<GateImage, String> {
    let platform = inspect_binary(binary)?;
    let tar = layer_tar(binary).map_err(|e| format!("writing the layer: {e}"))?;
    let diff_id = sha256_digest(&tar);
    let layer = gzip(&tar).map_err(|e| format!("compressing the layer: {e}"))?;
    let config = image_config(&platform, &diff_id, binary, labels);
    let config = Bytes::from(serde_json::to_vec(&config).expect("JSON of known values"));
    let manifest = json!({
        "schemaVersion": 2,
        "mediaType": OCI_MANIFEST,
        "config": {"mediaType": OCI_CONFIG, "digest": sha256_digest(&config), "size": config.len()},
        "layers": [{"mediaType": OCI_LAYER_GZIP, "digest": sha256_digest(&layer), "size": layer.len()}],
    });
    Ok(GateImage {
        platform,
        layer: Bytes::from(layer),
        diff_id,
        config,
        manifest: Bytes::from(serde_json::to_vec(&manifest).expect("JSON of known values")),
        binary_bytes: binary.len() as u64,
    })
}

/// The files of the image besides the binary. `/etc/passwd` and `/etc/group` name the user
/// (tools show `nonroot` rather than a number); `/etc/nsswitch.conf` makes glibc read
/// `/etc/hosts` and then DNS, with the modules built into libc; `/etc/hosts` serves
/// `localhost` where the runtime mounts none (ECS and Docker mount their own over it).
fn etc_files() -> [(&'static str, String); 4] {
    [
        (
            "etc/passwd",
            format!(
                "root:x:0:0:root:/root:/sbin/nologin\n\
                 nonroot:x:{GATE_UID}:{GATE_UID}:nonroot:/home/nonroot:/sbin/nologin\n"
            ),
        ),
        ("etc/group", format!("root:x:0:\nnonroot:x:{GATE_UID}:\n")),
        ("etc/nsswitch.conf", "hosts: files dns\n".to_string()),
        (
            "etc/hosts",
            "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n".to_string(),
        ),
    ]
}

/// The layer as an uncompressed tar: directories, the `/etc` files and the binary.
fn layer_tar(binary: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut tar = tar::Builder::new(Vec::new());
    let dirs: [(&str, u32, u32); 7] = [
        ("etc/", 0o755, 0),
        ("etc/moat-gate/", 0o755, 0),
        ("home/", 0o755, 0),
        ("home/nonroot/", 0o700, GATE_UID),
        ("tmp/", 0o1777, 0),
        ("usr/", 0o755, 0),
        ("usr/local/", 0o755, 0),
    ];
    for (path, mode, owner) in dirs {
        append(&mut tar, path, tar::EntryType::Directory, mode, owner, &[])?;
    }
    append(
        &mut tar,
        "usr/local/bin/",
        tar::EntryType::Directory,
        0o755,
        0,
        &[],
    )?;
    for (path, text) in etc_files() {
        append(
            &mut tar,
            path,
            tar::EntryType::Regular,
            0o644,
            0,
            text.as_bytes(),
        )?;
    }
    let binary_path = GATE_PATH.trim_start_matches('/');
    append(
        &mut tar,
        binary_path,
        tar::EntryType::Regular,
        0o755,
        0,
        binary,
    )?;
    tar.into_inner()
}

fn append(
    tar: &mut tar::Builder<Vec<u8>>,
    path: &str,
    kind: tar::EntryType,
    mode: u32,
    owner: u32,
    data: &[u8],
) -> std::io::Result<()> {
    let mut header = tar::Header::new_ustar();
    header.set_entry_type(kind);
    header.set_mode(mode);
    header.set_uid(u64::from(owner));
    header.set_gid(u64::from(owner));
    header.set_mtime(0);
    header.set_size(data.len() as u64);
    tar.append_data(&mut header, path, data)
}

/// gzip without a time stamp or file name in its header, so the bytes depend on the input only.
fn gzip(data: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut encoder = flate2::GzBuilder::new()
        .mtime(0)
        .write(Vec::new(), flate2::Compression::best());
    encoder.write_all(data)?;
    encoder.finish()
}

/// The OCI image config: user, entrypoint, default command, ports and labels.
/// Format: https://github.com/opencontainers/image-spec/blob/main/config.md
fn image_config(
    platform: &BinaryPlatform,
    diff_id: &str,
    binary: &[u8],
    extra: &[(String, String)],
) -> serde_json::Value {
    let mut labels: BTreeMap<String, String> = [
        ("org.opencontainers.image.title", "moat-gate".to_string()),
        (
            "org.opencontainers.image.description",
            "moat's egress gateway: lets out only named hosts and logs every host a workload tried"
                .to_string(),
        ),
        (
            "org.opencontainers.image.licenses",
            "Apache-2.0".to_string(),
        ),
        ("org.opencontainers.image.base.name", "scratch".to_string()),
        ("dev.moat.gate.binary.sha256", sha256_digest(binary)),
        (
            "dev.moat.built-by",
            format!("moat image build-gate {}", env!("CARGO_PKG_VERSION")),
        ),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    labels.extend(extra.iter().cloned());
    let exposed: serde_json::Map<String, serde_json::Value> =
        EXPOSED.iter().map(|p| (p.to_string(), json!({}))).collect();
    let mut config = json!({
        "created": "1970-01-01T00:00:00Z",
        "architecture": platform.architecture,
        "os": "linux",
        "config": {
            "User": format!("{GATE_UID}:{GATE_UID}"),
            "Env": ["PATH=/usr/local/bin"],
            "Entrypoint": [GATE_PATH],
            "Cmd": DEFAULT_CMD,
            "WorkingDir": "/",
            "ExposedPorts": exposed,
            "Labels": labels,
        },
        "rootfs": {"type": "layers", "diff_ids": [diff_id]},
        "history": [{
            "created": "1970-01-01T00:00:00Z",
            "created_by": "moat image build-gate (no Dockerfile: one layer on an empty base)",
        }],
    });
    if let Some(variant) = platform.variant {
        config["variant"] = json!(variant);
    }
    config
}

/// Parse `KEY=VALUE` labels.
pub fn parse_labels(labels: &[String]) -> Result<Vec<(String, String)>, GateImageError> {
    labels
        .iter()
        .map(|l| match l.split_once('=') {
            Some((k, v)) if !k.trim().is_empty() => Ok((k.trim().to_string(), v.to_string())),
            _ => Err(GateImageError::Label(l.clone())),
        })
        .collect()
}

/// The OCI image index over `images` (one manifest per platform, in the order given).
pub fn assemble_index(images: &[GateImage]) -> Bytes {
    let manifests: Vec<serde_json::Value> = images
        .iter()
        .map(|image| {
            let mut platform = json!({"architecture": image.platform.architecture, "os": "linux"});
            if let Some(variant) = image.platform.variant {
                platform["variant"] = json!(variant);
            }
            json!({
                "mediaType": OCI_MANIFEST,
                "digest": sha256_digest(&image.manifest),
                "size": image.manifest.len(),
                "platform": platform,
            })
        })
        .collect();
    let index = json!({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": manifests});
    Bytes::from(serde_json::to_vec(&index).expect("JSON of known values"))
}

/// Read and assemble each binary's image, ordered by platform; two of one platform are
/// refused.
fn assemble_all(
    binaries: &[PathBuf],
    labels: &[(String, String)],
) -> Result<Vec<GateImage>, GateImageError> {
    if binaries.is_empty() {
        return Err(GateImageError::NoBinary);
    }
    let mut images: Vec<(PathBuf, GateImage)> = Vec::new();
    for path in binaries {
        let image =
            assemble(&read_binary(path)?, labels).map_err(|detail| GateImageError::Binary {
                path: path.clone(),
                detail,
            })?;
        if let Some((first, _)) = images.iter().find(|(_, i)| i.platform == image.platform) {
            return Err(GateImageError::SamePlatform {
                platform: image.platform.to_string(),
                first: first.clone(),
                second: path.clone(),
            });
        }
        images.push((path.clone(), image));
    }
    images.sort_by_key(|(_, i)| i.platform.to_string());
    Ok(images.into_iter().map(|(_, i)| i).collect())
}

/// Read the binaries, assemble the image (an index over one image per platform when there
/// are several) and push it to `dest` (its tag, else `latest`): the blobs the registry lacks,
/// each platform's manifest, then the manifest or index under the tag.
pub async fn build_gate(
    dest: &ImageRef,
    opts: &GateImageOptions,
) -> Result<GateImageReport, GateImageError> {
    let images = assemble_all(&opts.binaries, &opts.labels)?;
    if dest.digest().is_some() {
        return Err(ImageError::BadReference {
            input: dest.to_string(),
            reason: "name a tag to push to (the digest is known only once the image is built)"
                .into(),
        }
        .into());
    }
    let at = dest.with_tag(dest.tag().unwrap_or("latest"));
    let endpoint = Endpoint::new(&at, &opts.credentials);
    endpoint.login(RegistryOperation::Push).await?;
    let (mut uploaded, mut present) = (0, 0);
    for blob in images.iter().flat_map(|i| [&i.config, &i.layer]) {
        let digest = sha256_digest(blob);
        if endpoint.blob_exists(&digest).await? {
            present += 1;
        } else {
            endpoint.upload_bytes(&digest, blob.clone()).await?;
            uploaded += 1;
        }
    }
    let (top, media_type) = match images.as_slice() {
        [one] => (one.manifest.clone(), OCI_MANIFEST),
        several => {
            // An index may name only manifests the repository has: each by its digest first.
            for image in several {
                let by_digest = endpoint.at_digest(&sha256_digest(&image.manifest));
                if endpoint.manifest_digest(&by_digest).await?.is_none() {
                    endpoint
                        .push_manifest(&by_digest, image.manifest.clone(), OCI_MANIFEST)
                        .await?;
                }
            }
            (assemble_index(several), OCI_INDEX)
        }
    };
    let digest = sha256_digest(&top);
    let manifest_pushed = endpoint.manifest_digest(&at).await?.as_deref() != Some(&digest);
    if manifest_pushed {
        endpoint.push_manifest(&at, top, media_type).await?;
        let now = endpoint.manifest_digest(&at).await?;
        if now.as_deref() != Some(digest.as_str()) {
            return Err(ImageError::DigestMismatch {
                what: format!("{at} after the push"),
                detail: format!(
                    "expected {digest}, the registry names {}",
                    now.unwrap_or_else(|| "nothing".into())
                ),
            }
            .into());
        }
    }
    Ok(GateImageReport {
        pinned: format!("{}/{}@{digest}", at.inner.registry(), at.repository()),
        digest,
        index: images.len() > 1,
        platforms: images
            .iter()
            .map(|i| PlatformReport {
                platform: i.platform.to_string(),
                digest: sha256_digest(&i.manifest),
                layer_bytes: i.layer.len() as u64,
                binary_bytes: i.binary_bytes,
            })
            .collect(),
        blobs_uploaded: uploaded,
        blobs_present: present,
        manifest_pushed,
    })
}

fn read_binary(path: &Path) -> Result<Vec<u8>, GateImageError> {
    std::fs::read(path).map_err(|e| GateImageError::Binary {
        path: path.to_path_buf(),
        detail: format!("cannot read the moat-gate binary: {e}"),
    })
}
