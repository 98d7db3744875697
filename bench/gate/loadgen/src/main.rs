//! Loopback load generator for bench/gate/run.sh.
//!
//! `gate-loadgen backend ADDR` runs the shared backend: for each connection it reads one
//! TLS record (the ClientHello), echoes it, then obeys a one-byte command:
//! `C` close, `S` read an 8-byte big-endian count, sink that many bytes, then answer the
//! byte count received (8 bytes, big endian),
//! `I` hold idle until EOF.
//!
//! `gate-loadgen compare --hello FILE --direct ADDR [--runs N] --side NAME@ADDR@PID@MODE...`
//! measures, for every side (a transparent SNI proxy, MODE `sni`, or a CONNECT proxy, MODE
//! `connect=HOST:PORT`), connections per second (5 seconds, 64 concurrent clients), tunnel
//! throughput (one transfer of 256 MiB), added latency (p50/p99 of 2000 sequential
//! connections, minus the same for dialling the backend directly, measured right before)
//! and memory per idle tunnel (RSS delta over 4000 idle tunnels / 4000). It does this N
//! times (default 5), every side in each run in a rotated order, and prints the median
//! of each figure and the ratio of every `moat-gate*` side to every other side of the same
//! mode. With `--idle FILE` (lines `NAME BYTES`, written by `idle`), the memory figures
//! are the medians of those samples instead.
//!
//! `gate-loadgen idle --hello FILE --side NAME@ADDR@PID@MODE` measures memory per idle
//! tunnel in a process started just before (run.sh starts a fresh one per sample): it
//! waits for the listener, opens and closes 200 tunnels (one-time allocations are not
//! counted), then takes the RSS delta over 4000 idle tunnels. A fresh process matters:
//! HAProxy keeps freed connection memory in its pools, so in a process that already held
//! 4000 tunnels the next 4000 cost almost nothing in RSS, while an allocator that returns
//! memory to the system pays again; that compares allocators' caching, not tunnels.
//! Every phase is bounded in count and time, and only loopback addresses are used.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

type Res<T> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

const LATENCY_SAMPLES: usize = 2000;
const RATE_SECS: u64 = 5;
const RATE_CONCURRENCY: usize = 64;
const THROUGHPUT_BYTES: u64 = 256 << 20;
const THROUGHPUT_RUNS: usize = 1;
const IDLE_TUNNELS: usize = 4000;
const IDLE_WARMUP: usize = 200;

async fn backend(addr: SocketAddr) -> Res<()> {
    let sock = tokio::net::TcpSocket::new_v4()?;
    sock.set_reuseaddr(true)?;
    sock.bind(addr)?;
    let l: TcpListener = sock.listen(8192)?;
    eprintln!("backend listening on {}", l.local_addr()?);
    loop {
        let (mut s, _) = l.accept().await?;
        tokio::spawn(async move {
            let _ = serve_one(&mut s).await;
        });
    }
}

async fn serve_one(s: &mut TcpStream) -> Res<()> {
    s.set_nodelay(true)?;
    let mut head = [0u8; 5];
    s.read_exact(&mut head).await?;
    let len = usize::from(u16::from_be_bytes([head[3], head[4]]));
    let mut body = vec![0u8; len];
    s.read_exact(&mut body).await?;
    s.write_all(&head).await?;
    s.write_all(&body).await?;
    let mut cmd = [0u8; 1];
    s.read_exact(&mut cmd).await?;
    match cmd[0] {
        b'S' => {
            // The client names the byte count first: the answer must not wait for a
            // half-close, which Squid's tunnels do not pass on (they close both ways).
            let mut len = [0u8; 8];
            s.read_exact(&mut len).await?;
            let mut left = u64::from_be_bytes(len);
            let mut buf = vec![0u8; 256 * 1024];
            let mut total = 0u64;
            while left > 0 {
                let want = buf.len().min(usize::try_from(left).unwrap_or(usize::MAX));
                let n = s.read(&mut buf[..want]).await?;
                if n == 0 {
                    break;
                }
                total += n as u64;
                left -= n as u64;
            }
            s.write_all(&total.to_be_bytes()).await?;
        }
        b'I' => {
            let mut b = [0u8; 1];
            let _ = s.read(&mut b).await;
        }
        _ => {}
    }
    Ok(())
}

/// A proxy under test: where it listens, its process (for memory), and how a client
/// reaches the backend through it (transparently with the hello, or CONNECT first).
#[derive(Clone)]
struct Side {
    name: String,
    addr: SocketAddr,
    pid: u32,
    /// `Some(authority)`: send `CONNECT authority` and wait for its 2xx first.
    connect: Option<Arc<str>>,
}

/// Parses `NAME@ADDR@PID@sni` or `NAME@ADDR@PID@connect=HOST:PORT`.
fn parse_side(text: &str) -> Res<Side> {
    let parts: Vec<&str> = text.split('@').collect();
    let [name, addr, pid, mode] = parts.as_slice() else {
        return Err(format!("--side {text}: expected NAME@ADDR@PID@MODE").into());
    };
    let connect = match mode.strip_prefix("connect=") {
        Some(a) => Some(Arc::from(a)),
        None if *mode == "sni" => None,
        None => return Err(format!("--side {text}: mode is sni or connect=HOST:PORT").into()),
    };
    Ok(Side {
        name: name.to_string(),
        addr: addr.parse()?,
        pid: pid.parse()?,
        connect,
    })
}

/// Connect (and CONNECT, for a proxy side), send the hello, read the echo: the tunnel is
/// up. Returns the time taken.
async fn open(side: &Side, hello: &[u8], cmd: u8) -> Res<(TcpStream, Duration)> {
    let t0 = Instant::now();
    let mut s = TcpStream::connect(side.addr).await?;
    s.set_nodelay(true)?;
    if let Some(authority) = &side.connect {
        let req = format!("CONNECT {authority} HTTP/1.1\r\nHost: {authority}\r\n\r\n");
        s.write_all(req.as_bytes()).await?;
        let mut head = Vec::with_capacity(128);
        let mut b = [0u8; 1];
        while !head.ends_with(b"\r\n\r\n") {
            if s.read(&mut b).await? == 0 || head.len() > 4096 {
                return Err("CONNECT: no response".into());
            }
            head.push(b[0]);
        }
        if !head.starts_with(b"HTTP/1.1 200") && !head.starts_with(b"HTTP/1.0 200") {
            return Err(format!("CONNECT refused: {}", String::from_utf8_lossy(&head)).into());
        }
    }
    s.write_all(hello).await?;
    let mut echo = vec![0u8; hello.len()];
    s.read_exact(&mut echo).await?;
    let took = t0.elapsed();
    if echo != hello {
        return Err("echo mismatch".into());
    }
    s.write_all(&[cmd]).await?;
    Ok((s, took))
}

async fn close_wait(mut s: TcpStream) {
    let mut b = [0u8; 16];
    let _ = tokio::time::timeout(Duration::from_secs(5), s.read(&mut b)).await;
}

fn pct(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted.get(i).map_or(f64::NAN, |d| d.as_secs_f64() * 1e6)
}

async fn latency(target: &Side, hello: &[u8]) -> Res<(f64, f64)> {
    let mut v = Vec::with_capacity(LATENCY_SAMPLES);
    for _ in 0..LATENCY_SAMPLES {
        let (s, took) = open(target, hello, b'C').await?;
        v.push(took);
        close_wait(s).await;
    }
    v.sort();
    Ok((pct(&v, 0.50), pct(&v, 0.99)))
}

async fn rate(target: &Side, hello: Arc<Vec<u8>>) -> Res<(f64, u64)> {
    let stop = Arc::new(AtomicBool::new(false));
    let done = Arc::new(AtomicU64::new(0));
    let errors = Arc::new(AtomicU64::new(0));
    let mut tasks = Vec::new();
    let t0 = Instant::now();
    for _ in 0..RATE_CONCURRENCY {
        let (stop, done, errors, hello, target) = (
            stop.clone(),
            done.clone(),
            errors.clone(),
            hello.clone(),
            target.clone(),
        );
        tasks.push(tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                match open(&target, &hello, b'C').await {
                    Ok((s, _)) => {
                        close_wait(s).await;
                        done.fetch_add(1, Ordering::Relaxed);
                    }
                    Err(_) => {
                        errors.fetch_add(1, Ordering::Relaxed);
                    }
                }
            }
        }));
    }
    tokio::time::sleep(Duration::from_secs(RATE_SECS)).await;
    stop.store(true, Ordering::Relaxed);
    for t in tasks {
        let _ = t.await;
    }
    let secs = t0.elapsed().as_secs_f64();
    Ok((
        done.load(Ordering::Relaxed) as f64 / secs,
        errors.load(Ordering::Relaxed),
    ))
}

async fn throughput(target: &Side, hello: &[u8]) -> Res<f64> {
    let mut best: f64 = 0.0;
    for _ in 0..THROUGHPUT_RUNS {
        let (s, _) = open(target, hello, b'S').await?;
        let (mut r, mut w) = s.into_split();
        let t0 = Instant::now();
        let writer = tokio::spawn(async move {
            w.write_all(&THROUGHPUT_BYTES.to_be_bytes()).await?;
            let buf = vec![0x5au8; 256 * 1024];
            let mut left = THROUGHPUT_BYTES;
            while left > 0 {
                let n = left.min(buf.len() as u64) as usize;
                w.write_all(&buf[..n]).await?;
                left -= n as u64;
            }
            Ok::<_, std::io::Error>(w)
        });
        let mut count = [0u8; 8];
        r.read_exact(&mut count).await?;
        let secs = t0.elapsed().as_secs_f64();
        let _w = writer.await??;
        if u64::from_be_bytes(count) != THROUGHPUT_BYTES {
            return Err("sink byte count mismatch".into());
        }
        best = best.max(THROUGHPUT_BYTES as f64 / secs / 1e6);
    }
    Ok(best)
}

fn rss_kib(pid: u32) -> Res<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .ok_or_else(|| "no VmRSS".into())
}

async fn idle_memory(target: &Side, hello: Arc<Vec<u8>>) -> Res<f64> {
    let pid = target.pid;
    let before = rss_kib(pid)?;
    let sem = Arc::new(tokio::sync::Semaphore::new(128));
    let mut tasks = Vec::new();
    for _ in 0..IDLE_TUNNELS {
        let (hello, sem, target) = (hello.clone(), sem.clone(), target.clone());
        tasks.push(tokio::spawn(async move {
            let _p = sem.acquire().await?;
            open(&target, &hello, b'I').await.map(|(s, _)| s)
        }));
    }
    let mut held = Vec::new();
    for t in tasks {
        held.push(t.await??);
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let after = rss_kib(pid)?;
    drop(held);
    tokio::time::sleep(Duration::from_secs(1)).await;
    Ok((after.saturating_sub(before)) as f64 * 1024.0 / IDLE_TUNNELS as f64)
}

/// Memory per idle tunnel in a freshly started proxy (see the module docs).
async fn fresh_idle_memory(target: &Side, hello: Arc<Vec<u8>>) -> Res<f64> {
    let t0 = Instant::now();
    loop {
        match TcpStream::connect(target.addr).await {
            Ok(_) => break,
            Err(e) if t0.elapsed() > Duration::from_secs(20) => {
                return Err(format!("{} not listening: {e}", target.name).into())
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
        }
    }
    for _ in 0..IDLE_WARMUP {
        let (s, _) = open(target, &hello, b'C').await?;
        close_wait(s).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    idle_memory(target, hello).await
}

struct Row {
    rate: f64,
    errors: u64,
    mbps: f64,
    p50: f64,
    p99: f64,
    idle_bytes: f64,
}

fn arg(args: &[String], key: &str) -> Res<String> {
    args.iter()
        .position(|a| a == key)
        .and_then(|i| args.get(i + 1))
        .cloned()
        .ok_or_else(|| format!("missing {key}").into())
}

/// `min..max` of the samples, for the report.
fn spread(v: &mut [f64]) -> String {
    v.sort_by(f64::total_cmp);
    match (v.first(), v.last()) {
        (Some(a), Some(b)) => format!("{a:.0}..{b:.0}"),
        _ => "-".into(),
    }
}

/// `min..max` of ratios, two decimals.
fn spread_2(v: &mut [f64]) -> String {
    v.sort_by(f64::total_cmp);
    match (v.first(), v.last()) {
        (Some(a), Some(b)) => format!("{a:.2}x..{b:.2}x"),
        _ => "-".into(),
    }
}

fn index_of(sides: &[Side], side: &Side) -> usize {
    sides.iter().position(|s| s.name == side.name).unwrap_or(0)
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(f64::NAN)
}

/// Every metric for one side, once.
async fn measure(
    side: &Side,
    direct: &Side,
    hello: &Arc<Vec<u8>>,
    idle_given: bool,
) -> Res<(Row, [f64; 2])> {
    let (rate, errors) = rate(side, hello.clone()).await?;
    // Warm up, then the direct baseline right before the proxy, so both see the same load.
    latency(side, hello).await?;
    let (d50, d99) = latency(direct, hello).await?;
    let (p50, p99) = latency(side, hello).await?;
    let mbps = throughput(side, hello).await?;
    let idle_bytes = if idle_given {
        f64::NAN
    } else {
        idle_memory(side, hello.clone()).await?
    };
    let row = Row {
        rate,
        errors,
        mbps,
        p50: p50 - d50,
        p99: p99 - d99,
        idle_bytes,
    };
    Ok((row, [d50, d99]))
}

async fn compare(args: Vec<String>) -> Res<()> {
    let hello = Arc::new(std::fs::read(arg(&args, "--hello")?)?);
    let direct = Side {
        name: "direct".into(),
        addr: arg(&args, "--direct")?.parse()?,
        pid: 0,
        connect: None,
    };
    let runs: usize = arg(&args, "--runs").ok().map_or(Ok(5), |r| r.parse())?;
    let sides: Vec<Side> = args
        .iter()
        .enumerate()
        .filter(|(_, a)| *a == "--side")
        .map(|(i, _)| parse_side(args.get(i + 1).map_or("", String::as_str)))
        .collect::<Res<_>>()?;
    // Memory samples taken beforehand in fresh processes, by side name.
    let idle_samples: Option<Vec<(String, f64)>> = match arg(&args, "--idle") {
        Ok(path) => Some(
            std::fs::read_to_string(&path)?
                .lines()
                .filter_map(|l| {
                    let (name, bytes) = l.split_once(' ')?;
                    Some((name.to_string(), bytes.trim().parse().ok()?))
                })
                .collect(),
        ),
        Err(_) => None,
    };
    latency(&direct, &hello).await?;
    // Shared 2-core machines are noisy: every run measures every side, in a rotated
    // order, and each figure is the median over the runs.
    let mut all: Vec<Vec<Row>> = sides.iter().map(|_| Vec::new()).collect();
    for run in 0..runs {
        for k in 0..sides.len() {
            let i = (k + run) % sides.len();
            let given = idle_samples.is_some();
            let (row, [d50, _]) = measure(&sides[i], &direct, &hello, given).await?;
            let idle = if given {
                String::new()
            } else {
                format!(", {:.0} B/idle tunnel", row.idle_bytes)
            };
            eprintln!(
                "run {run} {}: {:.0} conn/s ({} errors), {:.0} MB/s, added p50 {:.1} us p99 {:.1} us (direct p50 {d50:.1}){idle}",
                sides[i].name, row.rate, row.errors, row.mbps, row.p50, row.p99
            );
            all[i].push(row);
        }
    }
    let rows: Vec<Row> = all
        .iter()
        .map(|v| Row {
            rate: median(&mut v.iter().map(|r| r.rate).collect::<Vec<_>>()),
            errors: v.iter().map(|r| r.errors).sum(),
            mbps: median(&mut v.iter().map(|r| r.mbps).collect::<Vec<_>>()),
            p50: median(&mut v.iter().map(|r| r.p50).collect::<Vec<_>>()),
            p99: median(&mut v.iter().map(|r| r.p99).collect::<Vec<_>>()),
            idle_bytes: median(&mut v.iter().map(|r| r.idle_bytes).collect::<Vec<_>>()),
        })
        .collect();
    let mut rows = rows;
    if let Some(samples) = &idle_samples {
        for (side, row) in sides.iter().zip(rows.iter_mut()) {
            let mut mine: Vec<f64> = samples
                .iter()
                .filter(|(n, _)| *n == side.name)
                .map(|(_, b)| *b)
                .collect();
            let spread = spread(&mut mine);
            eprintln!(
                "{}: bytes/idle tunnel in fresh processes: {mine:.0?} (spread {spread})",
                side.name
            );
            row.idle_bytes = median(&mut mine);
        }
    }
    for (side, v) in sides.iter().zip(&all) {
        let rates = spread(&mut v.iter().map(|r| r.rate).collect::<Vec<_>>());
        let mbps = spread(&mut v.iter().map(|r| r.mbps).collect::<Vec<_>>());
        println!(
            "spread {}: conn/s {rates}, throughput MB/s {mbps}",
            side.name
        );
    }
    println!("medians of {runs} interleaved runs");
    println!(
        "{:<22} {:>10} {:>8} {:>16} {:>14} {:>14} {:>18}",
        "proxy",
        "conn/s",
        "errors",
        "throughput MB/s",
        "added p50 us",
        "added p99 us",
        "bytes/idle tunnel"
    );
    for (s, r) in sides.iter().zip(&rows) {
        println!(
            "{:<22} {:>10.0} {:>8} {:>16.0} {:>14.1} {:>14.1} {:>18.0}",
            s.name, r.rate, r.errors, r.mbps, r.p50, r.p99, r.idle_bytes
        );
    }
    // Every moat-gate side against every other side of the same mode.
    for (bs, b) in sides.iter().zip(&rows) {
        for (as_, a) in sides.iter().zip(&rows) {
            let same_mode = bs.connect.is_some() == as_.connect.is_some();
            if !bs.name.starts_with("moat-gate") || as_.name.starts_with("moat-gate") || !same_mode
            {
                continue;
            }
            println!(
                "ratio {}/{}: conn/s {:.2}x, throughput {:.2}x, added p50 {:.2}x, added p99 {:.2}x, idle memory {:.2}x",
                bs.name,
                as_.name,
                b.rate / a.rate,
                b.mbps / a.mbps,
                b.p50 / a.p50,
                b.p99 / a.p99,
                b.idle_bytes / a.idle_bytes
            );
            // The same ratios within each run (both sides measured minutes apart at most),
            // which a load that drifts between runs disturbs less: median and spread.
            let (bi, ai) = (index_of(&sides, bs), index_of(&sides, as_));
            let paired = |f: fn(&Row) -> f64| {
                let mut v: Vec<f64> = all[bi]
                    .iter()
                    .zip(&all[ai])
                    .map(|(b, a)| f(b) / f(a))
                    .collect();
                let range = spread_2(&mut v);
                (median(&mut v), range)
            };
            let (rate, rate_range) = paired(|r| r.rate);
            let (mbps, mbps_range) = paired(|r| r.mbps);
            println!(
                "paired per-run ratio {}/{}: conn/s median {rate:.2}x ({rate_range}), throughput median {mbps:.2}x ({mbps_range})",
                bs.name, as_.name
            );
        }
    }
    Ok(())
}

fn main() -> Res<()> {
    let args: Vec<String> = std::env::args().collect();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    match args.get(1).map(String::as_str) {
        Some("backend") => rt.block_on(backend(arg(&args, "backend")?.parse()?)),
        Some("compare") => rt.block_on(compare(args)),
        Some("idle") => rt.block_on(async {
            let hello = Arc::new(std::fs::read(arg(&args, "--hello")?)?);
            let target = parse_side(&arg(&args, "--side")?)?;
            let bytes = fresh_idle_memory(&target, hello).await?;
            println!("{} {bytes:.0}", target.name);
            Ok(())
        }),
        // One proxy's connection rate alone, e.g. while a profiler watches it.
        Some("rate") => rt.block_on(async {
            let hello = Arc::new(std::fs::read(arg(&args, "--hello")?)?);
            let target = parse_side(&arg(&args, "--side")?)?;
            let (r, e) = rate(&target, hello).await?;
            println!("{r:.0} conn/s, {e} errors");
            Ok(())
        }),
        _ => Err(
            "usage: gate-loadgen backend ADDR | compare --hello FILE --direct ADDR [--runs N] \
                  [--idle FILE] --side NAME@ADDR@PID@MODE... | rate --hello FILE --side \
                  NAME@ADDR@PID@MODE | idle --hello FILE --side NAME@ADDR@PID@MODE \
                  (MODE: sni, or connect=HOST:PORT)"
                .into(),
        ),
    }
}
