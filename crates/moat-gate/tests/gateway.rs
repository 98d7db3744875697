//! End-to-end behaviour of the gateway on loopback, against a local TLS server that
//! answers a.test, b.test and c.test (all resolved to 127.0.0.1 with --resolve).

mod common;

use std::sync::atomic::Ordering;
use std::time::Duration;

use common::*;
use moat_gate::log::{Decision, Listener};
use moat_gate::policy::Mode;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

#[tokio::test]
async fn allowed_host_passes_on_connect_and_sni_listeners() {
    let be = tls_backend().await;
    let g = gate(Mode::Enforce, "a.test\nb.test\n", |c| {
        c.sni_upstream_port = be.addr.port()
    })
    .await;
    let port = be.addr.port();

    let (status, _, tcp) = connect_via(g.gate.proxy_addr.unwrap(), &format!("a.test:{port}")).await;
    assert_eq!(status, 200);
    let (mut tls, line) = tls_hello(&be.client, tcp, "a.test").await.unwrap();
    assert_eq!(line, "hello from a.test");
    tls.write_all(b"ping\n").await.unwrap();
    tls.flush().await.unwrap();
    let mut buf = [0u8; 5];
    tls.read_exact(&mut buf).await.unwrap();
    assert_eq!(&buf, b"ping\n");
    drop(tls);

    let tcp = TcpStream::connect(g.gate.sni_addr.unwrap()).await.unwrap();
    let (_tls, line) = tls_hello(&be.client, tcp, "b.test").await.unwrap();
    assert_eq!(line, "hello from b.test");

    let r = wait_record(&g.log, |r| r.listener == Listener::Connect).await;
    assert_eq!(r.decision, Decision::Allow);
    assert_eq!(
        (r.host.as_deref(), r.sni.as_deref()),
        (Some("a.test"), Some("a.test"))
    );
    assert_eq!(r.reason, "allowlisted");
    assert_eq!(r.resolved, Some(be.addr.to_string()));
    assert!(r.bytes_up > 200 && r.bytes_down > 200, "{r:?}");
}

/// `--allow` entries (how a Fargate task gets its list) work with no file and add to a file.
#[tokio::test]
async fn inline_allow_entries_with_and_without_a_file() {
    let be = tls_backend().await;
    let port = be.addr.port();
    for file in [true, false] {
        let g = gate(Mode::Enforce, "a.test\n", |c| {
            c.sni_upstream_port = port;
            c.allow = vec!["b.test".into()];
            if !file {
                c.allowlist = std::path::PathBuf::new();
            }
        })
        .await;
        let proxy = g.gate.proxy_addr.unwrap();
        let (b, _, _) = connect_via(proxy, &format!("b.test:{port}")).await;
        let (a, _, _) = connect_via(proxy, &format!("a.test:{port}")).await;
        let (c, _, _) = connect_via(proxy, &format!("c.test:{port}")).await;
        assert_eq!((b, c), (200, 403), "file: {file}");
        assert_eq!(a, if file { 200 } else { 403 }, "file: {file}");
    }
    let mut cfg = moat_gate::gate::GateConfig::new(Mode::Enforce, std::path::PathBuf::new());
    cfg.allow = vec!["*.com".into()];
    cfg.proxy_listen = Some("127.0.0.1:0".parse().unwrap());
    let bad = match moat_gate::gate::start(cfg).await {
        Ok(_) => panic!("a wildcard at a public suffix must be refused"),
        Err(e) => e.to_string(),
    };
    assert!(bad.contains("--allow"), "{bad}");
}

#[tokio::test]
async fn unlisted_host_gets_403_on_connect_and_a_reset_on_sni() {
    let be = tls_backend().await;
    let g = gate(Mode::Enforce, "a.test\n", |c| {
        c.sni_upstream_port = be.addr.port()
    })
    .await;
    let (status, head, _) = connect_via(
        g.gate.proxy_addr.unwrap(),
        &format!("c.test:{}", be.addr.port()),
    )
    .await;
    assert_eq!(status, 403);
    assert!(
        head.contains("X-Moat-Gate-Reason: not_allowlisted"),
        "{head}"
    );

    let tcp = TcpStream::connect(g.gate.sni_addr.unwrap()).await.unwrap();
    let err = tls_hello(&be.client, tcp, "c.test").await.unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::ConnectionReset, "{err}");
    assert_eq!(
        be.handshakes.load(Ordering::SeqCst),
        0,
        "nothing reached the server"
    );

    let r = wait_record(&g.log, |r| r.listener == Listener::Sni).await;
    assert_eq!(
        (r.decision, r.reason.as_str()),
        (Decision::Deny, "not_allowlisted")
    );
    assert_eq!(r.sni.as_deref(), Some("c.test"));
}

#[tokio::test]
async fn connect_followed_by_a_different_sni_is_cut() {
    let be = tls_backend().await;
    let g = gate(Mode::Enforce, "a.test\nb.test\n", |_| {}).await;
    let (status, _, tcp) = connect_via(
        g.gate.proxy_addr.unwrap(),
        &format!("a.test:{}", be.addr.port()),
    )
    .await;
    assert_eq!(status, 200);
    assert!(tls_hello(&be.client, tcp, "b.test").await.is_err());
    assert_eq!(
        be.handshakes.load(Ordering::SeqCst),
        0,
        "no hello byte went upstream"
    );
    let r = wait_record(&g.log, |r| r.reason == "sni_mismatch").await;
    assert_eq!(r.decision, Decision::Deny);
    assert_eq!(
        (r.host.as_deref(), r.sni.as_deref()),
        (Some("a.test"), Some("b.test"))
    );
}

#[tokio::test]
async fn hello_without_sni_inside_connect_is_denied_in_enforce() {
    let (cap, _rx) = capture_backend().await;
    let g = gate(Mode::Enforce, "a.test\n", |_| {}).await;
    let (status, _, mut tcp) = connect_via(
        g.gate.proxy_addr.unwrap(),
        &format!("a.test:{}", cap.port()),
    )
    .await;
    assert_eq!(status, 200);
    tcp.write_all(&fixture("openssl3-nosni.bin")).await.unwrap();
    let mut b = [0u8; 1];
    assert!(
        !matches!(tcp.read(&mut b).await, Ok(1)),
        "tunnel must be cut"
    );
    let r = wait_record(&g.log, |r| r.reason == "no_sni").await;
    assert_eq!(r.decision, Decision::Deny);
}

#[tokio::test]
async fn discover_mode_lets_through_and_logs_would_deny() {
    let be = tls_backend().await;
    let g = gate(Mode::Discover, "a.test\n", |c| {
        c.limits.drain_timeout = Duration::from_millis(200)
    })
    .await;
    let proxy = g.gate.proxy_addr.unwrap();
    let port = be.addr.port();
    let (status, _, tcp) = connect_via(proxy, &format!("c.test:{port}")).await;
    assert_eq!(status, 200);
    let (tls, line) = tls_hello(&be.client, tcp, "c.test").await.unwrap();
    assert_eq!(line, "hello from c.test");
    drop(tls);
    let r = wait_record(&g.log, |r| r.host.as_deref() == Some("c.test")).await;
    assert_eq!(r.decision, Decision::Allow);
    assert!(r.would_deny);
    assert_eq!(r.reason, "not_allowlisted");

    // A mismatched SNI also passes in discover mode, flagged.
    let (_, _, tcp) = connect_via(proxy, &format!("a.test:{port}")).await;
    let (tls, line) = tls_hello(&be.client, tcp, "b.test").await.unwrap();
    assert_eq!(line, "hello from b.test");
    drop(tls);
    let r = wait_record(&g.log, |r| r.reason == "sni_mismatch").await;
    assert!(r.would_deny && r.decision == Decision::Allow);

    // Every reason enforce would deny for is recorded: a name not on the list whose
    // hello then names another host shows both, and one with no SNI too.
    let (_, _, tcp) = connect_via(proxy, &format!("c.test:{port}")).await;
    let (tls, _) = tls_hello(&be.client, tcp, "b.test").await.unwrap();
    drop(tls);
    let r = wait_record(&g.log, |r| {
        r.would_deny_reasons.len() > 1 && r.sni.is_some()
    })
    .await;
    assert_eq!(r.would_deny_reasons, ["not_allowlisted", "sni_mismatch"]);
    assert_eq!(r.reason, "not_allowlisted");
    let (_, _, mut tcp) = connect_via(proxy, &format!("c.test:{port}")).await;
    tcp.write_all(&fixture("openssl3-nosni.bin")).await.unwrap();
    // The record is written when the connection ends.
    let mut answer = [0u8; 1];
    let _ = tcp.read(&mut answer).await;
    drop(tcp);
    let r = wait_record(&g.log, |r| {
        r.would_deny_reasons.iter().any(|x| x == "no_sni")
    })
    .await;
    assert_eq!(r.would_deny_reasons, ["not_allowlisted", "no_sni"]);

    // The report turns the discovery into an allowlist.
    let report = moat_gate::report::build(&std::fs::read_to_string(&g.log).unwrap());
    assert!(
        report.allowlist.contains(&format!("c.test:{port}")),
        "{:?}",
        report.allowlist
    );
}

#[tokio::test]
async fn split_hello_over_records_and_segments_is_read_and_replayed_intact() {
    let (cap, mut rx) = capture_backend().await;
    let g = gate(Mode::Enforce, "a.test\n", |c| {
        c.sni_upstream_port = cap.port();
        c.limits.drain_timeout = Duration::from_millis(200);
    })
    .await;
    // The GREASE/ECH-shaped hello, re-framed into 40-byte records, sent 5 bytes at a time.
    let hello = fixture("derived-grease-ech-sni-a.test.bin");
    let body = &hello[5..];
    let mut wire = Vec::new();
    for piece in body.chunks(40) {
        wire.extend_from_slice(&[22, 3, 1, 0, piece.len() as u8]);
        wire.extend_from_slice(piece);
    }
    let mut s = TcpStream::connect(g.gate.sni_addr.unwrap()).await.unwrap();
    for seg in wire.chunks(5) {
        s.write_all(seg).await.unwrap();
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    // Bytes after the hello wait for the server's answer (the handshake is followed for
    // a HelloRetryRequest, see handshake.rs): this server never answers.
    s.write_all(b"after").await.unwrap();
    let expect = wire.clone();
    let got = tokio::time::timeout(Duration::from_secs(5), async {
        loop {
            let got = rx.recv().await.unwrap();
            if got.len() >= expect.len() {
                return got;
            }
        }
    })
    .await
    .unwrap();
    assert_eq!(got, expect, "the upstream sees exactly the client's hello");
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(rx.try_recv().is_err(), "nothing after the hello went up");
    drop(s);
    let r = wait_record(&g.log, |r| r.listener == Listener::Sni).await;
    assert_eq!(
        (r.decision, r.sni.as_deref()),
        (Decision::Allow, Some("a.test"))
    );
}

#[tokio::test]
async fn plain_http_proxy_and_host_listener() {
    let web = http_backend().await;
    let port = web.port();
    let g = gate(Mode::Enforce, "a.test\n", |c| c.http_upstream_port = port).await;
    let proxy = g.gate.proxy_addr.unwrap();
    let resp = http_exchange(
        proxy,
        &format!("GET http://a.test:{port}/x?y=1 HTTP/1.1\r\nHost: a.test:{port}\r\nProxy-Connection: keep-alive\r\n\r\n"),
    )
    .await;
    assert!(resp.starts_with("HTTP/1.1 200"), "{resp}");
    assert!(
        resp.ends_with(&format!("host=a.test:{port};path=/x?y=1")),
        "{resp}"
    );

    let resp = http_exchange(
        proxy,
        &format!("GET http://c.test:{port}/ HTTP/1.1\r\n\r\n"),
    )
    .await;
    assert!(resp.starts_with("HTTP/1.1 403"), "{resp}");
    let resp = http_exchange(proxy, "GET https://a.test/ HTTP/1.1\r\n\r\n").await;
    assert!(resp.starts_with("HTTP/1.1 400"), "{resp}");

    let host = g.gate.http_addr.unwrap();
    let resp = http_exchange(host, "GET /y HTTP/1.1\r\nHost: a.test\r\n\r\n").await;
    assert!(resp.ends_with("host=a.test;path=/y"), "{resp}");
    let resp = http_exchange(host, "GET /y HTTP/1.1\r\nHost: c.test\r\n\r\n").await;
    assert!(resp.starts_with("HTTP/1.1 403"), "{resp}");
    let r = wait_record(&g.log, |r| {
        r.listener == Listener::HttpProxy && r.decision == Decision::Allow
    })
    .await;
    assert_eq!(r.host.as_deref(), Some("a.test"));
}

#[tokio::test]
async fn ip_literals_and_special_addresses_on_loopback_are_refused() {
    let be = tls_backend().await;
    let port = be.addr.port();
    let g = gate(Mode::Discover, "a.test\n", |c| {
        // A name that resolves to loopback outside the opened 127.0.0.1/32.
        c.resolve
            .push(("loop.test".into(), "127.0.0.3".parse().unwrap()));
    })
    .await;
    let proxy = g.gate.proxy_addr.unwrap();
    let (status, head, _) = connect_via(proxy, &format!("127.0.0.2:{port}")).await;
    assert_eq!(status, 403, "{head}");
    assert!(head.contains("ip_literal"));
    let (status, head, _) = connect_via(proxy, &format!("loop.test:{port}")).await;
    assert_eq!(status, 403, "even discover mode refuses: {head}");
    let r = wait_record(&g.log, |r| r.reason == "denied_address").await;
    assert_eq!(r.resolved.as_deref(), Some("127.0.0.3"));
    // The opened range allows an IP literal.
    let (status, _, _) = connect_via(proxy, &format!("127.0.0.1:{port}")).await;
    assert_eq!(status, 200);
}

/// Numeric host forms in a CONNECT target are IP literals (what a resolver makes of them),
/// decided by the same function as the allowlist: `127.2` is 127.0.0.2, outside the
/// opened 127.0.0.1/32, so refused even in discover mode; `2130706433` is 127.0.0.1 and
/// gets the opened range like the literal.
#[tokio::test]
async fn numeric_connect_targets_are_ip_literals() {
    let be = tls_backend().await;
    let port = be.addr.port();
    let g = gate(Mode::Discover, "a.test\n", |_| {}).await;
    let proxy = g.gate.proxy_addr.unwrap();
    for target in ["127.2", "0x7f000002", "2130706434", "0177.0.0.2"] {
        let (status, head, _) = connect_via(proxy, &format!("{target}:{port}")).await;
        assert_eq!(status, 403, "{target}: {head}");
        assert!(head.contains("ip_literal"), "{target}: {head}");
    }
    let (status, head, _) = connect_via(proxy, &format!("2130706433:{port}")).await;
    assert_eq!(status, 200, "{head}");
    let r = wait_record(&g.log, |r| r.reason == "allow_range").await;
    assert_eq!(r.host.as_deref(), Some("127.0.0.1"));
}

#[tokio::test]
async fn reload_applies_to_new_connections_and_keeps_live_ones() {
    let be = tls_backend().await;
    let port = be.addr.port();
    let g = gate(Mode::Enforce, "a.test\n", |c| {
        c.reload_interval = Duration::from_millis(100)
    })
    .await;
    let proxy = g.gate.proxy_addr.unwrap();
    let (_, _, tcp) = connect_via(proxy, &format!("a.test:{port}")).await;
    let (mut live, _) = tls_hello(&be.client, tcp, "a.test").await.unwrap();

    // mtime granularity: make sure the new file looks different (size changes too).
    std::fs::write(&g.allowlist, "b.test:443\nb.test\n").unwrap();
    for _ in 0..100 {
        if g.gate
            .metrics_text()
            .contains("moat_gate_reloads_total{result=\"ok\"} 1")
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(g
        .gate
        .metrics_text()
        .contains("moat_gate_allowlist_entries 2"));
    let (status, _, _) = connect_via(proxy, &format!("a.test:{port}")).await;
    assert_eq!(status, 403, "new connections see the new list");
    live.write_all(b"still\n").await.unwrap();
    live.flush().await.unwrap();
    let mut buf = [0u8; 6];
    live.read_exact(&mut buf).await.unwrap();
    assert_eq!(&buf, b"still\n", "the live tunnel survived the reload");

    // A broken list is refused and the previous one stays in force.
    std::fs::write(&g.allowlist, "*.com\n").unwrap();
    assert!(g.gate.reload().is_err());
    let (status, _, _) = connect_via(proxy, &format!("b.test:{port}")).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn metrics_limits_and_idle_and_drain_bounds() {
    let (cap, _rx) = capture_backend().await;
    let g = gate(Mode::Enforce, "a.test\n", |c| {
        c.limits.max_connections = 2;
        c.limits.idle_timeout = Duration::from_secs(1);
        c.limits.drain_timeout = Duration::from_millis(500);
    })
    .await;
    let proxy = g.gate.proxy_addr.unwrap();
    // Two tunnels by IP literal (opened range, no hello inspection) to a server that
    // never closes: one goes idle, one is half-closed by the client.
    let (s1, _, mut idle) = connect_via(proxy, &format!("127.0.0.1:{}", cap.port())).await;
    let (s2, _, mut half) = connect_via(proxy, &format!("127.0.0.1:{}", cap.port())).await;
    assert_eq!((s1, s2), (200, 200));
    let mut third = TcpStream::connect(g.gate.sni_addr.unwrap()).await.unwrap();
    let mut b = [0u8; 1];
    assert!(
        !matches!(third.read(&mut b).await, Ok(1)),
        "over the limit: refused"
    );
    half.write_all(b"x").await.unwrap();
    half.shutdown().await.unwrap();
    let t0 = std::time::Instant::now();
    assert_eq!(
        tokio::time::timeout(Duration::from_secs(5), half.read(&mut b))
            .await
            .unwrap()
            .unwrap(),
        0
    );
    assert!(
        t0.elapsed() < Duration::from_millis(1500),
        "drained within the bound"
    );
    assert_eq!(
        tokio::time::timeout(Duration::from_secs(5), idle.read(&mut b))
            .await
            .unwrap()
            .unwrap(),
        0
    );
    wait_record(&g.log, |r| {
        r.detail.as_deref().is_some_and(|d| d.contains("drain"))
    })
    .await;
    wait_record(&g.log, |r| {
        r.detail.as_deref().is_some_and(|d| d.contains("idle"))
    })
    .await;
    wait_record(&g.log, |r| r.reason == "connection_limit").await;

    let page = http_exchange(
        g.gate.metrics_addr.unwrap(),
        "GET /metrics HTTP/1.1\r\n\r\n",
    )
    .await;
    assert!(page.starts_with("HTTP/1.1 200"), "{page}");
    assert!(page.contains("moat_gate_active_connections "), "{page}");
    assert!(page.contains("reason=\"connection_limit\""), "{page}");
}
