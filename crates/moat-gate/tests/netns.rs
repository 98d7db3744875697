//! The address defences, tested where a failure cannot leak: inside a network
//! namespace of its own, where 169.254.169.254 and 10.20.30.40 are local addresses
//! with listeners that count every connection. A gateway that dialled them would be
//! caught by the counters, and no packet leaves the namespace.

mod common;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use common::*;
use moat_gate::policy::Mode;
use tokio::io::AsyncReadExt;
use tokio::net::{TcpListener, TcpStream};

const SETUP: &str = "ip link set lo up && ip addr add 169.254.169.254/32 dev lo && \
                     ip addr add 10.20.30.40/32 dev lo && ip addr add 100.64.0.9/32 dev lo";

async fn counting_listener(addr: &str) -> (SocketAddr, Arc<AtomicUsize>) {
    let l = TcpListener::bind(addr).await.unwrap();
    let local = l.local_addr().unwrap();
    let hits = Arc::new(AtomicUsize::new(0));
    let h = Arc::clone(&hits);
    tokio::spawn(async move {
        while let Ok((s, _)) = l.accept().await {
            h.fetch_add(1, Ordering::SeqCst);
            tokio::spawn(async move {
                tokio::time::sleep(Duration::from_secs(5)).await;
                drop(s);
            });
        }
    });
    (local, hits)
}

#[test]
fn metadata_private_and_cgnat_addresses_are_never_dialled() {
    if !in_netns(
        "metadata_private_and_cgnat_addresses_are_never_dialled",
        SETUP,
    ) {
        return;
    }
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let (_, meta) = counting_listener("169.254.169.254:80").await;
        let (_, private) = counting_listener("10.20.30.40:443").await;
        let (_, cgnat) = counting_listener("100.64.0.9:443").await;
        let (_, meta443) = counting_listener("169.254.169.254:443").await;
        let names = |c: &mut moat_gate::gate::GateConfig| {
            // The SNI fixture names a.test: point it at the metadata address.
            c.resolve.retain(|(n, _)| n != "a.test");
            c.resolve
                .push(("a.test".into(), "169.254.169.254".parse().unwrap()));
            for (n, ip) in [
                ("meta.test", "169.254.169.254"),
                ("priv.test", "10.20.30.40"),
                ("cgnat.test", "100.64.0.9"),
                ("mapped.test", "::ffff:10.20.30.40"),
                ("mixed.test", "10.20.30.40"),
            ] {
                c.resolve.push((n.into(), ip.parse().unwrap()));
            }
            c.http_upstream_port = 80;
            c.sni_upstream_port = 443;
        };
        let allow = "a.test\nmeta.test\npriv.test\ncgnat.test\nmapped.test\nmixed.test\n";
        for mode in [Mode::Enforce, Mode::Discover] {
            let g = gate(mode, allow, names).await;
            let proxy = g.gate.proxy_addr.unwrap();
            for target in [
                "meta.test:80",
                "priv.test:443",
                "cgnat.test:443",
                "mapped.test:443",
                "169.254.169.254:80",
                "10.20.30.40:443",
                "[::ffff:a9fe:a9fe]:80",
            ] {
                let (status, head, _) = connect_via(proxy, target).await;
                assert_eq!(status, 403, "{mode:?} CONNECT {target}: {head}");
            }
            let resp = http_exchange(
                proxy,
                "GET http://meta.test/latest/meta-data/ HTTP/1.1\r\nHost: meta.test\r\n\r\n",
            )
            .await;
            assert!(resp.starts_with("HTTP/1.1 403"), "{resp}");
            let resp = http_exchange(
                g.gate.http_addr.unwrap(),
                "GET /latest/api/token HTTP/1.1\r\nHost: 169.254.169.254\r\n\r\n",
            )
            .await;
            assert!(resp.starts_with("HTTP/1.1 403"), "{resp}");
            let mut s = TcpStream::connect(g.gate.sni_addr.unwrap()).await.unwrap();
            let hello = fixture("openssl3-tls13-sni-a.test.bin");
            tokio::io::AsyncWriteExt::write_all(&mut s, &hello)
                .await
                .unwrap();
            let mut b = [0u8; 1];
            assert!(!matches!(s.read(&mut b).await, Ok(1)));
            let r = wait_record(&g.log, |r| r.reason == "denied_address").await;
            assert_eq!(r.decision, moat_gate::log::Decision::Deny);
        }
        assert_eq!(
            meta.load(Ordering::SeqCst),
            0,
            "metadata address was dialled"
        );
        assert_eq!(
            meta443.load(Ordering::SeqCst),
            0,
            "metadata address was dialled (SNI)"
        );
        assert_eq!(
            private.load(Ordering::SeqCst),
            0,
            "private address was dialled"
        );
        assert_eq!(cgnat.load(Ordering::SeqCst), 0, "CGNAT address was dialled");

        // Control: opening the range lets the same request through, which proves the
        // counters would have caught a gateway that failed to refuse.
        let g = gate(Mode::Enforce, allow, |c| {
            names(c);
            c.allow_ranges.push("10.20.30.40/32".parse().unwrap());
        })
        .await;
        let (status, _, _s) = connect_via(g.gate.proxy_addr.unwrap(), "priv.test:443").await;
        assert_eq!(status, 200);
        for _ in 0..50 {
            if private.load(Ordering::SeqCst) == 1 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert_eq!(private.load(Ordering::SeqCst), 1);
        assert_eq!(meta.load(Ordering::SeqCst), 0);
    });
}
