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
    /// Set when [`parse`] appended a line break the text lacked: the byte offset where the
    /// text ended. A block scalar that ran to the end then gave up that break again.
    appended_break_at: Option<u64>,
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
                mut value,
                tag,
                style,
                ..
            } => {
                let block = matches!(style, ScalarStyle::Literal | ScalarStyle::Folded);
                let ran_to_end = self
                    .appended_break_at
                    .is_some_and(|end| ev.end_mark.index > end);
                if block && ran_to_end && value.ends_with('\n') {
                    value.pop();
                }
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

thread_local! {
    /// Set while [`quiet_catch_unwind`] runs the YAML parser on this thread.
    static IN_PARSER: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Run `f` (the YAML parser), turning a panic into `Err(message)` without printing it.
///
/// libyaml-safer 0.3.0 still panics on some malformed input (`panic!("TODO: What is expected
/// here?")` for a tag followed by `,` in a flow collection, `[!,x]`; found by the cfn_load fuzz
/// target) where libyaml returns an error. Bad input must give a clear error, never a panic:
/// the panic is caught, and a panic hook installed once (wrapping whatever hook was there)
/// stays silent for panics on a thread inside the parser, so the user sees only moat's error.
fn quiet_catch_unwind<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    static HOOK: std::sync::Once = std::sync::Once::new();
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !IN_PARSER.with(|p| p.get()) {
                previous(info);
            }
        }));
    });
    IN_PARSER.with(|p| p.set(true));
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
    IN_PARSER.with(|p| p.set(false));
    result.map_err(|payload| {
        payload
            .downcast_ref::<&str>()
            .map(|s| (*s).to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "an internal error".to_string())
    })
}

/// Parse a template's text (YAML or JSON) into a tree.
pub fn parse(file: &str, text: &str) -> Result<Node, Error> {
    let mut b = Builder {
        file,
        stack: Vec::new(),
        root: None,
        docs: 0,
        err: None,
        appended_break_at: None,
    };
    // libyaml-safer 0.3.0 panics ("unexpected end of input", scanner.rs read_line_break) on a
    // block scalar (`|`, `>`) that runs to the end of a text with no final line break — found
    // by the cfn_load fuzz target. Such a text is parsed with a line break appended, and the
    // scalar that reached it loses that break again (YAML 1.2 §8.1.1.2: a block scalar ending
    // at end of input has no final line break to keep), so values are as written.
    let owned;
    let text = if text.is_empty() || text.ends_with(['\n', '\r']) {
        text
    } else {
        b.appended_break_at = Some(text.len() as u64);
        owned = format!("{text}\n");
        owned.as_str()
    };
    let mut last = Pos { line: 1, col: 1 };
    let events = quiet_catch_unwind(|| {
        let mut input = text.as_bytes();
        let mut parser = Parser::new();
        parser.set_input_string(&mut input);
        for ev in parser {
            match ev {
                Ok(ev) => {
                    last = pos(&ev.start_mark);
                    b.on_event(ev);
                }
                Err(e) => return Err(e),
            }
            if b.err.is_some() {
                break;
            }
        }
        Ok(())
    });
    match events {
        Ok(Ok(())) => {}
        Ok(Err(e)) => {
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
        Err(why) => {
            return Err(Error::Syntax {
                file: file.to_string(),
                line: last.line,
                col: last.col,
                msg: format!(
                    "the YAML parser stopped after this point (libyaml-safer failed: {why}); check \
                     the YAML syntax near here"
                ),
            })
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The text of the scalar at `key` in a one-mapping document.
    fn scalar_at(text: &str, key: &str) -> String {
        let root = parse("t.yml", text).unwrap_or_else(|e| panic!("{text:?}: {e}"));
        let Kind::Map(entries) = root.kind else {
            panic!("not a mapping: {text:?}")
        };
        let (_, node) = entries
            .into_iter()
            .find(|(k, _)| k.name == key)
            .expect("key");
        match node.kind {
            Kind::Scalar { text, .. } => text,
            other => panic!("not a scalar: {other:?}"),
        }
    }

    /// A block scalar that runs to the end of a text with no final line break parsed as a panic
    /// in libyaml-safer (found by the cfn_load fuzz target); it now parses, with the value as
    /// written: no final line break where the text has none, and the same value as before
    /// where it has one.
    #[test]
    fn block_scalar_at_end_of_text_without_line_break() {
        for (text, want) in [
            ("a: |\n  x", "x"),
            ("a: |\n  x\n", "x\n"),
            ("a: >\n  one\n  two", "one two"),
            ("a: |+\n  x", "x"),
            ("a: |-\n  x", "x"),
            ("a: |\n  \u{FFFD}é", "\u{FFFD}é"),
            ("a: |\n  x\nb: y", "x\n"),
        ] {
            assert_eq!(scalar_at(text, "a"), want, "{text:?}");
        }
        assert_eq!(scalar_at("a: |\n  x\nb: y", "b"), "y");
        // A tag directly followed by `,` in a flow collection (libyaml-safer panics there): a
        // clear syntax error at the collection, never a panic.
        let r = parse("t.yml", "[!,Rain::Or\t6)");
        assert!(
            matches!(&r, Err(Error::Syntax { line: 1, msg, .. }) if msg.contains("stopped")),
            "{r:?}"
        );
        // The fuzz target's input (`>`, a line break, a space, U+FFFD): a document that is one
        // folded scalar is parsed (and refused later as not a mapping), never a panic.
        let r = parse("t.yml", ">\n \u{FFFD}");
        assert!(
            matches!(&r, Err(Error::Syntax { msg, .. }) if msg.contains("mapping at the top level")),
            "{r:?}"
        );
    }
}
