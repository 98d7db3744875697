//! An ordered template tree and its two writers: a small deterministic YAML emitter (with the
//! short-form `!Ref`/`!Sub`/`!GetAtt` tags people read) and JSON via `serde_json`.
//!
//! Maps are `Vec`s of pairs, so output order is exactly insertion order: no hash iteration,
//! byte-for-byte the same template for the same plan.

use serde_json::Value;

/// A template value.
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    Bool(bool),
    Int(i64),
    Str(String),
    Seq(Vec<Node>),
    Map(Vec<(String, Node)>),
    /// An intrinsic function: `Ref`, `Fn::GetAtt`, `Fn::Sub`, `Fn::Select`, … with its argument.
    Fn(&'static str, Box<Node>),
}

pub fn s(v: impl Into<String>) -> Node {
    Node::Str(v.into())
}
pub fn r(logical_id: &str) -> Node {
    Node::Fn("Ref", Box::new(s(logical_id)))
}
pub fn get_att(logical_id: &str, attr: &str) -> Node {
    Node::Fn(
        "Fn::GetAtt",
        Box::new(Node::Seq(vec![s(logical_id), s(attr)])),
    )
}
pub fn sub(template: impl Into<String>) -> Node {
    Node::Fn("Fn::Sub", Box::new(s(template)))
}
pub fn select_az(i: usize) -> Node {
    let get_azs = Node::Fn("Fn::GetAZs", Box::new(s("")));
    Node::Fn(
        "Fn::Select",
        Box::new(Node::Seq(vec![Node::Int(i as i64), get_azs])),
    )
}
pub fn join(sep: &str, items: Vec<Node>) -> Node {
    Node::Fn(
        "Fn::Join",
        Box::new(Node::Seq(vec![s(sep), Node::Seq(items)])),
    )
}

/// Builds a `Node::Map` in order.
#[derive(Debug, Default)]
pub struct MapB(Vec<(String, Node)>);

impl MapB {
    pub fn new() -> Self {
        MapB(Vec::new())
    }
    pub fn put(mut self, k: &str, v: Node) -> Self {
        self.0.push((k.to_string(), v));
        self
    }
    pub fn put_if(self, cond: bool, k: &str, v: impl FnOnce() -> Node) -> Self {
        if cond {
            self.put(k, v())
        } else {
            self
        }
    }
    pub fn push(&mut self, k: &str, v: Node) {
        self.0.push((k.to_string(), v));
    }
    pub fn build(self) -> Node {
        Node::Map(self.0)
    }
}

/// A `serde_json::Value` as a node (task definition properties).
pub fn from_json(v: &Value) -> Node {
    match v {
        Value::Null => s(""),
        Value::Bool(b) => Node::Bool(*b),
        Value::Number(n) => match n.as_i64() {
            Some(i) => Node::Int(i),
            None => s(n.to_string()),
        },
        Value::String(x) => s(x.clone()),
        Value::Array(a) => Node::Seq(a.iter().map(from_json).collect()),
        Value::Object(o) => Node::Map(o.iter().map(|(k, v)| (k.clone(), from_json(v))).collect()),
    }
}

/// The node as JSON (`{"Ref": …}`, `{"Fn::GetAtt": [...]}`).
pub fn to_json(n: &Node) -> Value {
    match n {
        Node::Bool(b) => Value::Bool(*b),
        Node::Int(i) => Value::from(*i),
        Node::Str(x) => Value::String(x.clone()),
        Node::Seq(items) => Value::Array(items.iter().map(to_json).collect()),
        Node::Map(pairs) => {
            let mut m = serde_json::Map::new();
            for (k, v) in pairs {
                m.insert(k.clone(), to_json(v));
            }
            Value::Object(m)
        }
        Node::Fn(name, arg) => {
            let mut m = serde_json::Map::new();
            m.insert((*name).to_string(), to_json(arg));
            Value::Object(m)
        }
    }
}

/// Writes `root` (a map) as block YAML.
pub fn to_yaml(root: &Node) -> String {
    let mut out = String::new();
    block(&mut out, root, 0);
    out
}

/// YAML short-form tag for an intrinsic (`Fn::GetAtt` → `!GetAtt`).
fn short_tag(name: &str) -> String {
    format!("!{}", name.strip_prefix("Fn::").unwrap_or(name))
}

/// The one-line form of `n`, if it has one.
fn inline(n: &Node) -> Option<String> {
    match n {
        Node::Bool(b) => Some(b.to_string()),
        Node::Int(i) => Some(i.to_string()),
        Node::Str(x) => Some(scalar(x)),
        Node::Seq(v) if v.is_empty() => Some("[]".into()),
        Node::Map(v) if v.is_empty() => Some("{}".into()),
        Node::Seq(_) | Node::Map(_) => None,
        Node::Fn(name, arg) => {
            // `!GetAtt Resource.Attribute` is the dotted short form of the two-element list.
            if *name == "Fn::GetAtt" {
                if let Node::Seq(parts) = arg.as_ref() {
                    if let [Node::Str(a), Node::Str(b)] = parts.as_slice() {
                        return Some(format!("!GetAtt {a}.{b}"));
                    }
                }
            }
            inline(arg).map(|a| format!("{} {a}", short_tag(name)))
        }
    }
}

/// Writes a value that follows `key:` or `-` on the current line.
fn after(out: &mut String, v: &Node, indent: usize) {
    if let Some(line) = inline(v) {
        out.push(' ');
        out.push_str(&line);
        out.push('\n');
    } else if let Node::Fn(name, arg) = v {
        out.push(' ');
        out.push_str(&short_tag(name));
        out.push('\n');
        block(out, arg, indent + 2);
    } else {
        out.push('\n');
        block(out, v, indent + 2);
    }
}

/// Writes a non-empty map or list as a block at column `indent`.
fn block(out: &mut String, n: &Node, indent: usize) {
    let pad = " ".repeat(indent);
    match n {
        Node::Map(pairs) => {
            for (k, v) in pairs {
                out.push_str(&pad);
                out.push_str(&scalar(k));
                out.push(':');
                after(out, v, indent);
            }
        }
        Node::Seq(items) => {
            for item in items {
                match item {
                    // Compact form: the item's first line shares the `- `.
                    Node::Map(p) if !p.is_empty() => compact(out, item, indent, &pad),
                    Node::Seq(p) if !p.is_empty() => compact(out, item, indent, &pad),
                    _ => {
                        out.push_str(&pad);
                        out.push('-');
                        after(out, item, indent);
                    }
                }
            }
        }
        other => {
            // Scalars only reach here as a tag's argument written on its own line.
            out.push_str(&pad);
            out.push_str(&inline(other).unwrap_or_default());
            out.push('\n');
        }
    }
}

/// A non-empty map or list as a list item whose first line shares the `- `.
fn compact(out: &mut String, item: &Node, indent: usize, pad: &str) {
    let mut sub = String::new();
    block(&mut sub, item, indent + 2);
    out.push_str(pad);
    out.push_str("- ");
    out.push_str(sub.get(indent + 2..).unwrap_or(""));
}

/// A string as a YAML scalar: plain when it cannot be misread, else double-quoted.
///
/// Plain only for `[A-Za-z0-9_./ -]` starting with a letter or `/`, not ending in a space, and
/// not one of YAML 1.1's booleans/nulls (`on`, `yes`, `n`, `null`, …). Everything else (numbers
/// as strings, `*`, `!`/`&`/`%`/`@` prefixes, colons, `#`) is quoted. The double-quoted form is
/// JSON's string syntax, which YAML accepts.
pub fn scalar(x: &str) -> String {
    const RESERVED: [&str; 13] = [
        "true", "false", "yes", "no", "on", "off", "y", "n", "null", "~", "nan", "inf", "-",
    ];
    let plain = x
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '/')
        && !x.ends_with(' ')
        && x.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '/' | ' ' | '-'))
        && !RESERVED.contains(&x.to_ascii_lowercase().as_str());
    if plain {
        x.to_string()
    } else {
        serde_json::to_string(x).unwrap_or_else(|_| format!("\"{}\"", x.escape_default()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_what_yaml_would_misread() {
        for v in [
            "true",
            "On",
            "yes",
            "N",
            "123",
            "1.5",
            "*",
            "!x",
            "&a",
            "%p",
            "@u",
            "a: b",
            "",
            "a #b",
            "10.0.0.0/16",
            "x ",
        ] {
            assert!(scalar(v).starts_with('"'), "{v:?} should be quoted");
        }
        for v in ["Ref", "ecr.api", "/ecs/app", "hello world", "awslogs-group"] {
            assert_eq!(scalar(v), v);
        }
        assert_eq!(scalar("a\"b\n"), "\"a\\\"b\\n\"");
    }

    #[test]
    fn writes_short_forms_and_nested_blocks() {
        let n = MapB::new()
            .put("A", r("Vpc"))
            .put("B", get_att("Role", "Arn"))
            .put("C", select_az(1))
            .put(
                "D",
                Node::Seq(vec![MapB::new()
                    .put("K", s("v"))
                    .put("L", Node::Int(2))
                    .build()]),
            )
            .put("E", Node::Seq(vec![]))
            .build();
        let y = to_yaml(&n);
        assert_eq!(
            y,
            "A: !Ref Vpc\nB: !GetAtt Role.Arn\nC: !Select\n  - 1\n  - !GetAZs \"\"\nD:\n  - K: v\n    L: 2\nE: []\n"
        );
        let j = to_json(&n);
        assert_eq!(j["C"]["Fn::Select"][1]["Fn::GetAZs"], "");
        assert_eq!(j["B"]["Fn::GetAtt"][1], "Arn");
    }
}
