//! `moat deploy | diff | audit | destroy` in a moat built without the `aws` feature: the
//! commands exist (so `--help` is the same everywhere) and say how to get them.

use crate::cli::{AuditArgs, DeployArgs, DestroyArgs, DiffArgs};
use anyhow::Result;

fn unavailable(command: &str) -> Result<u8> {
    eprintln!(
        "error: `moat {command}` talks to AWS, and this moat was built without the `aws` feature.\n\
         Rebuild it with the feature (the default): cargo install --path crates/moat"
    );
    Ok(2)
}

pub fn deploy(_: DeployArgs) -> Result<u8> {
    unavailable("deploy")
}

pub fn diff(_: DiffArgs) -> Result<u8> {
    unavailable("diff")
}

pub fn audit(_: AuditArgs) -> Result<u8> {
    unavailable("audit")
}

pub fn destroy(_: DestroyArgs) -> Result<u8> {
    unavailable("destroy")
}
