//! moat-aws's ECR calls against a local moto_server (loopback only; never real AWS): the
//! registry login from `GetAuthorizationToken` and the repository made with scan on push and
//! immutable tags, once. Without moto_server the test says why and passes, unless `CI` is set.

use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

struct Moto(Child, String);

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
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
    let child = Command::new(&bin)
        .args(["-H", "127.0.0.1", "-p", &port.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start moto_server");
    let moto = Moto(child, format!("http://127.0.0.1:{port}"));
    let deadline = Instant::now() + Duration::from_secs(60);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "moto_server did not start");
        std::thread::sleep(Duration::from_millis(100));
    }
    Some(moto)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ecr_login_and_repository_creation() {
    let Some(moto) = start_moto() else { return };
    for (k, v) in [
        ("AWS_ACCESS_KEY_ID", "testing"),
        ("AWS_SECRET_ACCESS_KEY", "testing"),
        ("AWS_EC2_METADATA_DISABLED", "true"),
        ("AWS_CONFIG_FILE", "/nonexistent/moat-test-config"),
        (
            "AWS_SHARED_CREDENTIALS_FILE",
            "/nonexistent/moat-test-credentials",
        ),
    ] {
        std::env::set_var(k, v);
    }
    let aws = moat_aws::connect(&moat_aws::AwsOptions {
        region: Some("us-east-1".into()),
        profile: None,
        endpoint_url: Some(moto.1.clone()),
    })
    .await
    .expect("connect");

    let login = moat_aws::ecr_login(&aws, Some("123456789012"))
        .await
        .expect("GetAuthorizationToken");
    assert_eq!(login.username, "AWS");
    assert!(!login.password.is_empty());
    assert_eq!(
        login.proxy_endpoint.as_deref(),
        Some("https://123456789012.dkr.ecr.us-east-1.amazonaws.com")
    );
    assert!(
        !format!("{login:?}").contains(&login.password),
        "the password is redacted"
    );

    let first = moat_aws::ensure_repository(&aws, "mirror/nginx", None)
        .await
        .expect("create");
    assert_eq!(first, moat_aws::RepositoryOutcome::Created);
    let again = moat_aws::ensure_repository(&aws, "mirror/nginx", None)
        .await
        .expect("exists");
    assert_eq!(again, moat_aws::RepositoryOutcome::Existed);
    let settings = moat_aws::repository_settings(&aws, "mirror/nginx")
        .await
        .expect("describe");
    assert_eq!(settings, (true, "IMMUTABLE".to_string()));
}
