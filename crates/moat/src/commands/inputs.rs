//! What `moat check` reads: template files, directories searched recursively, CDK cloud
//! assemblies (see [`moat_cfn::discover`]). Finding no template, or being given a file that is
//! not one, is an error (exit 2), never a clean pass.

use crate::cli::CheckArgs;
use anyhow::{bail, Result};
use moat_cfn::discover::{discover, Selection};
use moat_cfn::RootInput;

/// The root stacks to check; what was passed over goes to stderr (each item with `--verbose`).
pub fn roots(a: &CheckArgs) -> Result<Vec<RootInput>> {
    let sel = Selection {
        stacks: a.stacks.clone(),
    };
    let found = discover(&a.paths, &sel)?;
    if a.verbose {
        for s in &found.skipped {
            eprintln!("skipped {}: {}", s.path.display(), s.why);
        }
    } else if !found.skipped.is_empty() {
        eprintln!(
            "moat: passed over {} file(s) or folder(s) that are not templates (--verbose lists them)",
            found.skipped.len()
        );
    }
    if found.roots.is_empty() {
        let given: Vec<String> = a.paths.iter().map(|p| p.display().to_string()).collect();
        bail!(
            "no CloudFormation template found in {} (a template has a Resources mapping of typed resources, or AWSTemplateFormatVersion; --verbose lists what was passed over)",
            given.join(", ")
        );
    }
    if a.verbose {
        for r in &found.roots {
            eprintln!("template {}", r.path.display());
        }
    }
    Ok(found.roots)
}
