//! `moat image build-gate DEST --binary PATH` through the real binary: pushes the gateway's
//! image to a local registry and prints it pinned by digest; a dynamically linked binary is
//! refused in one line with exit 2. (The image's contents and running it are tested in
//! moat-image's tests/build_gate.rs.)

use assert_cmd::Command;
use moat_image::testing::LocalRegistry;

fn moat() -> Command {
    let mut c = Command::cargo_bin("moat").expect("moat binary");
    c.env("NO_COLOR", "1");
    c
}

#[test]
fn build_gate_pushes_and_prints_the_pinned_image() {
    let Some(binary) = std::env::var_os("MOAT_GATE_STATIC_BINARY") else {
        assert!(
            std::env::var_os("CI").is_none(),
            "MOAT_GATE_STATIC_BINARY is not set; scripts/test.sh builds it"
        );
        eprintln!("skipping: MOAT_GATE_STATIC_BINARY not set (scripts/build-gate-static.sh)");
        return;
    };
    let Some(registry) = LocalRegistry::start(false) else {
        return;
    };
    let dest = format!("{}/moat-gate:cli", registry.host());
    let out = moat()
        .args(["image", "build-gate", &dest, "--binary"])
        .arg(&binary)
        .args(["--label", "org.opencontainers.image.version=9.9.9"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let pinned = stdout.trim();
    assert!(
        pinned.starts_with(&format!("{}/moat-gate@sha256:", registry.host())),
        "{stdout}"
    );
    assert!(stderr.contains("linux/amd64"), "{stderr}");
    assert!(stderr.contains("2 blob(s) uploaded"), "{stderr}");
    // The pinned reference is pullable: copying it elsewhere in the registry works.
    moat()
        .args(["image", "copy", pinned])
        .arg(format!("{}/copy-of-gate:v1", registry.host()))
        .assert()
        .code(0);
}

#[test]
fn a_dynamically_linked_binary_is_refused_with_exit_2() {
    let me = assert_cmd::cargo::cargo_bin("moat");
    let out = moat()
        .args(["image", "build-gate", "127.0.0.1:1/moat-gate:x", "--binary"])
        .arg(&me)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("dynamically linked"), "{stderr}");
    assert_eq!(stderr.trim().lines().count(), 1, "one line: {stderr}");
    // A bad label is a clear error too.
    moat()
        .args(["image", "build-gate", "127.0.0.1:1/moat-gate:x", "--binary"])
        .arg(&me)
        .args(["--label", "no-equals-sign"])
        .assert()
        .code(2);
}

/// `--binary` twice (the static amd64 `moat-gate` and an AArch64 ELF file this test writes,
/// never run): one image index, printed pinned by digest, with both platforms named on
/// stderr; the same platform twice is one line and exit 2.
#[test]
fn build_gate_with_one_binary_per_cpu_pushes_an_index() {
    use moat_image::testing::{fresh_seed, noise, static_elf, EM_AARCH64};
    let Some(binary) = std::env::var_os("MOAT_GATE_STATIC_BINARY") else {
        assert!(
            std::env::var_os("CI").is_none(),
            "MOAT_GATE_STATIC_BINARY is not set; scripts/test.sh builds it"
        );
        eprintln!("skipping: MOAT_GATE_STATIC_BINARY not set (scripts/build-gate-static.sh)");
        return;
    };
    let Some(registry) = LocalRegistry::start(false) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let arm = dir.path().join("moat-gate-aarch64");
    std::fs::write(&arm, static_elf(EM_AARCH64, &noise(fresh_seed(), 2048))).unwrap();
    let dest = format!("{}/moat-gate:multi", registry.host());
    let out = moat()
        .args(["image", "build-gate", &dest, "--binary"])
        .arg(&binary)
        .arg("--binary")
        .arg(&arm)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(
        stdout
            .trim()
            .starts_with(&format!("{}/moat-gate@sha256:", registry.host())),
        "{stdout}"
    );
    assert!(
        stderr.starts_with("built the moat-gate image index (linux/amd64, one layer of")
            && stderr.contains("; linux/arm64/v8, one layer of")
            && stderr.contains("4 blob(s) uploaded")
            && stderr.contains("index pushed"),
        "{stderr}"
    );

    let out = moat()
        .args(["image", "build-gate", &dest, "--binary"])
        .arg(&arm)
        .arg("--binary")
        .arg(&arm)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.trim().lines().count(), 1, "one line: {stderr}");
    assert!(stderr.contains("built for linux/arm64/v8, as"), "{stderr}");
}
