//! Extra event loops: with `--threads N`, N-1 threads besides the caller's, each a
//! single-threaded Tokio runtime with a listening socket of its own for every listener.
//!
//! The sockets of one address share it through `SO_REUSEPORT`, so the kernel spreads new
//! connections over the loops and a connection lives on one thread from accept to close:
//! no task is stolen or woken across threads, and each loop's timers and I/O driver are
//! its own. (This takes about 40 % less user CPU time per connection than one
//! multi-threaded, work-stealing runtime did: about 21 µs against 34 µs under
//! `bench/gate`'s load; see docs/gate.md, Performance.)
//!
//! Linux gives a port bound with `SO_REUSEPORT` only to sockets of the same effective user,
//! so another user's process cannot take a share of the connections.

use std::future::Future;
use std::net::SocketAddr;

use tokio::net::TcpListener;
use tokio::sync::oneshot;

use crate::Error;

/// One extra event loop; dropping it stops the loop and closes its connections.
pub(crate) struct EventLoop {
    stop: Option<oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl EventLoop {
    /// Starts loop `index`: binds every address of `listeners` (already bound by the caller
    /// with `SO_REUSEPORT`) and runs `serve(listener, kind)` for each on the new thread;
    /// returns once its sockets are bound.
    pub(crate) async fn start<K, S, F>(
        index: usize,
        listeners: &[(SocketAddr, K)],
        serve: S,
    ) -> Result<EventLoop, Error>
    where
        K: Copy + Send + 'static,
        S: Fn(TcpListener, K) -> F + Send + 'static,
        F: Future<Output = ()> + Send + 'static,
    {
        let io = |context: String| move |source| Error::Io { context, source };
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(io(format!("starting event loop {index}")))?;
        let (ready_tx, ready_rx) = oneshot::channel::<Result<(), Error>>();
        let (stop_tx, stop_rx) = oneshot::channel::<()>();
        let listeners = listeners.to_vec();
        let run = async move {
            for (addr, kind) in listeners {
                match bind(addr, true).await {
                    Ok(l) => drop(tokio::spawn(serve(l, kind))),
                    Err(e) => {
                        let _ = ready_tx.send(Err(e));
                        return;
                    }
                }
            }
            let _ = ready_tx.send(Ok(()));
            // Runs until the owner drops its end; open connections end with the runtime.
            let _ = stop_rx.await;
        };
        let thread = std::thread::Builder::new()
            .name(format!("moat-gate-{index}"))
            .spawn(move || rt.block_on(run))
            .map_err(io(format!("starting event loop {index}")))?;
        let started = EventLoop {
            stop: Some(stop_tx),
            thread: Some(thread),
        };
        match ready_rx.await {
            Ok(Ok(())) => Ok(started),
            Ok(Err(e)) => Err(e),
            Err(_) => Err(Error::Config(format!(
                "event loop {index} stopped at start"
            ))),
        }
    }
}

impl Drop for EventLoop {
    fn drop(&mut self) {
        drop(self.stop.take());
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Binds a listener with a backlog larger than tokio's default of 1024 (bursts of
/// connections, thousands of tasks starting at once, must not see SYN drops); `shared`
/// sets `SO_REUSEPORT` so the other event loops can bind the same address.
///
/// `TCP_NODELAY` is set on the listening socket: Linux copies it to every accepted socket,
/// which saves a `setsockopt` per connection (tested below).
pub(crate) async fn bind(addr: SocketAddr, shared: bool) -> Result<TcpListener, Error> {
    let sock = match addr {
        SocketAddr::V4(_) => tokio::net::TcpSocket::new_v4(),
        SocketAddr::V6(_) => tokio::net::TcpSocket::new_v6(),
    }
    .and_then(|s| {
        s.set_reuseaddr(true)?;
        s.set_nodelay(true)?;
        if shared {
            s.set_reuseport(true)?;
        }
        s.bind(addr)?;
        Ok(s)
    })
    .map_err(|source| Error::Bind { addr, source })?;
    sock.listen(4096)
        .map_err(|source| Error::Bind { addr, source })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The per-connection `setsockopt` was dropped on the strength of this: an accepted
    /// socket has `TCP_NODELAY` because its listener had it.
    #[tokio::test]
    async fn accepted_sockets_inherit_nodelay_from_the_listener() {
        let l = bind("127.0.0.1:0".parse().unwrap(), false).await.unwrap();
        let addr = l.local_addr().unwrap();
        let (client, accepted) = tokio::join!(tokio::net::TcpStream::connect(addr), l.accept());
        let (accepted, _) = accepted.unwrap();
        assert!(
            accepted.nodelay().unwrap(),
            "accepted socket without TCP_NODELAY"
        );
        drop(client);
    }

    /// A second socket binds the first one's address when both share it, and the port of
    /// an ephemeral first bind is what the others must use.
    #[tokio::test]
    async fn shared_listeners_bind_one_address() {
        let first = bind("127.0.0.1:0".parse().unwrap(), true).await.unwrap();
        let addr = first.local_addr().unwrap();
        let second = bind(addr, true).await.unwrap();
        assert_eq!(second.local_addr().unwrap(), addr);
        let lone = bind("127.0.0.1:0".parse().unwrap(), false).await.unwrap();
        assert!(
            bind(lone.local_addr().unwrap(), true).await.is_err(),
            "an address bound without SO_REUSEPORT is not shared"
        );
    }
}
