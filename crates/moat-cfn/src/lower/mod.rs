//! Lowering resolved resources into the model, with provenance.

pub(crate) mod access;
mod dns;
mod finish;
mod network;
mod physical;
pub mod policy;
pub mod util;
mod waivers;
mod workload;

pub use finish::finish;

use crate::node::Node;
use crate::stack::{Env, StackCx};
use crate::value::{Val, V};
use crate::Error;
use moat_model::Provenance;
use std::rc::Rc;

/// Lower every resource of `cx` (and of its child stacks) present under this scenario.
pub fn lower_stack(cx: &mut StackCx, env: &mut Env) -> Result<(), Error> {
    let tpl = Rc::clone(&cx.tpl);
    let Some(resources) = tpl.get("Resources").and_then(Node::as_map) else {
        return Ok(());
    };
    for (k, r) in resources {
        let ty = r.get("Type").and_then(Node::as_str).unwrap_or("");
        if let Some(c) = r.get("Condition") {
            let Some(name) = c.as_str() else {
                return Err(cx.err(c.pos, "a resource's Condition must be a condition name"));
            };
            if !cx.condition(env, name, c.pos)? {
                continue;
            }
        }
        if matches!(
            ty,
            "AWS::CloudFormation::Stack" | "AWS::Serverless::Application"
        ) {
            if crate::nested::ensure_child(cx, env, &k.name)? {
                if let Some(mut child) = cx.child_cx.remove(&k.name) {
                    let canon =
                        std::fs::canonicalize(&child.path).unwrap_or_else(|_| child.path.clone());
                    env.chain.push(canon);
                    let r = lower_stack(&mut child, env);
                    env.chain.pop();
                    cx.child_cx.insert(k.name.clone(), child);
                    r?;
                }
            }
            continue;
        }
        let props = match r.get("Properties") {
            Some(p) => match cx.resolve(env, p)? {
                // `Properties: !If [C, {...}, !Ref AWS::NoValue]`: no properties.
                V {
                    val: Val::NoValue,
                    pos,
                } => V::new(Val::Map(Vec::new()), pos),
                v => v,
            },
            None => V::new(Val::Map(Vec::new()), k.pos),
        };
        if !matches!(props.val, Val::Map(_)) {
            return Err(cx.err(
                props.pos,
                format!("Properties of `{}` must be a mapping", k.name),
            ));
        }
        let prov = Provenance::at(
            format!("{}{}", cx.prefix, k.name),
            cx.file.clone(),
            k.pos.line,
            k.pos.col,
        );
        let waived = waivers::lower(cx, r, &prov.resource)?;
        env.model.waivers.extend(waived);
        let known = network::lower(env, ty, &props, prov.clone())?
            || workload::lower(env, ty, &props, prov.clone())?
            || access::lower(env, ty, &props, prov.clone())?
            || dns::lower(env, ty, &props, prov)?;
        if !known {
            *env.ignored.entry(ty.to_string()).or_insert(0) += 1;
        }
    }
    Ok(())
}
