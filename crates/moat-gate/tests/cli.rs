//! The `moat-gate` binary's contract: exit codes, file:line errors, the report.

use std::process::Command;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_moat-gate"))
}

/// Spawns the gateway with its stderr piped and reads the first line (the listening line):
/// the child, its stderr (for later lines), that line, and the proxy listener's address.
fn start(
    mut cmd: Command,
) -> (
    std::process::Child,
    std::io::BufReader<std::process::ChildStderr>,
    String,
    std::net::SocketAddr,
) {
    use std::io::BufRead;
    let mut child = cmd.stderr(std::process::Stdio::piped()).spawn().unwrap();
    let mut stderr = std::io::BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    stderr.read_line(&mut line).unwrap();
    let proxy = line
        .split_whitespace()
        .find_map(|w| w.strip_prefix("proxy="))
        .unwrap_or_else(|| panic!("no proxy= in {line:?}"))
        .parse()
        .unwrap();
    (child, stderr, line, proxy)
}

#[test]
fn invalid_allowlist_exits_2_with_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let allow = dir.path().join("allow.txt");
    std::fs::write(&allow, "# payments\napi.stripe.com\n*.co.uk\n").unwrap();
    let out = bin()
        .args([
            "--proxy-listen",
            "127.0.0.1:0",
            "--mode",
            "enforce",
            "--allowlist",
        ])
        .arg(&allow)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(&format!("{}:3:1:", allow.display())), "{err}");
    assert!(err.contains("`co.uk` is a public suffix"), "{err}");

    let out = bin()
        .args([
            "--proxy-listen",
            "127.0.0.1:0",
            "--mode",
            "enforce",
            "--allowlist",
        ])
        .arg(dir.path().join("missing.txt"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot read allowlist"));

    let out = bin()
        .args(["--mode", "enforce", "--allowlist"])
        .arg(&allow)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "no listener given");
}

#[test]
fn report_lists_hosts_and_prints_an_allowlist() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("gate.log");
    let rec = |t: &str, host: &str, port: u16, decision: &str, would: bool, reason: &str| {
        format!(
            r#"{{"time":"{t}","listener":"sni","client":"10.0.1.5:40000","host":"{host}","sni":"{host}","port":{port},"resolved":"54.1.2.3:{port}","decision":"{decision}","would_deny":{would},"reason":"{reason}","bytes_up":10,"bytes_down":20,"duration_ms":3}}"#
        )
    };
    let text = [
        rec(
            "2026-01-01T00:00:01.000Z",
            "registry-1.docker.io",
            443,
            "allow",
            true,
            "not_allowlisted",
        ),
        rec(
            "2026-01-01T00:00:02.000Z",
            "auth.docker.io",
            443,
            "allow",
            true,
            "not_allowlisted",
        ),
        rec(
            "2026-01-01T00:00:03.000Z",
            "registry-1.docker.io",
            443,
            "allow",
            true,
            "not_allowlisted",
        ),
        rec(
            "2026-01-01T00:00:04.000Z",
            "rebind.example",
            443,
            "deny",
            false,
            "denied_address",
        ),
    ]
    .join("\n");
    std::fs::write(&log, text).unwrap();
    let out = bin().arg("report").arg(&log).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let docker = stdout
        .lines()
        .find(|l| l.starts_with("registry-1.docker.io"))
        .unwrap();
    let cols: Vec<&str> = docker.split_whitespace().collect();
    assert_eq!(cols[..3], ["registry-1.docker.io", "443", "2"]);
    let allowlist: Vec<&str> = stdout
        .lines()
        .skip_while(|l| !l.starts_with("# allowlist"))
        .skip(1)
        .collect();
    assert_eq!(
        allowlist,
        ["auth.docker.io:443", "registry-1.docker.io:443"]
    );

    let out = bin()
        .args(["report", "--format", "json"])
        .arg(&log)
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["hosts"].as_array().unwrap().len(), 3);
    assert_eq!(v["hosts"][2]["would_deny"], 2);

    let out = bin()
        .arg("report")
        .arg(dir.path().join("nope.log"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn sigterm_stops_cleanly_and_the_last_decisions_reach_the_log() {
    use std::io::{Read, Write};
    let dir = tempfile::tempdir().unwrap();
    let allow = dir.path().join("allow.txt");
    std::fs::write(&allow, "a.test\n").unwrap();
    let log = dir.path().join("gate.log");
    let mut cmd = bin();
    cmd.args([
        "--proxy-listen",
        "127.0.0.1:0",
        "--mode",
        "enforce",
        "--allowlist",
    ])
    .arg(&allow)
    .arg("--log")
    .arg(&log);
    let (mut child, _, _, proxy) = start(cmd);
    let mut s = std::net::TcpStream::connect(proxy).unwrap();
    s.write_all(b"CONNECT c.test:443 HTTP/1.1\r\n\r\n").unwrap();
    let mut resp = String::new();
    s.read_to_string(&mut resp).unwrap();
    assert!(resp.starts_with("HTTP/1.1 403"), "{resp}");
    let st = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(st.success());
    assert_eq!(child.wait().unwrap().code(), Some(0));
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(text.contains(r#""reason":"not_allowlisted""#), "{text}");
}

#[test]
fn sighup_reloads_the_allowlist() {
    use std::io::{BufRead, Read, Write};
    let dir = tempfile::tempdir().unwrap();
    let allow = dir.path().join("allow.txt");
    std::fs::write(&allow, "a.test\n").unwrap();
    let backend = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = backend.local_addr().unwrap().port();
    // A file-change poll once an hour: only the signal can trigger this reload.
    let mut cmd = bin();
    cmd.args([
        "--proxy-listen",
        "127.0.0.1:0",
        "--mode",
        "enforce",
        "--reload-interval",
        "3600",
    ])
    .args([
        "--resolve",
        "b.test=127.0.0.1",
        "--allow-range",
        "127.0.0.1/32",
        "--allowlist",
    ])
    .arg(&allow)
    .arg("--log")
    .arg(dir.path().join("gate.log"));
    let (mut child, mut stderr, mut line, proxy) = start(cmd);
    let status = || {
        let mut s = std::net::TcpStream::connect(proxy).unwrap();
        s.write_all(format!("CONNECT b.test:{port} HTTP/1.1\r\n\r\n").as_bytes())
            .unwrap();
        let mut head = [0u8; 12];
        s.read_exact(&mut head).unwrap();
        String::from_utf8_lossy(&head[9..12]).into_owned()
    };
    assert_eq!(status(), "403");
    std::fs::write(&allow, "a.test\nb.test\n").unwrap();
    let kill = |sig: &str| {
        Command::new("kill")
            .args([sig, &child.id().to_string()])
            .status()
            .unwrap()
    };
    assert!(kill("-HUP").success());
    line.clear();
    stderr.read_line(&mut line).unwrap();
    assert!(line.contains("reloaded on SIGHUP: 2 entries"), "{line}");
    assert_eq!(status(), "200");
    assert!(kill("-TERM").success());
    assert_eq!(child.wait().unwrap().code(), Some(0));
}

/// How `moat synth` runs the gateway on Fargate: the list in MOAT_GATE_ALLOW, no file. An
/// empty list (discover mode, learning from nothing) still starts; with neither a file nor the
/// variable it is a usage error.
#[test]
fn allowlist_from_the_environment_with_no_file() {
    use std::io::{Read, Write};
    for (value, target, status) in [
        // Listed, then refused for its address (loopback): nothing is dialled or resolved.
        ("api.stripe.com,b.test", "b.test:443", "403"),
        ("", "c.test:443", "403"),
    ] {
        let mut cmd = bin();
        cmd.args(["--proxy-listen", "127.0.0.1:0", "--mode", "enforce"])
            .args([
                "--resolve",
                "b.test=127.0.0.1",
                "--resolve",
                "c.test=127.0.0.1",
            ])
            .env("MOAT_GATE_ALLOW", value);
        let (mut child, _, line, proxy) = start(cmd);
        assert!(
            line.contains("listening"),
            "MOAT_GATE_ALLOW={value:?}: {line}"
        );
        let mut s = std::net::TcpStream::connect(proxy).unwrap();
        s.write_all(format!("CONNECT {target} HTTP/1.1\r\n\r\n").as_bytes())
            .unwrap();
        let mut resp = String::new();
        s.read_to_string(&mut resp).unwrap();
        assert!(resp.starts_with(&format!("HTTP/1.1 {status}")), "{resp}");
        if value.is_empty() {
            assert!(resp.contains("not_allowlisted"), "{resp}");
        } else {
            assert!(resp.contains("denied_address"), "{resp}");
        }
        let _ = child.kill();
        let _ = child.wait();
    }
    let out = bin()
        .args(["--proxy-listen", "127.0.0.1:0", "--mode", "enforce"])
        .env_remove("MOAT_GATE_ALLOW")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("--allow"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
