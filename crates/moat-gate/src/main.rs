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
