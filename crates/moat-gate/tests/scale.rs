//! 10,000 tunnels through the real `moat-gate` binary, then a descriptor count:
//! every tunnel closed must give back both of its descriptors.
//!
//! The gateway runs as its own process so its descriptors can be counted alone
//! (/proc/PID/fd). Runs in a private network namespace when `unshare -n` is allowed
//! (its own port space), else on the host's loopback.

mod common;

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const TOTAL: usize = 10_000;

struct Child(std::process::Child);
impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn metric(page: &str, name: &str) -> u64 {
    page.lines()
        .find_map(|l| l.strip_prefix(name)?.trim().parse().ok())
        .unwrap_or(u64::MAX)
}

async fn open_tunnel(proxy: SocketAddr, target: &str, hello: &[u8]) -> TcpStream {
    let mut s = TcpStream::connect(proxy).await.unwrap();
    // CONNECT and the ClientHello in one write: the gateway must keep the pipelined bytes.
    let mut req = format!("CONNECT {target} HTTP/1.1\r\n\r\n").into_bytes();
    req.extend_from_slice(hello);
    s.write_all(&req).await.unwrap();
    let expect = b"HTTP/1.1 200 Connection established\r\n\r\n".len() + hello.len();
    let mut got = vec![0u8; expect];
    s.read_exact(&mut got).await.unwrap();
    assert!(got.starts_with(b"HTTP/1.1 200"));
    assert_eq!(
        &got[expect - hello.len()..],
        hello,
        "echoed through the tunnel"
    );
    s
}

#[test]
fn ten_thousand_tunnels_open_and_close_without_leaking_descriptors() {
    if !in_netns(
        "ten_thousand_tunnels_open_and_close_without_leaking_descriptors",
        "ip link set lo up",
    ) && std::env::var_os("MOAT_GATE_TEST_NETNS").is_none()
        && Command::new("unshare")
            .args(["-n", "true"])
            .status()
            .is_ok_and(|s| s.success())
    {
        return; // the netns run did the work
    }
    // Each tunnel costs the gateway 2 descriptors and this process 2 (client + echo
    // server). The hard limit cannot be raised without CAP_SYS_RESOURCE, so the
    // number open at once is capped by it; the total is always 10,000.
    let (_, hard) = rlimit::getrlimit(rlimit::Resource::NOFILE).unwrap();
    rlimit::setrlimit(rlimit::Resource::NOFILE, hard, hard).unwrap();
    let wave = TOTAL.min((hard as usize).saturating_sub(200) / 2);
    println!("RLIMIT_NOFILE hard limit {hard}: {wave} tunnels open at once, {TOTAL} in all");

    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let echo = echo_backend().await;
        let dir = tempfile::tempdir().unwrap();
        let allow = dir.path().join("allow.txt");
        std::fs::write(&allow, "a.test\n").unwrap();
        let mut child = Command::new(env!("CARGO_BIN_EXE_moat-gate"))
            .args([
                "--proxy-listen",
                "127.0.0.1:0",
                "--metrics-listen",
                "127.0.0.1:0",
            ])
            .args(["--mode", "enforce", "--allowlist"])
            .arg(&allow)
            .args([
                "--resolve",
                "a.test=127.0.0.1",
                "--allow-range",
                "127.0.0.1/32",
            ])
            .arg("--log")
            .arg(dir.path().join("gate.log"))
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = child.stderr.take().unwrap();
        let child = Child(child);
        let mut line = String::new();
        BufReader::new(stderr).read_line(&mut line).unwrap();
        let field = |k: &str| -> SocketAddr {
            line.split_whitespace()
                .find_map(|w| w.strip_prefix(k))
                .unwrap_or_else(|| panic!("no {k} in {line}"))
                .parse()
                .unwrap()
        };
        let (proxy, metrics) = (field("proxy="), field("metrics="));
        let pid = child.0.id();
        let metrics_page = || http_exchange(metrics, "GET / HTTP/1.1\r\n\r\n");
        // Warm up once so lazily created descriptors (log file, resolver) exist.
        drop(
            open_tunnel(
                proxy,
                &format!("a.test:{}", echo.port()),
                &fixture("openssl3-tls13-sni-a.test.bin"),
            )
            .await,
        );
        let settle = |want_active: u64| async move {
            for _ in 0..600 {
                if metric(&metrics_page().await, "moat_gate_active_connections ") == want_active {
                    return;
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            panic!("gateway never reached {want_active} active connections");
        };
        settle(0).await;
        // A metrics connection may still be closing: take a reading that holds still.
        let mut baseline = fd_count(pid);
        loop {
            tokio::time::sleep(Duration::from_millis(100)).await;
            let again = fd_count(pid);
            if again == baseline {
                break;
            }
            baseline = again;
        }
        let hello = Arc::new(fixture("openssl3-tls13-sni-a.test.bin"));
        let target = Arc::new(format!("a.test:{}", echo.port()));
        let started = Instant::now();
        let mut done = 0;
        while done < TOTAL {
            let n = wave.min(TOTAL - done);
            let gate_sem = Arc::new(tokio::sync::Semaphore::new(256));
            let mut tasks = Vec::with_capacity(n);
            for _ in 0..n {
                let (hello, target, sem) = (
                    Arc::clone(&hello),
                    Arc::clone(&target),
                    Arc::clone(&gate_sem),
                );
                tasks.push(tokio::spawn(async move {
                    let _p = sem.acquire().await.unwrap();
                    open_tunnel(proxy, &target, &hello).await
                }));
            }
            let mut open = Vec::with_capacity(n);
            for t in tasks {
                open.push(t.await.unwrap());
            }
            settle(n as u64).await;
            let during = fd_count(pid);
            assert!(
                during + 2 >= baseline + 2 * n,
                "{n} tunnels hold {during} fds (baseline {baseline})"
            );
            drop(open);
            settle(0).await;
            done += n;
        }
        // Descriptors are released when the tasks finish; give the last ones a moment.
        let mut after = fd_count(pid);
        for _ in 0..100 {
            if after == baseline {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
            after = fd_count(pid);
        }
        println!(
            "{TOTAL} tunnels in {:?}; gateway fds baseline {baseline}, after {after}",
            started.elapsed()
        );
        assert_eq!(after, baseline, "descriptors leaked");
        drop(child);
    });
}
