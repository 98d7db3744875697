//! Decision log: one JSON object per line, written by a dedicated thread so a slow
//! disk never stalls a connection.
//!
//! A denied connection is logged when it is refused; an allowed one when it closes,
//! with the bytes moved each way and its duration.
//!
//! Durability, as docs/gate.md states it: records are queued and written in batches at
//! most 20 ms (`BATCH_PAUSE`) apart, each batch handed to the OS in one flush (not
//! fsync'd); SIGTERM and SIGINT write out everything queued before the process exits. A
//! crash (SIGKILL, OOM kill, abort) can lose the records of the last batch interval not
//! yet written, and nothing older.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

/// Which listener accepted the connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Listener {
    /// An HTTP `CONNECT` tunnel on the proxy listener.
    Connect,
    /// A plain-HTTP absolute-URI request on the proxy listener.
    HttpProxy,
    /// The transparent TLS (SNI) listener.
    Sni,
    /// The transparent plain-HTTP (Host header) listener.
    Http,
}

/// The outcome of one connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    /// Forwarded.
    Allow,
    /// Refused (403, reset or a cut tunnel).
    Deny,
}

/// One line of the decision log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Record {
    /// RFC 3339 UTC time of the decision.
    pub time: String,
    /// Listener that accepted the connection.
    pub listener: Listener,
    /// Client address.
    pub client: String,
    /// Requested host (CONNECT authority, absolute-URI host, SNI or Host header).
    pub host: Option<String>,
    /// SNI seen in the ClientHello, when one was read.
    pub sni: Option<String>,
    /// Requested port.
    pub port: Option<u16>,
    /// The address the gateway dialled (or refused to dial).
    pub resolved: Option<String>,
    /// Allow or deny.
    pub decision: Decision,
    /// True when `enforce` mode would have denied this (always false in enforce mode).
    pub would_deny: bool,
    /// Stable reason code, e.g. `allowlisted`, `not_allowlisted`, `denied_address`. In
    /// discover mode, the first reason enforce would have denied for.
    pub reason: String,
    /// Every reason enforce mode would have denied this connection for, in the order they
    /// were found (discover mode; empty otherwise). `not_allowlisted` and `no_sni` can
    /// both hold for one connection, and both are listed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub would_deny_reasons: Vec<String>,
    /// Human detail (the matching line, the forbidden range, an error).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// Bytes from client to upstream.
    pub bytes_up: u64,
    /// Bytes from upstream to client.
    pub bytes_down: u64,
    /// Connection duration in milliseconds.
    pub duration_ms: u64,
}

/// Where log lines go.
#[derive(Debug, Clone)]
pub enum LogTarget {
    /// Standard error.
    Stderr,
    /// Appended to a file.
    File(PathBuf),
}

/// A handle for sending log records to the writer thread.
#[derive(Clone)]
pub struct Logger {
    tx: mpsc::Sender<Msg>,
}

impl Logger {
    /// Opens the target and starts the writer thread.
    pub fn start(target: &LogTarget) -> std::io::Result<Logger> {
        let out: Box<dyn Write + Send> = match target {
            LogTarget::Stderr => Box::new(std::io::stderr()),
            LogTarget::File(p) => Box::new(open_append(p)?),
        };
        let (tx, rx) = mpsc::channel::<Msg>();
        std::thread::Builder::new()
            .name("moat-gate-log".into())
            .spawn(move || write_loop(rx, out))?;
        Ok(Logger { tx })
    }

    /// Waits (at most `timeout`) until every record queued so far is written and
    /// flushed: called at shutdown so the last decisions are not lost.
    pub fn flush(&self, timeout: std::time::Duration) {
        let (ack_tx, ack_rx) = mpsc::channel();
        if self.tx.send(Msg::Flush(ack_tx)).is_ok() {
            let _ = ack_rx.recv_timeout(timeout);
        }
    }

    /// Queues one record; never blocks.
    pub fn log(&self, record: Record) {
        // The writer only stops when every sender is gone, so a send cannot fail here
        // except at process exit, where losing the line is acceptable.
        let _ = self.tx.send(Msg::Record(Box::new(record)));
    }
}

fn open_append(p: &Path) -> std::io::Result<std::fs::File> {
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(p)
}

/// What the writer thread receives.
enum Msg {
    Record(Box<Record>),
    /// Write everything queued before this, flush, then acknowledge.
    Flush(mpsc::Sender<()>),
}

fn write_loop(rx: mpsc::Receiver<Msg>, out: Box<dyn Write + Send>) {
    let mut out = std::io::BufWriter::new(out);
    let mut line = Vec::with_capacity(512);
    while let Ok(first) = rx.recv() {
        let mut next = Some(first);
        let mut acks = Vec::new();
        // Drain what is queued, then flush once: one write per burst.
        while let Some(msg) = next {
            match msg {
                Msg::Record(rec) => {
                    // Into one reused buffer (no String per record), serialised completely
                    // before any of it reaches the writer.
                    line.clear();
                    if serde_json::to_writer(&mut line, &rec).is_ok() {
                        line.push(b'\n');
                        let _ = out.write_all(&line);
                    }
                }
                Msg::Flush(ack) => acks.push(ack),
            }
            next = rx.try_recv().ok();
        }
        let _ = out.flush();
        for ack in acks {
            let _ = ack.send(());
        }
        // Let records accumulate: a sender only pays a wake-up (a futex call and a
        // context switch) when this thread is parked in `recv`, so pausing between
        // batches keeps logging cheap at thousands of connections per second.
        std::thread::sleep(BATCH_PAUSE);
    }
}

/// Longest a record waits in the queue before it is written.
const BATCH_PAUSE: std::time::Duration = std::time::Duration::from_millis(20);

/// Formats a time as RFC 3339 UTC with milliseconds (`2026-01-31T12:00:00.000Z`).
pub fn rfc3339(t: SystemTime) -> String {
    let d = t.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = d.as_secs();
    let (days, rem) = (secs / 86_400, secs % 86_400);
    let (y, m, day) = civil_from_days(days as i64);
    format!(
        "{y:04}-{m:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        d.subsec_millis()
    )
}

/// Days since 1970-01-01 to (year, month, day), proleptic Gregorian calendar
/// (Howard Hinnant's well-known civil-from-days algorithm).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn formats_rfc3339() {
        assert_eq!(rfc3339(UNIX_EPOCH), "1970-01-01T00:00:00.000Z");
        let t = UNIX_EPOCH + Duration::from_millis(1_709_210_096_789);
        assert_eq!(rfc3339(t), "2024-02-29T12:34:56.789Z");
    }
}
