//! Bidirectional relay with byte counts, an idle limit and a bounded half-close drain.
//!
//! Each direction allocates its copy buffer only while data is flowing and frees it
//! when the socket has nothing to read, so an idle tunnel costs two sockets and a
//! small task, not two 64 KiB buffers.

use std::io;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::io::AsyncWriteExt;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::TcpStream;
use tokio::time::Instant;

/// First copy buffer for a direction that wakes up: most reads (handshakes, requests)
/// are small, and a small buffer keeps bursts of short connections from swelling the heap.
const SMALL_BUF: usize = 16 * 1024;
/// Copy buffer once a read filled the small one: bulk transfer.
const BULK_BUF: usize = 64 * 1024;

/// Time limits for one relayed connection.
#[derive(Debug, Clone, Copy)]
pub struct RelayLimits {
    /// Close when no byte moved in either direction for this long.
    pub idle: Duration,
    /// After one side finished sending (half-close), the other gets this long to finish.
    pub drain: Duration,
}

/// How a relay ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RelayEnd {
    /// Both sides closed their sending direction.
    Closed,
    /// Nothing moved for the idle limit.
    Idle,
    /// One side half-closed and the other did not finish within the drain bound.
    DrainTimeout,
    /// A read or write failed (e.g. a reset).
    Error(String),
}

/// Totals for one relay.
#[derive(Debug, Clone)]
pub struct Relayed {
    /// Client → upstream bytes.
    pub up: u64,
    /// Upstream → client bytes.
    pub down: u64,
    /// Why it ended.
    pub end: RelayEnd,
}

/// Relays until both directions close, an error occurs, or a limit is hit.
pub async fn relay(client: TcpStream, upstream: TcpStream, limits: RelayLimits) -> Relayed {
    let start = Instant::now();
    let last = AtomicU64::new(0);
    let (up, down) = (AtomicU64::new(0), AtomicU64::new(0));
    let (cr, cw) = client.into_split();
    let (ur, uw) = upstream.into_split();
    // Built in place (not passed to a helper) so the task holds each pipe once: an
    // idle tunnel's memory is mostly this future.
    let a = pipe(cr, uw, &up, &last, start);
    let b = pipe(ur, cw, &down, &last, start);
    tokio::pin!(a);
    tokio::pin!(b);
    let timer = tokio::time::sleep(limits.idle);
    tokio::pin!(timer);
    let (mut a_done, mut b_done) = (false, false);
    let mut drain_until: Option<Instant> = None;
    let end = loop {
        let idle_at = start + Duration::from_millis(last.load(Ordering::Relaxed)) + limits.idle;
        let wake = drain_until.map_or(idle_at, |d| d.min(idle_at));
        // Only move the timer earlier (a drain starting). Activity pushes the idle
        // deadline later; the timer then fires early, finds traffic, and re-arms once,
        // instead of being re-armed on every chunk.
        if wake < timer.deadline() {
            timer.as_mut().reset(wake);
        }
        tokio::select! {
            r = &mut a, if !a_done => {
                if let Err(e) = r { break RelayEnd::Error(e.to_string()); }
                a_done = true;
            }
            r = &mut b, if !b_done => {
                if let Err(e) = r { break RelayEnd::Error(e.to_string()); }
                b_done = true;
            }
            _ = &mut timer => {
                let now = Instant::now();
                if drain_until.is_some_and(|d| now >= d) {
                    break RelayEnd::DrainTimeout;
                }
                let idle_at = start + Duration::from_millis(last.load(Ordering::Relaxed)) + limits.idle;
                if now >= idle_at {
                    break RelayEnd::Idle;
                }
                timer.as_mut().reset(drain_until.map_or(idle_at, |d| d.min(idle_at)));
                continue;
            }
        }
        if a_done && b_done {
            break RelayEnd::Closed;
        }
        drain_until.get_or_insert_with(|| Instant::now() + limits.drain);
    };
    Relayed {
        up: up.load(Ordering::Relaxed),
        down: down.load(Ordering::Relaxed),
        end,
    }
}

/// Copies one direction; on EOF, half-closes the writer so the peer sees it.
async fn pipe(
    r: OwnedReadHalf,
    mut w: OwnedWriteHalf,
    count: &AtomicU64,
    last: &AtomicU64,
    start: Instant,
) -> io::Result<()> {
    let mut buf: Vec<u8> = Vec::new();
    let mut bulk = false;
    loop {
        r.readable().await?;
        if buf.capacity() == 0 {
            buf = Vec::with_capacity(if bulk { BULK_BUF } else { SMALL_BUF });
        }
        buf.clear();
        match r.try_read_buf(&mut buf) {
            Ok(0) => {
                // Ignore a failed shutdown: the peer may already be gone.
                let _ = w.shutdown().await;
                return Ok(());
            }
            Ok(n) => {
                w.write_all(&buf).await?;
                if n == buf.capacity() && !bulk {
                    // The small buffer filled up: switch to the bulk size.
                    bulk = true;
                    buf = Vec::with_capacity(BULK_BUF);
                }
                count.fetch_add(n as u64, Ordering::Relaxed);
                last.store(start.elapsed().as_millis() as u64, Ordering::Relaxed);
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                // Nothing to read right now: give the buffer back while idle.
                buf = Vec::new();
            }
            Err(e) => return Err(e),
        }
    }
}
