//! Several templates deployed together: `Fn::ImportValue` and `Fn::GetStackOutput` resolve to
//! the Outputs of the stack among the inputs that provides them, and that stack joins the model.
//!
//! - `Fn::ImportValue` names an export; CloudFormation matches it against the `Export.Name` of
//!   every stack's Outputs in the account and region
//!   (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/intrinsic-function-reference-importvalue.html,
//!   https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/outputs-section-structure.html).
//!   Export names are evaluated with their own stack's intrinsics ([`exports_of`]).
//! - `Fn::GetStackOutput` names a stack and an output, exported or not
//!   (https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/intrinsic-function-reference-getstackoutput.html).
//!
//! A producer that is not among the inputs leaves the value unknown, saying what settles it.

use crate::node::{Node, Pos};
use crate::stack::{Deployment, Env, Files, Slot, StackCx};
use crate::value::V;
use crate::{Error, LoadOptions};
use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::rc::Rc;

/// `Fn::ImportValue name`.
pub fn import_value(env: &mut Env, name: &str, at: Pos) -> Result<V, Error> {
    match env.deployment.exports.get(name) {
        Some((i, output)) => {
            let (i, output) = (*i, output.clone());
            stack_output(env, i, &output, at)
        }
        None => Ok(V::unknown(
            format!(
                "Fn::ImportValue {name}: no template given exports `{name}`; pass the template that exports it too"
            ),
            at,
        )),
    }
}

/// `Fn::GetStackOutput {StackName, OutputName, Region}` (`region`: `None` for the caller's own).
pub fn get_stack_output(
    cx: &StackCx,
    env: &mut Env,
    stack: &str,
    output: &str,
    region: Option<&str>,
    at: Pos,
) -> Result<V, Error> {
    let region = region.unwrap_or(&cx.region);
    let found = env
        .deployment
        .stacks
        .iter()
        .position(|s| s.name == stack && s.region == region);
    match found {
        Some(i) => stack_output(env, i, output, at).and_then(|v| {
            if v.val == crate::value::Val::NoValue {
                Err(cx.err(at, format!("stack {stack} has no output `{output}`")))
            } else {
                Ok(v)
            }
        }),
        None => Ok(V::unknown(
            format!(
                "Fn::GetStackOutput {stack}.{output}: stack {stack} ({region}) is not among the inputs; pass its template too"
            ),
            at,
        )),
    }
}

/// The value of output `output` of root stack `i`, which joins this run's model.
fn stack_output(env: &mut Env, i: usize, output: &str, at: Pos) -> Result<V, Error> {
    let mut cx = match std::mem::replace(&mut env.stacks[i], Slot::Busy) {
        Slot::Ready(cx) => cx,
        Slot::Absent => match instantiate(env, i) {
            Ok(cx) => cx,
            Err(e) => {
                env.stacks[i] = Slot::Absent;
                return Err(e);
            }
        },
        Slot::Busy => {
            let site = &env.deployment.stacks[i];
            return Err(Error::Cycle {
                file: site.path.display().to_string(),
                line: at.line,
                col: at.col,
                what: format!(
                    "stack {} needs its own output `{output}` (through imports)",
                    site.name
                ),
            });
        }
    };
    env.linked[i] = true;
    let chain = std::mem::replace(&mut env.chain, vec![canonical(&cx.path)]);
    let r = output_value(&mut cx, env, output);
    env.chain = chain;
    env.stacks[i] = Slot::Ready(cx);
    Ok(match r? {
        Some(v) => V::new(v.val, at),
        None => V::new(crate::value::Val::NoValue, at),
    })
}

/// The context of root stack `i` of the deployment.
pub fn instantiate(env: &mut Env, i: usize) -> Result<Box<StackCx>, Error> {
    let site = env.deployment.stacks[i].clone();
    let tpl = env.files.get(&site.path)?;
    let prefix = env.prefixes[i].clone();
    let cx = StackCx::new(
        env,
        tpl,
        prefix,
        Ok(site.name.clone()),
        HashMap::new(),
        &site,
        true,
    )?;
    let mut cx = cx;
    crate::intrinsics::for_each::expand(&mut cx, env)?;
    Ok(Box::new(cx))
}

/// Output `name` of `cx` (`None`: no such output, or its Condition is false).
fn output_value(cx: &mut StackCx, env: &mut Env, name: &str) -> Result<Option<V>, Error> {
    let tpl = Rc::clone(&cx.tpl);
    let Some((k, o)) = tpl.get("Outputs").and_then(|os| os.entry(name)) else {
        return Ok(None);
    };
    if let Some(c) = o.get("Condition").and_then(Node::as_str) {
        if !cx.condition(env, c, k.pos)? {
            return Ok(None);
        }
    }
    match o.get("Value") {
        Some(v) => cx.resolve(env, v).map(Some),
        None => Ok(None),
    }
}

pub fn canonical(p: &Path) -> std::path::PathBuf {
    std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf())
}

/// Every export of every stack: `Export.Name` evaluated in a scratch run of its own stack. An
/// export whose name stays unknown is reported in `notes` (nothing can import it by name here).
pub fn exports_of(
    files: &mut Files,
    deployment: &mut Deployment,
    opts: &LoadOptions,
    notes: &mut Vec<String>,
) {
    let mut exports: HashMap<String, (usize, String)> = HashMap::new();
    for i in 0..deployment.stacks.len() {
        let assumptions = BTreeMap::new();
        let mut env = Env::scratch(opts, files, deployment, &assumptions);
        let Ok(mut cx) = instantiate(&mut env, i) else {
            // The real run reports the error with its position.
            continue;
        };
        let tpl = Rc::clone(&cx.tpl);
        let Some(outputs) = tpl.get("Outputs").and_then(Node::as_map) else {
            continue;
        };
        for (k, o) in outputs {
            let Some(name) = o.get("Export").and_then(|e| e.get("Name")) else {
                continue;
            };
            match cx.resolve(&mut env, name).map(|v| v.text()) {
                Ok(Ok(n)) => match exports.get(&n) {
                    // Export names are unique in an account and region: two inputs exporting one
                    // name are not one deployment there.
                    Some((j, _)) if *j != i => notes.push(format!(
                        "{}:{}:{}: export `{n}` is also declared by {}; imports of it read {}",
                        cx.file,
                        name.pos.line,
                        name.pos.col,
                        deployment.stacks[*j].path.display(),
                        deployment.stacks[*j].path.display()
                    )),
                    Some(_) => {}
                    None => {
                        exports.insert(n, (i, k.name.clone()));
                    }
                },
                Ok(Err(why)) => notes.push(format!(
                    "{}:{}:{}: the export name of output {} is unknown ({why}); nothing given can import it",
                    cx.file, name.pos.line, name.pos.col, k.name
                )),
                Err(_) => {}
            }
        }
    }
    deployment.exports = exports;
}
