//! Loading: root stacks into deployments, deployments into scenarios.
//!
//! Every root given (a template file, or a stack of a cloud assembly) is a stack of one
//! deployment. Stacks that import from each other (`Fn::ImportValue`, `Fn::GetStackOutput`) are
//! loaded into one model; the others are checked each on its own, as before.

use crate::deployment::{canonical, exports_of, instantiate};
use crate::lower;
use crate::stack::{Deployment, Env, Files, Slot, StackSite};
use crate::{Error, LoadOptions, Loaded, LoadedRoot, RootInput, Scenario};
use moat_model::{Model, UNKNOWN_ACCOUNT, UNKNOWN_REGION};
use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

/// Load templates from files or directories: see [`crate::discover`] for what is taken as a
/// template. A file that another loaded template nests is not checked as a root of its own.
pub fn load_paths(paths: &[PathBuf], opts: &LoadOptions) -> Result<Loaded, Error> {
    let found = crate::discover::discover(paths, &crate::discover::Selection::default())?;
    if found.roots.is_empty() {
        return Err(Error::NoTemplate {
            paths: paths.iter().map(|p| p.display().to_string()).collect(),
        });
    }
    load_roots(&found.roots, opts)
}

/// Load one template from text (nested stacks resolve relative to `name`'s directory).
pub fn load_str(name: &str, text: &str, opts: &LoadOptions) -> Result<Loaded, Error> {
    let mut files = Files::default();
    let path = PathBuf::from(name);
    files.add(&path, text.to_string())?;
    load_with(files, &[RootInput::file(path)], opts)
}

/// Load the root stacks of one deployment.
pub fn load_roots(inputs: &[RootInput], opts: &LoadOptions) -> Result<Loaded, Error> {
    load_with(Files::default(), inputs, opts)
}

fn load_with(mut files: Files, inputs: &[RootInput], opts: &LoadOptions) -> Result<Loaded, Error> {
    // 1. Parse every root and settle its name, region and account. A file that fails on its own
    //    may be a child that only works with its parent's parameters: hold its error until we
    //    know whether some other root nests it.
    let mut failed: Vec<(PathBuf, Error)> = Vec::new();
    let mut deployment = Deployment::default();
    let mut site_notes = Vec::new();
    let mut inputs_producer_only = Vec::new();
    for input in inputs {
        match site_of(&mut files, input, inputs.len(), opts) {
            Ok((site, note)) => {
                deployment.stacks.push(site);
                site_notes.push(note);
                inputs_producer_only.push(input.producer_only);
            }
            Err(e) => failed.push((input.path.clone(), e)),
        }
    }
    let mut export_notes = Vec::new();
    exports_of(&mut files, &mut deployment, opts, &mut export_notes);

    // 2. Survey: which stacks each root pulls in, and which files are nested stacks.
    let n = deployment.stacks.len();
    let mut links: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut nested_all = HashSet::new();
    let mut survey_failed = vec![false; n];
    if n > 1 {
        for (i, linked) in links.iter_mut().enumerate() {
            match run_once(&mut files, &deployment, &[i], opts, &BTreeMap::new()) {
                Ok(run) => {
                    nested_all.extend(run.nested);
                    *linked = (0..n).filter(|&j| j != i && run.linked[j]).collect();
                }
                Err(e) => {
                    survey_failed[i] = true;
                    failed.push((deployment.stacks[i].path.clone(), e));
                }
            }
        }
    }
    let nested_root = |i: usize| nested_all.contains(&canonical(&deployment.stacks[i].path));
    if let Some((_, e)) = failed
        .into_iter()
        .find(|(p, _)| !nested_all.contains(&canonical(p)))
    {
        return Err(e);
    }

    // 3. Deployments: stacks linked by imports, in input order.
    let groups = components(n, &links);
    let mut roots = Vec::new();
    for members in groups {
        let members: Vec<usize> = members
            .into_iter()
            .filter(|&i| !nested_root(i) && !survey_failed[i])
            .collect();
        if members.iter().all(|&i| inputs_producer_only[i]) {
            continue;
        }
        let mut root = load_group(&mut files, &deployment, &members, opts)?;
        let mut notes: Vec<String> = members.iter().map(|&i| site_notes[i].clone()).collect();
        notes.extend(export_notes.iter().cloned());
        notes.append(&mut root.notes);
        root.notes = notes;
        roots.push(root);
    }
    Ok(Loaded {
        roots,
        sources: files.sources,
    })
}

/// The stack name, region and account of one root, and a note saying where the region came from.
fn site_of(
    files: &mut Files,
    input: &RootInput,
    count: usize,
    opts: &LoadOptions,
) -> Result<(StackSite, String), Error> {
    let tpl = files.get(&input.path)?;
    let name = input.stack_name.clone().unwrap_or_else(|| {
        if count == 1 {
            opts.stack_name.clone()
        } else {
            input.path.file_stem().map_or_else(
                || opts.stack_name.clone(),
                |s| {
                    s.to_string_lossy()
                        .trim_end_matches(".template")
                        .to_string()
                },
            )
        }
    });
    let file = input.path.display().to_string();
    let (region, why) = match (&opts.region, &input.region) {
        (Some(r), _) => (r.clone(), "given".to_string()),
        (None, Some(r)) => (r.clone(), "from the cloud assembly's environment".into()),
        (None, None) => {
            let named = crate::region::named_regions(&tpl);
            match named.len() {
                1 => (
                    named.into_iter().next().unwrap_or_default(),
                    "the only region the template names; --region to override".into(),
                ),
                0 => (
                    UNKNOWN_REGION.to_string(),
                    "unknown: no --region or AWS_REGION, and the template names none; AWS::Region is one unknown value, comparisons with a literal region stay open, AWS::Partition is taken as aws".into(),
                ),
                _ => (
                    UNKNOWN_REGION.to_string(),
                    format!(
                        "unknown: no --region or AWS_REGION, and the template names several ({}); AWS::Region is one unknown value, comparisons with a literal region stay open, AWS::Partition is taken as aws",
                        named.into_iter().collect::<Vec<_>>().join(", ")
                    ),
                ),
            }
        }
    };
    let (account_id, account_why) = match (&opts.account_id, &input.account_id) {
        (Some(a), _) => (a.clone(), "given"),
        (None, Some(a)) => (a.clone(), "from the cloud assembly's environment"),
        (None, None) => {
            let named = crate::region::named_accounts(&tpl);
            match (named.len(), named.into_iter().next()) {
                (1, Some(a)) => (a, "the only account the template names; --account-id to override"),
                _ => (
                    UNKNOWN_ACCOUNT.to_string(),
                    "unknown: no --account-id, and the template names no single account; AWS::AccountId is one unknown value",
                ),
            }
        }
    };
    let shown = if region == UNKNOWN_REGION {
        String::new()
    } else {
        format!(" {region}")
    };
    let shown_account = if account_id == UNKNOWN_ACCOUNT {
        String::new()
    } else {
        format!(" {account_id}")
    };
    let note = format!(
        "{file}: stack {name}, region{shown} ({why}), account{shown_account} ({account_why})"
    );
    Ok((
        StackSite {
            path: input.path.clone(),
            name,
            region,
            account_id,
        },
        note,
    ))
}

/// Connected components of the import graph, each in input order, ordered by first member.
fn components(n: usize, links: &[Vec<usize>]) -> Vec<Vec<usize>> {
    let mut group: Vec<usize> = (0..n).collect();
    fn find(g: &mut [usize], mut i: usize) -> usize {
        while g[i] != i {
            g[i] = g[g[i]];
            i = g[i];
        }
        i
    }
    for (i, ls) in links.iter().enumerate() {
        for &j in ls {
            let (a, b) = (find(&mut group, i), find(&mut group, j));
            group[a.max(b)] = a.min(b);
        }
    }
    let mut out: Vec<Vec<usize>> = Vec::new();
    let mut index = BTreeMap::new();
    for i in 0..n {
        let g = find(&mut group, i);
        let k = *index.entry(g).or_insert_with(|| {
            out.push(Vec::new());
            out.len() - 1
        });
        out[k].push(i);
    }
    out
}

/// Every scenario of one deployment group.
fn load_group(
    files: &mut Files,
    deployment: &Deployment,
    members: &[usize],
    opts: &LoadOptions,
) -> Result<LoadedRoot, Error> {
    let max = opts.max_scenarios.max(1);
    let mut queue: Vec<BTreeMap<String, bool>> = vec![BTreeMap::new()];
    let mut scenarios = Vec::new();
    let mut notes = Vec::new();
    let mut dropped = 0usize;
    let mut linked = vec![false; deployment.stacks.len()];
    while let Some(assumed) = queue.pop() {
        if scenarios.len() >= max {
            dropped += 1 + queue.len();
            break;
        }
        let run = run_once(files, deployment, members, opts, &assumed)?;
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
        for (l, r) in linked.iter_mut().zip(&run.linked) {
            *l |= *r;
        }
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
    let stacks: Vec<PathBuf> = members
        .iter()
        .copied()
        .chain((0..linked.len()).filter(|i| linked[*i] && !members.contains(i)))
        .map(|i| deployment.stacks[i].path.clone())
        .collect();
    Ok(LoadedRoot {
        path: deployment.stacks[members[0]].path.clone(),
        stacks,
        scenarios,
        notes,
    })
}

struct Run {
    model: Model,
    recorded: Vec<String>,
    notes: Vec<String>,
    nested: HashSet<PathBuf>,
    /// Per stack of the deployment: lowered into this run's model.
    linked: Vec<bool>,
}

/// One scenario: lower `roots` and every stack they import from into one model.
fn run_once(
    files: &mut Files,
    deployment: &Deployment,
    roots: &[usize],
    opts: &LoadOptions,
    assumed: &BTreeMap<String, bool>,
) -> Result<Run, Error> {
    let mut env = Env::new(opts, files, deployment, assumed, roots);
    for &i in roots {
        env.linked[i] = true;
    }
    let mut lowered = vec![false; deployment.stacks.len()];
    while let Some(i) = (0..lowered.len()).find(|&i| env.linked[i] && !lowered[i]) {
        lowered[i] = true;
        let mut cx = match std::mem::replace(&mut env.stacks[i], Slot::Busy) {
            Slot::Ready(cx) => cx,
            Slot::Absent | Slot::Busy => instantiate(&mut env, i)?,
        };
        env.chain = vec![canonical(Path::new(&cx.path))];
        let r = lower::lower_stack(&mut cx, &mut env);
        env.stacks[i] = Slot::Ready(cx);
        r?;
    }
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
        linked: env.linked,
    })
}
