//! Shared helpers: a local TLS server answering several names, plain TCP/HTTP
//! backends, a gateway started in-process, and log polling. Loopback only.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use moat_gate::gate::{start, GateConfig, RunningGate};
use moat_gate::log::{LogTarget, Record};
use moat_gate::policy::Mode;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::rustls::pki_types::{
    CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, ServerName,
};
use tokio_rustls::rustls::{self, ClientConfig, RootCertStore, ServerConfig};
use tokio_rustls::{TlsAcceptor, TlsConnector};

pub const NAMES: [&str; 3] = ["a.test", "b.test", "c.test"];

pub struct Pki {
    pub server: Arc<ServerConfig>,
    pub client: Arc<ClientConfig>,
}

pub fn pki() -> Pki {
    let ck = rcgen::generate_simple_self_signed(NAMES.map(String::from).to_vec()).unwrap();
    let cert: CertificateDer<'static> = ck.cert.der().clone();
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(ck.signing_key.serialize_der()));
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let server = ServerConfig::builder_with_provider(Arc::clone(&provider))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![cert.clone()], key)
        .unwrap();
    let mut roots = RootCertStore::empty();
    roots.add(cert).unwrap();
    let client = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    Pki {
        server: Arc::new(server),
        client: Arc::new(client),
    }
}

/// A TLS server for a.test/b.test/c.test: after the handshake it writes
/// `hello from <sni>\n`, then echoes. Counts completed handshakes.
pub struct TlsBackend {
    pub addr: SocketAddr,
    pub handshakes: Arc<AtomicUsize>,
    pub client: Arc<ClientConfig>,
}

pub async fn tls_backend() -> TlsBackend {
    let pki = pki();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let handshakes = Arc::new(AtomicUsize::new(0));
    let acceptor = TlsAcceptor::from(pki.server);
    let count = Arc::clone(&handshakes);
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            let count = Arc::clone(&count);
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(tcp).await else {
                    return;
                };
                count.fetch_add(1, Ordering::SeqCst);
                let sni = tls.get_ref().1.server_name().unwrap_or("-").to_string();
                let _ = tls
                    .write_all(format!("hello from {sni}\n").as_bytes())
                    .await;
                let mut buf = [0u8; 1024];
                while let Ok(n) = tls.read(&mut buf).await {
                    if n == 0 || tls.write_all(&buf[..n]).await.is_err() {
                        break;
                    }
                }
            });
        }
    });
    TlsBackend {
        addr,
        handshakes,
        client: pki.client,
    }
}

/// Runs a TLS handshake naming `name` over `tcp` and reads the greeting line.
pub async fn tls_hello(
    client: &Arc<ClientConfig>,
    tcp: TcpStream,
    name: &str,
) -> std::io::Result<(tokio_rustls::client::TlsStream<TcpStream>, String)> {
    let connector = TlsConnector::from(Arc::clone(client));
    let mut tls = connector
        .connect(ServerName::try_from(name.to_string()).unwrap(), tcp)
        .await?;
    let mut line = Vec::new();
    let mut b = [0u8; 1];
    while tls.read(&mut b).await? == 1 {
        if b[0] == b'\n' {
            break;
        }
        line.push(b[0]);
    }
    Ok((tls, String::from_utf8(line).unwrap()))
}

/// A plain HTTP server answering `host=<Host>;path=<path>`.
pub async fn http_backend() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut s, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut buf = Vec::new();
                let head =
                    moat_gate::http::read_head(&mut s, &mut buf, Duration::from_secs(5)).await;
                let Ok(head) = head else { return };
                let body = format!(
                    "host={};path={}",
                    head.header("host").unwrap_or("-"),
                    head.target
                );
                let msg = format!(
                    "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = s.write_all(msg.as_bytes()).await;
            });
        }
    });
    addr
}

/// A TCP server that records every byte it receives (per connection) and never
/// closes first.
pub async fn capture_backend() -> (SocketAddr, tokio::sync::mpsc::UnboundedReceiver<Vec<u8>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok((mut s, _)) = listener.accept().await {
            let tx = tx.clone();
            tokio::spawn(async move {
                let mut all = Vec::new();
                let mut buf = [0u8; 4096];
                while let Ok(n) = s.read(&mut buf).await {
                    if n == 0 {
                        break;
                    }
                    all.extend_from_slice(&buf[..n]);
                    let _ = tx.send(all.clone());
                }
                // Hold the socket open: the gateway must end the tunnel by itself.
                tokio::time::sleep(Duration::from_secs(30)).await;
            });
        }
    });
    (addr, rx)
}

pub struct TestGate {
    pub gate: RunningGate,
    pub dir: tempfile::TempDir,
    pub log: PathBuf,
    pub allowlist: PathBuf,
}

/// Starts a gateway on loopback with every test name resolving to 127.0.0.1 and
/// 127.0.0.1/32 opened (the backends live there).
pub async fn gate(mode: Mode, allow: &str, tweak: impl FnOnce(&mut GateConfig)) -> TestGate {
    let dir = tempfile::tempdir().unwrap();
    let allowlist = dir.path().join("allow.txt");
    std::fs::write(&allowlist, allow).unwrap();
    let log = dir.path().join("gate.log");
    let mut cfg = GateConfig::new(mode, allowlist.clone());
    let any: SocketAddr = "127.0.0.1:0".parse().unwrap();
    cfg.proxy_listen = Some(any);
    cfg.sni_listen = Some(any);
    cfg.http_listen = Some(any);
    cfg.metrics_listen = Some(any);
    cfg.resolve = NAMES
        .iter()
        .map(|n| (n.to_string(), "127.0.0.1".parse().unwrap()))
        .collect();
    cfg.allow_ranges = vec!["127.0.0.1/32".parse().unwrap()];
    cfg.log = LogTarget::File(log.clone());
    cfg.limits.hello_timeout = Duration::from_secs(3);
    tweak(&mut cfg);
    let gate = start(cfg).await.unwrap();
    TestGate {
        gate,
        dir,
        log,
        allowlist,
    }
}

/// Sends `CONNECT target` and returns the status code, the raw response head and the
/// stream positioned after it.
pub async fn connect_via(proxy: SocketAddr, target: &str) -> (u16, String, TcpStream) {
    let mut s = TcpStream::connect(proxy).await.unwrap();
    s.write_all(format!("CONNECT {target} HTTP/1.1\r\nHost: {target}\r\n\r\n").as_bytes())
        .await
        .unwrap();
    let head = read_head_bytewise(&mut s).await;
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    (status, head, s)
}

async fn read_head_bytewise(s: &mut TcpStream) -> String {
    let mut head = Vec::new();
    let mut b = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        match s.read(&mut b).await {
            Ok(1) => head.push(b[0]),
            _ => break,
        }
    }
    String::from_utf8_lossy(&head).into_owned()
}

/// Reads a whole HTTP response (the server closes).
pub async fn http_exchange(addr: SocketAddr, request: &str) -> String {
    let mut s = TcpStream::connect(addr).await.unwrap();
    s.write_all(request.as_bytes()).await.unwrap();
    let mut out = String::new();
    let _ = tokio::time::timeout(Duration::from_secs(5), s.read_to_string(&mut out)).await;
    out
}

/// Waits (up to 5 s) for a log record matching `pred`.
pub async fn wait_record(log: &PathBuf, pred: impl Fn(&Record) -> bool) -> Record {
    for _ in 0..100 {
        if let Ok(text) = std::fs::read_to_string(log) {
            let found = text
                .lines()
                .filter_map(|l| serde_json::from_str::<Record>(l).ok())
                .find(|r| pred(r));
            if let Some(r) = found {
                return r;
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!(
        "no matching record in log:\n{}",
        std::fs::read_to_string(log).unwrap_or_default()
    );
}

/// Reads the fixture hello with SNI a.test (a real OpenSSL ClientHello).
pub fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures")
            .join(name),
    )
    .unwrap()
}

/// Runs the calling test again inside a fresh network namespace (`unshare -n`),
/// after `setup` commands (run as `sh -c`). Returns `true` when the caller is the
/// inner run and should do the work, `false` in the outer run (which asserts the
/// inner one passed, or prints why it was skipped).
pub fn in_netns(test_name: &str, setup: &str) -> bool {
    const INNER: &str = "MOAT_GATE_TEST_NETNS";
    if std::env::var_os(INNER).is_some() {
        let st = std::process::Command::new("sh")
            .arg("-c")
            .arg(setup)
            .status()
            .unwrap();
        assert!(st.success(), "netns setup failed: {setup}");
        return true;
    }
    let probe = std::process::Command::new("unshare")
        .args(["-n", "true"])
        .status();
    if !matches!(&probe, Ok(s) if s.success()) {
        println!(
            "SKIPPED {test_name}: `unshare -n` is not permitted here ({probe:?}); run as root"
        );
        return false;
    }
    let exe = std::env::current_exe().unwrap();
    let out = std::process::Command::new("unshare")
        .arg("-n")
        .arg(exe)
        .args(["--exact", test_name, "--nocapture", "--test-threads=1"])
        .env(INNER, "1")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    println!("{stdout}");
    assert!(
        out.status.success(),
        "inner run failed:\n{stdout}\n{stderr}"
    );
    assert!(
        stdout.contains("1 passed"),
        "inner run did not run the test:\n{stdout}"
    );
    false
}

/// Counts a process's open descriptors.
pub fn fd_count(pid: u32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/fd"))
        .map(|d| d.count())
        .unwrap_or(0)
}

/// A TCP echo server; returns its address.
pub async fn echo_backend() -> SocketAddr {
    let listener = moat_gate_test_listener().await;
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((s, _)) = listener.accept().await {
            tokio::spawn(async move {
                let (mut r, mut w) = s.into_split();
                let _ = tokio::io::copy(&mut r, &mut w).await;
            });
        }
    });
    addr
}

/// A loopback listener with a large backlog (bursts of thousands of connects).
async fn moat_gate_test_listener() -> TcpListener {
    let s = tokio::net::TcpSocket::new_v4().unwrap();
    s.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    s.listen(4096).unwrap()
}
