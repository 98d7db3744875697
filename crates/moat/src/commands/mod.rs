//! One module per command.

#[cfg(feature = "aws")]
mod aws;
#[cfg(not(feature = "aws"))]
#[path = "no_aws.rs"]
mod aws;
mod check;
#[cfg(feature = "aws")]
mod deploy_images;
#[cfg(feature = "aws")]
mod deploy_stages;
mod diagram;
pub mod dns;
mod existing;
pub mod image;
mod image_gate;
mod init;
mod inputs;
mod plan;
#[cfg(feature = "aws")]
mod prefix_lists;
mod registry;
mod rules;
mod synth;
mod waivers;

use crate::cli::{Cli, Command};
use anyhow::Result;

/// Run a command; the `u8` is the exit status.
pub fn run(cli: Cli) -> Result<u8> {
    let color = cli.color.enabled();
    match cli.command {
        Command::Init(a) => init::run(a),
        Command::Plan(a) => plan::plan(a),
        Command::Synth(a) => synth::synth(a),
        Command::Diagram(a) => diagram::run(a),
        Command::Check(a) => check::run(a, color),
        Command::Rules(a) => rules::run(a),
        Command::Explain(a) => rules::explain(a),
        Command::Deploy(a) => aws::deploy(a),
        Command::Diff(a) => aws::diff(a),
        Command::Audit(a) => aws::audit(a),
        Command::Destroy(a) => aws::destroy(a),
        Command::Dns(crate::cli::DnsCommand::Report(a)) => dns::run_report(dns::ReportArgs {
            logs: a.logs,
            json: a.format == crate::cli::PlanFormat::Json,
        }),
        Command::Image(a) => image::run(a),
        Command::Gate(a) => {
            let code = moat_gate::cli::run(a)?;
            Ok(u8::try_from(code).unwrap_or(2))
        }
    }
}
