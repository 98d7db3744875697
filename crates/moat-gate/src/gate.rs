//! The running gateway: configuration, shared state, listeners and policy reloads.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::sync::{Arc, RwLock};
use std::time::{Duration, SystemTime};

use ipnet::IpNet;
use tokio::net::TcpStream;
use tokio::sync::Semaphore;
use tokio::task::JoinHandle;

use crate::addr::AddressPolicy;
use crate::event_loop::{bind, EventLoop};
use crate::http::Host;
use crate::log::{rfc3339, Decision, Listener, LogTarget, Logger, Record};
use crate::metrics::Metrics;
use crate::policy::{Allowlist, Mode, PolicyError};
use crate::resolve::Resolver;
use crate::Error;

/// Limits applied to every connection.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Concurrent client connections; further ones are refused at once.
    pub max_connections: usize,
    /// Close a connection when nothing moved for this long.
    pub idle_timeout: Duration,
    /// After a half-close, the other direction gets this long to finish.
    pub drain_timeout: Duration,
    /// Deadline for the ClientHello or request head.
    pub hello_timeout: Duration,
    /// Deadline for dialling the upstream.
    pub connect_timeout: Duration,
    /// Deadline for one DNS lookup.
    pub resolve_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_connections: 20_000,
            idle_timeout: Duration::from_secs(300),
            drain_timeout: Duration::from_secs(30),
            hello_timeout: Duration::from_secs(10),
            connect_timeout: Duration::from_secs(10),
            resolve_timeout: Duration::from_secs(5),
        }
    }
}

/// Everything needed to start a gateway.
#[derive(Debug, Clone)]
pub struct GateConfig {
    /// HTTP proxy listener (CONNECT and absolute-URI requests).
    pub proxy_listen: Option<SocketAddr>,
    /// Transparent TLS listener routing on the ClientHello SNI.
    pub sni_listen: Option<SocketAddr>,
    /// Transparent HTTP listener routing on the Host header.
    pub http_listen: Option<SocketAddr>,
    /// Prometheus metrics listener.
    pub metrics_listen: Option<SocketAddr>,
    /// Upstream port for the SNI listener (443 in production).
    pub sni_upstream_port: u16,
    /// Upstream port for the Host listener (80 in production).
    pub http_upstream_port: u16,
    /// Discover or enforce.
    pub mode: Mode,
    /// Allowlist file, reloaded on change (and on SIGHUP when enabled). Empty: no file, the
    /// list is [`GateConfig::allow`] alone.
    pub allowlist: PathBuf,
    /// Entries given on the command line (`--allow`, `MOAT_GATE_ALLOW`), in allowlist-line
    /// syntax, added to the file's. This is how a Fargate task, which cannot mount a file,
    /// gets its list.
    pub allow: Vec<String>,
    /// `--resolve NAME=IP` overrides.
    pub resolve: Vec<(String, IpAddr)>,
    /// DNS server to query instead of the system resolver.
    pub dns_server: Option<SocketAddr>,
    /// Special-purpose ranges opened with `--allow-range`.
    pub allow_ranges: Vec<IpNet>,
    /// Decision log destination.
    pub log: LogTarget,
    /// Connection limits and timeouts.
    pub limits: Limits,
    /// How often the allowlist file is checked for changes.
    pub reload_interval: Duration,
    /// Reload on SIGHUP (the CLI turns this on; tests leave it off).
    pub reload_on_sighup: bool,
    /// Event loops: the caller's runtime plus `threads - 1` threads, each with a
    /// single-threaded runtime and listening sockets of its own (see `event_loop`).
    pub threads: usize,
}

impl GateConfig {
    /// A configuration with production defaults and no listener.
    pub fn new(mode: Mode, allowlist: PathBuf) -> Self {
        GateConfig {
            proxy_listen: None,
            sni_listen: None,
            http_listen: None,
            metrics_listen: None,
            sni_upstream_port: 443,
            http_upstream_port: 80,
            mode,
            allowlist,
            allow: Vec::new(),
            resolve: Vec::new(),
            dns_server: None,
            allow_ranges: Vec::new(),
            log: LogTarget::Stderr,
            limits: Limits::default(),
            reload_interval: Duration::from_secs(2),
            reload_on_sighup: false,
            threads: 1,
        }
    }
}

/// State shared by every connection.
pub(crate) struct Shared {
    pub(crate) policy: RwLock<Arc<Allowlist>>,
    pub(crate) allowlist_path: PathBuf,
    pub(crate) allow: Vec<String>,
    pub(crate) mode: Mode,
    pub(crate) addr: AddressPolicy,
    pub(crate) resolver: Resolver,
    pub(crate) logger: Logger,
    pub(crate) metrics: Arc<Metrics>,
    pub(crate) limits: Limits,
    pub(crate) permits: Arc<Semaphore>,
    pub(crate) sni_upstream_port: u16,
    pub(crate) http_upstream_port: u16,
}

/// Why a connection is refused: a stable reason code and a human detail.
#[derive(Debug, Clone)]
pub(crate) struct Denial {
    pub(crate) reason: &'static str,
    pub(crate) detail: String,
}

impl Shared {
    pub(crate) fn allowlist(&self) -> Arc<Allowlist> {
        match self.policy.read() {
            Ok(g) => Arc::clone(&g),
            Err(poisoned) => Arc::clone(&poisoned.into_inner()),
        }
    }

    pub(crate) fn reload(&self) -> Result<usize, PolicyError> {
        let list = load_policy(&self.allowlist_path, &self.allow);
        let list = match list {
            Ok(l) => l,
            Err(e) => {
                self.metrics.reloads_failed.fetch_add(1, Ordering::Relaxed);
                return Err(e);
            }
        };
        let n = list.len();
        match self.policy.write() {
            Ok(mut g) => *g = Arc::new(list),
            Err(poisoned) => *poisoned.into_inner() = Arc::new(list),
        }
        self.metrics.reloads_ok.fetch_add(1, Ordering::Relaxed);
        self.metrics
            .allowlist_entries
            .store(n as u64, Ordering::Relaxed);
        Ok(n)
    }

    /// A fresh log record for a connection from `client`.
    pub(crate) fn record(&self, listener: Listener, client: SocketAddr) -> Record {
        Record {
            time: rfc3339(SystemTime::now()),
            listener,
            client: client.to_string(),
            host: None,
            sni: None,
            port: None,
            resolved: None,
            decision: Decision::Allow,
            would_deny: false,
            reason: String::new(),
            would_deny_reasons: Vec::new(),
            detail: None,
            bytes_up: 0,
            bytes_down: 0,
            duration_ms: 0,
        }
    }

    pub(crate) fn emit(&self, rec: Record) {
        self.metrics.record(&rec);
        self.logger.log(rec);
    }

    /// Applies a finding that enforce mode denies: an error in enforce mode; in
    /// discover mode it passes and is noted: `would_deny`, the first reason and detail in
    /// `reason`/`detail`, and every reason in `would_deny_reasons`.
    pub(crate) fn soft_deny(&self, rec: &mut Record, d: Denial) -> Result<(), Denial> {
        match self.mode {
            Mode::Enforce => Err(d),
            Mode::Discover => {
                if !rec.would_deny {
                    rec.would_deny = true;
                    rec.reason = d.reason.to_string();
                    rec.detail = Some(d.detail);
                } else if let Some(detail) = &mut rec.detail {
                    detail.push_str("; ");
                    detail.push_str(&d.detail);
                }
                if !rec.would_deny_reasons.iter().any(|r| r == d.reason) {
                    rec.would_deny_reasons.push(d.reason.to_string());
                }
                Ok(())
            }
        }
    }

    /// Policy, resolution and address checks; returns the addresses that may be dialled.
    pub(crate) async fn authorize(
        &self,
        host: &Host,
        port: u16,
        rec: &mut Record,
    ) -> Result<Vec<SocketAddr>, Denial> {
        rec.host = Some(host.text());
        rec.port = Some(port);
        // A name from an SNI or a Host header gets the same reading as a CONNECT target:
        // a numeric form is an address, never a name to look up.
        let numeric = match host {
            Host::Name(n) => match moat_allow::classify_host(n) {
                Ok(moat_allow::Target::Ip(ip)) => Some(Host::Ip(ip)),
                _ => None,
            },
            Host::Ip(_) => None,
        };
        let host = numeric.as_ref().unwrap_or(host);
        let name = match host {
            Host::Ip(ip) => {
                rec.resolved = Some(SocketAddr::new(*ip, port).to_string());
                if self.addr.explicitly_allowed(*ip) {
                    rec.reason = "allow_range".into();
                    return Ok(vec![SocketAddr::new(*ip, port)]);
                }
                return Err(Denial {
                    reason: "ip_literal",
                    detail: format!("{ip}: IP-literal targets need an --allow-range covering them"),
                });
            }
            Host::Name(n) => n,
        };
        match self.allowlist().find(name, port) {
            Some(e) => {
                rec.reason = "allowlisted".into();
                rec.detail = Some(format!("line {}: {}", e.line, e.pattern));
            }
            None => {
                self.soft_deny(
                    rec,
                    Denial {
                        reason: "not_allowlisted",
                        detail: format!("{name}:{port} matches no allowlist entry"),
                    },
                )?;
            }
        }
        let ips = self.resolver.resolve(name).await.map_err(|e| Denial {
            reason: "resolve_failed",
            detail: e.to_string(),
        })?;
        let mut ok = Vec::new();
        let mut refused = Vec::new();
        for ip in ips {
            match self.addr.check(ip) {
                Ok(()) => ok.push(SocketAddr::new(ip, port)),
                Err(class) => refused.push(format!("{ip} ({class})")),
            }
        }
        if ok.is_empty() {
            rec.resolved = refused
                .first()
                .map(|s| s.split(' ').next().unwrap_or_default().to_string());
            return Err(Denial {
                reason: "denied_address",
                detail: format!(
                    "{name} resolves only to refused addresses: {}",
                    refused.join(", ")
                ),
            });
        }
        Ok(ok)
    }

    /// Dials the first address that answers within the connect timeout.
    pub(crate) async fn dial(
        &self,
        addrs: &[SocketAddr],
        rec: &mut Record,
    ) -> Result<TcpStream, Denial> {
        let mut last = String::from("no address");
        for a in addrs {
            rec.resolved = Some(a.to_string());
            match tokio::time::timeout(self.limits.connect_timeout, TcpStream::connect(a)).await {
                Ok(Ok(s)) => {
                    let _ = s.set_nodelay(true);
                    return Ok(s);
                }
                Ok(Err(e)) => last = format!("{a}: {e}"),
                Err(_) => last = format!("{a}: connect timed out"),
            }
        }
        Err(Denial {
            reason: "connect_failed",
            detail: last,
        })
    }
}

/// A started gateway. Dropping it stops accepting; open connections finish on
/// their own tasks while the runtime lives.
pub struct RunningGate {
    /// Bound address of the proxy listener.
    pub proxy_addr: Option<SocketAddr>,
    /// Bound address of the SNI listener.
    pub sni_addr: Option<SocketAddr>,
    /// Bound address of the Host listener.
    pub http_addr: Option<SocketAddr>,
    /// Bound address of the metrics listener.
    pub metrics_addr: Option<SocketAddr>,
    shared: Arc<Shared>,
    tasks: Vec<JoinHandle<()>>,
    /// The extra event loops; dropped (stopped) after the tasks are aborted.
    loops: Vec<EventLoop>,
}

impl RunningGate {
    /// Client connections open right now.
    pub fn active_connections(&self) -> u64 {
        self.shared.metrics.active.load(Ordering::Relaxed)
    }

    /// Re-reads the allowlist now; on error the previous list stays in force.
    pub fn reload(&self) -> Result<usize, PolicyError> {
        self.shared.reload()
    }

    /// The metrics page as the metrics listener would serve it.
    pub fn metrics_text(&self) -> String {
        self.shared.metrics.render()
    }

    /// Writes out every decision logged so far (waits at most one second).
    pub fn flush_log(&self) {
        self.shared.logger.flush(Duration::from_secs(1));
    }

    /// Waits until every listener task ends (they run until the process exits).
    pub async fn wait(mut self) {
        for t in std::mem::take(&mut self.tasks) {
            let _ = t.await;
        }
    }
}

impl Drop for RunningGate {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}

/// The allowlist: the file's entries (none when `path` is empty) followed by the inline ones.
/// Inline entries are checked on their own first, so an error in one names `--allow` rather
/// than a line past the file's end.
fn load_policy(path: &std::path::Path, inline: &[String]) -> Result<Allowlist, PolicyError> {
    if inline.is_empty() && !path.as_os_str().is_empty() {
        return Allowlist::load(path);
    }
    let inline_text = inline.join("\n");
    let inline_list = Allowlist::parse(&inline_text, std::path::Path::new("--allow"))?;
    if path.as_os_str().is_empty() {
        return Ok(inline_list);
    }
    let file_text = std::fs::read_to_string(path).map_err(|source| PolicyError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    Allowlist::parse(&format!("{file_text}\n{inline_text}"), path)
}

/// Loads the allowlist, binds every configured listener and starts serving.
pub async fn start(cfg: GateConfig) -> Result<RunningGate, Error> {
    let list = load_policy(&cfg.allowlist, &cfg.allow)?;
    let metrics = Arc::new(Metrics::default());
    metrics
        .allowlist_entries
        .store(list.len() as u64, Ordering::Relaxed);
    let resolver = Resolver::new(&cfg.resolve, cfg.dns_server, cfg.limits.resolve_timeout)?;
    let logger = Logger::start(&cfg.log).map_err(|source| Error::Io {
        context: format!("opening log {:?}", cfg.log),
        source,
    })?;
    let shared = Arc::new(Shared {
        policy: RwLock::new(Arc::new(list)),
        allowlist_path: cfg.allowlist.clone(),
        allow: cfg.allow.clone(),
        mode: cfg.mode,
        addr: AddressPolicy::new(cfg.allow_ranges.clone()),
        resolver,
        logger,
        metrics: Arc::clone(&metrics),
        limits: cfg.limits,
        permits: Arc::new(Semaphore::new(cfg.limits.max_connections)),
        sni_upstream_port: cfg.sni_upstream_port,
        http_upstream_port: cfg.http_upstream_port,
    });
    let mut gate = RunningGate {
        proxy_addr: None,
        sni_addr: None,
        http_addr: None,
        metrics_addr: None,
        shared: Arc::clone(&shared),
        tasks: Vec::new(),
        loops: Vec::new(),
    };
    let listeners = [
        (cfg.proxy_listen, Listener::Connect),
        (cfg.sni_listen, Listener::Sni),
        (cfg.http_listen, Listener::Http),
    ];
    let threads = cfg.threads.max(1);
    let mut bound = Vec::new();
    for (addr, kind) in listeners {
        let Some(addr) = addr else { continue };
        let l = bind(addr, threads > 1).await?;
        let local = l
            .local_addr()
            .map_err(|source| Error::Bind { addr, source })?;
        match kind {
            Listener::Sni => gate.sni_addr = Some(local),
            Listener::Http => gate.http_addr = Some(local),
            _ => gate.proxy_addr = Some(local),
        }
        // One accept loop per listener: several loops on one socket all wake for each
        // connection and all but one get EAGAIN (measured: one wasted accept4 each).
        let task = crate::conn::accept_loop(l, Arc::clone(&shared), kind);
        gate.tasks.push(tokio::spawn(task));
        bound.push((local, kind));
    }
    // The other event loops bind the same (now known) addresses: an ephemeral port 0
    // was resolved by the first bind.
    for index in 1..threads {
        let shared = Arc::clone(&shared);
        let serve = move |l, kind| crate::conn::accept_loop(l, Arc::clone(&shared), kind);
        let lp = EventLoop::start(index, &bound, serve).await?;
        gate.loops.push(lp);
    }
    if let Some(addr) = cfg.metrics_listen {
        let l = bind(addr, false).await?;
        gate.metrics_addr = Some(
            l.local_addr()
                .map_err(|source| Error::Bind { addr, source })?,
        );
        gate.tasks
            .push(tokio::spawn(crate::metrics::serve(l, metrics)));
    }
    if !cfg.allowlist.as_os_str().is_empty() {
        gate.tasks.push(tokio::spawn(watch_file(
            Arc::clone(&shared),
            cfg.reload_interval,
        )));
    }
    if cfg.reload_on_sighup {
        // Registered here, before `start` returns and the caller announces it is listening:
        // a SIGHUP sent right after that line must reload, not kill (the default action).
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::hangup()) {
            Ok(hup) => gate
                .tasks
                .push(tokio::spawn(watch_sighup(Arc::clone(&shared), hup))),
            Err(_) => {
                eprintln!("moat-gate: cannot listen for SIGHUP; reloads happen on file change only")
            }
        }
    }
    Ok(gate)
}

fn stamp(path: &std::path::Path) -> Option<(SystemTime, u64)> {
    let m = std::fs::metadata(path).ok()?;
    Some((m.modified().ok()?, m.len()))
}

/// Polls the allowlist's mtime and size; a changed file is reloaded. Polling (rather
/// than inotify) also sees a ConfigMap-style symlink swap.
async fn watch_file(shared: Arc<Shared>, every: Duration) {
    let mut seen = stamp(&shared.allowlist_path);
    loop {
        tokio::time::sleep(every).await;
        let now = stamp(&shared.allowlist_path);
        if now.is_some() && now != seen {
            seen = now;
            report_reload(&shared, "file change");
        }
    }
}

async fn watch_sighup(shared: Arc<Shared>, mut hup: tokio::signal::unix::Signal) {
    while hup.recv().await.is_some() {
        report_reload(&shared, "SIGHUP");
    }
}

fn report_reload(shared: &Shared, why: &str) {
    match shared.reload() {
        Ok(n) => eprintln!("moat-gate: allowlist reloaded on {why}: {n} entries"),
        Err(e) => eprintln!("moat-gate: allowlist reload on {why} failed, previous list kept: {e}"),
    }
}
