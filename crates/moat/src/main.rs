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
            eprintln!("{label}: {}", message(&e));
            ExitCode::from(2)
        }
    }
}

/// The error and its causes on one line, `outer: inner`, leaving out a cause whose text the
/// message already holds (a library error that quotes its source would otherwise print the
/// same OS error twice).
fn message(e: &anyhow::Error) -> String {
    let mut out = String::new();
    for cause in e.chain() {
        let text = cause.to_string();
        if out.contains(&text) {
            continue;
        }
        if !out.is_empty() {
            out.push_str(": ");
        }
        out.push_str(&text);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::message;
    use std::fmt;

    /// A library error that quotes its source in its message and also returns it as its
    /// `source()`, as `moat-diagram`'s Graphviz errors do.
    #[derive(Debug)]
    struct Quoting(std::io::Error);

    impl fmt::Display for Quoting {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            write!(f, "could not run Graphviz `dot`: {}", self.0)
        }
    }

    impl std::error::Error for Quoting {
        fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
            Some(&self.0)
        }
    }

    /// Issue 13 bug 8: one OS error is printed once.
    #[test]
    fn an_os_error_is_printed_once() {
        let io = std::io::Error::from(std::io::ErrorKind::PermissionDenied);
        let os = io.to_string();
        let e = anyhow::Error::new(Quoting(io)).context("drawing the diagram");
        let m = message(&e);
        assert_eq!(m.matches(&os).count(), 1, "{m}");
        assert!(
            m.starts_with("drawing the diagram: could not run Graphviz"),
            "{m}"
        );
    }
}
