//! The `moat` command line: design, prove, ship and guard isolated ECS on Fargate workloads.
//!
//! Exit status (the contract other tools rely on): 0 clean (every property proved), 1 findings at
//! or above `--fail-on` or a property left unproved (unless `--allow-unproved`), 2 could not run (unreadable file, bad arguments, AWS error). A broken pipe is not an error.

mod cli;
mod commands;
mod output;

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    let color = cli.color.enabled();
    match commands::run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            if output::is_broken_pipe(&e) {
                return ExitCode::SUCCESS;
            }
            let label = if color {
                "\x1b[1;31merror\x1b[0m"
            } else {
                "error"
            };
            eprintln!("{label}: {e:#}");
            ExitCode::from(2)
        }
    }
}
