//! One local moto_server for a test (loopback only; never real AWS), shared by every moto test
//! of the workspace (`#[path]`-included by crates outside moat-aws).
//!
//! The server comes from `MOAT_MOTO_SERVER`, else `moto_server` on PATH. Without one, [`start`]
//! says why and returns `None` (the test then passes having checked nothing), unless `CI` is
//! set, where a missing server fails the test. scripts/test.sh sets `MOAT_MOTO_SERVER` to
//! scripts/moto-server: moto with the corrections scripts/moto_server.py documents, which the
//! tests that deploy and audit the examples need (plain moto_server fails them).

use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running moto_server, killed when dropped.
pub struct MotoServer {
    child: Child,
    /// Its stderr (request log; why it stopped, if it stops), removed when dropped.
    stderr: std::path::PathBuf,
    /// `http://127.0.0.1:PORT`
    pub url: String,
}

impl Drop for MotoServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_file(&self.stderr);
    }
}

fn binary() -> Option<String> {
    if let Ok(p) = std::env::var("MOAT_MOTO_SERVER") {
        return Some(p);
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join("moto_server"))
        .find(|p| p.is_file())
        .map(|p| p.display().to_string())
}

impl MotoServer {
    /// An SDK client for this server in us-east-1 with moto's test credentials: the process's
    /// environment gets the test keys and loses instance metadata and the AWS config and
    /// credentials files, so nothing reaches real AWS.
    #[allow(dead_code)] // not every test file that includes this module calls the SDK itself
    pub async fn client(&self) -> moat_aws::Aws {
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
        moat_aws::connect(&moat_aws::AwsOptions {
            region: Some("us-east-1".into()),
            profile: None,
            endpoint_url: Some(self.url.clone()),
        })
        .await
        .expect("connect")
    }
}

/// Start moto_server on a free loopback port and wait (up to 60 s) until it listens.
pub fn start() -> Option<MotoServer> {
    let Some(bin) = binary() else {
        assert!(
            std::env::var_os("CI").is_none(),
            "moto_server not found (set MOAT_MOTO_SERVER or put it on PATH); required under CI"
        );
        eprintln!("skipping: moto_server not found (set MOAT_MOTO_SERVER or put it on PATH)");
        return None;
    };
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port");
    // A file, not a pipe: moto logs every request to stderr, and a pipe nobody reads fills up.
    let stderr = std::env::temp_dir().join(format!("moat-moto-{}-{port}.log", std::process::id()));
    let log = std::fs::File::create(&stderr).expect("moto_server log file");
    let child = Command::new(&bin)
        .args(["-H", "127.0.0.1", "-p", &port.to_string()])
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .unwrap_or_else(|e| panic!("starting {bin}: {e}"));
    let mut server = MotoServer {
        child,
        stderr,
        url: format!("http://127.0.0.1:{port}"),
    };
    let deadline = Instant::now() + Duration::from_secs(60);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        if let Ok(Some(status)) = server.child.try_wait() {
            let why = std::fs::read_to_string(&server.stderr).unwrap_or_default();
            panic!("{bin} exited ({status}) before listening:\n{why}");
        }
        assert!(
            Instant::now() < deadline,
            "moto_server did not listen on {port} within 60s"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    Some(server)
}
