//! Headless Chromium for the report tests.

use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

pub const CHROMIUM: &str = "/usr/bin/chromium";

/// Run a program, killing it if it outlives `limit` (a wedged browser must not hang the suite).
/// Its output is drained while it runs: a DOM dump larger than the pipe buffer (64 KiB) would
/// otherwise block the browser on its write and look like a hang.
pub fn run_with_limit(cmd: &mut Command, limit: Duration) -> std::process::Output {
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let drain = |r: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            if let Some(mut r) = r {
                let _ = r.read_to_end(&mut buf);
            }
            buf
        })
    };
    let out = drain(
        child
            .stdout
            .take()
            .map(|s| Box::new(s) as Box<dyn Read + Send>),
    );
    let err = drain(
        child
            .stderr
            .take()
            .map(|s| Box::new(s) as Box<dyn Read + Send>),
    );
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "{cmd:?} took more than {limit:?}; stderr: {}",
                String::from_utf8_lossy(&err.join().unwrap_or_default())
            );
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    std::process::Output {
        status,
        stdout: out.join().unwrap_or_default(),
        stderr: err.join().unwrap_or_default(),
    }
}

pub fn chromium(profile: &Path, args: &[String]) -> std::process::Output {
    chromium_sized(profile, (1400, 1800), args)
}

/// Chromium with a window of `size` CSS px (device scale factor 1).
pub fn chromium_sized(profile: &Path, size: (u32, u32), args: &[String]) -> std::process::Output {
    let mut cmd = Command::new(CHROMIUM);
    cmd.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        "--hide-scrollbars",
        "--force-device-scale-factor=1",
    ])
    .arg(format!("--window-size={},{}", size.0, size.1))
    .arg(format!("--user-data-dir={}", profile.display()))
    .args(args);
    run_with_limit(&mut cmd, Duration::from_secs(90))
}

/// `data-NAME="VALUE"` from a DOM dump.
pub fn attr<'a>(dom: &'a str, name: &str) -> Option<&'a str> {
    let key = format!("data-{name}=\"");
    let start = dom.find(&key)? + key.len();
    let len = dom[start..].find('"')?;
    Some(&dom[start..start + len])
}

pub fn num(dom: &str, name: &str) -> f64 {
    attr(dom, name)
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no numeric data-{name} in the DOM"))
}
