//! `moat init TASKDEF.json`: writes a commented `moat.toml` next to a task definition.

use crate::cli::InitArgs;
use crate::output::{write_file, Written};
use anyhow::{bail, Context, Result};
use moat_spec::init::{init_spec, InitOptions};

pub fn run(a: InitArgs) -> Result<u8> {
    let td = &a.task_definition;
    let text = std::fs::read_to_string(td).with_context(|| format!("reading {}", td.display()))?;
    let Some(file_name) = td.file_name().map(|n| n.to_string_lossy().into_owned()) else {
        bail!("{}: expected a task definition file", td.display());
    };
    let opts = InitOptions {
        region: a.region.clone(),
        name: a.name.clone(),
    };
    let spec = init_spec(&text, td, &file_name, &opts)?;
    let dir = td
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or_else(|| std::path::Path::new("."));
    let path = dir.join("moat.toml");
    if path.exists() && !a.force {
        bail!(
            "{} exists; pass --force to replace it with a new spec for {}",
            path.display(),
            td.display()
        );
    }
    let what = match write_file(&path, &spec, true)? {
        Written::Created => "wrote",
        Written::Replaced => "replaced",
        Written::Unchanged => "unchanged",
    };
    eprintln!("{what} {}", path.display());
    eprintln!(
        "next: `moat plan {0}` shows what it needs and costs; `moat synth {0} --out DIR` writes the template",
        dir.display()
    );
    Ok(0)
}
