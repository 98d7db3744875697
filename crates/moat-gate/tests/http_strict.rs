//! Plain HTTP on the Host listener and the proxy listener: requests two parsers could read
//! differently are refused, absolute-form targets are routed by their URI, and a
//! kept-alive connection carries one request only. Against a keep-alive backend that
//! answers every request it reads (with the Host it saw), so anything smuggled past the
//! gateway would show.

mod common;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::*;
use moat_gate::policy::Mode;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// A keep-alive HTTP server that reads requests with a lenient parser (LF line ends, like
/// many upstreams), records each request's raw head, and closes after a request with
/// `Connection: close`.
async fn keepalive_backend() -> (SocketAddr, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&seen);
    tokio::spawn(async move {
        while let Ok((mut s, _)) = listener.accept().await {
            let log = Arc::clone(&log);
            tokio::spawn(async move {
                let mut buf = Vec::new();
                let mut chunk = [0u8; 4096];
                loop {
                    // A lenient reader: a head ends at the first empty line, LF or CRLF.
                    let text = String::from_utf8_lossy(&buf).replace("\r\n", "\n");
                    if let Some(end) = text.find("\n\n") {
                        let head = text[..end].to_string();
                        let host = head
                            .lines()
                            .find_map(|l| l.strip_prefix("Host:").or(l.strip_prefix("host:")))
                            .unwrap_or("-")
                            .trim()
                            .to_string();
                        log.lock().unwrap().push(head.clone());
                        let body = format!("host={host}");
                        let msg = format!(
                            "HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n{body}",
                            body.len()
                        );
                        if s.write_all(msg.as_bytes()).await.is_err() {
                            return;
                        }
                        if head.to_ascii_lowercase().contains("\nconnection: close") {
                            return;
                        }
                        // Drop the consumed head (approximately: the CRLF-normalised
                        // length is what a lenient server would have consumed).
                        let consumed = raw_len(&buf, end + 2);
                        buf.drain(..consumed);
                        continue;
                    }
                    match s.read(&mut chunk).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => buf.extend_from_slice(&chunk[..n]),
                    }
                }
            });
        }
    });
    (addr, seen)
}

/// Bytes of `raw` that make `normalised_len` characters once CRLF is read as LF.
fn raw_len(raw: &[u8], normalised_len: usize) -> usize {
    let (mut i, mut n) = (0, 0);
    while n < normalised_len && i < raw.len() {
        if raw[i] == b'\r' && raw.get(i + 1) == Some(&b'\n') {
            i += 1;
        }
        i += 1;
        n += 1;
    }
    i
}

async fn exchange(addr: SocketAddr, request: &[u8]) -> String {
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    s.write_all(request).await.unwrap();
    let mut out = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(3), s.read_to_end(&mut out)).await;
    String::from_utf8_lossy(&out).into_owned()
}

/// Every request that smuggles something a lenient upstream would read differently gets a
/// 400 from the gateway on the Host listener, and nothing reaches the upstream.
#[tokio::test]
async fn ambiguous_requests_are_refused_on_the_host_listener() {
    let (web, seen) = keepalive_backend().await;
    let g = gate(Mode::Enforce, "a.test\n", |c| {
        c.http_upstream_port = web.port()
    })
    .await;
    let host = g.gate.http_addr.unwrap();
    let cases: [(&str, &[u8]); 8] = [
        ("bare LF", b"GET /y HTTP/1.1\r\nX: y\nHost: c.test\r\nHost2: a\r\nHost: a.test\r\n\r\n"),
        ("bare LF only", b"GET /y HTTP/1.1\nHost: a.test\n\n"),
        ("tab in request line", b"GET /\tHTTP/1.1 HTTP/1.1\r\nHost: a.test\r\n\r\n"),
        ("space before colon", b"GET / HTTP/1.1\r\nHost : c.test\r\nHost: a.test\r\n\r\n"),
        ("obs-fold", b"GET / HTTP/1.1\r\nHost: a.test\r\nX: a\r\n b\r\n\r\n"),
        ("control in target", b"GET /\x01x HTTP/1.1\r\nHost: a.test\r\n\r\n"),
        ("duplicate Host", b"GET / HTTP/1.1\r\nHost: a.test\r\nHost: c.test\r\n\r\n"),
        (
            "Content-Length and Transfer-Encoding",
            b"POST / HTTP/1.1\r\nHost: a.test\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        ),
    ];
    for (what, req) in cases {
        let resp = exchange(host, req).await;
        assert!(resp.starts_with("HTTP/1.1 400"), "{what}: {resp}");
        assert!(
            resp.contains("X-Moat-Gate-Reason: bad_request"),
            "{what}: {resp}"
        );
    }
    assert!(
        seen.lock().unwrap().is_empty(),
        "upstream saw {:?}",
        seen.lock().unwrap()
    );
}

/// An absolute-form target is routed by its URI on the Host listener too (the upstream
/// follows the URI), and a Host header naming another host is refused.
#[tokio::test]
async fn absolute_form_is_routed_by_its_uri_everywhere() {
    let (web, seen) = keepalive_backend().await;
    let port = web.port();
    let g = gate(Mode::Enforce, "a.test\n", |c| c.http_upstream_port = port).await;
    let host = g.gate.http_addr.unwrap();
    let resp = exchange(host, b"GET http://c.test/ HTTP/1.1\r\nHost: a.test\r\n\r\n").await;
    assert!(resp.starts_with("HTTP/1.1 400"), "{resp}");
    let resp = exchange(host, b"GET http://c.test/ HTTP/1.1\r\n\r\n").await;
    assert!(
        resp.starts_with("HTTP/1.1 403"),
        "routed by the URI: {resp}"
    );
    assert!(seen.lock().unwrap().is_empty());
    let resp = exchange(
        host,
        b"GET http://a.test/p HTTP/1.1\r\nHost: a.test\r\n\r\n",
    )
    .await;
    assert!(resp.starts_with("HTTP/1.1 200"), "{resp}");
    let heads = seen.lock().unwrap().clone();
    assert!(
        heads[0].starts_with("GET /p HTTP/1.1\nHost: a.test\n"),
        "{heads:?}"
    );

    let proxy = g.gate.proxy_addr.unwrap();
    let req = format!("GET http://a.test:{port}/ HTTP/1.1\r\nHost: c.test:{port}\r\n\r\n");
    let resp = exchange(proxy, req.as_bytes()).await;
    assert!(resp.starts_with("HTTP/1.1 400"), "{resp}");
}

/// A kept-alive connection carries one request: the second (for another name) never
/// reaches the upstream, the first goes up with `Connection: close`, and the log says
/// what was dropped. Same on the proxy listener.
#[tokio::test]
async fn one_request_per_connection_on_both_plain_listeners() {
    let (web, seen) = keepalive_backend().await;
    let port = web.port();
    let g = gate(Mode::Enforce, "a.test\n", |c| c.http_upstream_port = port).await;
    let two = b"GET /1 HTTP/1.1\r\nHost: a.test\r\n\r\nGET /2 HTTP/1.1\r\nHost: c.test\r\n\r\n";
    let resp = exchange(g.gate.http_addr.unwrap(), two).await;
    assert_eq!(resp.matches("HTTP/1.1 200").count(), 1, "{resp}");
    assert!(resp.ends_with("host=a.test"), "{resp}");
    let proxied = format!(
        "GET http://a.test:{port}/1 HTTP/1.1\r\n\r\nGET http://c.test:{port}/2 HTTP/1.1\r\n\r\n"
    );
    let resp = exchange(g.gate.proxy_addr.unwrap(), proxied.as_bytes()).await;
    assert_eq!(resp.matches("HTTP/1.1 200").count(), 1, "{resp}");
    let heads = seen.lock().unwrap().clone();
    assert_eq!(heads.len(), 2, "{heads:?}");
    for h in &heads {
        assert!(h.contains("Connection: close"), "{h}");
        assert!(!h.contains("c.test"), "{h}");
    }
    let r = wait_record(&g.log, |r| {
        r.detail
            .as_deref()
            .is_some_and(|d| d.contains("not forwarded"))
    })
    .await;
    assert_eq!(r.host.as_deref(), Some("a.test"));
}

/// A body framed by Content-Length goes up whole; chunked bodies are refused with 411.
#[tokio::test]
async fn bodies_are_framed_by_content_length() {
    let (web, seen) = keepalive_backend().await;
    let g = gate(Mode::Enforce, "a.test\n", |c| {
        c.http_upstream_port = web.port()
    })
    .await;
    let host = g.gate.http_addr.unwrap();
    let resp = exchange(
        host,
        b"POST / HTTP/1.1\r\nHost: a.test\r\nContent-Length: 5\r\n\r\nhello",
    )
    .await;
    assert!(resp.starts_with("HTTP/1.1 200"), "{resp}");
    let resp = exchange(
        host,
        b"POST / HTTP/1.1\r\nHost: a.test\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
    )
    .await;
    assert!(resp.starts_with("HTTP/1.1 411"), "{resp}");
    assert_eq!(seen.lock().unwrap().len(), 1);
}
