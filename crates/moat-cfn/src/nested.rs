//! Nested stacks: `AWS::CloudFormation::Stack` (`TemplateURL`) and `AWS::Serverless::Application`
//! (`Location`) with a local path, loaded with the parameters the parent passes.
//! https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-cloudformation-stack.html
//! https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-resource-application.html

use crate::node::{Kind, Node, Pos};
use crate::stack::{Env, StackCx};
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
    let url = match cx.resolve(env, loc)?.val {
        Val::Str(s) | Val::Res(s) => s,
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
    let child_path = cx.path.parent().unwrap_or(Path::new("")).join(&url);
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
    let child = StackCx::new(env, &child_path, child_tpl, prefix, name, given, false);
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
