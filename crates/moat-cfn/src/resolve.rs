//! Resolving nodes of one stack instance ([`StackCx`], defined in `stack`): parameters, pseudo
//! parameters, conditions, and the dispatch of intrinsic functions (one file each under
//! `intrinsics/`). Outputs of nested stacks are resolved in `nested`.

use crate::node::{Kind, Node, Pos};
use crate::stack::{partition, Env, StackCx};
use crate::value::{Val, V};
use crate::Error;
use std::rc::Rc;

const MAX_CONDITION_DEPTH: usize = 64;

impl StackCx {
    /// Resolve a node to a value, removing `AWS::NoValue` from mappings and lists.
    pub fn resolve(&mut self, env: &mut Env, node: &Node) -> Result<V, Error> {
        if let Some((k, arg)) = node.intrinsic() {
            return crate::intrinsics::dispatch(self, env, k, arg, node.pos);
        }
        Ok(match &node.kind {
            Kind::Scalar { text, .. } => V::scalar(text, node.pos),
            Kind::Seq(items) => {
                let mut out = Vec::with_capacity(items.len());
                for i in items {
                    let v = self.resolve(env, i)?;
                    if v.val != Val::NoValue {
                        out.push(v);
                    }
                }
                V::new(Val::List(out), node.pos)
            }
            Kind::Map(entries) => {
                let mut out = Vec::with_capacity(entries.len());
                for (k, n) in entries {
                    let v = self.resolve(env, n)?;
                    if v.val != Val::NoValue {
                        out.push((k.clone(), v));
                    }
                }
                V::new(Val::Map(out), node.pos)
            }
        })
    }

    /// The value of condition `name`; an unknown one is taken from the scenario's assumptions,
    /// or assumed true and recorded so the loader also explores the false branch.
    pub fn condition(&mut self, env: &mut Env, name: &str, at: Pos) -> Result<bool, Error> {
        if let Some(&b) = self.conds.get(name) {
            return Ok(b);
        }
        let tpl = Rc::clone(&self.tpl);
        let Some(def) = tpl.get("Conditions").and_then(|c| c.get(name)) else {
            return Err(self.err(
                at,
                format!("condition `{name}` is not defined in Conditions"),
            ));
        };
        // Conditions evaluate recursively; a chain this long is not a real template.
        if self.conds_busy.len() >= MAX_CONDITION_DEPTH {
            return Err(self.err(
                at,
                format!("conditions nest deeper than {MAX_CONDITION_DEPTH}"),
            ));
        }
        if !self.conds_busy.insert(name.to_string()) {
            return Err(Error::Cycle {
                file: self.file.clone(),
                line: at.line,
                col: at.col,
                what: format!("condition `{name}` depends on itself"),
            });
        }
        let r = crate::intrinsics::conditions::eval(self, env, def);
        self.conds_busy.remove(name);
        let b = match r? {
            Some(b) => b,
            None => env.assume(format!("{}{name}", self.prefix)),
        };
        self.conds.insert(name.to_string(), b);
        Ok(b)
    }

    /// `Ref` of a name: pseudo parameter, parameter, or resource.
    pub fn reference(&mut self, _env: &mut Env, name: &str, at: Pos) -> Result<V, Error> {
        // Pseudo parameters. Source:
        // https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/pseudo-parameter-reference.html
        let region = self.region.clone();
        let v = match name {
            "AWS::Region" => Val::Str(region),
            "AWS::AccountId" => Val::Str(self.account_id.clone()),
            "AWS::StackName" => match &self.stack_name {
                Ok(s) => Val::Str(s.clone()),
                Err(w) => Val::Unknown(w.clone()),
            },
            "AWS::Partition" => Val::Str(partition(&region).0.into()),
            "AWS::URLSuffix" => Val::Str(partition(&region).1.into()),
            "AWS::NoValue" => Val::NoValue,
            "AWS::StackId" => Val::Unknown("AWS::StackId is assigned by AWS".into()),
            "AWS::NotificationARNs" => {
                Val::Unknown("AWS::NotificationARNs is set at deployment".into())
            }
            _ => {
                if let Some(p) = self.params.get(name) {
                    return Ok(V::new(p.val.clone(), at));
                }
                if self.types.contains_key(name) {
                    Val::Res(format!("{}{name}", self.prefix))
                } else {
                    return Err(Error::UnknownRef {
                        file: self.file.clone(),
                        line: at.line,
                        col: at.col,
                        name: name.to_string(),
                    });
                }
            }
        };
        Ok(V::new(v, at))
    }
}
