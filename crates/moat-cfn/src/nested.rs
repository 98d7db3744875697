//! Nested stacks: `AWS::CloudFormation::Stack` (`TemplateURL`) and `AWS::Serverless::Application`
//! (`Location`) with a local path, loaded with the parameters the parent passes.
//! https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-cloudformation-stack.html
//! https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-resource-application.html

use crate::node::{Kind, Node, Pos};
use crate::stack::{Env, StackCx, StackSite};
use crate::value::{Val, V};
use crate::Error;
use std::collections::HashMap;
use std::path::Path;
use std::rc::Rc;

impl StackCx {
    /// `Child.Outputs.Name` of a nested stack resource.
    pub fn child_output(
        &mut self,
        env: &mut Env,
        child: &str,
        output: &str,
        at: Pos,
    ) -> Result<V, Error> {
        if !self.children.contains_key(child) {
            if !self.children_busy.insert(child.to_string()) {
                return Err(Error::Cycle {
                    file: self.file.clone(),
                    line: at.line,
                    col: at.col,
                    what: format!("nested stack `{child}` needs its own outputs"),
                });
            }
            let r = outputs(self, env, child);
            self.children_busy.remove(child);
            let outs = r?;
            self.children.insert(child.to_string(), outs);
        }
        Ok(match self.children.get(child) {
            Some(Some(outs)) => match outs.get(output) {
                Some(v) => V::new(v.val.clone(), at),
                None => {
                    return Err(self.err(
                        at,
                        format!("nested stack `{child}` has no output `{output}`"),
                    ))
                }
            },
            _ => V::unknown(
                format!("output {output} of nested stack {child} (not loaded: remote or absent)"),
                at,
            ),
        })
    }
}

/// Make sure the child stack `id` is loaded into `cx.child_cx` (unless it is absent under this
/// scenario, or remote). Returns whether it is there.
pub fn ensure_child(cx: &mut StackCx, env: &mut Env, id: &str) -> Result<bool, Error> {
    if cx.child_cx.contains_key(id) {
        return Ok(true);
    }
    let tpl = Rc::clone(&cx.tpl);
    let Some((key, res)) = tpl.get("Resources").and_then(|r| r.entry(id)) else {
        return Ok(false);
    };
    if let Some(c) = res.get("Condition").and_then(Node::as_str) {
        if !cx.condition(env, c, key.pos)? {
            return Ok(false);
        }
    }
    let empty = Node {
        kind: Kind::Map(Vec::new()),
        pos: key.pos,
    };
    let props = res.get("Properties").unwrap_or(&empty);
    let loc_key = if res.get("Type").and_then(Node::as_str) == Some("AWS::Serverless::Application")
    {
        "Location"
    } else {
        "TemplateURL"
    };
    let Some((lk, loc)) = props.entry(loc_key) else {
        return Err(Error::Template {
            file: cx.file.clone(),
            line: key.pos.line,
            col: key.pos.col,
            msg: format!("nested stack `{id}` has no {loc_key}"),
        });
    };
    let at: Pos = lk.pos;
    let dir = cx.path.parent().unwrap_or(Path::new("")).to_path_buf();
    // CDK names the local file of an asset in the resource's Metadata (`aws:asset:path`, relative
    // to the cloud assembly directory, which holds the parent template).
    let asset_path = res
        .get("Metadata")
        .and_then(|m| m.get("aws:asset:path"))
        .and_then(Node::as_str)
        .map(str::to_string);
    let url = match (asset_path, cx.resolve(env, loc)?.val) {
        (Some(p), _) => p,
        (None, Val::Str(s) | Val::Res(s)) if s.contains("://") => match asset_file(&dir, &s) {
            Some(p) => p,
            None => s,
        },
        (None, Val::Str(s) | Val::Res(s)) => s,
        _ => {
            env.notes.push(format!(
                "{}:{}:{}: nested stack {}{id} is not a local file; its outputs are unknown",
                cx.file, at.line, at.col, cx.prefix
            ));
            return Ok(false);
        }
    };
    if url.contains("://") {
        env.notes.push(format!(
            "{}:{}:{}: nested stack {}{id} is remote ({url}); its outputs are unknown",
            cx.file, at.line, at.col, cx.prefix
        ));
        return Ok(false);
    }
    let child_path = dir.join(&url);
    let canon = std::fs::canonicalize(&child_path).map_err(|_| Error::MissingTemplate {
        file: cx.file.clone(),
        line: at.line,
        col: at.col,
        path: child_path.display().to_string(),
    })?;
    if env.chain.contains(&canon) {
        return Err(Error::Cycle {
            file: cx.file.clone(),
            line: at.line,
            col: at.col,
            what: format!("nested template {} includes itself", child_path.display()),
        });
    }
    let mut given = HashMap::new();
    if let Some(ps) = props.get("Parameters").and_then(Node::as_map) {
        for (k, n) in ps {
            let v = cx.resolve(env, n)?;
            given.insert(k.name.clone(), v);
        }
    }
    let child_tpl = env.files.get(&child_path)?;
    env.nested.insert(canon.clone());
    env.chain.push(canon);
    let prefix = format!("{}{id}/", cx.prefix);
    let name = Err(format!(
        "the name of nested stack {}{id} is assigned by AWS",
        cx.prefix
    ));
    // A nested stack deploys in its parent's account and region.
    let site = StackSite {
        path: child_path.clone(),
        name: String::new(),
        region: cx.region.clone(),
        account_id: cx.account_id.clone(),
    };
    let child = StackCx::new(env, child_tpl, prefix, name, given, &site, false)
        .and_then(|mut child| crate::intrinsics::for_each::expand(&mut child, env).map(|()| child));
    env.chain.pop();
    cx.child_cx.insert(id.to_string(), Box::new(child?));
    Ok(true)
}

/// The resolved outputs of child stack `id` (`None`: absent or remote).
fn outputs(cx: &mut StackCx, env: &mut Env, id: &str) -> Result<Option<HashMap<String, V>>, Error> {
    if !ensure_child(cx, env, id)? {
        return Ok(None);
    }
    let Some(mut child) = cx.child_cx.remove(id) else {
        return Ok(None);
    };
    let canon = std::fs::canonicalize(&child.path).unwrap_or_else(|_| child.path.clone());
    env.chain.push(canon);
    let r = child_outputs(&mut child, env);
    env.chain.pop();
    cx.child_cx.insert(id.to_string(), child);
    r.map(Some)
}

fn child_outputs(child: &mut StackCx, env: &mut Env) -> Result<HashMap<String, V>, Error> {
    let tpl = Rc::clone(&child.tpl);
    let mut outs = HashMap::new();
    if let Some(os) = tpl.get("Outputs").and_then(Node::as_map) {
        for (k, o) in os {
            if let Some(c) = o.get("Condition").and_then(Node::as_str) {
                if !child.condition(env, c, k.pos)? {
                    continue;
                }
            }
            if let Some(v) = o.get("Value") {
                let v = child.resolve(env, v)?;
                outs.insert(k.name.clone(), v);
            }
        }
    }
    Ok(outs)
}

/// The local file of an asset uploaded to `url`: the cloud assembly's asset manifests
/// (`*.assets.json` beside the template) name each file asset's source path and the object key
/// it is published under, which ends the nested stack's TemplateURL.
fn asset_file(dir: &Path, url: &str) -> Option<String> {
    let key = url.rsplit('/').next()?;
    let entries = std::fs::read_dir(dir).ok()?;
    let mut manifests: Vec<_> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.to_string_lossy().ends_with(".assets.json"))
        .collect();
    manifests.sort();
    for m in manifests {
        let Ok(text) = std::fs::read_to_string(&m) else {
            continue;
        };
        let Ok(json) = serde_json::from_str::<serde_json::Value>(&text) else {
            continue;
        };
        let Some(files) = json.get("files").and_then(|f| f.as_object()) else {
            continue;
        };
        for asset in files.values() {
            let published = asset
                .get("destinations")
                .and_then(|d| d.as_object())
                .is_some_and(|d| {
                    d.values()
                        .any(|dest| dest.get("objectKey").and_then(|k| k.as_str()) == Some(key))
                });
            let source = asset
                .get("source")
                .filter(|s| s.get("packaging").and_then(|p| p.as_str()) == Some("file"))
                .and_then(|s| s.get("path"))
                .and_then(|p| p.as_str());
            if let (true, Some(path)) = (published, source) {
                return Some(path.to_string());
            }
        }
    }
    None
}
