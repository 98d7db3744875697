//! Several event loops (`GateConfig::threads`, the CLI's `--threads`): every loop accepts
//! its share of the connections on its own socket, and they all stop with the gateway.

mod common;

use std::time::Duration;

use common::*;
use moat_gate::log::Decision;
use moat_gate::policy::Mode;
use tokio::net::TcpStream;

/// With four loops on one address the kernel spreads 64 connections over all of them: a
/// loop that bound its socket but did not serve it would leave about a quarter hanging.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_event_loop_serves_and_logs_its_connections() {
    let be = tls_backend().await;
    let g = gate(Mode::Enforce, "a.test\n", |c| {
        c.sni_upstream_port = be.addr.port();
        c.threads = 4;
    })
    .await;
    let sni = g.gate.sni_addr.unwrap();
    let mut tasks = Vec::new();
    for _ in 0..64 {
        let client = be.client.clone();
        tasks.push(tokio::spawn(async move {
            let tcp = TcpStream::connect(sni).await.unwrap();
            let work = tls_hello(&client, tcp, "a.test");
            let (_tls, line) = tokio::time::timeout(Duration::from_secs(10), work)
                .await
                .expect("served within 10 s")
                .unwrap();
            line
        }));
    }
    for t in tasks {
        assert_eq!(t.await.unwrap(), "hello from a.test");
    }
    // A denied name is refused by whichever loop takes it.
    for _ in 0..16 {
        let tcp = TcpStream::connect(sni).await.unwrap();
        assert!(tls_hello(&be.client, tcp, "b.test").await.is_err());
    }
    g.gate.flush_log();
    let denied = wait_record(&g.log, |r| r.decision == Decision::Deny).await;
    assert_eq!(denied.reason, "not_allowlisted");
    let text = std::fs::read_to_string(&g.log).unwrap();
    let denials = text.lines().filter(|l| l.contains("\"deny\"")).count();
    assert_eq!(denials, 16, "every refusal logged once:\n{text}");
    assert_eq!(
        g.gate
            .metrics_text()
            .lines()
            .find(|l| l.starts_with("moat_gate_connections_total")),
        Some("moat_gate_connections_total 80")
    );
}

/// Dropping the gateway stops every loop: the shared port refuses connections.
#[tokio::test]
async fn dropping_the_gateway_closes_every_loops_socket() {
    let g = gate(Mode::Enforce, "a.test\n", |c| c.threads = 3).await;
    let sni = g.gate.sni_addr.unwrap();
    let proxy = g.gate.proxy_addr.unwrap();
    assert!(TcpStream::connect(sni).await.is_ok());
    drop(g);
    for addr in [sni, proxy] {
        for _ in 0..16 {
            let refused = TcpStream::connect(addr).await;
            assert!(refused.is_err(), "{addr} still accepts after the drop");
        }
    }
}
