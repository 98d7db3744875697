//! Per-connection handling for the three listeners.

use std::sync::Arc;
use std::time::Duration;

use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::OwnedSemaphorePermit;
use tokio::time::Instant;

use crate::detect::{read_client_hello, DetectError, DetectOptions};
use crate::gate::{Denial, Shared};
use crate::hello::MAX_HELLO_LEN;
use crate::http::{self, parse_authority, read_head, split_absolute, Host, HttpError};
use crate::log::{Decision, Listener, Record};
use crate::metrics::ActiveGuard;
use crate::tunnel::{relay, RelayEnd, RelayLimits};

/// Accepts connections for one listener until the task is aborted.
pub(crate) async fn accept_loop(l: TcpListener, shared: Arc<Shared>, kind: Listener) {
    loop {
        let (stream, peer) = match l.accept().await {
            Ok(x) => x,
            Err(e) => {
                // Typically EMFILE: back off instead of spinning on the error.
                eprintln!("moat-gate: accept failed: {e}");
                tokio::time::sleep(Duration::from_millis(20)).await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let permit = Arc::clone(&shared.permits).try_acquire_owned();
        let shared = Arc::clone(&shared);
        tokio::spawn(async move {
            let conn = Conn {
                start: Instant::now(),
                rec: shared.record(kind, peer),
                _active: shared.metrics.open(),
                _permit: permit.ok(),
                shared,
            };
            if conn._permit.is_none() {
                let d = Denial {
                    reason: "connection_limit",
                    detail: format!("{} connections open", conn.shared.limits.max_connections),
                };
                match kind {
                    Listener::Sni => conn.reset(stream, d),
                    _ => conn.respond(stream, 503, d).await,
                }
                return;
            }
            match kind {
                Listener::Sni => conn.sni(stream).await,
                Listener::Http => conn.http(stream).await,
                _ => conn.proxy(stream).await,
            }
        });
    }
}

/// One client connection: its log record and what it holds until it ends (a slot
/// under the connection limit, the active-connections gauge).
struct Conn {
    shared: Arc<Shared>,
    rec: Record,
    start: Instant,
    _active: ActiveGuard,
    _permit: Option<OwnedSemaphorePermit>,
}

impl Conn {
    fn detect_opts(&self) -> DetectOptions {
        DetectOptions {
            max_len: MAX_HELLO_LEN,
            timeout: self.shared.limits.hello_timeout,
        }
    }

    fn relay_limits(&self) -> RelayLimits {
        RelayLimits {
            idle: self.shared.limits.idle_timeout,
            drain: self.shared.limits.drain_timeout,
        }
    }

    fn finish(mut self, decision: Decision, denial: Option<Denial>) {
        self.rec.decision = decision;
        if let Some(d) = denial {
            self.rec.reason = d.reason.to_string();
            self.rec.detail = Some(d.detail);
            self.rec.would_deny = false;
        }
        self.rec.duration_ms = self.start.elapsed().as_millis() as u64;
        self.shared.emit(self.rec);
    }

    /// Refuses with an abortive close (RST): what a transparent TLS client sees.
    fn reset(self, stream: TcpStream, d: Denial) {
        let _ = stream.set_zero_linger();
        drop(stream);
        self.finish(Decision::Deny, Some(d));
    }

    /// Refuses with an HTTP status; the reason code is in a header and the body.
    async fn respond(self, mut stream: TcpStream, status: u16, d: Denial) {
        let text = match status {
            400 => "Bad Request",
            403 => "Forbidden",
            502 => "Bad Gateway",
            _ => "Service Unavailable",
        };
        let body = format!("moat-gate: {}: {}\n", d.reason, d.detail);
        let msg = format!(
            "HTTP/1.1 {status} {text}\r\nContent-Type: text/plain\r\nContent-Length: {}\r\n\
             X-Moat-Gate-Reason: {}\r\nConnection: close\r\n\r\n{body}",
            body.len(),
            d.reason
        );
        // Boxed: a rare path should not enlarge every connection's task.
        let _ = Box::pin(tokio::time::timeout(Duration::from_secs(5), async {
            let _ = stream.write_all(msg.as_bytes()).await;
            let _ = stream.shutdown().await;
        }))
        .await;
        self.finish(Decision::Deny, Some(d));
    }

    /// The status for a denial on an HTTP listener: failures upstream are 502.
    fn status_for(d: &Denial) -> u16 {
        match d.reason {
            "resolve_failed" | "connect_failed" => 502,
            _ => 403,
        }
    }

    async fn relay_and_finish(mut self, client: TcpStream, upstream: TcpStream, sent_up: u64) {
        let r = relay(client, upstream, self.relay_limits()).await;
        self.rec.bytes_up = r.up + sent_up;
        self.rec.bytes_down = r.down;
        match r.end {
            RelayEnd::Closed => {}
            RelayEnd::Idle => self.rec.detail = Some(join(self.rec.detail.take(), "closed idle")),
            RelayEnd::DrainTimeout => {
                self.rec.detail = Some(join(self.rec.detail.take(), "half-close drain timed out"))
            }
            RelayEnd::Error(e) => self.rec.detail = Some(join(self.rec.detail.take(), &e)),
        }
        self.finish(Decision::Allow, None);
    }

    /// The HTTP proxy listener: CONNECT tunnels and absolute-URI plain HTTP.
    async fn proxy(mut self, mut client: TcpStream) {
        let mut buf = Vec::with_capacity(1024);
        let head = match Box::pin(read_head(
            &mut client,
            &mut buf,
            self.shared.limits.hello_timeout,
        ))
        .await
        {
            Ok(h) => h,
            Err(e) => return self.bad_request(client, e).await,
        };
        let rest = buf.get(head.len..).unwrap_or_default().to_vec();
        // Free the head buffer now: this task lives as long as the tunnel.
        drop(buf);
        if head.method.eq_ignore_ascii_case("CONNECT") {
            let (host, port) = match parse_authority(&head.target, None) {
                Ok(t) => t,
                Err(e) => return self.bad_request(client, e).await,
            };
            drop(head);
            return self.connect(client, host, port, rest).await;
        }
        self.rec.listener = Listener::HttpProxy;
        let parsed = split_absolute(&head.target)
            .and_then(|(auth, path)| Ok((auth, path, parse_authority(auth, Some(80))?)));
        let (authority, path, (host, port)) = match parsed {
            Ok(t) => t,
            Err(e) => return self.bad_request(client, e).await,
        };
        let mut upstream = match self.open_upstream(&host, port).await {
            Ok(u) => u,
            Err(d) => return self.respond(client, Self::status_for(&d), d).await,
        };
        let mut first = http::origin_request(&head, authority, path);
        first.extend_from_slice(&rest);
        drop((rest, head));
        if let Err(e) = upstream.write_all(&first).await {
            let d = Denial {
                reason: "connect_failed",
                detail: e.to_string(),
            };
            return self.respond(client, 502, d).await;
        }
        let sent = first.len() as u64;
        drop(first);
        // The tunnel gets a task of its own, so the setup task (and its larger
        // future) is freed: an idle tunnel holds only the relay's state.
        tokio::spawn(self.relay_and_finish(client, upstream, sent));
    }

    async fn bad_request(self, client: TcpStream, e: HttpError) {
        let d = Denial {
            reason: "bad_request",
            detail: e.to_string(),
        };
        match e {
            HttpError::Incomplete(_) => self.reset(client, d),
            _ => self.respond(client, 400, d).await,
        }
    }

    async fn open_upstream(&mut self, host: &Host, port: u16) -> Result<TcpStream, Denial> {
        let addrs = Box::pin(self.shared.authorize(host, port, &mut self.rec)).await?;
        Box::pin(self.shared.dial(&addrs, &mut self.rec)).await
    }

    /// A CONNECT tunnel: authorise, dial, answer 200, then check the ClientHello's
    /// SNI against the CONNECT host before relaying a single byte upstream.
    async fn connect(mut self, mut client: TcpStream, host: Host, port: u16, rest: Vec<u8>) {
        let upstream = match self.open_upstream(&host, port).await {
            Ok(u) => u,
            Err(d) => return self.respond(client, Self::status_for(&d), d).await,
        };
        if client
            .write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
            .await
            .is_err()
        {
            let d = Denial {
                reason: "client_closed",
                detail: "client went away before the tunnel opened".into(),
            };
            return self.finish(Decision::Deny, Some(d));
        }
        let mut hello = rest;
        // An --allow-range target was chosen by address: the range is the policy, and
        // such clients often send no SNI, so the hello is not inspected.
        if let Host::Name(name) = &host {
            let found = Box::pin(read_client_hello(
                &mut client,
                &mut hello,
                self.detect_opts(),
            ))
            .await;
            if let Err(d) = self.judge_tunnel_hello(name, found) {
                return self.reset(client, d);
            }
        }
        self.forward(client, upstream, hello).await;
    }

    fn judge_tunnel_hello(
        &mut self,
        name: &str,
        found: Result<Option<crate::hello::Sni>, DetectError>,
    ) -> Result<(), Denial> {
        let denial = match found {
            Ok(Some(sni)) => {
                let mismatch = sni.as_str() != name;
                self.rec.sni = Some(sni.into_string());
                if !mismatch {
                    return Ok(());
                }
                Denial {
                    reason: "sni_mismatch",
                    detail: format!(
                        "ClientHello names {} inside a CONNECT to {name}",
                        self.rec.sni.as_deref().unwrap_or_default()
                    ),
                }
            }
            Ok(None) => Denial {
                reason: "no_sni",
                detail: "ClientHello without server_name".into(),
            },
            Err(DetectError::Closed) => {
                return Err(Denial {
                    reason: "client_closed",
                    detail: "client closed before a complete ClientHello".into(),
                })
            }
            Err(e) => Denial {
                reason: detect_reason(&e),
                detail: e.to_string(),
            },
        };
        self.shared.soft_deny(&mut self.rec, denial)
    }

    async fn forward(self, client: TcpStream, mut upstream: TcpStream, first: Vec<u8>) {
        if !first.is_empty() {
            if let Err(e) = upstream.write_all(&first).await {
                let d = Denial {
                    reason: "connect_failed",
                    detail: format!("writing to upstream: {e}"),
                };
                return self.reset(client, d);
            }
        }
        let sent = first.len() as u64;
        // Free the replayed bytes: this task lives as long as the tunnel.
        drop(first);
        // The tunnel gets a task of its own, so the setup task (and its larger
        // future) is freed: an idle tunnel holds only the relay's state.
        tokio::spawn(self.relay_and_finish(client, upstream, sent));
    }

    /// The transparent TLS listener: route on the ClientHello SNI to port 443.
    async fn sni(mut self, mut client: TcpStream) {
        let mut hello = Vec::with_capacity(2048);
        let found = Box::pin(read_client_hello(
            &mut client,
            &mut hello,
            self.detect_opts(),
        ))
        .await;
        let sni = match found {
            Ok(Some(sni)) => sni.into_string(),
            Ok(None) => {
                let d = Denial {
                    reason: "no_sni",
                    detail: "ClientHello without server_name: nowhere to route it".into(),
                };
                return self.reset(client, d);
            }
            Err(e) => {
                let d = Denial {
                    reason: detect_reason(&e),
                    detail: e.to_string(),
                };
                return self.reset(client, d);
            }
        };
        self.rec.sni = Some(sni.clone());
        let port = self.shared.sni_upstream_port;
        match self.open_upstream(&Host::Name(sni), port).await {
            Ok(upstream) => self.forward(client, upstream, hello).await,
            Err(d) => self.reset(client, d),
        }
    }

    /// The transparent HTTP listener: route on the Host header to port 80.
    async fn http(mut self, mut client: TcpStream) {
        let mut buf = Vec::with_capacity(1024);
        let head = match Box::pin(read_head(
            &mut client,
            &mut buf,
            self.shared.limits.hello_timeout,
        ))
        .await
        {
            Ok(h) => h,
            Err(e) => return self.bad_request(client, e).await,
        };
        let port = self.shared.http_upstream_port;
        // The Host header's own port is ignored: the listener stands for one port.
        let host = head
            .header("host")
            .ok_or_else(|| HttpError::Bad("no Host header".into()))
            .and_then(|h| parse_authority(h, Some(port)));
        drop(head);
        let host = match host {
            Ok((h, _)) => h,
            Err(e) => return self.bad_request(client, e).await,
        };
        match self.open_upstream(&host, port).await {
            Ok(upstream) => self.forward(client, upstream, buf).await,
            Err(d) => self.respond(client, Self::status_for(&d), d).await,
        }
    }
}

fn detect_reason(e: &DetectError) -> &'static str {
    match e {
        DetectError::Timeout(_) => "hello_timeout",
        DetectError::Closed => "client_closed",
        DetectError::Invalid(_) => "not_tls",
        DetectError::TooLarge(_) => "hello_too_large",
        DetectError::Io(_) => "client_error",
    }
}

fn join(a: Option<String>, b: &str) -> String {
    match a {
        Some(a) if !a.is_empty() => format!("{a}; {b}"),
        _ => b.to_string(),
    }
}
