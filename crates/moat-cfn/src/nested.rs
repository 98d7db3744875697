//! Nested stacks: `AWS::CloudFormation::Stack` (`TemplateURL`) and `AWS::Serverless::Application`
//! (`Location`) with a local path, loaded with the parameters the parent passes.
//! https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-cloudformation-stack.html
//! https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-resource-application.html

use crate::load::Env;
use crate::node::{Kind, Node, Pos};
use crate::resolve::StackCx;
use crate::value::{Val, V};
use crate::Error;
use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::rc::Rc;

impl StackCx {
    /// Build a stack context: index resources, bind parameters, check for dependency cycles.
    pub fn new(
        env: &mut Env,
        path: &Path,
        tpl: Rc<Node>,
        prefix: String,
        stack_name: Result<String, String>,
        given: HashMap<String, V>,
        root: bool,
    ) -> Result<StackCx, Error> {
        let file = path.display().to_string();
        let mut types = HashMap::new();
        if let Some(res) = tpl.get("Resources") {
            let Some(entries) = res.as_map() else {
                return Err(Error::Template {
                    file,
                    line: res.pos.line,
                    col: res.pos.col,
                    msg: "Resources must be a mapping".into(),
                });
            };
            for (k, r) in entries {
                let ty = r
                    .get("Type")
                    .and_then(Node::as_str)
                    .ok_or_else(|| Error::Template {
                        file: file.clone(),
                        line: k.pos.line,
                        col: k.pos.col,
                        msg: format!("resource `{}` has no Type", k.name),
                    })?;
                types.insert(k.name.clone(), ty.to_string());
                env.kinds
                    .insert(format!("{prefix}{}", k.name), ty.to_string());
            }
        }
        crate::lower::deps::check_cycles(&file, &tpl)?;
        let mut params = HashMap::new();
        if let Some(ps) = tpl.get("Parameters").and_then(Node::as_map) {
            for (k, p) in ps {
                let from_opts = root.then(|| env.opts.parameters.get(&k.name)).flatten();
                let v = match (from_opts, given.get(&k.name), p.get("Default")) {
                    (Some(s), _, _) => V::str(s.clone(), k.pos),
                    (None, Some(v), _) => v.clone(),
                    (None, None, Some(d)) => match &d.kind {
                        Kind::Scalar { text, .. } => V::str(text.clone(), d.pos),
                        _ => V::unknown(
                            format!("parameter {}{} has a non-scalar default", prefix, k.name),
                            d.pos,
                        ),
                    },
                    (None, None, None) => V::unknown(
                        format!(
                            "parameter {}{} has no default and no value was given",
                            prefix, k.name
                        ),
                        k.pos,
                    ),
                };
                params.insert(k.name.clone(), v);
            }
        }
        let from_cli = env.opts.parameters.keys().filter(|_| root);
        for name in given.keys().chain(from_cli) {
            if !params.contains_key(name) {
                env.notes.push(format!(
                    "{file}: parameter {name} is passed but not declared"
                ));
            }
        }
        Ok(StackCx {
            file,
            path: path.to_path_buf(),
            tpl,
            prefix,
            stack_name,
            params,
            types,
            conds: HashMap::new(),
            conds_busy: HashSet::new(),
            children: HashMap::new(),
            children_busy: HashSet::new(),
            child_cx: HashMap::new(),
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
pub fn outputs(
    cx: &mut StackCx,
    env: &mut Env,
    id: &str,
) -> Result<Option<HashMap<String, V>>, Error> {
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
