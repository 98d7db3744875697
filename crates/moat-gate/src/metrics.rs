//! Prometheus text-format metrics (exposition format 0.0.4), served over plain HTTP.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use crate::log::{Decision, Listener, Record};

/// `(listener, decision, would_deny)` → reason → count.
type DecisionCounts = BTreeMap<(Listener, Decision, bool), BTreeMap<String, u64>>;

/// Counters and gauges shared by every connection.
#[derive(Default)]
pub struct Metrics {
    /// Connections currently open (client side).
    pub active: AtomicU64,
    /// Connections accepted since start.
    pub accepted: AtomicU64,
    /// Bytes client → upstream.
    pub bytes_up: AtomicU64,
    /// Bytes upstream → client.
    pub bytes_down: AtomicU64,
    /// Successful allowlist reloads.
    pub reloads_ok: AtomicU64,
    /// Failed allowlist reloads (the previous list stays in force).
    pub reloads_failed: AtomicU64,
    /// Entries in the allowlist in force.
    pub allowlist_entries: AtomicU64,
    /// `(listener, decision, would_deny)` → reason → count.
    decisions: Mutex<DecisionCounts>,
}

/// Decrements the active-connection gauge when a connection ends, however it ends.
pub struct ActiveGuard(Arc<Metrics>);

impl Metrics {
    /// Marks a connection open until the guard is dropped.
    pub fn open(self: &Arc<Self>) -> ActiveGuard {
        self.active.fetch_add(1, Ordering::Relaxed);
        self.accepted.fetch_add(1, Ordering::Relaxed);
        ActiveGuard(Arc::clone(self))
    }

    /// Counts one logged decision.
    pub fn record(&self, r: &Record) {
        self.bytes_up.fetch_add(r.bytes_up, Ordering::Relaxed);
        self.bytes_down.fetch_add(r.bytes_down, Ordering::Relaxed);
        if let Ok(mut m) = self.decisions.lock() {
            let by_reason = m.entry((r.listener, r.decision, r.would_deny)).or_default();
            // Look up by &str first: no allocation on the hot path once a reason is known.
            match by_reason.get_mut(r.reason.as_str()) {
                Some(n) => *n += 1,
                None => {
                    by_reason.insert(r.reason.clone(), 1);
                }
            }
        }
    }

    /// Renders every metric in the Prometheus text format.
    pub fn render(&self) -> String {
        let mut s = String::new();
        let g = |a: &AtomicU64| a.load(Ordering::Relaxed);
        let _ = writeln!(
            s,
            "# HELP moat_gate_active_connections Client connections open now."
        );
        let _ = writeln!(s, "# TYPE moat_gate_active_connections gauge");
        let _ = writeln!(s, "moat_gate_active_connections {}", g(&self.active));
        let _ = writeln!(
            s,
            "# HELP moat_gate_connections_total Client connections accepted."
        );
        let _ = writeln!(s, "# TYPE moat_gate_connections_total counter");
        let _ = writeln!(s, "moat_gate_connections_total {}", g(&self.accepted));
        let _ = writeln!(
            s,
            "# HELP moat_gate_bytes_total Bytes relayed, by direction."
        );
        let _ = writeln!(s, "# TYPE moat_gate_bytes_total counter");
        let _ = writeln!(
            s,
            "moat_gate_bytes_total{{direction=\"up\"}} {}",
            g(&self.bytes_up)
        );
        let _ = writeln!(
            s,
            "moat_gate_bytes_total{{direction=\"down\"}} {}",
            g(&self.bytes_down)
        );
        let _ = writeln!(
            s,
            "# HELP moat_gate_reloads_total Allowlist reloads, by result."
        );
        let _ = writeln!(s, "# TYPE moat_gate_reloads_total counter");
        let _ = writeln!(
            s,
            "moat_gate_reloads_total{{result=\"ok\"}} {}",
            g(&self.reloads_ok)
        );
        let _ = writeln!(
            s,
            "moat_gate_reloads_total{{result=\"error\"}} {}",
            g(&self.reloads_failed)
        );
        let _ = writeln!(
            s,
            "# HELP moat_gate_allowlist_entries Entries in the allowlist in force."
        );
        let _ = writeln!(s, "# TYPE moat_gate_allowlist_entries gauge");
        let _ = writeln!(
            s,
            "moat_gate_allowlist_entries {}",
            g(&self.allowlist_entries)
        );
        let _ = writeln!(s, "# HELP moat_gate_decisions_total Logged decisions.");
        let _ = writeln!(s, "# TYPE moat_gate_decisions_total counter");
        if let Ok(m) = self.decisions.lock() {
            let flat = m.iter().flat_map(|((l, d, w), reasons)| {
                reasons.iter().map(move |(reason, n)| (l, d, reason, w, n))
            });
            for (listener, decision, reason, would_deny, n) in flat {
                let (listener, decision) = (listener_label(*listener), decision_label(*decision));
                let _ = writeln!(
                    s,
                    "moat_gate_decisions_total{{listener=\"{listener}\",decision=\"{decision}\",\
                     reason=\"{reason}\",would_deny=\"{would_deny}\"}} {n}"
                );
            }
        }
        s
    }
}

impl Drop for ActiveGuard {
    fn drop(&mut self) {
        self.0.active.fetch_sub(1, Ordering::Relaxed);
    }
}

fn listener_label(l: Listener) -> &'static str {
    match l {
        Listener::Connect => "connect",
        Listener::HttpProxy => "http_proxy",
        Listener::Sni => "sni",
        Listener::Http => "http",
    }
}

fn decision_label(d: Decision) -> &'static str {
    match d {
        Decision::Allow => "allow",
        Decision::Deny => "deny",
    }
}

/// Answers every HTTP request on `listener` with the metrics page.
pub async fn serve(listener: TcpListener, metrics: Arc<Metrics>) {
    loop {
        let Ok((mut stream, _)) = listener.accept().await else {
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            continue;
        };
        let metrics = Arc::clone(&metrics);
        tokio::spawn(async move {
            // Read the request head (bounded) and ignore it: there is one page.
            let mut buf = [0u8; 4096];
            let read =
                tokio::time::timeout(std::time::Duration::from_secs(5), stream.read(&mut buf))
                    .await;
            if !matches!(read, Ok(Ok(n)) if n > 0) {
                return;
            }
            let body = metrics.render();
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4\r\n\
                 Content-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let _ = stream.write_all(head.as_bytes()).await;
            let _ = stream.write_all(body.as_bytes()).await;
            let _ = stream.shutdown().await;
        });
    }
}
