//! Follows a TLS handshake after the first ClientHello until it leaves plaintext, checking
//! every further ClientHello (after a HelloRetryRequest) against the first one's SNI.
//!
//! The first ClientHello has already been judged and sent upstream. From there:
//! 1. the server's bytes are forwarded to the client as they come, and parsed until its
//!    first handshake message is known ([`parse_server_first`]); meanwhile the client's
//!    bytes are held back (a client has nothing to send before that answer but 0-RTT data,
//!    which may wait one round trip);
//! 2. a real ServerHello ends the watch: TLS 1.3 encrypts the rest of the handshake, TLS
//!    1.2 has no second ClientHello, and the held bytes go upstream;
//! 3. a HelloRetryRequest makes the held (and further) client bytes be parsed for the
//!    second ClientHello ([`parse_retry_hello`]): another SNI is a [`WatchEnd::SniChanged`],
//!    the same one goes upstream and the watch returns to step 1 (a second retry is
//!    illegal in TLS 1.3; after [`MAX_RETRIES`] the connection is cut).
//!
//! The whole watch runs under one deadline. Nothing the client sent after the first hello
//! reaches the server before it has been judged.

use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

use crate::hello::{HelloError, Sni};
use crate::retry::{parse_retry_hello, parse_server_first, ServerFirst, MAX_BEFORE_RETRY_HELLO};

/// More HelloRetryRequests than this on one connection cut it (TLS 1.3 allows one).
pub const MAX_RETRIES: usize = 1;

/// Limits and policy for one watch.
#[derive(Debug, Clone, Copy)]
pub struct WatchOptions {
    /// Deadline for the whole watch.
    pub timeout: Duration,
    /// Cut at a changed SNI (enforce); otherwise record it and go on (discover).
    pub cut_on_change: bool,
}

/// How a watch ended.
#[derive(Debug)]
pub enum WatchEnd {
    /// The handshake left plaintext with every ClientHello naming the first one's host:
    /// relay the rest unchanged.
    Done,
    /// A later ClientHello named another host (and `cut_on_change` was set).
    SniChanged(Option<Sni>),
    /// The client's bytes after a retry are not a ClientHello we accept, or too many retries.
    Invalid(HelloError),
    /// The deadline passed.
    Timeout,
    /// One side closed or failed mid-handshake.
    Closed(String),
}

/// The result of a watch: how it ended, the bytes forwarded each way, and a changed SNI
/// seen but let through (discover mode).
#[derive(Debug)]
pub struct Watched {
    /// How it ended.
    pub end: WatchEnd,
    /// Client → upstream bytes written during the watch.
    pub up: u64,
    /// Upstream → client bytes written during the watch.
    pub down: u64,
    /// A later ClientHello's SNI that differed from the first (discover mode lets it pass).
    pub changed: Option<Option<Sni>>,
    /// Client bytes read but not sent upstream (empty after [`WatchEnd::Done`]).
    pub held: Vec<u8>,
}

/// Watches the handshake on `client` ↔ `upstream` (see the module docs). `pending` holds
/// client bytes already read after the first ClientHello.
pub async fn watch<C, U>(
    client: &mut C,
    upstream: &mut U,
    first: &Option<Sni>,
    pending: Vec<u8>,
    opts: WatchOptions,
) -> Watched
where
    C: AsyncRead + AsyncWrite + Unpin,
    U: AsyncRead + AsyncWrite + Unpin,
{
    let mut w = Watched {
        end: WatchEnd::Done,
        up: 0,
        down: 0,
        changed: None,
        held: Vec::new(),
    };
    let mut b = Buffers {
        held: pending,
        server: Vec::new(),
    };
    let work = run(client, upstream, first, opts, &mut b, &mut w);
    w.end = match tokio::time::timeout(opts.timeout, work).await {
        Ok(end) => end,
        Err(_) => WatchEnd::Timeout,
    };
    w.held = b.held;
    w
}

/// One side's bytes during the watch.
struct Buffers {
    /// Client bytes read and not yet sent upstream.
    held: Vec<u8>,
    /// Server bytes already forwarded, kept until the server's first message is parsed.
    server: Vec<u8>,
}

async fn run<C, U>(
    client: &mut C,
    upstream: &mut U,
    first: &Option<Sni>,
    opts: WatchOptions,
    b: &mut Buffers,
    w: &mut Watched,
) -> WatchEnd
where
    C: AsyncRead + AsyncWrite + Unpin,
    U: AsyncRead + AsyncWrite + Unpin,
{
    let mut retries = 0usize;
    loop {
        // Step 1: the server's answer to the last ClientHello.
        let used = loop {
            match parse_server_first(&b.server) {
                Ok((ServerFirst::Retry, used)) => break used,
                Ok(_) | Err(HelloError::Invalid { .. }) => {
                    // Step 2: no further plaintext ClientHello; release what was held.
                    return match send(upstream, &b.held, &mut w.up).await {
                        Ok(()) => {
                            b.held = Vec::new();
                            WatchEnd::Done
                        }
                        Err(e) => e,
                    };
                }
                Err(HelloError::Incomplete { .. }) => {}
            }
            if let Err(e) = step(client, upstream, b, w).await {
                return e;
            }
        };
        b.server.drain(..used.min(b.server.len()));
        retries += 1;
        if retries > MAX_RETRIES {
            return WatchEnd::Invalid(HelloError::Invalid {
                offset: 0,
                reason: "more than one HelloRetryRequest",
            });
        }
        // Step 3: the client's next ClientHello.
        let (sni, used) = loop {
            match parse_retry_hello(&b.held) {
                Ok(found) => break found,
                Err(HelloError::Incomplete { .. }) => {}
                Err(e) => return WatchEnd::Invalid(e),
            }
            if let Err(e) = step(client, upstream, b, w).await {
                return e;
            }
        };
        if sni != *first {
            if opts.cut_on_change {
                return WatchEnd::SniChanged(sni);
            }
            w.changed.get_or_insert(sni);
        }
        let hello: Vec<u8> = b.held.drain(..used).collect();
        if let Err(e) = send(upstream, &hello, &mut w.up).await {
            return e;
        }
    }
}

/// Waits for bytes from either side: the server's are forwarded at once (and kept for
/// parsing), the client's are held. The client is not read past the hold limit.
async fn step<C, U>(
    client: &mut C,
    upstream: &mut U,
    b: &mut Buffers,
    w: &mut Watched,
) -> Result<(), WatchEnd>
where
    C: AsyncRead + AsyncWrite + Unpin,
    U: AsyncRead + AsyncWrite + Unpin,
{
    // Reads go straight into the two buffers: no scratch arrays in this future, which is
    // boxed per connection (8 KiB of zeroed arrays there cost a copy and a fill each).
    let Buffers { held, server } = b;
    let room = MAX_BEFORE_RETRY_HELLO.saturating_sub(held.len());
    let kept = server.len();
    server.reserve(4096);
    held.reserve(room.min(4096));
    let mut from_client = (&mut *client).take(room.min(4096) as u64);
    tokio::select! {
        r = upstream.read_buf(server) => {
            let n = r.map_err(|e| WatchEnd::Closed(format!("upstream: {e}")))?;
            if n == 0 {
                return Err(WatchEnd::Closed("upstream closed during the handshake".into()));
            }
            from_client
                .get_mut()
                .write_all(&server[kept..])
                .await
                .map_err(|e| WatchEnd::Closed(format!("client: {e}")))?;
            w.down += n as u64;
            // Forwarded either way; kept for parsing only below the limit.
            if kept >= MAX_BEFORE_RETRY_HELLO {
                server.truncate(kept);
            }
        }
        r = from_client.read_buf(held), if room > 0 => {
            let n = r.map_err(|e| WatchEnd::Closed(format!("client: {e}")))?;
            if n == 0 {
                return Err(WatchEnd::Closed("client closed during the handshake".into()));
            }
        }
    }
    Ok(())
}

async fn send<U: AsyncWrite + Unpin>(
    upstream: &mut U,
    bytes: &[u8],
    up: &mut u64,
) -> Result<(), WatchEnd> {
    if bytes.is_empty() {
        return Ok(());
    }
    upstream
        .write_all(bytes)
        .await
        .map_err(|e| WatchEnd::Closed(format!("upstream: {e}")))?;
    *up += bytes.len() as u64;
    Ok(())
}
