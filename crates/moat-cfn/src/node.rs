//! The parsed template tree: YAML or JSON, every node with its 1-based line and column.

/// A 1-based source position.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Pos {
    pub line: u32,
    pub col: u32,
}

/// A mapping key with where it was written.
#[derive(Debug, Clone, PartialEq)]
pub struct Key {
    pub name: String,
    pub pos: Pos,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Kind {
    /// A scalar as written. `plain` is false for quoted and block scalars: CloudFormation reads an
    /// unquoted `true` as a boolean, a quoted one as a string, but coerces either where a property
    /// wants a boolean, so lowering coerces and the flag is kept for diagnostics.
    Scalar {
        text: String,
        plain: bool,
    },
    Seq(Vec<Node>),
    Map(Vec<(Key, Node)>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub kind: Kind,
    pub pos: Pos,
}

impl Node {
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|(_, v)| v)
    }
    pub fn entry(&self, key: &str) -> Option<(&Key, &Node)> {
        match &self.kind {
            Kind::Map(m) => m.iter().find(|(k, _)| k.name == key).map(|(k, v)| (k, v)),
            _ => None,
        }
    }
    pub fn as_map(&self) -> Option<&[(Key, Node)]> {
        match &self.kind {
            Kind::Map(m) => Some(m),
            _ => None,
        }
    }
    pub fn as_seq(&self) -> Option<&[Node]> {
        match &self.kind {
            Kind::Seq(s) => Some(s),
            _ => None,
        }
    }
    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            Kind::Scalar { text, .. } => Some(text),
            _ => None,
        }
    }
    /// A one-key mapping whose key is an intrinsic function name (`Ref`, `Fn::…`, `Condition`).
    pub fn intrinsic(&self) -> Option<(&Key, &Node)> {
        match &self.kind {
            Kind::Map(m) if m.len() == 1 => {
                let (k, v) = m.first()?;
                (k.name == "Ref" || k.name == "Condition" || k.name.starts_with("Fn::"))
                    .then_some((k, v))
            }
            _ => None,
        }
    }
}
