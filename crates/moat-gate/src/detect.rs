//! Async ClientHello detection: the pure parser behind a size cap and a deadline.
//!
//! Reads from the client until [`parse_client_hello`] gives an answer, keeping every
//! byte read so the caller can replay them to the upstream server unchanged.

use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt};

use crate::hello::{parse_client_hello_at, HelloError, Sni, MAX_HELLO_LEN};

/// Limits on how long and how much the gateway reads to find a ClientHello.
#[derive(Debug, Clone, Copy)]
pub struct DetectOptions {
    /// Maximum bytes buffered (records included); at most [`MAX_HELLO_LEN`].
    pub max_len: usize,
    /// Deadline for the whole ClientHello, however many segments it arrives in.
    pub timeout: Duration,
}

impl Default for DetectOptions {
    fn default() -> Self {
        DetectOptions {
            max_len: MAX_HELLO_LEN,
            timeout: Duration::from_secs(10),
        }
    }
}

/// Why no SNI decision could be made.
#[derive(Debug, thiserror::Error)]
pub enum DetectError {
    /// The client did not finish its ClientHello before the deadline.
    #[error("no complete ClientHello within {0:?}")]
    Timeout(Duration),
    /// The client closed the connection mid-hello.
    #[error("connection closed before the ClientHello was complete")]
    Closed,
    /// The first bytes are not a ClientHello we accept (not TLS, or malformed).
    #[error(transparent)]
    Invalid(HelloError),
    /// The hello would not fit in the buffer cap.
    #[error("ClientHello larger than {0} bytes")]
    TooLarge(usize),
    /// Reading from the socket failed.
    #[error("read error: {0}")]
    Io(#[from] std::io::Error),
}

/// Reads until the ClientHello is complete. `buf` may already hold bytes the client
/// sent (e.g. pipelined after a CONNECT request); on return it holds everything read.
/// Returns the SNI and how many bytes of `buf` the ClientHello's records take (what
/// follows is not judged yet: see [`crate::handshake`]).
pub async fn read_client_hello<R>(
    reader: &mut R,
    buf: &mut Vec<u8>,
    opts: DetectOptions,
) -> Result<(Option<Sni>, usize), DetectError>
where
    R: AsyncRead + Unpin,
{
    let cap = opts.max_len.min(MAX_HELLO_LEN);
    let work = async {
        loop {
            match parse_client_hello_at(buf) {
                Ok(found) => return Ok(found),
                Err(HelloError::Incomplete { .. }) => {}
                Err(e) => return Err(DetectError::Invalid(e)),
            }
            if buf.len() >= cap {
                return Err(DetectError::TooLarge(cap));
            }
            // Read whatever is available, never past the cap.
            let room = cap - buf.len();
            let mut limited = (&mut *reader).take(room as u64);
            let n = limited.read_buf(buf).await?;
            if n == 0 {
                return Err(DetectError::Closed);
            }
        }
    };
    match tokio::time::timeout(opts.timeout, work).await {
        Ok(r) => r,
        Err(_) => Err(DetectError::Timeout(opts.timeout)),
    }
}
