//! TLS 1.3 HelloRetryRequest through the gateway, with real rustls on both sides on
//! loopback: the server offers only secp384r1 while the client's first key share is
//! X25519, so every handshake goes through a retry and a second ClientHello.
//!
//! An honest client must pass on both listeners; a client whose second ClientHello names
//! another host (rustls driven by hand, its second hello rewritten — same length, so the
//! record stays well-formed) must be cut before that hello reaches the server.

mod common;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::*;
use moat_gate::log::{Decision, Listener};
use moat_gate::policy::Mode;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio_rustls::rustls::{self, ClientConnection, ServerConfig};
use tokio_rustls::TlsAcceptor;

/// A TLS server that supports only secp384r1 (forcing a retry on a client that leads with
/// X25519), fronted by a recorder of every byte sent to it. Greets with `hello from <sni>`.
struct RetryBackend {
    addr: SocketAddr,
    received: Arc<Mutex<Vec<u8>>>,
    /// A client trusting this server's certificate (default key-exchange groups).
    client: Arc<rustls::ClientConfig>,
}

async fn retry_backend() -> RetryBackend {
    let ck = rcgen::generate_simple_self_signed(NAMES.map(String::from).to_vec()).unwrap();
    let cert: CertificateDer<'static> = ck.cert.der().clone();
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(ck.signing_key.serialize_der()));
    let mut roots = rustls::RootCertStore::empty();
    roots.add(cert.clone()).unwrap();
    let mut client = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_root_certificates(roots)
    .with_no_client_auth();
    // No resumption store: rustls keeps the key-exchange group a server chose there and
    // would skip the retry on the next connection.
    client.resumption = rustls::client::Resumption::disabled();
    let mut provider = rustls::crypto::ring::default_provider();
    provider.kx_groups = vec![rustls::crypto::ring::kx_group::SECP384R1];
    let server = ServerConfig::builder_with_provider(Arc::new(provider))
        .with_protocol_versions(&[&rustls::version::TLS13])
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![cert], key)
        .unwrap();
    let acceptor = TlsAcceptor::from(Arc::new(server));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let received = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&received);
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let (acceptor, log) = (acceptor.clone(), Arc::clone(&log));
            tokio::spawn(async move {
                let recorder = Recorder { inner: tcp, log };
                let Ok(mut tls) = acceptor.accept(recorder).await else {
                    return;
                };
                let sni = tls.get_ref().1.server_name().unwrap_or("-").to_string();
                let _ = tls
                    .write_all(format!("hello from {sni}\n").as_bytes())
                    .await;
                let _ = tls.flush().await;
                let mut b = [0u8; 64];
                let _ = tls.read(&mut b).await;
            });
        }
    });
    RetryBackend {
        addr,
        received,
        client: Arc::new(client),
    }
}

/// A TCP stream that appends every byte read from it to a shared log.
struct Recorder {
    inner: TcpStream,
    log: Arc<Mutex<Vec<u8>>>,
}

impl tokio::io::AsyncRead for Recorder {
    fn poll_read(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let r = std::pin::Pin::new(&mut self.inner).poll_read(cx, buf);
        let new = buf.filled()[before..].to_vec();
        self.log.lock().unwrap().extend_from_slice(&new);
        r
    }
}

impl tokio::io::AsyncWrite for Recorder {
    fn poll_write(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &[u8],
    ) -> std::task::Poll<std::io::Result<usize>> {
        std::pin::Pin::new(&mut self.inner).poll_write(cx, buf)
    }
    fn poll_flush(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.inner).poll_flush(cx)
    }
    fn poll_shutdown(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// Drives rustls by hand: sends the first ClientHello, reads until rustls has its second
/// ClientHello ready (it received the HelloRetryRequest), rewrites `a.test` to `swap_to`
/// in it and sends it. Returns the stream, and whether a retry really happened.
async fn second_hello_names(
    tcp: &mut TcpStream,
    client: Arc<rustls::ClientConfig>,
    swap_to: &[u8],
) {
    let name = "a.test".try_into().unwrap();
    let mut conn = ClientConnection::new(client, name).unwrap();
    let mut first = Vec::new();
    conn.write_tls(&mut first).unwrap();
    assert!(contains(&first, b"a.test"));
    tcp.write_all(&first).await.unwrap();
    let mut buf = vec![0u8; 16 * 1024];
    while !conn.wants_write() {
        let n = tokio::time::timeout(Duration::from_secs(5), tcp.read(&mut buf))
            .await
            .expect("the server answers the first hello")
            .unwrap();
        assert!(n > 0, "closed before the retry");
        conn.read_tls(&mut &buf[..n]).unwrap();
        conn.process_new_packets().unwrap();
    }
    let mut second = Vec::new();
    conn.write_tls(&mut second).unwrap();
    let at = second
        .windows(6)
        .position(|w| w == b"a.test")
        .expect("the second ClientHello names a.test");
    second[at..at + 6].copy_from_slice(swap_to);
    tcp.write_all(&second).await.unwrap();
}

/// Reads until the gateway closes or resets the connection (or 5 s pass).
async fn cut(tcp: &mut TcpStream) -> bool {
    let mut b = [0u8; 4096];
    loop {
        match tokio::time::timeout(Duration::from_secs(5), tcp.read(&mut b)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return true,
            Ok(Ok(_)) => continue,
            Err(_) => return false,
        }
    }
}

#[tokio::test]
async fn an_honest_client_through_a_retry_passes_on_both_listeners() {
    let be = retry_backend().await;
    let g = gate(Mode::Enforce, "a.test\n", |c| {
        c.sni_upstream_port = be.addr.port()
    })
    .await;
    let port = be.addr.port();
    let (status, _, tcp) = connect_via(g.gate.proxy_addr.unwrap(), &format!("a.test:{port}")).await;
    assert_eq!(status, 200);
    let (_tls, line) = tls_hello(&be.client, tcp, "a.test").await.unwrap();
    assert_eq!(line, "hello from a.test");
    let tcp = TcpStream::connect(g.gate.sni_addr.unwrap()).await.unwrap();
    let (_tls, line) = tls_hello(&be.client, tcp, "a.test").await.unwrap();
    assert_eq!(line, "hello from a.test");
    let seen = be.received.lock().unwrap().clone();
    // Two connections, each with two ClientHellos (the retry happened).
    assert_eq!(seen.windows(6).filter(|w| w == b"a.test").count(), 4);
}

#[tokio::test]
async fn a_second_hello_naming_another_host_is_cut_on_connect() {
    let be = retry_backend().await;
    let g = gate(Mode::Enforce, "a.test\n", |_| {}).await;
    let target = format!("a.test:{}", be.addr.port());
    let (status, _, mut tcp) = connect_via(g.gate.proxy_addr.unwrap(), &target).await;
    assert_eq!(status, 200);
    second_hello_names(&mut tcp, Arc::clone(&be.client), b"b.test").await;
    assert!(cut(&mut tcp).await, "the tunnel must be cut");
    let r = wait_record(&g.log, |r| r.listener == Listener::Connect).await;
    assert_eq!(
        (r.decision, r.reason.as_str()),
        (Decision::Deny, "retry_sni_changed")
    );
    let seen = be.received.lock().unwrap().clone();
    assert!(contains(&seen, b"a.test"), "the first hello went up");
    assert!(
        !contains(&seen, b"b.test"),
        "the second hello must not reach the server"
    );
}

#[tokio::test]
async fn a_second_hello_naming_another_host_is_cut_on_the_sni_listener() {
    let be = retry_backend().await;
    let g = gate(Mode::Enforce, "a.test\nb.test\n", |c| {
        c.sni_upstream_port = be.addr.port()
    })
    .await;
    let mut tcp = TcpStream::connect(g.gate.sni_addr.unwrap()).await.unwrap();
    // Even a second name that is itself allowed: the connection was routed for a.test.
    second_hello_names(&mut tcp, Arc::clone(&be.client), b"b.test").await;
    assert!(cut(&mut tcp).await, "the connection must be cut");
    let r = wait_record(&g.log, |r| r.listener == Listener::Sni).await;
    assert_eq!(
        (r.decision, r.reason.as_str()),
        (Decision::Deny, "retry_sni_changed")
    );
    assert!(!contains(&be.received.lock().unwrap(), b"b.test"));
}

#[tokio::test]
async fn discover_mode_lets_a_changed_second_hello_through_and_records_it() {
    let be = retry_backend().await;
    let g = gate(Mode::Discover, "", |c| c.sni_upstream_port = be.addr.port()).await;
    let mut tcp = TcpStream::connect(g.gate.sni_addr.unwrap()).await.unwrap();
    second_hello_names(&mut tcp, Arc::clone(&be.client), b"c.test").await;
    let _ = cut(&mut tcp).await;
    drop(tcp);
    let r = wait_record(&g.log, |r| r.listener == Listener::Sni).await;
    assert_eq!(r.decision, Decision::Allow);
    assert!(r.would_deny);
    assert_eq!(
        r.would_deny_reasons,
        ["not_allowlisted", "retry_sni_changed"]
    );
}
