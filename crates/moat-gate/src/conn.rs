//! Per-connection handling for the three listeners.

use std::sync::Arc;
use std::time::Duration;

use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::OwnedSemaphorePermit;
use tokio::time::Instant;

use crate::detect::{read_client_hello, DetectError, DetectOptions};
use crate::gate::{Denial, Shared};
use crate::handshake::{watch, WatchEnd, WatchOptions, Watched};
use crate::hello::{Sni, MAX_HELLO_LEN};
use crate::http::{self, parse_authority, read_head, route, Host, HttpError, RequestHead};
use crate::log::{Decision, Listener, Record};
use crate::metrics::ActiveGuard;
use crate::plain::forward_one;
use crate::policy::Mode;
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
        // TCP_NODELAY comes from the listening socket (see `event_loop::bind`).
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

/// What the rest of a TLS handshake is checked against: the first ClientHello's SNI and
/// the bytes its records took in the client's buffer.
struct Inspect {
    sni: Option<Sni>,
    used: usize,
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
            411 => "Length Required",
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

    /// Relays until the connection ends; `sent` is what already went (up, down).
    async fn relay_and_finish(mut self, client: TcpStream, upstream: TcpStream, sent: (u64, u64)) {
        let r = relay(client, upstream, self.relay_limits()).await;
        self.rec.bytes_up = r.up + sent.0;
        self.rec.bytes_down = r.down + sent.1;
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
        self.plain(client, head, rest, None).await
    }

    /// A plain-HTTP request on either listener: route it (absolute-form by its URI,
    /// origin-form by `Host` on the transparent listener), authorise, and forward this one
    /// request (see plain.rs for why one).
    async fn plain(
        mut self,
        mut client: TcpStream,
        head: RequestHead,
        rest: Vec<u8>,
        transparent_port: Option<u16>,
    ) {
        let routed = route(&head, transparent_port).and_then(|r| Ok((head.body_length()?, r)));
        let (body_length, r) = match routed {
            Ok(x) => x,
            Err(e) => return self.bad_request(client, e).await,
        };
        let mut upstream = match self.open_upstream(&r.host, r.port).await {
            Ok(u) => u,
            Err(d) => return self.respond(client, Self::status_for(&d), d).await,
        };
        let first = http::origin_request(&head, &r.authority, &r.path);
        drop(head);
        let idle = self.shared.limits.idle_timeout;
        let moved = Box::pin(forward_one(
            &mut client,
            &mut upstream,
            &first,
            rest,
            body_length,
            idle,
        ))
        .await;
        match moved {
            Ok(m) => {
                self.rec.bytes_up = m.up;
                self.rec.bytes_down = m.down;
                if m.dropped > 0 {
                    let note = format!(
                        "{} byte(s) after the first request not forwarded (one request per connection)",
                        m.dropped
                    );
                    self.rec.detail = Some(join(self.rec.detail.take(), &note));
                }
            }
            Err(e) => self.rec.detail = Some(join(self.rec.detail.take(), &e.to_string())),
        }
        self.finish(Decision::Allow, None);
    }

    async fn bad_request(self, client: TcpStream, e: HttpError) {
        let d = Denial {
            reason: "bad_request",
            detail: e.to_string(),
        };
        match e {
            HttpError::Incomplete(_) => self.reset(client, d),
            HttpError::LengthRequired => self.respond(client, 411, d).await,
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
        let mut inspect = None;
        if let Host::Name(name) = &host {
            let found = Box::pin(read_client_hello(
                &mut client,
                &mut hello,
                self.detect_opts(),
            ))
            .await;
            match self.judge_tunnel_hello(name, found) {
                Ok(i) => inspect = i,
                Err(d) => return self.reset(client, d),
            }
        }
        self.forward(client, upstream, hello, inspect).await;
    }

    /// Judges the first ClientHello inside a CONNECT tunnel; on success returns what the
    /// rest of the handshake is checked against (none when the bytes are not a hello
    /// and discover mode lets them through).
    fn judge_tunnel_hello(
        &mut self,
        name: &str,
        found: Result<(Option<Sni>, usize), DetectError>,
    ) -> Result<Option<Inspect>, Denial> {
        let (denial, inspect) = match found {
            Ok((Some(sni), used)) => {
                let mismatch = sni.as_str() != name;
                self.rec.sni = Some(sni.as_str().to_string());
                let inspect = Some(Inspect {
                    sni: Some(sni),
                    used,
                });
                if !mismatch {
                    return Ok(inspect);
                }
                let d = Denial {
                    reason: "sni_mismatch",
                    detail: format!(
                        "ClientHello names {} inside a CONNECT to {name}",
                        self.rec.sni.as_deref().unwrap_or_default()
                    ),
                };
                (d, inspect)
            }
            Ok((None, used)) => {
                let d = Denial {
                    reason: "no_sni",
                    detail: "ClientHello without server_name".into(),
                };
                (d, Some(Inspect { sni: None, used }))
            }
            Err(DetectError::Closed) => {
                return Err(Denial {
                    reason: "client_closed",
                    detail: "client closed before a complete ClientHello".into(),
                })
            }
            Err(e) => {
                let d = Denial {
                    reason: detect_reason(&e),
                    detail: e.to_string(),
                };
                (d, None)
            }
        };
        self.shared.soft_deny(&mut self.rec, denial)?;
        Ok(inspect)
    }

    /// Sends the client's first bytes upstream and relays the rest. With `inspect`, only
    /// the first ClientHello's records go at once; the handshake is then followed until it
    /// leaves plaintext, and every later ClientHello must name the same host.
    async fn forward(
        mut self,
        mut client: TcpStream,
        mut upstream: TcpStream,
        mut first: Vec<u8>,
        inspect: Option<Inspect>,
    ) {
        let pending = match &inspect {
            Some(i) => first.split_off(i.used.min(first.len())),
            None => Vec::new(),
        };
        if !first.is_empty() {
            if let Err(e) = upstream.write_all(&first).await {
                let d = Denial {
                    reason: "connect_failed",
                    detail: format!("writing to upstream: {e}"),
                };
                return self.reset(client, d);
            }
        }
        let mut sent = (first.len() as u64, 0u64);
        // Free the replayed bytes: this task lives as long as the tunnel.
        drop(first);
        if let Some(i) = inspect {
            let opts = WatchOptions {
                timeout: self.shared.limits.hello_timeout,
                cut_on_change: self.shared.mode == Mode::Enforce,
            };
            let mut w = Box::pin(watch(&mut client, &mut upstream, &i.sni, pending, opts)).await;
            if let Some(s) = w.changed.take() {
                // Only discover mode lets a changed hello go on: noted, never an error.
                let _ = self
                    .shared
                    .soft_deny(&mut self.rec, retry_changed(&i.sni, &s));
            }
            sent = (sent.0 + w.up, w.down);
            self.rec.bytes_up = sent.0;
            self.rec.bytes_down = sent.1;
            if let WatchEnd::Closed(why) = &w.end {
                // The connection was allowed and ended during its handshake (a client that
                // refused the certificate, say): nothing unjudged went upstream.
                self.rec.detail = Some(join(
                    self.rec.detail.take(),
                    &format!("closed during the TLS handshake: {why}"),
                ));
                return self.finish(Decision::Allow, None);
            }
            if let Err(d) = self.judge_watch(&i.sni, w, &mut upstream).await {
                return self.reset(client, d);
            }
            sent.0 = self.rec.bytes_up;
        }
        // The tunnel gets a task of its own, so the setup task (and its larger
        // future) is freed: an idle tunnel holds only the relay's state.
        tokio::spawn(self.relay_and_finish(client, upstream, sent));
    }

    /// Applies the end of a handshake watch: a changed SNI or a malformed later hello is
    /// denied (enforce) or noted (discover, where the held bytes then go upstream).
    async fn judge_watch(
        &mut self,
        first: &Option<Sni>,
        w: Watched,
        upstream: &mut TcpStream,
    ) -> Result<(), Denial> {
        match w.end {
            WatchEnd::Done => Ok(()),
            WatchEnd::SniChanged(s) => Err(retry_changed(first, &s)),
            WatchEnd::Invalid(e) => {
                self.shared.soft_deny(
                    &mut self.rec,
                    Denial {
                        reason: "retry_not_tls",
                        detail: format!("after a HelloRetryRequest: {e}"),
                    },
                )?;
                if upstream.write_all(&w.held).await.is_ok() {
                    self.rec.bytes_up += w.held.len() as u64;
                }
                Ok(())
            }
            WatchEnd::Timeout => Err(Denial {
                reason: "handshake_timeout",
                detail: format!(
                    "the TLS handshake did not leave plaintext within {:?}",
                    self.shared.limits.hello_timeout
                ),
            }),
            WatchEnd::Closed(why) => Err(Denial {
                reason: "client_closed",
                detail: why,
            }),
        }
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
        let (sni, used) = match found {
            Ok((Some(sni), used)) => (sni, used),
            Ok((None, _)) => {
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
        self.rec.sni = Some(sni.as_str().to_string());
        let port = self.shared.sni_upstream_port;
        let target = Host::Name(sni.as_str().to_string());
        match self.open_upstream(&target, port).await {
            Ok(upstream) => {
                let inspect = Some(Inspect {
                    sni: Some(sni),
                    used,
                });
                self.forward(client, upstream, hello, inspect).await
            }
            Err(d) => self.reset(client, d),
        }
    }

    /// The transparent HTTP listener: route on the Host header (or an absolute-form
    /// target's URI) to port 80.
    async fn http(self, mut client: TcpStream) {
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
        let rest = buf.split_off(head.len.min(buf.len()));
        drop(buf);
        let port = self.shared.http_upstream_port;
        self.plain(client, head, rest, Some(port)).await
    }
}

/// The denial for a ClientHello after a HelloRetryRequest that names another host.
fn retry_changed(first: &Option<Sni>, second: &Option<Sni>) -> Denial {
    let named = |s: &Option<Sni>| s.as_ref().map_or("no name".to_string(), |s| s.to_string());
    Denial {
        reason: "retry_sni_changed",
        detail: format!(
            "the ClientHello after a HelloRetryRequest names {}, the first named {}",
            named(second),
            named(first)
        ),
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
