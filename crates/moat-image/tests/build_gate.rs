//! `build_gate`: the egress gateway's image assembled from a static `moat-gate`, pushed to a
//! real registry on loopback (Debian's `docker-registry`), pulled back, unpacked, and run: its
//! `--help`, then the gateway itself inside the unpacked image (chroot, as the image's
//! non-root user) tunnelling a CONNECT to `localhost:PORT`, which it must resolve with the
//! static binary's own `getaddrinfo` and the layer's `/etc/nsswitch.conf` and `/etc/hosts`.
//!
//! The static binary comes from `MOAT_GATE_STATIC_BINARY` (scripts/test.sh builds it with
//! scripts/build-gate-static.sh); without it the tests skip, saying why, unless `CI` is set.

use moat_image::manifest::{self, Parsed};
use moat_image::testing::LocalRegistry;
use moat_image::{build_gate, Credentials, GateImageOptions, ImageRef, Repository};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn static_binary() -> Option<PathBuf> {
    let found = std::env::var_os("MOAT_GATE_STATIC_BINARY").map(PathBuf::from);
    if found.is_none() {
        assert!(
            std::env::var_os("CI").is_none(),
            "MOAT_GATE_STATIC_BINARY is not set; scripts/test.sh builds it (scripts/build-gate-static.sh)"
        );
        eprintln!(
            "skipping: MOAT_GATE_STATIC_BINARY not set (scripts/build-gate-static.sh builds it)"
        );
    }
    found
}

fn options(binary: &Path) -> GateImageOptions {
    GateImageOptions {
        binaries: vec![binary.to_path_buf()],
        credentials: Credentials::Anonymous,
        labels: vec![(
            "org.opencontainers.image.revision".into(),
            "test-revision".into(),
        )],
    }
}

/// Pull the image at `at` back: (config JSON, the unpacked layer's directory).
fn pull_and_unpack(at: &ImageRef, into: &Path) -> serde_json::Value {
    moat_image::block_on(async {
        let repo = Repository::open(at, &Credentials::Anonymous, false)
            .await
            .expect("open");
        let (bytes, _) = repo.manifest("gate-test").await.expect("the tag");
        let Parsed::Image { config, layers, .. } = manifest::parse(&bytes).unwrap() else {
            panic!("not an image manifest")
        };
        assert_eq!(layers.len(), 1, "one layer on an empty base");
        assert_eq!(
            layers[0].media_type,
            "application/vnd.oci.image.layer.v1.tar+gzip"
        );
        let config: serde_json::Value =
            serde_json::from_slice(&repo.blob(&config.digest).await.expect("config")).unwrap();
        let layer = repo.blob(&layers[0].digest).await.expect("layer");
        let tar = flate2::read::GzDecoder::new(&layer[..]);
        let mut archive = tar::Archive::new(tar);
        archive.set_preserve_permissions(true);
        archive.set_preserve_ownerships(true);
        archive.unpack(into).expect("unpack the layer");
        config
    })
}

#[test]
fn the_gateway_image_is_pushed_pulled_unpacked_and_runs() {
    let Some(binary) = static_binary() else {
        return;
    };
    let Some(registry) = LocalRegistry::start(false) else {
        return;
    };
    let dest = registry.image("moat-gate:gate-test");
    let report = moat_image::block_on(build_gate(&dest, &options(&binary))).expect("build-gate");
    assert_eq!(report.platforms.len(), 1);
    assert_eq!(report.platforms[0].platform, "linux/amd64");
    assert!(!report.index);
    assert_eq!((report.blobs_uploaded, report.blobs_present), (2, 0));
    assert!(report.manifest_pushed);
    assert!(
        report
            .pinned
            .ends_with(&format!("/moat-gate@{}", report.digest)),
        "{report:?}"
    );
    assert_eq!(registry.completed_uploads(), 2);

    // The same binary again: same digests, nothing uploaded, the tag already right.
    let again = moat_image::block_on(build_gate(&dest, &options(&binary))).expect("again");
    assert_eq!(again.digest, report.digest, "reproducible");
    assert_eq!((again.blobs_uploaded, again.blobs_present), (0, 2));
    assert!(!again.manifest_pushed);
    assert_eq!(
        registry.completed_uploads(),
        2,
        "the registry saw no upload"
    );

    let root = tempfile::tempdir().unwrap();
    let config = pull_and_unpack(&dest, root.path());
    let c = &config["config"];
    assert_eq!(config["architecture"], "amd64");
    assert_eq!(config["os"], "linux");
    assert_eq!(c["User"], "65532:65532", "not root");
    assert_eq!(
        c["Entrypoint"],
        serde_json::json!(["/usr/local/bin/moat-gate"])
    );
    assert_eq!(c["Labels"]["org.opencontainers.image.title"], "moat-gate");
    assert_eq!(
        c["Labels"]["org.opencontainers.image.revision"],
        "test-revision"
    );
    assert_eq!(config["rootfs"]["diff_ids"].as_array().unwrap().len(), 1);

    let gate = root.path().join("usr/local/bin/moat-gate");
    let meta = std::fs::metadata(&gate).expect("the binary is in the layer");
    assert_eq!(meta.permissions().mode() & 0o777, 0o755);
    assert_eq!(
        std::fs::read(&gate).unwrap(),
        std::fs::read(&binary).unwrap(),
        "the binary arrives byte for byte"
    );
    let passwd = std::fs::read_to_string(root.path().join("etc/passwd")).unwrap();
    assert!(passwd.contains("nonroot:x:65532:65532:"), "{passwd}");

    let help = Command::new(&gate).arg("--help").output().expect("runs");
    assert!(help.status.success(), "{help:?}");
    assert!(String::from_utf8_lossy(&help.stdout).contains("--proxy-listen"));

    tunnel_through_the_unpacked_image(root.path());
    resolve_through_dns_in_the_unpacked_image(root.path());
}

/// Kills the child when dropped.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    moat_image::testing::free_port()
}

/// Run the gateway chrooted into the unpacked image as its user, and CONNECT through it to
/// `localhost:<port>`: the name is resolved inside the image by the static binary, and the
/// upstream dialled.
fn tunnel_through_the_unpacked_image(root: &Path) {
    if !is_root() {
        assert!(
            std::env::var_os("CI").is_none(),
            "the chroot part needs root (CI runs as root)"
        );
        eprintln!("skipping the chroot run: not root");
        return;
    }
    // Files the owner check must have kept (unpacked as root, ownership preserved).
    let home = std::fs::metadata(root.join("home/nonroot")).unwrap();
    assert_eq!((home.uid(), home.gid()), (65532, 65532));

    let echo = TcpListener::bind("127.0.0.1:0").unwrap();
    let echo_port = echo.local_addr().unwrap().port();
    let (accepted, echo_accepted) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        if let Ok((s, _)) = echo.accept() {
            let _ = accepted.send(());
            drop(s);
        }
    });
    let proxy_port = free_port();
    let log = root.join("tmp/decisions.log");
    let _gate = Running(
        Command::new("chroot")
            .arg("--userspec=65532:65532")
            .arg(root)
            .arg("/usr/local/bin/moat-gate")
            .args(["--proxy-listen", &format!("127.0.0.1:{proxy_port}")])
            .args(["--mode", "enforce"])
            .args(["--allow", &format!("localhost:{echo_port}")])
            .args(["--allow-range", "127.0.0.0/8", "--allow-range", "::1/128"])
            .args(["--log", "/tmp/decisions.log"])
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("chroot runs"),
    );
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut client = loop {
        match TcpStream::connect(("127.0.0.1", proxy_port)) {
            Ok(s) => break s,
            Err(e) => {
                assert!(Instant::now() < deadline, "the gateway did not listen: {e}");
                std::thread::sleep(Duration::from_millis(50));
            }
        }
    };
    client
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    write!(
        client,
        "CONNECT localhost:{echo_port} HTTP/1.1\r\nHost: localhost:{echo_port}\r\n\r\n"
    )
    .unwrap();
    let reply = read_head(&mut client);
    assert!(
        reply.starts_with("HTTP/1.1 200"),
        "CONNECT through the gateway in the image: {reply}"
    );
    // The tunnel carries TLS only (the gateway checks the ClientHello's name), so these
    // bytes end it; what matters here is that `localhost` was resolved and dialled.
    let _ = client.write_all(b"not tls\r\n");
    let _ = client.read_to_end(&mut Vec::new());
    let deadline = Instant::now() + Duration::from_secs(10);
    let decision = loop {
        let decisions = std::fs::read_to_string(&log).unwrap_or_default();
        if let Some(line) = decisions
            .lines()
            .find(|l| l.contains("\"host\":\"localhost\""))
        {
            break line.to_string();
        }
        assert!(Instant::now() < deadline, "no decision logged: {decisions}");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(
        decision.contains(&format!("\"resolved\":\"127.0.0.1:{echo_port}\"")),
        "the static binary resolved `localhost` from the image's /etc/hosts: {decision}"
    );
    assert!(
        echo_accepted.recv_timeout(Duration::from_secs(5)).is_ok(),
        "the gateway dialled the upstream"
    );
}

/// The `dns` module of the static glibc (not only `files`): in a private network namespace,
/// the gateway in the image resolves a name only a DNS responder on its loopback knows
/// (tests/gate_dns/check.sh). Needs root, `unshare`, `ip` and `python3` (scripts/test.sh
/// installs them).
fn resolve_through_dns_in_the_unpacked_image(root: &Path) {
    let tools = ["unshare", "ip", "python3", "chroot"];
    if !is_root() || tools.iter().any(|t| which(t).is_none()) {
        assert!(
            std::env::var_os("CI").is_none(),
            "the DNS check needs root and {tools:?}"
        );
        eprintln!("skipping the DNS check: needs root and {tools:?}");
        return;
    }
    std::fs::write(root.join("etc/resolv.conf"), "nameserver 127.0.0.1\n").unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/gate_dns/check.sh");
    let out = Command::new("unshare")
        .args(["-n", "sh"])
        .arg(&script)
        .arg(root)
        .output()
        .expect("unshare runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{text}");
    assert!(text.contains("status: HTTP/1.1 200"), "{text}");
    assert!(
        text.contains("query upstream.moat-test.example type 1"),
        "the static binary asked the DNS server of /etc/resolv.conf: {text}"
    );
    assert!(
        text.contains("\"host\":\"upstream.moat-test.example\"")
            && text.contains("\"resolved\":\"127.0.0.1:7777\""),
        "{text}"
    );
}

fn which(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

fn read_head(s: &mut TcpStream) -> String {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        match s.read(&mut byte) {
            Ok(1) => head.push(byte[0]),
            _ => break,
        }
    }
    String::from_utf8_lossy(&head).into_owned()
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

#[test]
fn a_dynamically_linked_binary_is_refused_before_anything_is_pushed() {
    // This test's own executable is dynamically linked (the default glibc build).
    let me = std::env::current_exe().unwrap();
    let dest: ImageRef = "127.0.0.1:1/moat-gate:x".parse().unwrap();
    let err = moat_image::block_on(build_gate(&dest, &options(&me))).unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains("dynamically linked"), "{msg}");
    assert!(msg.contains("build-gate-static.sh"), "{msg}");
    assert!(!msg.contains('\n'), "one line: {msg}");
}

/// Two binaries, one per CPU, both ELF files this test writes (never run): build-gate pushes
/// an OCI image index over one image per platform. Pulled back, the index names each
/// platform's manifest, each config says its architecture and os, and each layer holds its
/// own binary byte for byte. A second push uploads nothing; two binaries of one platform are
/// refused before anything is pushed.
#[test]
fn one_binary_per_cpu_makes_an_image_index_with_one_image_per_platform() {
    use moat_image::testing::{noise, static_elf, EM_AARCH64, EM_X86_64};
    let Some(registry) = LocalRegistry::start(false) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let seed = moat_image::testing::fresh_seed();
    let arm = dir.path().join("moat-gate-aarch64");
    let x86 = dir.path().join("moat-gate-x86_64");
    std::fs::write(&arm, static_elf(EM_AARCH64, &noise(seed, 4096))).unwrap();
    std::fs::write(&x86, static_elf(EM_X86_64, &noise(seed ^ 0xff, 5000))).unwrap();
    let dest = registry.image("moat-gate:gate-multi");
    let opts = GateImageOptions {
        // arm64 first: the index lists platforms in order all the same.
        binaries: vec![arm.clone(), x86.clone()],
        ..options(&x86)
    };
    let report = moat_image::block_on(build_gate(&dest, &opts)).expect("build-gate");
    assert!(report.index);
    let platforms: Vec<&str> = report
        .platforms
        .iter()
        .map(|p| p.platform.as_str())
        .collect();
    assert_eq!(platforms, ["linux/amd64", "linux/arm64/v8"]);
    assert_eq!((report.blobs_uploaded, report.blobs_present), (4, 0));
    assert!(report.manifest_pushed);

    moat_image::block_on(async {
        let repo = Repository::open(&dest, &Credentials::Anonymous, false)
            .await
            .expect("open");
        let (bytes, digest) = repo.manifest("gate-multi").await.expect("the tag");
        assert_eq!(digest, report.digest, "the tag names the index");
        let Parsed::Index {
            media_type,
            manifests,
        } = manifest::parse(&bytes).unwrap()
        else {
            panic!("not an index")
        };
        assert_eq!(media_type, "application/vnd.oci.image.index.v1+json");
        let listed: Vec<(String, String)> = manifests
            .iter()
            .map(|m| {
                (
                    m.platform.as_ref().expect("a platform").to_string(),
                    m.digest.clone(),
                )
            })
            .collect();
        let reported: Vec<(String, String)> = report
            .platforms
            .iter()
            .map(|p| (p.platform.clone(), p.digest.clone()))
            .collect();
        assert_eq!(listed, reported);
        for (m, (binary, arch, variant)) in manifests
            .iter()
            .zip([(&x86, "amd64", None), (&arm, "arm64", Some("v8"))])
        {
            let (bytes, _) = repo
                .manifest(&m.digest)
                .await
                .expect("the platform's manifest");
            let Parsed::Image { config, layers, .. } = manifest::parse(&bytes).unwrap() else {
                panic!("not an image manifest")
            };
            let config: serde_json::Value =
                serde_json::from_slice(&repo.blob(&config.digest).await.unwrap()).unwrap();
            assert_eq!(config["architecture"], arch);
            assert_eq!(config["os"], "linux");
            assert_eq!(config["variant"].as_str(), variant);
            assert_eq!(config["config"]["User"], "65532:65532");
            assert_eq!(layers.len(), 1);
            let layer = repo.blob(&layers[0].digest).await.unwrap();
            let root = tempfile::tempdir().unwrap();
            tar::Archive::new(flate2::read::GzDecoder::new(&layer[..]))
                .unpack(root.path())
                .expect("unpack");
            assert_eq!(
                std::fs::read(root.path().join("usr/local/bin/moat-gate")).unwrap(),
                std::fs::read(binary).unwrap(),
                "{arch}: its own binary, byte for byte"
            );
        }
    });

    let again = moat_image::block_on(build_gate(&dest, &opts)).expect("again");
    assert_eq!(again.digest, report.digest, "reproducible");
    assert_eq!((again.blobs_uploaded, again.blobs_present), (0, 4));
    assert!(!again.manifest_pushed);

    let twice = GateImageOptions {
        binaries: vec![x86.clone(), arm.clone(), x86.clone()],
        ..options(&x86)
    };
    let unreachable: ImageRef = "127.0.0.1:1/moat-gate:x".parse().unwrap();
    let err = moat_image::block_on(build_gate(&unreachable, &twice)).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "{}: built for linux/amd64, as {} is; an image index holds one image per platform \
             (give one binary per CPU: x86-64, AArch64)",
            x86.display(),
            x86.display()
        )
    );
}
