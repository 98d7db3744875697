//! The `moat` binary pointed at a local moto_server, for the CLI tests against moto: test
//! credentials and region, no AWS config or credentials files, no instance metadata, no
//! colour, a 10-minute timeout.

use assert_cmd::Command;
use std::time::Duration;

/// `moat` with every AWS call sent to `endpoint_url` (`http://127.0.0.1:PORT`).
pub fn against(endpoint_url: &str) -> Command {
    let mut c = Command::cargo_bin("moat").expect("moat binary");
    c.env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_ENDPOINT_URL", endpoint_url)
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_CONFIG_FILE", "/nonexistent/moat-test-config")
        .env(
            "AWS_SHARED_CREDENTIALS_FILE",
            "/nonexistent/moat-test-credentials",
        )
        .env_remove("AWS_PROFILE")
        .env("NO_COLOR", "1")
        .timeout(Duration::from_secs(600));
    c
}
