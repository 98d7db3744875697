//! Plain HTTP: one routed request per client connection.
//!
//! Why one, not every request of a kept-alive connection: each request would need its own
//! decision, its own upstream (another name is another server) and its own log line,
//! i.e. a full HTTP proxy with response framing. Closing after the first is what the
//! gateway can make exact: the request goes up with `Connection: close` (so the upstream
//! must not read a second one, RFC 9112 §9.6), its body framed by `Content-Length`, and
//! nothing the client sends after that body is forwarded. The client sees the upstream's
//! response and the close, and opens a new connection (decided and logged on its own)
//! for its next request. Bytes after the first request are read and dropped while the
//! response flows, so the client's unread data does not turn the close into a reset
//! that could cut the response short.

use std::io;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// What one forwarded request moved.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct OneRequest {
    /// Client → upstream bytes (head and body).
    pub up: u64,
    /// Upstream → client bytes.
    pub down: u64,
    /// Client bytes after the request's body, read and not forwarded.
    pub dropped: u64,
}

/// Sends `head` and `body_length` bytes of body (the first of them in `buffered`) upstream,
/// then the upstream's answer back until it closes. `idle` bounds every wait.
pub async fn forward_one(
    client: &mut TcpStream,
    upstream: &mut TcpStream,
    head: &[u8],
    mut buffered: Vec<u8>,
    body_length: u64,
    idle: Duration,
) -> io::Result<OneRequest> {
    let mut done = OneRequest::default();
    let in_buffer = buffered
        .len()
        .min(usize::try_from(body_length).unwrap_or(usize::MAX));
    done.dropped = (buffered.len() - in_buffer) as u64;
    buffered.truncate(in_buffer);
    upstream.write_all(head).await?;
    upstream.write_all(&buffered).await?;
    done.up = (head.len() + buffered.len()) as u64;
    drop(buffered);
    let mut left = body_length - in_buffer as u64;
    let mut buf = vec![0u8; 16 * 1024];
    while left > 0 {
        let want = buf.len().min(usize::try_from(left).unwrap_or(usize::MAX));
        let n = timed(idle, client.read(&mut buf[..want])).await?;
        if n == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "client closed mid-body",
            ));
        }
        upstream.write_all(&buf[..n]).await?;
        done.up += n as u64;
        left -= n as u64;
    }
    let mut sink = vec![0u8; 4096];
    let mut client_open = true;
    loop {
        tokio::select! {
            r = timed(idle, upstream.read(&mut buf)) => {
                let n = r?;
                if n == 0 {
                    break;
                }
                client.write_all(&buf[..n]).await?;
                done.down += n as u64;
            }
            r = client.read(&mut sink), if client_open => {
                match r {
                    Ok(0) | Err(_) => client_open = false,
                    Ok(n) => done.dropped += n as u64,
                }
            }
        }
    }
    let _ = client.shutdown().await;
    Ok(done)
}

async fn timed<T>(
    idle: Duration,
    f: impl std::future::Future<Output = io::Result<T>>,
) -> io::Result<T> {
    tokio::time::timeout(idle, f)
        .await
        .unwrap_or_else(|_| Err(io::Error::new(io::ErrorKind::TimedOut, "idle")))
}
