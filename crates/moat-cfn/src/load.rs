//! Loading: files, stacks, scenarios.

use crate::lower;
use crate::node::Node;
use crate::stack::{Env, Files, StackCx};
use crate::value::V;
use crate::{Error, LoadOptions, Loaded, LoadedRoot, Scenario};
use moat_model::{Maybe, Model};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::rc::Rc;

/// Load templates from files or directories (`*.yml`, `*.yaml`, `*.json`, `*.template`). A file
/// that another loaded template nests is not checked as a root of its own.
pub fn load_paths(paths: &[PathBuf], opts: &LoadOptions) -> Result<Loaded, Error> {
    let mut list = Vec::new();
    for p in paths {
        if p.is_dir() {
            let rd = std::fs::read_dir(p).map_err(|e| Error::Read {
                file: p.display().to_string(),
                msg: e.to_string(),
            })?;
            let mut found: Vec<PathBuf> = rd
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|f| {
                    matches!(
                        f.extension().and_then(|e| e.to_str()),
                        Some("yml" | "yaml" | "json" | "template")
                    )
                })
                .collect();
            found.sort();
            list.extend(found);
        } else {
            list.push(p.clone());
        }
    }
    let mut files = Files::default();
    let mut roots = Vec::new();
    let mut nested_all = HashSet::new();
    // A file that fails on its own may be a child that only works with its parent's
    // parameters: hold its error until we know whether some other file nests it.
    let mut failed = Vec::new();
    for p in &list {
        match load_root(&mut files, p, opts) {
            Ok((root, nested)) => {
                nested_all.extend(nested);
                roots.push(root);
            }
            Err(e) => failed.push((p.clone(), e)),
        }
    }
    let canon = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
    if let Some((_, e)) = failed
        .into_iter()
        .find(|(p, _)| !nested_all.contains(&canon(p)))
    {
        return Err(e);
    }
    roots.retain(|r| !nested_all.contains(&canon(&r.path)));
    Ok(Loaded {
        roots,
        sources: files.sources,
    })
}

/// Load one template from text (nested stacks resolve relative to `name`'s directory).
pub fn load_str(name: &str, text: &str, opts: &LoadOptions) -> Result<Loaded, Error> {
    let mut files = Files::default();
    let path = PathBuf::from(name);
    files.add(&path, text.to_string())?;
    let (root, _) = load_root(&mut files, &path, opts)?;
    Ok(Loaded {
        roots: vec![root],
        sources: files.sources,
    })
}

fn load_root(
    files: &mut Files,
    path: &Path,
    opts: &LoadOptions,
) -> Result<(LoadedRoot, HashSet<PathBuf>), Error> {
    let tpl = files.get(path)?;
    let max = opts.max_scenarios.max(1);
    let mut queue: Vec<BTreeMap<String, bool>> = vec![BTreeMap::new()];
    let mut scenarios = Vec::new();
    let mut notes = Vec::new();
    let mut nested = HashSet::new();
    let mut dropped = 0usize;
    while let Some(assumed) = queue.pop() {
        if scenarios.len() >= max {
            dropped += 1 + queue.len();
            break;
        }
        let run = run_once(files, path, Rc::clone(&tpl), opts, &assumed)?;
        // Every combination left open by this run: the recorded conditions were assumed true;
        // fork each one to false, keeping the earlier ones true.
        let mut all = assumed.clone();
        for (i, c) in run.recorded.iter().enumerate() {
            let mut alt = assumed.clone();
            for prev in &run.recorded[..i] {
                alt.insert(prev.clone(), true);
            }
            alt.insert(c.clone(), false);
            queue.push(alt);
            all.insert(c.clone(), true);
        }
        for n in run.notes {
            if !notes.contains(&n) {
                notes.push(n);
            }
        }
        nested.extend(run.nested);
        scenarios.push(Scenario {
            assumptions: all.into_iter().collect(),
            model: run.model,
        });
    }
    if dropped > 0 {
        notes.push(format!(
            "more than {max} scenarios (combinations of unknown conditions); {dropped} not explored"
        ));
    }
    Ok((
        LoadedRoot {
            path: path.to_path_buf(),
            scenarios,
            notes,
        },
        nested,
    ))
}

struct Run {
    model: Model,
    recorded: Vec<String>,
    notes: Vec<String>,
    nested: HashSet<PathBuf>,
}

fn run_once(
    files: &mut Files,
    path: &Path,
    tpl: Rc<Node>,
    opts: &LoadOptions,
    assumed: &BTreeMap<String, bool>,
) -> Result<Run, Error> {
    let mut env = Env {
        opts,
        files,
        assumptions: assumed,
        recorded: Vec::new(),
        chain: vec![std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())],
        nested: HashSet::new(),
        notes: Vec::new(),
        model: Model {
            region: Maybe::Known(opts.region.clone()),
            account_id: Maybe::Known(opts.account_id.clone()),
            ..Model::default()
        },
        kinds: HashMap::new(),
        pending: Vec::new(),
        ignored: BTreeMap::new(),
        cluster_launch: HashMap::new(),
    };
    let given: HashMap<String, V> = HashMap::new();
    let mut cx = StackCx::new(
        &mut env,
        path,
        tpl,
        String::new(),
        Ok(opts.stack_name.clone()),
        given,
        true,
    )?;
    lower::lower_stack(&mut cx, &mut env)?;
    lower::finish(&mut env);
    for (ty, n) in std::mem::take(&mut env.ignored) {
        env.notes.push(format!(
            "{n} resource(s) of type {ty} not modelled (ignored)"
        ));
    }
    Ok(Run {
        model: env.model,
        recorded: env.recorded,
        notes: env.notes,
        nested: env.nested,
    })
}
