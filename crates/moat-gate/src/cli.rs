//! The `moat gate` command line, shared by the `moat` binary and `moat-gate`.
//!
//! ```text
//! moat gate --proxy-listen ADDR [--sni-listen ADDR] [--http-listen ADDR]
//!           --mode discover|enforce (--allowlist FILE | --allow HOST[:PORT]...)
//!           [--resolve NAME=IP]...
//!           [--allow-range CIDR]... [--log FILE] [--metrics-listen ADDR]
//! moat gate report LOG [--format text|json]
//! ```

use std::io::Write;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

use ipnet::IpNet;

use crate::gate::{start, GateConfig, Limits};
use crate::log::LogTarget;
use crate::policy::Mode;
use crate::report::{render_file, Format};
use crate::Error;

/// `moat gate`: run the egress gateway, or report on its log.
#[derive(Debug, clap::Args)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct GateCli {
    /// A subcommand (`report`); without one, the gateway runs.
    #[command(subcommand)]
    pub command: Option<GateCommand>,
    /// Gateway options.
    #[command(flatten)]
    pub serve: ServeArgs,
}

/// Subcommands of `moat gate`.
#[derive(Debug, clap::Subcommand)]
pub enum GateCommand {
    /// List the hosts seen in a decision log and print a ready allowlist.
    Report(ReportArgs),
}

/// `moat gate report LOG`.
#[derive(Debug, clap::Args)]
pub struct ReportArgs {
    /// Decision log written with --log.
    pub log: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
}

/// A listen address, `IP:PORT`; a bare port gets an example of the syntax in its error.
fn listen_addr(s: &str) -> Result<SocketAddr, String> {
    s.parse().map_err(|_| {
        let example = match s.parse::<u16>() {
            Ok(port) => format!("0.0.0.0:{port}"),
            Err(_) => "0.0.0.0:3128".to_string(),
        };
        format!(
            "expected IP:PORT, e.g. `{example}` (all interfaces) or `127.0.0.1:{}`",
            example.rsplit(':').next().unwrap_or("3128")
        )
    })
}

/// Options of the running gateway.
#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// HTTP proxy listener (CONNECT + absolute-URI http), e.g. 0.0.0.0:3128.
    #[arg(long, value_name = "IP:PORT", value_parser = listen_addr)]
    pub proxy_listen: Option<SocketAddr>,
    /// Transparent TLS listener routing on the ClientHello SNI (to port 443).
    #[arg(long, value_name = "IP:PORT", value_parser = listen_addr)]
    pub sni_listen: Option<SocketAddr>,
    /// Transparent HTTP listener routing on the Host header (to port 80).
    #[arg(long, value_name = "IP:PORT", value_parser = listen_addr)]
    pub http_listen: Option<SocketAddr>,
    /// `discover` allows every name and logs what `enforce` would deny.
    #[arg(long, value_enum, required = true)]
    pub mode: Option<Mode>,
    /// Allowlist file (reloaded on change and on SIGHUP).
    #[arg(long, value_name = "FILE")]
    pub allowlist: Option<PathBuf>,
    /// An allowlist entry (`api.example.com`, `*.example.com`, `host:8443`), repeatable, added
    /// to the file's; the environment variable takes a comma-separated list (set but empty: an
    /// empty list, for discover mode). For a task that cannot mount a file (Fargate); these
    /// change with a restart, not a reload.
    #[arg(
        long,
        value_name = "HOST[:PORT]",
        env = "MOAT_GATE_ALLOW",
        value_delimiter = ','
    )]
    pub allow: Vec<String>,
    /// Resolve NAME to IP without DNS (repeatable; several IPs for one name are kept).
    #[arg(long, value_name = "NAME=IP", value_parser = crate::resolve::parse_override)]
    pub resolve: Vec<(String, IpAddr)>,
    /// DNS server (IP or IP:PORT) to use instead of the system resolver.
    #[arg(long, value_name = "ADDR", value_parser = parse_dns_server)]
    pub dns_server: Option<SocketAddr>,
    /// Open a special-purpose range (private, loopback, ...) or permit IP-literal
    /// targets inside it (repeatable).
    #[arg(long, value_name = "CIDR", value_parser = parse_range)]
    pub allow_range: Vec<IpNet>,
    /// Decision log file (JSON lines, appended); default standard error.
    #[arg(long, value_name = "FILE")]
    pub log: Option<PathBuf>,
    /// Prometheus metrics listener, e.g. 127.0.0.1:9090.
    #[arg(long, value_name = "ADDR")]
    pub metrics_listen: Option<SocketAddr>,
    /// Maximum concurrent client connections.
    #[arg(long, default_value_t = 20_000)]
    pub max_connections: usize,
    /// Close a connection idle for this many seconds.
    #[arg(long, value_name = "SECS", default_value_t = 300)]
    pub idle_timeout: u64,
    /// After one side half-closes, give the other this many seconds to finish.
    #[arg(long, value_name = "SECS", default_value_t = 30)]
    pub drain_timeout: u64,
    /// Deadline in seconds for a ClientHello or request head.
    #[arg(long, value_name = "SECS", default_value_t = 10)]
    pub hello_timeout: u64,
    /// Deadline in seconds for dialling an upstream.
    #[arg(long, value_name = "SECS", default_value_t = 10)]
    pub connect_timeout: u64,
    /// Upstream port for the SNI listener.
    #[arg(long, value_name = "PORT", default_value_t = 443)]
    pub sni_upstream_port: u16,
    /// Upstream port for the Host-header listener.
    #[arg(long, value_name = "PORT", default_value_t = 80)]
    pub http_upstream_port: u16,
    /// Event-loop threads, each accepting its share of the connections on its own listening
    /// socket (default: one per CPU; 1 runs everything on one thread).
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
    /// How often (seconds) the allowlist file is checked for changes.
    #[arg(long, value_name = "SECS", default_value_t = 2)]
    pub reload_interval: u64,
}

fn parse_dns_server(s: &str) -> Result<SocketAddr, String> {
    if let Ok(sa) = s.parse::<SocketAddr>() {
        return Ok(sa);
    }
    s.parse::<IpAddr>()
        .map(|ip| SocketAddr::new(ip, 53))
        .map_err(|_| format!("`{s}` is not IP or IP:PORT"))
}

fn parse_range(s: &str) -> Result<IpNet, String> {
    if let Ok(n) = s.parse::<IpNet>() {
        return Ok(n.trunc());
    }
    s.parse::<IpAddr>()
        .map(IpNet::from)
        .map_err(|_| format!("`{s}` is not a CIDR range (e.g. 10.0.0.0/8)"))
}

impl ServeArgs {
    /// Turns the flags into a gateway configuration.
    pub fn to_config(&self) -> Result<GateConfig, Error> {
        let allow: Vec<String> = self
            .allow
            .iter()
            .map(|a| a.trim().to_string())
            .filter(|a| !a.is_empty())
            .collect();
        let Some(mode) = self.mode else {
            return Err(Error::Config("--mode is required".into()));
        };
        // clap drops an empty environment variable; set-but-empty still means "the list is
        // given, and empty" (discover mode learning from nothing).
        let env_given = std::env::var_os("MOAT_GATE_ALLOW").is_some();
        if self.allowlist.is_none() && self.allow.is_empty() && !env_given {
            return Err(Error::Config(
                "give the allowed hosts: --allowlist FILE and/or --allow HOST".into(),
            ));
        }
        let allowlist = self.allowlist.clone().unwrap_or_default();
        if self.proxy_listen.is_none() && self.sni_listen.is_none() && self.http_listen.is_none() {
            return Err(Error::Config(
                "give at least one of --proxy-listen, --sni-listen, --http-listen".into(),
            ));
        }
        let secs = Duration::from_secs;
        let mut cfg = GateConfig::new(mode, allowlist);
        cfg.allow = allow;
        cfg.proxy_listen = self.proxy_listen;
        cfg.sni_listen = self.sni_listen;
        cfg.http_listen = self.http_listen;
        cfg.metrics_listen = self.metrics_listen;
        cfg.sni_upstream_port = self.sni_upstream_port;
        cfg.http_upstream_port = self.http_upstream_port;
        cfg.resolve = self.resolve.clone();
        cfg.dns_server = self.dns_server;
        cfg.allow_ranges = self.allow_range.clone();
        cfg.log = match &self.log {
            Some(p) => LogTarget::File(p.clone()),
            None => LogTarget::Stderr,
        };
        cfg.limits = Limits {
            max_connections: self.max_connections.max(1),
            idle_timeout: secs(self.idle_timeout.max(1)),
            drain_timeout: secs(self.drain_timeout),
            hello_timeout: secs(self.hello_timeout.max(1)),
            connect_timeout: secs(self.connect_timeout.max(1)),
            ..Limits::default()
        };
        cfg.reload_interval = secs(self.reload_interval.max(1));
        cfg.reload_on_sighup = true;
        Ok(cfg)
    }
}

/// Runs `moat gate`. Returns the exit code: 0 on success, 2 on bad input (an
/// unreadable or invalid allowlist, with file:line, or missing options), after
/// printing the problem on standard error. Runtime failures (a listener that cannot
/// bind, a runtime that cannot start) are returned as `Err`; the caller exits 2.
pub fn run(cli: GateCli) -> Result<i32, Error> {
    if let Some(GateCommand::Report(args)) = cli.command {
        return match render_file(&args.log, args.format) {
            Ok(text) => {
                let mut out = std::io::stdout().lock();
                match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
                    Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(Error::Io {
                        context: "writing the report".into(),
                        source: e,
                    }),
                    _ => Ok(0),
                }
            }
            Err(e) => {
                eprintln!("error: {e}");
                Ok(2)
            }
        };
    }
    let cfg = match cli.serve.to_config() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(2);
        }
    };
    // Each tunnel holds two descriptors: use the whole hard limit, not the soft default.
    if let Err(e) = rlimit::increase_nofile_limit(u64::MAX) {
        eprintln!("moat-gate: warning: cannot raise RLIMIT_NOFILE: {e}");
    }
    let mut cfg = cfg;
    // One single-threaded event loop per thread, this one included (see event_loop.rs).
    cfg.threads = cli
        .serve
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
        .max(1);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|source| Error::Io {
            context: "starting the tokio runtime".into(),
            source,
        })?;
    let result = rt.block_on(async {
        let gate = match start(cfg.clone()).await {
            Ok(g) => g,
            Err(e @ (Error::Policy(_) | Error::Config(_) | Error::Resolve(_))) => {
                eprintln!("error: {e}");
                return Ok(2);
            }
            Err(e) => return Err(e),
        };
        // SIGTERM and SIGINT are caught from here on, before the listening line tells the
        // world (and tests) that the gateway is up: a stop sent right after it must exit
        // cleanly, not by the signal's default action.
        use tokio::signal::unix::SignalKind;
        let term = on_signal(SignalKind::terminate());
        let int = on_signal(SignalKind::interrupt());
        let show = |a: Option<SocketAddr>| a.map_or("-".to_string(), |a| a.to_string());
        // One stable line, so scripts and tests can learn the bound ports.
        eprintln!(
            "moat-gate: listening mode={} proxy={} sni={} http={} metrics={}",
            match cfg.mode {
                Mode::Discover => "discover",
                Mode::Enforce => "enforce",
            },
            show(gate.proxy_addr),
            show(gate.sni_addr),
            show(gate.http_addr),
            show(gate.metrics_addr)
        );
        tokio::select! {
            _ = int => {}
            _ = term => {}
        }
        // Stop accepting, and write out the decisions still queued for the log.
        gate.flush_log();
        drop(gate);
        Ok(0)
    });
    // Open tunnels are dropped at their next poll; do not let one that never yields keep
    // a stopped gateway alive.
    rt.shutdown_timeout(std::time::Duration::from_secs(5));
    result
}

/// Registers a handler for `kind` now (not when first polled) and returns a future that
/// resolves when the signal arrives.
fn on_signal(kind: tokio::signal::unix::SignalKind) -> impl std::future::Future<Output = ()> {
    let registered = tokio::signal::unix::signal(kind);
    async move {
        match registered {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    /// How the `moat` binary embeds it: `moat gate ...`.
    #[derive(Parser)]
    enum Moat {
        Gate(GateCli),
    }

    #[test]
    fn both_forms_parse_as_a_subcommand_of_moat() {
        let Moat::Gate(g) = Moat::try_parse_from([
            "moat",
            "gate",
            "--proxy-listen",
            "127.0.0.1:3128",
            "--mode",
            "enforce",
            "--allowlist",
            "a.txt",
            "--resolve",
            "a.test=127.0.0.1",
            "--resolve",
            "b.test=127.0.0.2",
            "--allow-range",
            "10.0.0.0/8",
            "--log",
            "g.log",
        ])
        .unwrap();
        assert!(g.command.is_none());
        assert_eq!(g.serve.resolve.len(), 2);
        let cfg = g.serve.to_config().unwrap();
        assert_eq!(cfg.mode, Mode::Enforce);
        assert_eq!(cfg.allow_ranges.len(), 1);

        let Moat::Gate(r) =
            Moat::try_parse_from(["moat", "gate", "report", "g.log", "--format", "json"]).unwrap();
        assert!(matches!(
            r.command,
            Some(GateCommand::Report(ReportArgs {
                format: Format::Json,
                ..
            }))
        ));

        // No allowlist at all: parses (the list may come from MOAT_GATE_ALLOW), refused when
        // turned into a configuration.
        if std::env::var_os("MOAT_GATE_ALLOW").is_none() {
            let Moat::Gate(g) =
                Moat::try_parse_from(["moat", "gate", "--mode", "enforce"]).unwrap();
            assert!(g.serve.to_config().is_err());
        }
        assert!(
            Moat::try_parse_from(["moat", "gate", "--mode", "loose", "--allowlist", "a"]).is_err()
        );
    }

    /// Issue 13 bug 8: a bare port says what the syntax is.
    #[test]
    fn a_bare_port_gets_an_example_of_the_listen_syntax() {
        let Err(e) = Moat::try_parse_from([
            "moat",
            "gate",
            "--proxy-listen",
            "3128",
            "--mode",
            "discover",
        ]) else {
            panic!("a bare port is not an address")
        };
        let text = e.to_string();
        assert!(
            text.contains("expected IP:PORT, e.g. `0.0.0.0:3128`"),
            "{text}"
        );
    }

    #[test]
    fn inline_allow_entries_replace_the_file() {
        let Moat::Gate(g) = Moat::try_parse_from([
            "moat",
            "gate",
            "--proxy-listen",
            "0.0.0.0:3128",
            "--mode",
            "discover",
            "--allow",
            "api.stripe.com, *.corp.example",
            "--allow",
            "lic.example:8443",
        ])
        .unwrap();
        let cfg = g.serve.to_config().unwrap();
        assert_eq!(
            cfg.allow,
            ["api.stripe.com", "*.corp.example", "lic.example:8443"]
        );
        assert!(cfg.allowlist.as_os_str().is_empty(), "no file");
    }
}
