//! moat-gate: the egress gateway for isolated VPCs.
//!
//! Workloads with no route to the internet reach a few named outside hosts through
//! this gateway and nothing else. It listens as an HTTP proxy (`CONNECT` tunnels and
//! absolute-URI plain HTTP, what `HTTPS_PROXY`/`HTTP_PROXY` clients use) and
//! transparently on TLS (routing on the ClientHello SNI) and plain HTTP (routing on
//! the `Host` header). It resolves names itself, refuses special-purpose addresses
//! (instance metadata, private, loopback, ...), checks that the SNI inside a CONNECT
//! tunnel names the CONNECT host, and logs one JSON line per decision.
//!
//! The pure ClientHello parser is the core:
//!
//! ```
//! use moat_gate::hello::{parse_client_hello, HelloError};
//! // A TLS record header promising more bytes: keep reading.
//! assert!(matches!(
//!     parse_client_hello(&[0x16, 0x03, 0x01, 0x02, 0x00, 0x01]),
//!     Err(HelloError::Incomplete { .. })
//! ));
//! ```
//!
//! Running a gateway in-process (the CLI does the same through [`cli::run`]):
//!
//! ```no_run
//! # async fn demo() -> Result<(), moat_gate::Error> {
//! use moat_gate::gate::{start, GateConfig};
//! use moat_gate::policy::Mode;
//! let mut cfg = GateConfig::new(Mode::Discover, "allowlist.txt".into());
//! cfg.proxy_listen = Some("127.0.0.1:3128".parse().unwrap());
//! let gate = start(cfg).await?;
//! println!("proxy on {:?}", gate.proxy_addr);
//! gate.wait().await;
//! # Ok(()) }
//! ```

pub mod addr;
pub mod cli;
mod conn;
pub mod detect;
mod event_loop;
pub mod gate;
pub mod handshake;
pub mod hello;
pub mod http;
pub mod log;
pub mod metrics;
pub mod plain;
pub mod policy;
pub mod report;
pub mod resolve;
pub mod retry;
pub mod tunnel;

use std::net::SocketAddr;

/// Everything that can stop the gateway from running.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The allowlist is unreadable or invalid (the message has file:line:column).
    #[error(transparent)]
    Policy(#[from] policy::PolicyError),
    /// Options that do not make a runnable configuration.
    #[error("{0}")]
    Config(String),
    /// The resolver could not be configured.
    #[error(transparent)]
    Resolve(#[from] resolve::ResolveError),
    /// A listener could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// The underlying error.
        source: std::io::Error,
    },
    /// Another I/O failure, with what was being done.
    #[error("{context}: {source}")]
    Io {
        /// What the gateway was doing.
        context: String,
        /// The underlying error.
        source: std::io::Error,
    },
}
