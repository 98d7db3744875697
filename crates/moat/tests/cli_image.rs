//! `moat image copy` through the real binary, between two local registries (Debian's
//! `docker-registry`, the destination behind htpasswd basic auth): the copy prints the pinned
//! reference, a rerun moves nothing, an interrupted copy resumes, and each failure (unknown
//! image, refused credentials, registry down, bad reference) is one line on stderr and exit 2.

use assert_cmd::Command;
use moat_image::testing::{self, LocalRegistry, TestImage};
use moat_image::Credentials;

fn moat() -> Command {
    let mut c = Command::cargo_bin("moat").expect("moat binary");
    c.env("NO_COLOR", "1")
        .env_remove("MOAT_SRC_PASSWORD")
        .env_remove("MOAT_DEST_PASSWORD");
    c
}

struct Setup {
    plain: LocalRegistry,
    authed: LocalRegistry,
    image: TestImage,
}

fn setup(name: &str) -> Option<Setup> {
    let plain = LocalRegistry::start(false)?;
    let authed = LocalRegistry::start(true)?;
    let source = plain.image(&format!("src/{name}:v1"));
    let image = moat_image::block_on(testing::push_test_image(
        &source,
        &Credentials::Anonymous,
        testing::fresh_seed(),
    ))
    .expect("push the test image");
    Some(Setup {
        plain,
        authed,
        image,
    })
}

/// Run `moat image copy` with the destination's credentials; (exit code, stdout, stderr).
fn copy(src: &str, dest: &str, extra: &[&str], password: &str) -> (i32, String, String) {
    let out = moat()
        .args(["image", "copy", src, dest, "--dest-username", testing::USER])
        .args(extra)
        .env("MOAT_DEST_PASSWORD", password)
        .output()
        .expect("run moat");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn copy_prints_the_pinned_digest_and_a_rerun_moves_nothing() {
    let Some(s) = setup("cli") else { return };
    let src = format!("{}/src/cli:v1", s.plain.host());
    // No tag on the destination: it takes the source's.
    let dest = format!("{}/mirror/cli", s.authed.host());

    let (code, stdout, stderr) = copy(&src, &dest, &[], testing::PASSWORD);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        stdout.trim(),
        format!("{dest}@{}", s.image.index_digest),
        "stdout is the pinned reference"
    );
    assert!(
        stderr.contains("2 platforms (linux/amd64, linux/arm64); 5 blobs: 5 uploaded"),
        "{stderr}"
    );
    assert_eq!(s.authed.completed_uploads(), 5);

    let (code, stdout, stderr) = copy(&src, &format!("{dest}:v1"), &[], testing::PASSWORD);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(stdout.trim(), format!("{dest}@{}", s.image.index_digest));
    assert!(
        stderr.contains("0 uploaded (0 B), 0 mounted, 5 already there"),
        "{stderr}"
    );
    assert!(
        stderr.contains("0 manifests pushed, 3 already there"),
        "{stderr}"
    );
    assert_eq!(
        s.authed.completed_uploads(),
        5,
        "the rerun uploaded nothing"
    );
}

#[test]
fn an_interrupted_copy_resumes_through_the_binary() {
    let Some(s) = setup("cliresume") else { return };
    let src = format!("{}/src/cliresume:v1", s.plain.host());
    let dest = format!("{}/mirror/cliresume:v1", s.authed.host());

    let (code, _, stderr) = copy(&src, &dest, &["--stop-after-blobs", "3"], testing::PASSWORD);
    assert_eq!(code, 2, "{stderr}");
    assert_eq!(
        stderr.trim(),
        "error: copy interrupted after 3 blob upload(s) as asked; run it again to resume"
    );
    assert_eq!(s.authed.completed_uploads(), 3);

    let (code, _, stderr) = copy(&src, &dest, &[], testing::PASSWORD);
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("5 blobs: 2 uploaded"), "{stderr}");
    assert!(stderr.contains("3 already there"), "{stderr}");
    assert_eq!(s.authed.completed_uploads(), 5, "each blob uploaded once");
}

/// Exit 2 and exactly one line on stderr, which contains `expect`.
fn assert_one_line_error(code: i32, stderr: &str, expect: &str) {
    assert_eq!(code, 2, "{stderr}");
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 1, "one line: {stderr}");
    assert!(lines[0].starts_with("error: "), "{stderr}");
    assert!(lines[0].contains(expect), "{stderr}");
}

#[test]
fn failures_are_one_line_and_exit_2() {
    let Some(s) = setup("clierr") else { return };
    let dest = format!("{}/mirror/clierr:v1", s.authed.host());

    let unknown = format!("{}/src/clierr:nope", s.plain.host());
    let (code, _, stderr) = copy(&unknown, &dest, &[], testing::PASSWORD);
    assert_one_line_error(code, &stderr, &format!("image {unknown} not found"));

    let src = format!("{}/src/clierr:v1", s.plain.host());
    let (code, _, stderr) = copy(&src, &dest, &[], "wrong-password");
    assert_one_line_error(
        code,
        &stderr,
        &format!("authentication to {} failed", s.authed.host()),
    );

    let down = format!("127.0.0.1:{}", testing::free_port());
    let (code, _, stderr) = copy(&format!("{down}/src/x:v1"), &dest, &[], testing::PASSWORD);
    assert_one_line_error(code, &stderr, &format!("cannot reach registry {down}"));

    let (code, _, stderr) = copy("Not/A:Valid:Ref", &dest, &[], testing::PASSWORD);
    assert_one_line_error(code, &stderr, "is not an image reference");

    let (code, _, stderr) = copy(&src, &dest, &["--platform", "linux"], testing::PASSWORD);
    assert_one_line_error(code, &stderr, "`linux` is not a platform");

    assert_eq!(s.authed.completed_uploads(), 0);
}

const MIRROR_TD: &str = r#"{"family": "web", "networkMode": "awsvpc",
  "requiresCompatibilities": ["FARGATE"], "cpu": "256", "memory": "512",
  "containerDefinitions": [{"name": "web", "image": "nginx:1.27", "essential": true}]}"#;

#[test]
fn a_docker_hub_image_with_mirror_plans_and_synthesizes_with_the_ecr_copy() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("td.json"), MIRROR_TD).unwrap();
    std::fs::write(
        dir.path().join("moat.toml"),
        "name = \"mirrored\"\nregion = \"us-east-1\"\naccount_id = \"123456789012\"\n\n\
         [[service]]\nname = \"web\"\ntask_definition = \"td.json\"\nmirror = true\n",
    )
    .unwrap();
    let ecr = "123456789012.dkr.ecr.us-east-1.amazonaws.com/nginx:1.27";

    let out = moat().arg("plan").arg(dir.path()).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains(&format!("web/web: nginx:1.27 -> {ecr}")),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!("moat image copy nginx:1.27 {ecr}")),
        "{stdout}"
    );
    assert!(
        stdout.contains("moat check on the synthesized template: no findings"),
        "{stdout}"
    );

    let out_dir = dir.path().join("out");
    moat()
        .arg("synth")
        .arg(dir.path())
        .arg("--out")
        .arg(&out_dir)
        .assert()
        .code(0);
    let template = std::fs::read_to_string(out_dir.join("template.yaml")).unwrap();
    assert!(
        template.contains(&format!("Image: \"{ecr}\"")),
        "{template}"
    );
    assert!(!template.contains("Image: \"nginx:1.27\"") && !template.contains("Image: nginx"));

    // The same spec without `mirror` is refused at the image's line.
    std::fs::write(
        dir.path().join("moat.toml"),
        "name = \"mirrored\"\nregion = \"us-east-1\"\naccount_id = \"123456789012\"\n\n\
         [[service]]\nname = \"web\"\ntask_definition = \"td.json\"\n",
    )
    .unwrap();
    let out = moat().arg("plan").arg(dir.path()).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("td.json:3:"));
}
