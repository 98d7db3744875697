//! YAML (with CloudFormation short-form tags) and JSON into a [`Node`] tree with positions.
//!
//! JSON goes through the same YAML parser: JSON is (for templates) a subset of YAML flow
//! syntax, and the parser's marks give positions for both. Short-form tags (`!Ref x`) become
//! the long form (`{"Ref": "x"}`) here, so resolution sees one shape.
//!
//! The parser is `libyaml-safer`, a line-by-line safe Rust port of libyaml, the C parser behind
//! PyYAML's loader (and so behind cfn-lint and the AWS CLI's template handling). Strict YAML 1.2
//! parsers (yaml-rust2, saphyr) refuse two layouts CloudFormation accepts: a flow collection
//! whose later lines sit at the key's column, and a quoted scalar continued at the key's column;
//! libyaml, like PyYAML, does not judge indentation inside flow collections and quoted scalars.
//! It also takes tab-indented JSON (tabs are whitespace inside flow collections).

use crate::node::{Key, Kind, Node, Pos};
use crate::Error;
use libyaml_safer::{Event, EventData, Mark, Parser, ScalarStyle};

/// Nesting deeper than this is refused: resolution recurses over the tree, and no real template
/// comes near it.
const MAX_DEPTH: usize = 200;

/// Short-form tags CloudFormation accepts, and the long-form key each stands for.
/// Source: https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/intrinsic-function-reference.html
fn long_form(tag: &str) -> Option<&'static str> {
    Some(match tag {
        "Ref" => "Ref",
        "Condition" => "Condition",
        "Sub" => "Fn::Sub",
        "GetAtt" => "Fn::GetAtt",
        "If" => "Fn::If",
        "Select" => "Fn::Select",
        "Join" => "Fn::Join",
        "Split" => "Fn::Split",
        "FindInMap" => "Fn::FindInMap",
        "GetAZs" => "Fn::GetAZs",
        "ImportValue" => "Fn::ImportValue",
        "Equals" => "Fn::Equals",
        "And" => "Fn::And",
        "Or" => "Fn::Or",
        "Not" => "Fn::Not",
        "Base64" => "Fn::Base64",
        "Cidr" => "Fn::Cidr",
        "Transform" => "Fn::Transform",
        "Length" => "Fn::Length",
        "ToJsonString" => "Fn::ToJsonString",
        // https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/intrinsic-function-reference-getstackoutput.html
        "GetStackOutput" => "Fn::GetStackOutput",
        // Rules-specific functions (valid only in the Rules section):
        // https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/rules-section-structure.html
        "Contains" => "Fn::Contains",
        "EachMemberEquals" => "Fn::EachMemberEquals",
        "EachMemberIn" => "Fn::EachMemberIn",
        "RefAll" => "Fn::RefAll",
        "ValueOf" => "Fn::ValueOf",
        "ValueOfAll" => "Fn::ValueOfAll",
        _ => return None,
    })
}

/// Rain's directives are expanded by `rain pkg` before CloudFormation sees the template:
/// https://aws-cloudformation.github.io/rain/rain_pkg.html
fn rain_message(directive: &str) -> String {
    format!("`{directive}` is a Rain directive, not CloudFormation: package the template with `rain pkg` and check its output")
}

/// Keys of a mapping seen so far: a linear scan while small, a hash set once large (a
/// `Resources` section may hold hundreds of keys).
#[derive(Default)]
struct Seen(Option<std::collections::HashMap<String, Pos>>);

enum Frame {
    Seq(Pos, Option<(String, Pos)>, Vec<Node>),
    Map(
        Pos,
        Option<(String, Pos)>,
        Vec<(Key, Node)>,
        Option<Key>,
        Seen,
    ),
}

struct Builder<'a> {
    file: &'a str,
    stack: Vec<Frame>,
    root: Option<Node>,
    docs: usize,
    err: Option<Error>,
}

fn pos(m: &Mark) -> Pos {
    // libyaml marks: line and column 0-based.
    Pos {
        line: u32::try_from(m.line).unwrap_or(u32::MAX).saturating_add(1),
        col: u32::try_from(m.column)
            .unwrap_or(u32::MAX)
            .saturating_add(1),
    }
}

impl Builder<'_> {
    fn fail(&mut self, p: Pos, msg: String) {
        if self.err.is_none() {
            self.err = Some(Error::Syntax {
                file: self.file.to_string(),
                line: p.line,
                col: p.col,
                msg,
            });
        }
    }

    fn tag(&mut self, tag: Option<String>, p: Pos) -> Option<(String, Pos)> {
        let t = tag?;
        // libyaml expands the primary handle `!` to itself and `!!` to `tag:yaml.org,2002:`.
        if let Some(suffix) = t.strip_prefix('!') {
            // `!` alone is YAML's non-specific tag: the node stays as written.
            if suffix.is_empty() {
                return None;
            }
            match long_form(suffix) {
                Some(k) => Some((k.to_string(), p)),
                None if suffix.starts_with("Rain::") => {
                    self.fail(p, rain_message(&t));
                    None
                }
                None => {
                    self.err.get_or_insert(Error::UnknownIntrinsic {
                        file: self.file.to_string(),
                        line: p.line,
                        col: p.col,
                        name: t.clone(),
                    });
                    None
                }
            }
        } else {
            // `!!str` and other standard tags: the node stays as written.
            None
        }
    }

    fn wrap(node: Node, tag: Option<(String, Pos)>) -> Node {
        match tag {
            None => node,
            Some((name, p)) => Node {
                pos: p,
                kind: Kind::Map(vec![(Key { name, pos: p }, node)]),
            },
        }
    }

    fn push_value(&mut self, node: Node) {
        match self.stack.last_mut() {
            None => {
                if self.root.is_some() {
                    self.docs += 1;
                } else {
                    self.root = Some(node);
                }
            }
            Some(Frame::Seq(_, _, items)) => items.push(node),
            Some(Frame::Map(_, _, entries, pending, seen)) => match pending.take() {
                None => {
                    let name = match &node.kind {
                        // Rain's directives in JSON (`"Type": {"Rain::Module": …}`).
                        Kind::Scalar { text, .. } if text.starts_with("Rain::") => {
                            let p = node.pos;
                            self.fail(p, rain_message(text));
                            return;
                        }
                        Kind::Scalar { text, .. } => text.clone(),
                        _ => {
                            let p = node.pos;
                            self.fail(p, "a mapping key must be a plain string".into());
                            return;
                        }
                    };
                    if seen.0.is_none() && entries.len() >= 16 {
                        seen.0 = Some(
                            entries
                                .iter()
                                .map(|(k, _)| (k.name.clone(), k.pos))
                                .collect(),
                        );
                    }
                    let dup = match &mut seen.0 {
                        Some(set) => set.insert(name.clone(), node.pos),
                        None => entries
                            .iter()
                            .find(|(k, _)| k.name == name)
                            .map(|(k, _)| k.pos),
                    };
                    if let Some(first) = dup {
                        let p = node.pos;
                        self.err.get_or_insert(Error::DuplicateKey {
                            file: self.file.to_string(),
                            line: p.line,
                            col: p.col,
                            key: name,
                            first_line: first.line,
                        });
                        return;
                    }
                    *pending = Some(Key {
                        name,
                        pos: node.pos,
                    });
                }
                Some(k) => entries.push((k, node)),
            },
        }
    }
}

/// A block collection's start marker sits after its first key (at the `:`); the position a
/// reader expects is the first key or item, so take whichever comes first.
fn earliest(start: Pos, first: Option<Pos>) -> Pos {
    match first {
        Some(f) if (f.line, f.col) < (start.line, start.col) => f,
        _ => start,
    }
}

impl Builder<'_> {
    fn on_event(&mut self, ev: Event) {
        if self.err.is_some() {
            return;
        }
        let p = pos(&ev.start_mark);
        match ev.data {
            EventData::Alias { .. } => self.fail(
                p,
                "YAML aliases (*name) are not supported; CloudFormation templates cannot use them"
                    .into(),
            ),
            EventData::Scalar {
                value, tag, style, ..
            } => {
                let tag = self.tag(tag, p);
                let plain = style == ScalarStyle::Plain;
                let node = Node {
                    kind: Kind::Scalar { text: value, plain },
                    pos: p,
                };
                self.push_value(Self::wrap(node, tag));
            }
            EventData::SequenceStart { tag, .. } => {
                let tag = self.tag(tag, p);
                if self.stack.len() >= MAX_DEPTH {
                    return self.fail(p, format!("nesting deeper than {MAX_DEPTH} levels"));
                }
                self.stack.push(Frame::Seq(p, tag, Vec::new()));
            }
            EventData::MappingStart { tag, .. } => {
                let tag = self.tag(tag, p);
                if self.stack.len() >= MAX_DEPTH {
                    return self.fail(p, format!("nesting deeper than {MAX_DEPTH} levels"));
                }
                self.stack
                    .push(Frame::Map(p, tag, Vec::new(), None, Seen::default()));
            }
            EventData::SequenceEnd => {
                if let Some(Frame::Seq(sp, tag, items)) = self.stack.pop() {
                    let sp = earliest(sp, items.first().map(|i| i.pos));
                    let node = Node {
                        kind: Kind::Seq(items),
                        pos: sp,
                    };
                    self.push_value(Self::wrap(node, tag));
                }
            }
            EventData::MappingEnd => {
                if let Some(Frame::Map(mp, tag, entries, _, _)) = self.stack.pop() {
                    let mp = earliest(mp, entries.first().map(|(k, _)| k.pos));
                    let node = Node {
                        kind: Kind::Map(entries),
                        pos: mp,
                    };
                    self.push_value(Self::wrap(node, tag));
                }
            }
            _ => {}
        }
    }
}

/// Parse a template's text (YAML or JSON) into a tree.
pub fn parse(file: &str, text: &str) -> Result<Node, Error> {
    let mut b = Builder {
        file,
        stack: Vec::new(),
        root: None,
        docs: 0,
        err: None,
    };
    let mut input = text.as_bytes();
    let mut parser = Parser::new();
    parser.set_input_string(&mut input);
    for ev in parser {
        match ev {
            Ok(ev) => b.on_event(ev),
            Err(e) => {
                let p = e
                    .problem_mark()
                    .or_else(|| e.context_mark())
                    .map_or(Pos { line: 1, col: 1 }, |m| pos(&m));
                let msg = match e.context() {
                    Some(c) => format!("{c}, {}", e.problem()),
                    None => e.problem().to_string(),
                };
                return Err(b.err.unwrap_or(Error::Syntax {
                    file: file.to_string(),
                    line: p.line,
                    col: p.col,
                    msg,
                }));
            }
        }
        if b.err.is_some() {
            break;
        }
    }
    if let Some(e) = b.err {
        return Err(e);
    }
    if b.docs > 0 {
        return Err(Error::Syntax {
            file: file.to_string(),
            line: 1,
            col: 1,
            msg: "more than one YAML document; a template is one document".into(),
        });
    }
    match b.root {
        Some(
            n @ Node {
                kind: Kind::Map(_), ..
            },
        ) => Ok(n),
        Some(n) => Err(Error::Syntax {
            file: file.to_string(),
            line: n.pos.line,
            col: n.pos.col,
            msg: "a template must be a mapping at the top level".into(),
        }),
        None => Err(Error::Syntax {
            file: file.to_string(),
            line: 1,
            col: 1,
            msg: "empty template".into(),
        }),
    }
}
