//! `moat image copy` into "ECR" with the credentials of `GetAuthorizationToken`, against a local
//! moto_server (the ECR API) and a local `docker-registry` standing in for the ECR registry
//! endpoint, which only accepts the user and password moto hands out. The copy logs in with no
//! credentials on the command line and creates the repository with scan on push and immutable
//! tags. Loopback only; never real AWS.

use assert_cmd::Command;
use moat_image::testing::{self, LocalRegistry};
use moat_image::Credentials;
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

const ACCOUNT: &str = "123456789012";

struct Moto {
    child: Child,
    url: String,
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_moto() -> Option<Moto> {
    let bin = std::env::var("MOAT_MOTO_SERVER").ok().or_else(|| {
        let path = std::env::var_os("PATH")?;
        std::env::split_paths(&path)
            .map(|d| d.join("moto_server"))
            .find(|p| p.is_file())
            .map(|p| p.display().to_string())
    });
    let Some(bin) = bin else {
        assert!(
            std::env::var_os("CI").is_none(),
            "moto_server not found; required under CI"
        );
        eprintln!("skipping: moto_server not found (set MOAT_MOTO_SERVER or put it on PATH)");
        return None;
    };
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port");
    let child = std::process::Command::new(&bin)
        .args(["-H", "127.0.0.1", "-p", &port.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start moto_server");
    let moto = Moto {
        child,
        url: format!("http://127.0.0.1:{port}"),
    };
    let deadline = Instant::now() + Duration::from_secs(60);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "moto_server did not start");
        std::thread::sleep(Duration::from_millis(100));
    }
    Some(moto)
}

const AWS_ENV: &[(&str, &str)] = &[
    ("AWS_ACCESS_KEY_ID", "testing"),
    ("AWS_SECRET_ACCESS_KEY", "testing"),
    ("AWS_REGION", "us-east-1"),
    ("AWS_EC2_METADATA_DISABLED", "true"),
    ("AWS_CONFIG_FILE", "/nonexistent/moat-test-config"),
    (
        "AWS_SHARED_CREDENTIALS_FILE",
        "/nonexistent/moat-test-credentials",
    ),
];

fn moat(moto: &Moto) -> Command {
    let mut c = Command::cargo_bin("moat").expect("moat binary");
    for (k, v) in AWS_ENV {
        c.env(k, v);
    }
    c.env("AWS_ENDPOINT_URL", &moto.url)
        .env_remove("AWS_PROFILE")
        .env_remove("MOAT_DEST_PASSWORD")
        .env("NO_COLOR", "1")
        .timeout(Duration::from_secs(300));
    c
}

async fn connect(moto: &Moto) -> moat_aws::Aws {
    for (k, v) in AWS_ENV {
        std::env::set_var(k, v);
    }
    moat_aws::connect(&moat_aws::AwsOptions {
        region: Some("us-east-1".into()),
        profile: None,
        endpoint_url: Some(moto.url.clone()),
    })
    .await
    .expect("connect to moto")
}

#[test]
fn an_ecr_destination_logs_in_through_get_authorization_token() {
    let Some(moto) = start_moto() else { return };
    let aws = moat_image::block_on(connect(&moto));
    // The auth path itself: the token decodes to user and password.
    let login = moat_image::block_on(moat_aws::ecr_login(&aws, Some(ACCOUNT))).expect("login");
    assert_eq!(login.username, "AWS");
    assert!(!login.password.is_empty());

    // The "registry endpoint" accepts only those credentials.
    let Some(source) = LocalRegistry::start(false) else {
        return;
    };
    let Some(ecr) = LocalRegistry::start_with(Some(("AWS", &login.password))) else {
        return;
    };
    let image = moat_image::block_on(testing::push_test_image(
        &source.image("src/app:v1"),
        &Credentials::Anonymous,
        testing::fresh_seed(),
    ))
    .expect("push the test image");

    let src = format!("{}/src/app:v1", source.host());
    let dest = format!("{}/mirror/app:v1", ecr.host());
    let copy = |moto: &Moto| {
        moat(moto)
            .args(["image", "copy", &src, &dest, "--as-ecr", ACCOUNT])
            .output()
            .expect("run moat")
    };
    let out = copy(&moto);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        format!("{}/mirror/app@{}", ecr.host(), image.index_digest)
    );
    assert!(
        stderr.contains("created ECR repository mirror/app (scan on push, immutable tags)"),
        "{stderr}"
    );
    assert_eq!(ecr.completed_uploads(), 5);

    let settings =
        moat_image::block_on(moat_aws::repository_settings(&aws, "mirror/app")).expect("repo");
    assert_eq!(settings, (true, "IMMUTABLE".to_string()));

    // Again: the repository exists (not created twice), nothing is uploaded.
    let out = copy(&moto);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(!stderr.contains("created ECR repository"), "{stderr}");
    assert!(stderr.contains("0 uploaded"), "{stderr}");
    assert_eq!(ecr.completed_uploads(), 5);
}
