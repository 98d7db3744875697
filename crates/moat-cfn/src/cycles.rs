//! Circular `Ref` / `Fn::GetAtt` / `Fn::Sub` / `DependsOn` among resources: CloudFormation
//! rejects them ("Circular dependency between resources"), so do we, with the position.
//! https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-attribute-dependson.html

use crate::node::{Kind, Node, Pos};
use crate::Error;
use std::collections::HashMap;

fn collect(n: &Node, names: &HashMap<&str, usize>, out: &mut Vec<usize>) {
    let mut stack = vec![n];
    while let Some(n) = stack.pop() {
        match &n.kind {
            Kind::Scalar { .. } => {}
            Kind::Seq(items) => stack.extend(items.iter()),
            Kind::Map(m) => {
                if let Some((k, arg)) = n.intrinsic() {
                    let target = match (k.name.as_str(), &arg.kind) {
                        ("Ref", Kind::Scalar { text, .. }) => Some(text.as_str()),
                        ("Fn::GetAtt", Kind::Scalar { text, .. }) => text.split('.').next(),
                        ("Fn::GetAtt", Kind::Seq(s)) => s.first().and_then(Node::as_str),
                        ("Fn::Sub", _) => {
                            let s = arg.as_str().or_else(|| {
                                arg.as_seq().and_then(|s| s.first()).and_then(Node::as_str)
                            });
                            let mut rest = s.unwrap_or("");
                            while let Some(i) = rest.find("${") {
                                let after = &rest[i + 2..];
                                let end = after.find('}').unwrap_or(after.len());
                                let name = after[..end].split('.').next().unwrap_or("");
                                if let Some(&j) = names.get(name) {
                                    out.push(j);
                                }
                                rest = after.get(end..).unwrap_or("");
                            }
                            None
                        }
                        _ => None,
                    };
                    if let Some(&j) = target.and_then(|t| names.get(t)) {
                        out.push(j);
                    }
                }
                stack.extend(m.iter().map(|(_, v)| v));
            }
        }
    }
}

pub fn check_cycles(file: &str, tpl: &Node) -> Result<(), Error> {
    let Some(res) = tpl.get("Resources").and_then(Node::as_map) else {
        return Ok(());
    };
    let names: HashMap<&str, usize> = res
        .iter()
        .enumerate()
        .map(|(i, (k, _))| (k.name.as_str(), i))
        .collect();
    let mut edges: Vec<Vec<usize>> = Vec::with_capacity(res.len());
    for (_, r) in res {
        let mut out = Vec::new();
        if let Some(p) = r.get("Properties") {
            collect(p, &names, &mut out);
        }
        match r.get("DependsOn").map(|d| &d.kind) {
            Some(Kind::Scalar { text, .. }) => out.extend(names.get(text.as_str())),
            Some(Kind::Seq(s)) => out.extend(
                s.iter()
                    .filter_map(|d| d.as_str().and_then(|t| names.get(t))),
            ),
            _ => {}
        }
        edges.push(out);
    }
    // Iterative three-colour DFS (templates may hold hundreds of resources).
    let mut colour = vec![0u8; res.len()];
    for start in 0..res.len() {
        if colour[start] != 0 {
            continue;
        }
        let mut stack: Vec<(usize, usize)> = vec![(start, 0)];
        colour[start] = 1;
        while let Some(&mut (node, ref mut next)) = stack.last_mut() {
            let succ = edges.get(node).and_then(|e| e.get(*next)).copied();
            *next += 1;
            match succ {
                None => {
                    colour[node] = 2;
                    stack.pop();
                }
                Some(s) if colour.get(s) == Some(&1) => {
                    let (k, _) = &res[s];
                    let pos: Pos = k.pos;
                    let mut cycle: Vec<&str> = stack
                        .iter()
                        .skip_while(|(n, _)| *n != s)
                        .map(|(n, _)| res[*n].0.name.as_str())
                        .collect();
                    cycle.push(k.name.as_str());
                    return Err(Error::Cycle {
                        file: file.to_string(),
                        line: pos.line,
                        col: pos.col,
                        what: cycle.join(" -> "),
                    });
                }
                Some(s) if colour.get(s) == Some(&0) => {
                    colour[s] = 1;
                    stack.push((s, 0));
                }
                Some(_) => {}
            }
        }
    }
    Ok(())
}
