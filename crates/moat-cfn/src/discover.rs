//! What to check: template files, directories (recursively), and CDK cloud assemblies.
//!
//! - A file given by name must be a template (or a cloud assembly's `manifest.json`); anything
//!   else is an error, never a clean pass.
//! - A directory is searched recursively for `.yaml`/`.yml`/`.json`/`.template` files that are
//!   templates by content: a `Resources` mapping of typed resources, or an
//!   `AWSTemplateFormatVersion` (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/template-anatomy.html).
//!   `node_modules`, hidden directories (`.git`, `.aws-sam`) and CDK asset folders (`asset.*`)
//!   are skipped; every file or folder skipped is listed with the reason.
//! - A directory holding a cloud assembly (`manifest.json` with `artifacts`, what `cdk synth`
//!   writes to `cdk.out/`) contributes every stack of the app, each with the account and region
//!   of its environment (https://docs.aws.amazon.com/cdk/v2/guide/environments.html); nested
//!   assemblies (CDK stages) too.

use crate::node::{Kind, Node};
use crate::{Error, RootInput};
use std::collections::HashSet;
use std::path::{Path, PathBuf};

/// Which stacks of a cloud assembly to check (`--stack NAME`); empty: all of them.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    pub stacks: Vec<String>,
}

/// The roots found and everything passed over.
#[derive(Debug, Clone, Default)]
pub struct Discovery {
    pub roots: Vec<RootInput>,
    pub skipped: Vec<Skipped>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    pub path: PathBuf,
    pub why: String,
}

const EXTENSIONS: &[&str] = &["yaml", "yml", "json", "template"];
/// Directories never searched: dependencies and CDK asset staging (copies of sources).
const SKIP_DIRS: &[&str] = &["node_modules", "__pycache__", "target"];

/// Find the roots to check under `paths`.
pub fn discover(paths: &[PathBuf], sel: &Selection) -> Result<Discovery, Error> {
    let mut out = Discovery::default();
    let mut seen = HashSet::new();
    let mut matched = vec![false; sel.stacks.len()];
    for p in paths {
        if p.is_dir() {
            walk(p, sel, &mut matched, &mut seen, &mut out)?;
        } else if p.file_name().is_some_and(|n| n == "manifest.json") && is_assembly(p) {
            let dir = p.parent().unwrap_or(Path::new("."));
            assembly(dir, sel, &mut matched, &mut out)?;
        } else {
            match classify(p)? {
                Ok(()) => push(&mut out, &mut seen, RootInput::file(p.clone())),
                Err(why) => {
                    return Err(Error::NotATemplate {
                        file: p.display().to_string(),
                        why,
                    })
                }
            }
        }
    }
    if let Some(i) = matched.iter().position(|m| !m) {
        return Err(Error::NotATemplate {
            file: sel.stacks[i].clone(),
            why: "no stack of that name in the cloud assemblies given".into(),
        });
    }
    Ok(out)
}

fn push(out: &mut Discovery, seen: &mut HashSet<PathBuf>, root: RootInput) {
    let canon = std::fs::canonicalize(&root.path).unwrap_or_else(|_| root.path.clone());
    if seen.insert(canon) {
        out.roots.push(root);
    }
}

fn walk(
    dir: &Path,
    sel: &Selection,
    matched: &mut [bool],
    seen: &mut HashSet<PathBuf>,
    out: &mut Discovery,
) -> Result<(), Error> {
    let manifest = dir.join("manifest.json");
    if manifest.is_file() && is_assembly(&manifest) {
        return assembly(dir, sel, matched, out);
    }
    let read_err = |e: std::io::Error| Error::Read {
        file: dir.display().to_string(),
        msg: e.to_string(),
    };
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(read_err)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for p in entries {
        let name = p
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        if p.is_dir() {
            let why = if name.starts_with('.') {
                Some("hidden directory")
            } else if SKIP_DIRS.contains(&name.as_str()) {
                Some("dependency or build directory")
            } else if name.starts_with("asset.") {
                Some("CDK asset folder")
            } else {
                None
            };
            match why {
                Some(why) => out.skipped.push(Skipped {
                    path: p,
                    why: why.into(),
                }),
                None => {
                    let canon = std::fs::canonicalize(&p).unwrap_or_else(|_| p.clone());
                    // A symlink back up the tree would loop.
                    if seen.insert(canon) {
                        walk(&p, sel, matched, seen, out)?;
                    }
                }
            }
            continue;
        }
        let ext = p.extension().and_then(|e| e.to_str()).unwrap_or("");
        if !EXTENSIONS.contains(&ext) {
            out.skipped.push(Skipped {
                path: p,
                why: "not a .yaml, .yml, .json or .template file".into(),
            });
            continue;
        }
        match classify_in_dir(&p)? {
            Ok(()) => push(out, seen, RootInput::file(p)),
            Err(why) => out.skipped.push(Skipped { path: p, why }),
        }
    }
    Ok(())
}

/// In a directory search, a file that does not parse is skipped unless it looks like a template
/// (then its syntax error is reported: a broken template must not pass by being skipped).
fn classify_in_dir(p: &Path) -> Result<Result<(), String>, Error> {
    match classify(p) {
        Ok(r) => Ok(r),
        Err(e @ Error::Read { .. }) => Ok(Err(e.to_string())),
        Err(e) => {
            let text = std::fs::read_to_string(p).unwrap_or_default();
            if text.contains("AWSTemplateFormatVersion") || text.contains("AWS::") {
                Err(e)
            } else {
                Ok(Err(format!("not YAML or JSON: {e}")))
            }
        }
    }
}

/// Whether the file at `p` is a template: `Ok(Ok(()))`, `Ok(Err(why not))`, or a read or syntax
/// error.
pub fn classify(p: &Path) -> Result<Result<(), String>, Error> {
    let text = std::fs::read_to_string(p).map_err(|e| Error::Read {
        file: p.display().to_string(),
        msg: e.to_string(),
    })?;
    let node = crate::parse::parse(&p.display().to_string(), &text)?;
    Ok(template_shape(&node))
}

/// A template is a mapping with `AWSTemplateFormatVersion`, or with a `Resources` mapping whose
/// entries are mappings with a `Type`.
fn template_shape(node: &Node) -> Result<(), String> {
    let Kind::Map(_) = &node.kind else {
        return Err("the top level is not a mapping".into());
    };
    if node.get("AWSTemplateFormatVersion").is_some() {
        return Ok(());
    }
    if let Some(res) = node.get("Resources").and_then(Node::as_map) {
        let typed = !res.is_empty()
            && res
                .iter()
                .all(|(_, r)| r.get("Type").and_then(Node::as_str).is_some());
        if typed {
            return Ok(());
        }
    }
    Err(
        if node.get("apiVersion").is_some() && node.get("kind").is_some() {
            "a Kubernetes manifest (apiVersion, kind)".into()
        } else if node.get("containerDefinitions").is_some() {
            "an ECS task definition (containerDefinitions)".into()
        } else {
            "no Resources mapping of typed resources and no AWSTemplateFormatVersion".into()
        },
    )
}

fn is_assembly(manifest: &Path) -> bool {
    std::fs::read_to_string(manifest)
        .ok()
        .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
        .is_some_and(|v| v.get("artifacts").is_some_and(|a| a.is_object()))
}

/// The stacks of the cloud assembly in `dir` (and of its nested assemblies).
/// Manifest format: https://github.com/aws/aws-cdk-cli/tree/main/packages/%40aws-cdk/cloud-assembly-schema
fn assembly(
    dir: &Path,
    sel: &Selection,
    matched: &mut [bool],
    out: &mut Discovery,
) -> Result<(), Error> {
    let path = dir.join("manifest.json");
    let text = std::fs::read_to_string(&path).map_err(|e| Error::Read {
        file: path.display().to_string(),
        msg: e.to_string(),
    })?;
    let json: serde_json::Value = serde_json::from_str(&text).map_err(|e| Error::Syntax {
        file: path.display().to_string(),
        line: u32::try_from(e.line()).unwrap_or(0),
        col: u32::try_from(e.column()).unwrap_or(0),
        msg: e.to_string(),
    })?;
    let Some(artifacts) = json.get("artifacts").and_then(|a| a.as_object()) else {
        return Ok(());
    };
    let mut ids: Vec<&String> = artifacts.keys().collect();
    ids.sort();
    for id in ids {
        let a = &artifacts[id];
        let props = a.get("properties");
        let prop = |k: &str| props.and_then(|p| p.get(k)).and_then(|v| v.as_str());
        match a.get("type").and_then(|t| t.as_str()) {
            Some("cdk:cloud-assembly") => {
                if let Some(sub) = prop("directoryName") {
                    assembly(&dir.join(sub), sel, matched, out)?;
                }
            }
            Some("aws:cloudformation:stack") => {
                let Some(file) = prop("templateFile") else {
                    continue;
                };
                let name = prop("stackName").unwrap_or(id).to_string();
                let display = a.get("displayName").and_then(|v| v.as_str());
                let (account_id, region) =
                    environment(a.get("environment").and_then(|v| v.as_str()));
                let mut chosen = sel.stacks.is_empty();
                for (i, want) in sel.stacks.iter().enumerate() {
                    if *want == name || want == id || Some(want.as_str()) == display {
                        matched[i] = true;
                        chosen = true;
                    }
                }
                out.roots.push(RootInput {
                    path: dir.join(file),
                    stack_name: Some(name),
                    region,
                    account_id,
                    producer_only: !chosen,
                });
            }
            _ => {}
        }
    }
    Ok(())
}

/// `aws://ACCOUNT/REGION`, where CDK writes `unknown-account` / `unknown-region` for an
/// environment-agnostic stack.
fn environment(env: Option<&str>) -> (Option<String>, Option<String>) {
    let Some(rest) = env.and_then(|e| e.strip_prefix("aws://")) else {
        return (None, None);
    };
    let (account, region) = rest.split_once('/').unwrap_or((rest, ""));
    let known = |s: &str| (!s.is_empty() && !s.starts_with("unknown-")).then(|| s.to_string());
    (known(account), known(region))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn environments() {
        assert_eq!(
            environment(Some("aws://111122223333/eu-west-1")),
            (Some("111122223333".into()), Some("eu-west-1".into()))
        );
        assert_eq!(
            environment(Some("aws://unknown-account/unknown-region")),
            (None, None)
        );
    }
}
