//! Records real rustls ClientHellos into a directory (how `tests/fixtures/rustls-*.bin`
//! were made): `cargo run -p moat-gate --example record_hello -- tests/fixtures`.
//!
//! A loopback listener saves the first bytes each client sends; the handshake then
//! fails (nobody answers), which is expected.

use std::sync::Arc;
use std::time::Duration;

use tokio::io::AsyncReadExt;
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::rustls::{self, pki_types::ServerName, ClientConfig, RootCertStore};

async fn record(cfg: ClientConfig, name: &str) -> std::io::Result<Vec<u8>> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let capture = tokio::spawn(async move {
        let mut buf = Vec::new();
        if let Ok((mut s, _)) = listener.accept().await {
            let mut chunk = [0u8; 4096];
            while let Ok(Ok(n)) =
                tokio::time::timeout(Duration::from_millis(500), s.read(&mut chunk)).await
            {
                if n == 0 {
                    break;
                }
                buf.extend_from_slice(&chunk[..n]);
            }
        }
        buf
    });
    let connector = tokio_rustls::TlsConnector::from(Arc::new(cfg));
    let tcp = TcpStream::connect(addr).await?;
    let server_name = ServerName::try_from(name.to_string()).map_err(std::io::Error::other)?;
    let _ = tokio::time::timeout(
        Duration::from_millis(800),
        connector.connect(server_name, tcp),
    )
    .await;
    capture.await.map_err(std::io::Error::other)
}

fn config(versions: &[&'static rustls::SupportedProtocolVersion], sni: bool) -> ClientConfig {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut cfg = ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(versions)
        .map(|b| {
            b.with_root_certificates(RootCertStore::empty())
                .with_no_client_auth()
        })
        .unwrap_or_else(|e| panic!("rustls config: {e}"));
    cfg.enable_sni = sni;
    cfg.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    cfg
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> std::io::Result<()> {
    let dir = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "tests/fixtures".into());
    let cases: [(
        &str,
        &[&'static rustls::SupportedProtocolVersion],
        bool,
        &str,
    ); 3] = [
        (
            "rustls-tls13-sni-a.test.bin",
            &[&rustls::version::TLS13],
            true,
            "a.test",
        ),
        (
            "rustls-tls12-sni-b.test.bin",
            &[&rustls::version::TLS12],
            true,
            "b.test",
        ),
        (
            "rustls-tls13-nosni.bin",
            &[&rustls::version::TLS13],
            false,
            "a.test",
        ),
    ];
    for (file, versions, sni, name) in cases {
        let bytes = record(config(versions, sni), name).await?;
        std::fs::write(format!("{dir}/{file}"), &bytes)?;
        println!("{file}: {} bytes", bytes.len());
    }
    Ok(())
}
