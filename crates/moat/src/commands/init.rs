//! `moat init TASKDEF.json` (or, in the AWS build, `--from-task-definition FAMILY[:REV]`):
//! writes a commented `moat.toml` next to a task definition.

use crate::cli::InitArgs;
use crate::output::{write_file, Written};
use anyhow::{bail, Context, Result};
use moat_spec::init::{init_spec, InitOptions};
use std::path::{Path, PathBuf};

pub fn run(a: InitArgs) -> Result<u8> {
    let (td, fetched_region) = task_definition(&a)?;
    let text = std::fs::read_to_string(&td).with_context(|| format!("reading {}", td.display()))?;
    let Some(file_name) = td.file_name().map(|n| n.to_string_lossy().into_owned()) else {
        bail!("{}: expected a task definition file", td.display());
    };
    let opts = InitOptions {
        region: a.region.clone().or(fetched_region),
        name: a.name.clone(),
    };
    let spec = init_spec(&text, &td, &file_name, &opts)?;
    let dir = dir_of(&td);
    let path = dir.join("moat.toml");
    refuse_to_replace(&path, &td, a.force)?;
    report(write_file(&path, &spec, true)?, &path);
    eprintln!(
        "next: `moat plan {0}` shows what it needs and costs; `moat synth {0} --out DIR` writes the template",
        dir.display()
    );
    Ok(0)
}

fn dir_of(td: &Path) -> &Path {
    td.parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or_else(|| Path::new("."))
}

fn refuse_to_replace(spec: &Path, td: &Path, force: bool) -> Result<()> {
    if spec.exists() && !force {
        bail!(
            "{} exists; pass --force to replace it with a new spec for {}",
            spec.display(),
            td.display()
        );
    }
    Ok(())
}

fn report(w: Written, path: &Path) {
    let what = match w {
        Written::Created => "wrote",
        Written::Replaced => "replaced",
        Written::Unchanged => "unchanged",
    };
    eprintln!("{what} {}", path.display());
}

/// The task definition file (the one given), and no region learned from AWS.
#[cfg(not(feature = "aws"))]
fn task_definition(a: &InitArgs) -> Result<(PathBuf, Option<String>)> {
    let td = a
        .task_definition
        .clone()
        .context("give the task definition JSON file")?;
    Ok((td, None))
}

/// The task definition file: the one given, or the one fetched from the account (then also
/// the region it was read from, the spec's region unless `--region` says otherwise).
#[cfg(feature = "aws")]
fn task_definition(a: &InitArgs) -> Result<(PathBuf, Option<String>)> {
    if let Some(td) = &a.task_definition {
        return Ok((td.clone(), None));
    }
    let Some(family) = &a.from_task_definition else {
        bail!("give a task definition file or --from-task-definition FAMILY");
    };
    let path = a.dir.join("task-definition.json");
    // Refuse before calling AWS, so nothing is written when moat.toml would not be.
    refuse_to_replace(&a.dir.join("moat.toml"), &path, a.force)?;
    let opts = moat_aws::AwsOptions {
        region: a.region.clone(),
        profile: a.profile.clone(),
        endpoint_url: a.endpoint_url.clone(),
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let (json, region) = rt.block_on(async {
        let aws = moat_aws::connect(&opts).await?;
        let json = moat_aws::describe_task_definition_json(&aws, family).await?;
        anyhow::Ok((json, aws.region))
    })?;
    // Pretty-printed, as `aws ecs describe-task-definition` prints it, so the file reads well
    // and positions in error messages are useful.
    let value: serde_json::Value = serde_json::from_str(&json)
        .context("ecs:DescribeTaskDefinition returned something that is not JSON")?;
    let text = format!("{}\n", serde_json::to_string_pretty(&value)?);
    report(write_file(&path, &text, a.force)?, &path);
    Ok((path, region))
}
