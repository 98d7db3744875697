//! Test helpers (not part of the API): a throwaway `docker-registry` (Debian's package of the
//! CNCF distribution registry) on a free loopback port, optionally behind htpasswd basic auth,
//! and a generated two-platform image to copy. Used by this crate's and the CLI's tests.

use crate::endpoint::Credentials;
use crate::error::ImageError;
use crate::manifest::{Descriptor, OCI_INDEX, OCI_MANIFEST};
use crate::reference::ImageRef;
use crate::repository::Repository;
use serde_json::json;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The user and password of a registry started with auth.
pub const USER: &str = "moat";
pub const PASSWORD: &str = "s3cret-for-tests";

/// A registry process on 127.0.0.1; killed when dropped.
pub struct LocalRegistry {
    child: Child,
    pub port: u16,
    log: PathBuf,
    dir: tempfile::TempDir,
}

impl Drop for LocalRegistry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn which(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

/// `docker-registry` from `MOAT_DOCKER_REGISTRY` or PATH. Without one, tests skip (saying
/// why) unless `CI` is set, where they fail: scripts/test.sh installs it.
pub fn registry_binary() -> Option<PathBuf> {
    let found = std::env::var_os("MOAT_DOCKER_REGISTRY")
        .map(PathBuf::from)
        .or_else(|| which("docker-registry"));
    if found.is_none() {
        assert!(
            std::env::var_os("CI").is_none(),
            "docker-registry not found (apt-get install docker-registry); required under CI"
        );
        eprintln!("skipping: docker-registry not found (apt-get install docker-registry)");
    }
    found
}

/// A port nothing listens on (bound and released; good enough on loopback).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

impl LocalRegistry {
    /// Start a registry; with `auth`, it asks for HTTP basic auth ([`USER`], [`PASSWORD`],
    /// bcrypt in an htpasswd file written by apache2-utils' `htpasswd`). `None` when the
    /// registry binary is missing outside CI.
    pub fn start(auth: bool) -> Option<LocalRegistry> {
        LocalRegistry::start_with(auth.then_some((USER, PASSWORD)))
    }

    /// [`LocalRegistry::start`] with basic auth for this user and password (e.g. the `AWS`
    /// user and the password an emulated `GetAuthorizationToken` returns).
    pub fn start_with(auth: Option<(&str, &str)>) -> Option<LocalRegistry> {
        LocalRegistry::start_configured(auth, "")
    }

    /// A registry that is a pull-through cache of the registry at `upstream` (`host:port`,
    /// plain HTTP): docker-registry's proxy mode, which fetches what it is asked for from the
    /// upstream on the first pull and keeps it. It stands in for an ECR pull-through cache
    /// (which keeps the repository name's prefix, where this keeps the whole name).
    pub fn start_proxy(upstream: &str, auth: Option<(&str, &str)>) -> Option<LocalRegistry> {
        LocalRegistry::start_configured(auth, &format!("proxy:\n  remoteurl: http://{upstream}\n"))
    }

    /// Manifests the registry served (`GET …/manifests/…` answered 200), from its access log.
    pub fn manifests_served(&self) -> usize {
        self.count_requests("GET", "/manifests/", "200")
    }

    fn start_configured(auth: Option<(&str, &str)>, extra: &str) -> Option<LocalRegistry> {
        let bin = registry_binary()?;
        let dir = tempfile::tempdir().expect("temp dir");
        let port = free_port();
        let auth_section = match auth {
            Some((user, password)) => {
                let htpasswd = dir.path().join("htpasswd");
                write_htpasswd(&htpasswd, user, password);
                format!(
                    "auth:\n  htpasswd:\n    realm: moat-test\n    path: {}\n",
                    htpasswd.display()
                )
            }
            None => String::new(),
        };
        let config = format!(
            "version: 0.1\nlog:\n  level: info\n  accesslog:\n    disabled: false\n\
             storage:\n  filesystem:\n    rootdirectory: {}\n\
             http:\n  addr: 127.0.0.1:{port}\n  secret: moat-test-secret\n{auth_section}{extra}",
            dir.path().join("data").display()
        );
        let config_path = dir.path().join("config.yml");
        std::fs::write(&config_path, config).expect("write registry config");
        let log = dir.path().join("registry.log");
        let log_file = std::fs::File::create(&log).expect("registry log");
        let child = Command::new(&bin)
            .arg("serve")
            .arg(&config_path)
            .stdout(Stdio::null())
            .stderr(log_file)
            .spawn()
            .unwrap_or_else(|e| panic!("starting {}: {e}", bin.display()));
        let registry = LocalRegistry {
            child,
            port,
            log,
            dir,
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "docker-registry did not listen on {port} within 30s: {}",
                std::fs::read_to_string(&registry.log).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        Some(registry)
    }

    /// `127.0.0.1:<port>`.
    pub fn host(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// `127.0.0.1:<port>/<path>` parsed.
    pub fn image(&self, path: &str) -> ImageRef {
        format!("{}/{path}", self.host())
            .parse()
            .expect("test image reference")
    }

    /// Blob uploads the registry completed (`PUT …/blobs/uploads/…` answered 201), read from
    /// its own access log: the count does not rely on the client's word.
    pub fn completed_uploads(&self) -> usize {
        self.count_requests("PUT", "/blobs/uploads/", "201")
    }

    /// Flip bytes of a stored blob (same length), so the registry serves content that does
    /// not match its digest: a test of digest verification.
    pub fn corrupt_blob(&self, digest: &str) {
        self.tamper_blob(digest, |bytes| {
            for b in bytes.iter_mut().take(64) {
                *b = !*b;
            }
        });
    }

    /// Change a stored blob (or manifest: the registry keeps those as blobs too) in place.
    pub fn tamper_blob(&self, digest: &str, change: impl FnOnce(&mut Vec<u8>)) {
        let hex = digest.strip_prefix("sha256:").expect("a sha256 digest");
        let path = self
            .dir
            .path()
            .join("data/docker/registry/v2/blobs/sha256")
            .join(&hex[..2])
            .join(hex)
            .join("data");
        let mut bytes = std::fs::read(&path).expect("the stored blob");
        change(&mut bytes);
        std::fs::write(&path, bytes).expect("rewrite the blob");
    }

    /// Cross-repository mounts the registry completed (`POST …?mount=…` answered 201).
    pub fn completed_mounts(&self) -> usize {
        self.count_requests("POST", "mount=", "201")
    }

    fn count_requests(&self, method: &str, uri_part: &str, status: &str) -> usize {
        let log = std::fs::read_to_string(&self.log).unwrap_or_default();
        log.lines()
            .filter(|l| l.contains("response completed"))
            .filter(|l| l.contains(&format!("http.request.method={method} ")))
            .filter(|l| {
                l.split_whitespace()
                    .any(|w| w.starts_with("http.request.uri=") && w.contains(uri_part))
            })
            .filter(|l| l.contains(&format!("http.response.status={status} ")))
            .count()
    }
}

fn write_htpasswd(path: &Path, user: &str, password: &str) {
    let out = Command::new("htpasswd")
        .args(["-Bbn", user, password])
        .output()
        .expect("htpasswd (apache2-utils) must be installed for the auth registry");
    assert!(out.status.success(), "htpasswd failed: {out:?}");
    std::fs::write(path, out.stdout).expect("write htpasswd");
}

/// The credentials of a registry started with auth.
pub fn credentials() -> Credentials {
    Credentials::Basic {
        username: USER.into(),
        password: PASSWORD.into(),
    }
}

/// What [`push_test_image`] pushed.
#[derive(Debug, Clone)]
pub struct TestImage {
    pub index_digest: String,
    /// (platform, manifest digest) per platform.
    pub manifests: Vec<(String, String)>,
    /// Every distinct blob: one layer both platforms share, one of each platform's own, and a
    /// config per platform.
    pub blobs: Vec<Descriptor>,
}

/// A small deterministic generator (xorshift64*): test layers need bytes, not quality.
struct Noise(u64);

impl Noise {
    fn bytes(&mut self, n: usize) -> Vec<u8> {
        let mut out = Vec::with_capacity(n + 8);
        while out.len() < n {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            out.extend_from_slice(&self.0.wrapping_mul(0x2545_F491_4F6C_DD1D).to_le_bytes());
        }
        out.truncate(n);
        out
    }
}

/// Build and push a two-platform image (linux/amd64, linux/arm64) to `image`'s repository
/// under its tag: random layers (`seed` makes them differ between images), a config per
/// platform, a manifest per platform and an OCI index over both.
pub async fn push_test_image(
    image: &ImageRef,
    credentials: &Credentials,
    seed: u64,
) -> Result<TestImage, ImageError> {
    push_test_image_sized(image, credentials, seed, 64 * 1024).await
}

/// [`push_test_image`] with layers of about `layer_bytes` each (a demo of the progress bar
/// wants megabytes).
pub async fn push_test_image_sized(
    image: &ImageRef,
    credentials: &Credentials,
    seed: u64,
    layer_bytes: usize,
) -> Result<TestImage, ImageError> {
    let repo = Repository::open(image, credentials, true).await?;
    let mut noise = Noise(seed | 1);
    let layer_type = "application/vnd.oci.image.layer.v1.tar";
    let shared = repo
        .push_blob(layer_type, noise.bytes(layer_bytes + layer_bytes / 2))
        .await?;
    let mut blobs = vec![shared.clone()];
    let mut entries = Vec::new();
    let mut manifests = Vec::new();
    for (i, arch) in ["amd64", "arm64"].iter().enumerate() {
        let own = repo
            .push_blob(layer_type, noise.bytes(layer_bytes + i * 4096))
            .await?;
        let config = json!({
            "architecture": arch, "os": "linux",
            "config": {"Entrypoint": ["/app"]},
            "rootfs": {"type": "layers", "diff_ids": [shared.digest, own.digest]},
        });
        let config = repo
            .push_blob(
                "application/vnd.oci.image.config.v1+json",
                serde_json::to_vec(&config).expect("json"),
            )
            .await?;
        let manifest = json!({
            "schemaVersion": 2, "mediaType": OCI_MANIFEST,
            "config": descriptor_json(&config),
            "layers": [descriptor_json(&shared), descriptor_json(&own)],
        });
        let bytes = serde_json::to_vec(&manifest).expect("json");
        let size = bytes.len();
        let digest = repo.push_manifest(None, OCI_MANIFEST, bytes).await?;
        entries.push(json!({
            "mediaType": OCI_MANIFEST, "digest": digest, "size": size,
            "platform": {"architecture": arch, "os": "linux"},
        }));
        manifests.push((format!("linux/{arch}"), digest));
        blobs.extend([own, config]);
    }
    let index = json!({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": entries});
    let index_digest = repo
        .push_manifest(
            Some(image.tag().unwrap_or("latest")),
            OCI_INDEX,
            serde_json::to_vec(&index).expect("json"),
        )
        .await?;
    Ok(TestImage {
        index_digest,
        manifests,
        blobs,
    })
}

fn descriptor_json(d: &Descriptor) -> serde_json::Value {
    json!({"mediaType": d.media_type, "digest": d.digest, "size": d.size})
}

/// A seed that differs between runs and tests, so each pushed image is new.
pub fn fresh_seed() -> u64 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(7);
    nanos ^ (u64::from(std::process::id()) << 32)
}

/// ELF machine numbers [`static_elf`] writes (System V ABI, `e_machine`).
pub const EM_X86_64: u16 = 62;
pub const EM_AARCH64: u16 = 183;

/// A minimal statically linked 64-bit little-endian Linux ELF executable for `machine`: the
/// ELF header, one `PT_LOAD` program header over the whole file (no `PT_INTERP`, no dynamic
/// section) and `payload` as its contents. It is never run; `moat image build-gate` reads its
/// platform from the header and packs its bytes, which a test compares after a pull. Layout:
/// <https://refspecs.linuxfoundation.org/elf/gabi4+/ch4.eheader.html>.
pub fn static_elf(machine: u16, payload: &[u8]) -> Vec<u8> {
    const HEADER: u16 = 64;
    const PROGRAM_HEADER: u16 = 56;
    const BASE: u64 = 0x40_0000;
    let total = u64::from(HEADER + PROGRAM_HEADER) + payload.len() as u64;
    let mut elf = Vec::with_capacity(total as usize);
    // e_ident: magic, 64-bit, little-endian, version 1, System V ABI, padding.
    elf.extend_from_slice(&[0x7f, b'E', b'L', b'F', 2, 1, 1, 0]);
    elf.extend_from_slice(&[0; 8]);
    elf.extend_from_slice(&2u16.to_le_bytes()); // e_type: ET_EXEC
    elf.extend_from_slice(&machine.to_le_bytes()); // e_machine
    elf.extend_from_slice(&1u32.to_le_bytes()); // e_version
    let entry = BASE + u64::from(HEADER + PROGRAM_HEADER);
    elf.extend_from_slice(&entry.to_le_bytes()); // e_entry: the payload
    elf.extend_from_slice(&u64::from(HEADER).to_le_bytes()); // e_phoff
    elf.extend_from_slice(&0u64.to_le_bytes()); // e_shoff: no sections
    elf.extend_from_slice(&0u32.to_le_bytes()); // e_flags
    elf.extend_from_slice(&HEADER.to_le_bytes()); // e_ehsize
    elf.extend_from_slice(&PROGRAM_HEADER.to_le_bytes()); // e_phentsize
    elf.extend_from_slice(&1u16.to_le_bytes()); // e_phnum
    elf.extend_from_slice(&64u16.to_le_bytes()); // e_shentsize
    elf.extend_from_slice(&0u16.to_le_bytes()); // e_shnum
    elf.extend_from_slice(&0u16.to_le_bytes()); // e_shstrndx
    elf.extend_from_slice(&1u32.to_le_bytes()); // p_type: PT_LOAD
    elf.extend_from_slice(&5u32.to_le_bytes()); // p_flags: read, execute
    elf.extend_from_slice(&0u64.to_le_bytes()); // p_offset
    elf.extend_from_slice(&BASE.to_le_bytes()); // p_vaddr
    elf.extend_from_slice(&BASE.to_le_bytes()); // p_paddr
    elf.extend_from_slice(&total.to_le_bytes()); // p_filesz
    elf.extend_from_slice(&total.to_le_bytes()); // p_memsz
    elf.extend_from_slice(&0x1000u64.to_le_bytes()); // p_align
    elf.extend_from_slice(payload);
    elf
}

/// Random bytes from `seed` (a payload that differs between test runs).
pub fn noise(seed: u64, n: usize) -> Vec<u8> {
    Noise(seed | 1).bytes(n)
}
