//! `--dns-server`: names are resolved by querying the given server (here a tiny
//! UDP responder on loopback that answers A queries for *.test with 127.0.0.9).

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use moat_gate::resolve::Resolver;
use tokio::net::UdpSocket;

/// Answers every query: A for names under `test` → 127.0.0.9, anything else → no data.
async fn fake_dns() -> SocketAddr {
    let sock = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let addr = sock.local_addr().unwrap();
    tokio::spawn(async move {
        let mut buf = [0u8; 1500];
        while let Ok((n, peer)) = sock.recv_from(&mut buf).await {
            let q = &buf[..n];
            // Walk the question name to find where the question ends.
            let mut i = 12;
            let mut labels = Vec::new();
            while i < q.len() && q[i] != 0 {
                let len = q[i] as usize;
                labels.push(String::from_utf8_lossy(&q[i + 1..i + 1 + len]).to_lowercase());
                i += 1 + len;
            }
            let qend = i + 5; // zero byte, qtype, qclass
            let qtype = u16::from_be_bytes([q[i + 1], q[i + 2]]);
            let answer = qtype == 1 && labels.last().is_some_and(|l| l == "test");
            let mut resp = Vec::new();
            resp.extend_from_slice(&q[..2]); // id
            resp.extend_from_slice(&[0x81, 0x80, 0, 1, 0, u8::from(answer), 0, 0, 0, 0]);
            resp.extend_from_slice(&q[12..qend]);
            if answer {
                resp.extend_from_slice(&[0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 127, 0, 0, 9]);
            }
            let _ = sock.send_to(&resp, peer).await;
        }
    });
    addr
}

#[tokio::test]
async fn dns_server_is_queried_and_overrides_still_win() {
    let dns = fake_dns().await;
    let r = Resolver::new(
        &[("pinned.test".into(), "127.0.0.7".parse().unwrap())],
        Some(dns),
        Duration::from_secs(3),
    )
    .unwrap();
    let ips = r.resolve("x.test").await.unwrap();
    assert_eq!(ips, vec!["127.0.0.9".parse::<IpAddr>().unwrap()]);
    let ips = r.resolve("pinned.test").await.unwrap();
    assert_eq!(ips, vec!["127.0.0.7".parse::<IpAddr>().unwrap()]);
    assert!(r.resolve("nothing.invalid").await.is_err());
}
