//! Loopback load generator for bench/gate/run.sh.
//!
//! `gate-loadgen backend ADDR` runs the shared backend: for each connection it reads one
//! TLS record (the ClientHello), echoes it, then obeys a one-byte command:
//! `C` close, `S` sink until EOF then answer the byte count (8 bytes, big endian),
//! `I` hold idle until EOF.
//!
//! `gate-loadgen compare --hello FILE --direct ADDR --pid-a PID --a ADDR --name-a NAME
//! --pid-b PID --b ADDR --name-b NAME` measures, for both proxies, connections per second
//! (median of 3 alternating 5-second rounds, 64 concurrent clients), tunnel throughput
//! (best of 3 transfers of 1 GiB), added latency (p50/p99 of 2000 sequential connections,
//! minus the same for dialling the backend directly) and memory per idle tunnel (RSS delta / N), and prints the table and the ratios b/a.
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
const RATE_ROUNDS: usize = 3;
const THROUGHPUT_BYTES: u64 = 1 << 30;
const THROUGHPUT_RUNS: usize = 3;
const IDLE_TUNNELS: usize = 4000;

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
            let mut buf = vec![0u8; 256 * 1024];
            let mut total = 0u64;
            loop {
                let n = s.read(&mut buf).await?;
                if n == 0 {
                    break;
                }
                total += n as u64;
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

/// Connect, send the hello, read the echo: the tunnel is up. Returns the time taken.
async fn open(target: SocketAddr, hello: &[u8], cmd: u8) -> Res<(TcpStream, Duration)> {
    let t0 = Instant::now();
    let mut s = TcpStream::connect(target).await?;
    s.set_nodelay(true)?;
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

async fn latency(target: SocketAddr, hello: &[u8]) -> Res<(f64, f64)> {
    let mut v = Vec::with_capacity(LATENCY_SAMPLES);
    for _ in 0..LATENCY_SAMPLES {
        let (s, took) = open(target, hello, b'C').await?;
        v.push(took);
        close_wait(s).await;
    }
    v.sort();
    Ok((pct(&v, 0.50), pct(&v, 0.99)))
}

async fn rate(target: SocketAddr, hello: Arc<Vec<u8>>) -> Res<(f64, u64)> {
    let stop = Arc::new(AtomicBool::new(false));
    let done = Arc::new(AtomicU64::new(0));
    let errors = Arc::new(AtomicU64::new(0));
    let mut tasks = Vec::new();
    let t0 = Instant::now();
    for _ in 0..RATE_CONCURRENCY {
        let (stop, done, errors, hello) =
            (stop.clone(), done.clone(), errors.clone(), hello.clone());
        tasks.push(tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                match open(target, &hello, b'C').await {
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

async fn throughput(target: SocketAddr, hello: &[u8]) -> Res<f64> {
    let mut best: f64 = 0.0;
    for _ in 0..THROUGHPUT_RUNS {
        let (s, _) = open(target, hello, b'S').await?;
        let (mut r, mut w) = s.into_split();
        let t0 = Instant::now();
        let writer = tokio::spawn(async move {
            let buf = vec![0x5au8; 256 * 1024];
            let mut left = THROUGHPUT_BYTES;
            while left > 0 {
                let n = left.min(buf.len() as u64) as usize;
                w.write_all(&buf[..n]).await?;
                left -= n as u64;
            }
            w.shutdown().await?;
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

async fn idle_memory(target: SocketAddr, hello: Arc<Vec<u8>>, pid: u32) -> Res<f64> {
    let before = rss_kib(pid)?;
    let sem = Arc::new(tokio::sync::Semaphore::new(128));
    let mut tasks = Vec::new();
    for _ in 0..IDLE_TUNNELS {
        let (hello, sem) = (hello.clone(), sem.clone());
        tasks.push(tokio::spawn(async move {
            let _p = sem.acquire().await?;
            open(target, &hello, b'I').await.map(|(s, _)| s)
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

async fn compare(args: Vec<String>) -> Res<()> {
    let hello = Arc::new(std::fs::read(arg(&args, "--hello")?)?);
    let direct: SocketAddr = arg(&args, "--direct")?.parse()?;
    let sides = [
        (
            arg(&args, "--name-a")?,
            arg(&args, "--a")?.parse::<SocketAddr>()?,
            arg(&args, "--pid-a")?.parse::<u32>()?,
        ),
        (
            arg(&args, "--name-b")?,
            arg(&args, "--b")?.parse::<SocketAddr>()?,
            arg(&args, "--pid-b")?.parse::<u32>()?,
        ),
    ];
    latency(direct, &hello).await?;
    // Connection rate is the noisiest figure on a shared 2-core machine: alternate the
    // two proxies over several rounds and keep each one's median.
    let mut rates: [Vec<f64>; 2] = [Vec::new(), Vec::new()];
    let mut errs = [0u64; 2];
    for round in 0..RATE_ROUNDS {
        for (i, (name, addr, _)) in sides.iter().enumerate() {
            let (r, e) = rate(*addr, hello.clone()).await?;
            eprintln!("rate round {round} {name}: {r:.0} conn/s");
            rates[i].push(r);
            errs[i] += e;
        }
    }
    let mut rows = Vec::new();
    for (i, (name, addr, pid)) in sides.iter().enumerate() {
        // Warm up: first connections pay for lazy allocations.
        latency(*addr, &hello).await?;
        // Direct baseline measured right before each proxy, so both see the same load.
        let (d50, d99) = latency(direct, &hello).await?;
        let (p50, p99) = latency(*addr, &hello).await?;
        eprintln!(
            "{name}: p50 {p50:.1} us, p99 {p99:.1} us; direct p50 {d50:.1} us, p99 {d99:.1} us"
        );
        rates[i].sort_by(f64::total_cmp);
        let rate = rates[i][rates[i].len() / 2];
        let errors = errs[i];
        let mbps = throughput(*addr, &hello).await?;
        let idle_bytes = idle_memory(*addr, hello.clone(), *pid).await?;
        eprintln!("{name}: done");
        rows.push(Row {
            rate,
            errors,
            mbps,
            p50: p50 - d50,
            p99: p99 - d99,
            idle_bytes,
        });
    }
    println!(
        "{:<10} {:>12} {:>8} {:>16} {:>16} {:>16} {:>18}",
        "proxy",
        "conn/s",
        "errors",
        "throughput MB/s",
        "added p50 us",
        "added p99 us",
        "bytes/idle tunnel"
    );
    for ((name, _, _), r) in sides.iter().zip(&rows) {
        println!(
            "{:<10} {:>12.0} {:>8} {:>16.0} {:>16.1} {:>16.1} {:>18.0}",
            name, r.rate, r.errors, r.mbps, r.p50, r.p99, r.idle_bytes
        );
    }
    let (a, b) = (&rows[0], &rows[1]);
    println!(
        "ratio {}/{}: conn/s {:.2}x, throughput {:.2}x, added p50 {:.2}x, added p99 {:.2}x, idle memory {:.2}x",
        sides[1].0,
        sides[0].0,
        b.rate / a.rate,
        b.mbps / a.mbps,
        b.p50 / a.p50,
        b.p99 / a.p99,
        b.idle_bytes / a.idle_bytes
    );
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
        // One proxy's connection rate alone, e.g. while a profiler watches it.
        Some("rate") => rt.block_on(async {
            let hello = Arc::new(std::fs::read(arg(&args, "--hello")?)?);
            let target: SocketAddr = arg(&args, "--target")?.parse()?;
            let (r, e) = rate(target, hello).await?;
            println!("{r:.0} conn/s, {e} errors");
            Ok(())
        }),
        _ => Err(
            "usage: gate-loadgen backend ADDR | compare --hello FILE --direct ADDR \
                  --name-a N --a ADDR --pid-a PID --name-b N --b ADDR --pid-b PID \
                  | rate --hello FILE --target ADDR"
                .into(),
        ),
    }
}
