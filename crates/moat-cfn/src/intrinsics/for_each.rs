//! `Fn::ForEach` (transform `AWS::LanguageExtensions`): a loop that writes one fragment per item
//! of a collection, expanded before anything else is read, as the transform does.
//! https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/intrinsic-function-reference-foreach.html
//! https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/transform-aws-languageextensions.html
//!
//! `"Fn::ForEach::Name": [Identifier, Collection, {OutputKey: OutputValue}]` in `Resources`,
//! `Outputs`, `Conditions` (and inside resource properties): for each item, `${Identifier}` and
//! `&{Identifier}` (the item without its non-alphanumeric characters) are replaced in keys and
//! values, and `{"Ref": Identifier}` becomes the item. Loops nest.
use super::*;
use crate::node::Kind;
use std::rc::Rc;

const PREFIX: &str = "Fn::ForEach::";
/// Sections where the transform expands loops.
const SECTIONS: &[&str] = &["Resources", "Outputs", "Conditions"];

fn has_loop(n: &Node) -> bool {
    match &n.kind {
        Kind::Scalar { .. } => false,
        Kind::Seq(items) => items.iter().any(has_loop),
        Kind::Map(m) => m
            .iter()
            .any(|(k, v)| k.name.starts_with(PREFIX) || has_loop(v)),
    }
}

fn declares_language_extensions(tpl: &Node) -> bool {
    let named = |n: &Node| n.as_str() == Some("AWS::LanguageExtensions");
    match tpl.get("Transform") {
        Some(t) => named(t) || t.as_seq().is_some_and(|s| s.iter().any(named)),
        None => false,
    }
}

/// Expand the loops of a freshly built stack context's template (if any): `cx.tpl` becomes the
/// expanded template and the resources the loops wrote are indexed. Call right after
/// `StackCx::new` (the collections may use the stack's parameters).
pub fn expand(cx: &mut StackCx, env: &mut Env) -> Result<(), Error> {
    for (id, ty) in expand_stack(cx, env)? {
        env.kinds.insert(format!("{}{id}", cx.prefix), ty.clone());
        cx.types.insert(id, ty);
    }
    Ok(())
}

fn expand_stack(cx: &mut StackCx, env: &mut Env) -> Result<Vec<(String, String)>, Error> {
    let tpl = Rc::clone(&cx.tpl);
    let Some(top) = tpl.as_map() else {
        return Ok(Vec::new());
    };
    if !SECTIONS.iter().any(|s| tpl.get(s).is_some_and(has_loop)) {
        return Ok(Vec::new());
    }
    if !declares_language_extensions(&tpl) {
        let at = tpl.pos;
        return Err(cx.err(at, "Fn::ForEach needs `Transform: AWS::LanguageExtensions`"));
    }
    let mut out = Vec::with_capacity(top.len());
    for (k, v) in top {
        if SECTIONS.contains(&k.name.as_str()) {
            if let Some(m) = v.as_map() {
                let entries = expand_map(cx, env, m)?;
                out.push((
                    k.clone(),
                    Node {
                        kind: Kind::Map(entries),
                        pos: v.pos,
                    },
                ));
                continue;
            }
        }
        out.push((k.clone(), v.clone()));
    }
    let expanded = Node {
        kind: Kind::Map(out),
        pos: tpl.pos,
    };
    let mut written = Vec::new();
    if let Some(res) = expanded.get("Resources").and_then(Node::as_map) {
        for (k, r) in res {
            if !cx.types.contains_key(&k.name) {
                let Some(ty) = r.get("Type").and_then(Node::as_str) else {
                    return Err(Error::Template {
                        file: cx.file.clone(),
                        line: k.pos.line,
                        col: k.pos.col,
                        msg: format!("resource `{}` (written by Fn::ForEach) has no Type", k.name),
                    });
                };
                written.push((k.name.clone(), ty.to_string()));
            }
        }
    }
    crate::cycles::check_cycles(&cx.file, &expanded)?;
    cx.tpl = Rc::new(expanded);
    Ok(written)
}

fn expand_node(cx: &mut StackCx, env: &mut Env, n: &Node) -> Result<Node, Error> {
    Ok(match &n.kind {
        Kind::Scalar { .. } => n.clone(),
        Kind::Seq(items) => Node {
            kind: Kind::Seq(
                items
                    .iter()
                    .map(|i| expand_node(cx, env, i))
                    .collect::<Result<_, _>>()?,
            ),
            pos: n.pos,
        },
        Kind::Map(m) => Node {
            kind: Kind::Map(expand_map(cx, env, m)?),
            pos: n.pos,
        },
    })
}

fn expand_map(
    cx: &mut StackCx,
    env: &mut Env,
    entries: &[(Key, Node)],
) -> Result<Vec<(Key, Node)>, Error> {
    let mut out = Vec::with_capacity(entries.len());
    for (k, v) in entries {
        if !k.name.starts_with(PREFIX) {
            out.push((k.clone(), expand_node(cx, env, v)?));
            continue;
        }
        let bad = || {
            cx.err(
                k.pos,
                format!(
                    "{} takes [Identifier, Collection, {{OutputKey: OutputValue}}]",
                    k.name
                ),
            )
        };
        let Some([id, coll, frag]) = v.as_seq() else {
            return Err(bad());
        };
        let (Some(id), Some(frag_entries)) = (id.as_str(), frag.as_map()) else {
            return Err(bad());
        };
        let items = match cx.resolve(env, coll)?.items() {
            Ok(items) => items,
            Err(w) => {
                env.notes.push(format!(
                    "{}:{}:{}: the collection of {} is unknown ({w}); what the loop writes is not modelled",
                    cx.file, k.pos.line, k.pos.col, k.name
                ));
                continue;
            }
        };
        for item in items {
            let value = match item.text() {
                Ok(s) => s,
                Err(w) => {
                    env.notes.push(format!(
                        "{}:{}:{}: an item of {} is unknown ({w}); what it writes is not modelled",
                        cx.file, k.pos.line, k.pos.col, k.name
                    ));
                    continue;
                }
            };
            let written: Vec<(Key, Node)> = frag_entries
                .iter()
                .map(|(fk, fv)| {
                    (
                        Key {
                            name: substitute(&fk.name, id, &value),
                            pos: fk.pos,
                        },
                        replace(fv, id, &value),
                    )
                })
                .collect();
            // The fragment may hold loops of its own (nested over this item).
            out.extend(expand_map(cx, env, &written)?);
        }
    }
    Ok(out)
}

/// `${id}` → the item, `&{id}` → the item's alphanumeric characters.
fn substitute(text: &str, id: &str, value: &str) -> String {
    let alnum: String = value.chars().filter(char::is_ascii_alphanumeric).collect();
    text.replace(&format!("${{{id}}}"), value)
        .replace(&format!("&{{{id}}}"), &alnum)
}

/// The fragment with the identifier replaced in every key and string, and `{"Ref": id}` by the
/// item.
fn replace(n: &Node, id: &str, value: &str) -> Node {
    let kind = match &n.kind {
        Kind::Scalar { text, plain } => Kind::Scalar {
            text: substitute(text, id, value),
            plain: *plain,
        },
        Kind::Seq(items) => Kind::Seq(items.iter().map(|i| replace(i, id, value)).collect()),
        Kind::Map(m) => {
            if let [(k, arg)] = m.as_slice() {
                if k.name == "Ref" && arg.as_str() == Some(id) {
                    return Node {
                        kind: Kind::Scalar {
                            text: value.to_string(),
                            plain: false,
                        },
                        pos: n.pos,
                    };
                }
            }
            Kind::Map(
                m.iter()
                    .map(|(k, v)| {
                        (
                            Key {
                                name: substitute(&k.name, id, value),
                                pos: k.pos,
                            },
                            replace(v, id, value),
                        )
                    })
                    .collect(),
            )
        }
    };
    Node { kind, pos: n.pos }
}
