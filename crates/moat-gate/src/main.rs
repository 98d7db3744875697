//! `moat-gate`: the egress gateway binary the container image ships. It takes the
//! same arguments as `moat gate`.

use clap::Parser;

/// The moat egress gateway.
#[derive(Parser)]
#[command(name = "moat-gate", version, about)]
struct Bin {
    #[command(flatten)]
    gate: moat_gate::cli::GateCli,
}

fn main() {
    let bin = Bin::parse();
    let code = match moat_gate::cli::run(bin.gate) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("moat-gate: error: {e}");
            2
        }
    };
    std::process::exit(code);
}

/// mimalloc instead of the system allocator: each connection allocates and frees its
/// task, its log record and its copy buffers, and glibc's malloc (musl's, in the static
/// image, even more so) costs a measurable share of the connection rate. Measured with
/// `bench/gate/run.sh`: about 5 points of HAProxy's connection rate gained, and less
/// memory per idle tunnel, not more.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
