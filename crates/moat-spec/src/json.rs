//! A small JSON reader that keeps the line and column of every value, so a task definition
//! problem points at its place in the file. (serde_json reports positions only for syntax
//! errors.)

use std::fmt;

/// A JSON value with the 1-based line and column where it starts.
#[derive(Debug, Clone, PartialEq)]
pub struct JValue {
    pub kind: JKind,
    pub line: u32,
    pub column: u32,
}

#[derive(Debug, Clone, PartialEq)]
pub enum JKind {
    Null,
    Bool(bool),
    Number(f64),
    String(String),
    Array(Vec<JValue>),
    /// Members in file order; a key repeated is kept twice (lookups take the last, as JSON
    /// parsers commonly do).
    Object(Vec<(String, JValue)>),
}

impl JValue {
    /// What kind of value this is, for messages.
    pub fn type_name(&self) -> &'static str {
        match self.kind {
            JKind::Null => "null",
            JKind::Bool(_) => "a boolean",
            JKind::Number(_) => "a number",
            JKind::String(_) => "a string",
            JKind::Array(_) => "an array",
            JKind::Object(_) => "an object",
        }
    }

    /// Member `key` of an object (the last one when repeated).
    pub fn get(&self, key: &str) -> Option<&JValue> {
        match &self.kind {
            JKind::Object(members) => members.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }
}

/// A syntax error with its position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonError {
    pub line: u32,
    pub column: u32,
    pub message: String,
}

impl fmt::Display for JsonError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.line, self.column, self.message)
    }
}

/// Nesting deeper than this is refused rather than risking the stack on hostile input.
const MAX_DEPTH: usize = 128;

struct Parser<'a> {
    src: &'a str,
    pos: usize,
    line: u32,
    col: u32,
}

/// Parse a whole JSON document.
pub fn parse(src: &str) -> Result<JValue, JsonError> {
    let mut p = Parser {
        src,
        pos: 0,
        line: 1,
        col: 1,
    };
    // A UTF-8 byte order mark is not JSON, but editors write it; skip it.
    if p.src.starts_with('\u{feff}') {
        p.pos = 3;
    }
    p.ws();
    let v = p.value(0)?;
    p.ws();
    if p.pos < p.src.len() {
        return Err(p.err("trailing characters after the JSON value"));
    }
    Ok(v)
}

impl Parser<'_> {
    fn peek(&self) -> Option<char> {
        self.src[self.pos..].chars().next()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        if c == '\n' {
            self.line += 1;
            self.col = 1;
        } else {
            self.col += 1;
        }
        Some(c)
    }

    fn err(&self, message: impl Into<String>) -> JsonError {
        JsonError {
            line: self.line,
            column: self.col,
            message: message.into(),
        }
    }

    fn ws(&mut self) {
        while matches!(self.peek(), Some(' ' | '\t' | '\n' | '\r')) {
            self.bump();
        }
    }

    fn expect(&mut self, c: char, what: &str) -> Result<(), JsonError> {
        match self.peek() {
            Some(x) if x == c => {
                self.bump();
                Ok(())
            }
            Some(x) => Err(self.err(format!("expected {what}, found `{x}`"))),
            None => Err(self.err(format!("expected {what}, found the end of the file"))),
        }
    }

    fn value(&mut self, depth: usize) -> Result<JValue, JsonError> {
        if depth > MAX_DEPTH {
            return Err(self.err("nesting too deep"));
        }
        let (line, column) = (self.line, self.col);
        let kind = match self.peek() {
            Some('{') => self.object(depth)?,
            Some('[') => self.array(depth)?,
            Some('"') => JKind::String(self.string()?),
            Some('t') => self.word("true", JKind::Bool(true))?,
            Some('f') => self.word("false", JKind::Bool(false))?,
            Some('n') => self.word("null", JKind::Null)?,
            Some(c) if c == '-' || c.is_ascii_digit() => self.number()?,
            Some(c) => return Err(self.err(format!("expected a JSON value, found `{c}`"))),
            None => return Err(self.err("expected a JSON value, found the end of the file")),
        };
        Ok(JValue { kind, line, column })
    }

    fn word(&mut self, w: &str, kind: JKind) -> Result<JKind, JsonError> {
        if self.src[self.pos..].starts_with(w) {
            for _ in 0..w.len() {
                self.bump();
            }
            Ok(kind)
        } else {
            Err(self.err("expected a JSON value (a string needs double quotes)"))
        }
    }

    fn number(&mut self) -> Result<JKind, JsonError> {
        let start = self.pos;
        let err = self.err("malformed number");
        while matches!(self.peek(), Some(c) if c.is_ascii_digit() || matches!(c, '-' | '+' | '.' | 'e' | 'E'))
        {
            self.bump();
        }
        self.src[start..self.pos]
            .parse::<f64>()
            .map(JKind::Number)
            .map_err(|_| err)
    }

    fn string(&mut self) -> Result<String, JsonError> {
        self.expect('"', "`\"`")?;
        let mut out = String::new();
        loop {
            let here = self.err("");
            match self.bump() {
                None => return Err(self.err("unterminated string")),
                Some('"') => return Ok(out),
                Some('\\') => match self.bump() {
                    Some('"') => out.push('"'),
                    Some('\\') => out.push('\\'),
                    Some('/') => out.push('/'),
                    Some('b') => out.push('\u{8}'),
                    Some('f') => out.push('\u{c}'),
                    Some('n') => out.push('\n'),
                    Some('r') => out.push('\r'),
                    Some('t') => out.push('\t'),
                    Some('u') => {
                        let hi = self.hex4()?;
                        let c = if (0xD800..0xDC00).contains(&hi) {
                            if !(self.bump() == Some('\\') && self.bump() == Some('u')) {
                                return Err(JsonError {
                                    message: "unpaired surrogate in \\u escape".into(),
                                    ..here
                                });
                            }
                            let lo = self.hex4()?;
                            if !(0xDC00..0xE000).contains(&lo) {
                                return Err(JsonError {
                                    message: "unpaired surrogate in \\u escape".into(),
                                    ..here
                                });
                            }
                            char::from_u32(0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00))
                        } else {
                            char::from_u32(hi)
                        };
                        match c {
                            Some(c) => out.push(c),
                            None => {
                                return Err(JsonError {
                                    message: "invalid \\u escape".into(),
                                    ..here
                                })
                            }
                        }
                    }
                    _ => {
                        return Err(JsonError {
                            message: "invalid escape in string".into(),
                            ..here
                        })
                    }
                },
                Some(c) if (c as u32) < 0x20 => {
                    return Err(JsonError {
                        message: "control character in string (use \\n, \\t, …)".into(),
                        ..here
                    })
                }
                Some(c) => out.push(c),
            }
        }
    }

    fn hex4(&mut self) -> Result<u32, JsonError> {
        let mut v = 0;
        for _ in 0..4 {
            let d = self
                .peek()
                .and_then(|c| c.to_digit(16))
                .ok_or_else(|| self.err("expected 4 hex digits after \\u"))?;
            self.bump();
            v = v * 16 + d;
        }
        Ok(v)
    }

    fn array(&mut self, depth: usize) -> Result<JKind, JsonError> {
        self.expect('[', "`[`")?;
        let mut items = Vec::new();
        self.ws();
        if self.peek() == Some(']') {
            self.bump();
            return Ok(JKind::Array(items));
        }
        loop {
            self.ws();
            items.push(self.value(depth + 1)?);
            self.ws();
            match self.peek() {
                Some(',') => {
                    self.bump();
                }
                Some(']') => {
                    self.bump();
                    return Ok(JKind::Array(items));
                }
                _ => return Err(self.err("expected `,` or `]` after an array element")),
            }
        }
    }

    fn object(&mut self, depth: usize) -> Result<JKind, JsonError> {
        self.expect('{', "`{`")?;
        let mut members = Vec::new();
        self.ws();
        if self.peek() == Some('}') {
            self.bump();
            return Ok(JKind::Object(members));
        }
        loop {
            self.ws();
            if self.peek() != Some('"') {
                return Err(self.err("expected a member name in double quotes"));
            }
            let key = self.string()?;
            self.ws();
            self.expect(':', "`:` after the member name")?;
            self.ws();
            let v = self.value(depth + 1)?;
            members.push((key, v));
            self.ws();
            match self.peek() {
                Some(',') => {
                    self.bump();
                }
                Some('}') => {
                    self.bump();
                    return Ok(JKind::Object(members));
                }
                _ => return Err(self.err("expected `,` or `}` after an object member")),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_of_values() {
        let v = parse("{\n  \"a\": [1, \"x\"],\n  \"b\": {\"c\": true}\n}").unwrap();
        let a = v.get("a").unwrap();
        assert_eq!((a.line, a.column), (2, 8));
        let JKind::Array(items) = &a.kind else {
            panic!("array")
        };
        assert_eq!((items[1].line, items[1].column), (2, 12));
        let c = v.get("b").and_then(|b| b.get("c")).unwrap();
        assert_eq!((c.line, c.column, &c.kind), (3, 14, &JKind::Bool(true)));
    }

    #[test]
    fn strings_and_escapes() {
        let v = parse(r#""a\"b\u00e9\ud83d\ude00\n""#).unwrap();
        assert_eq!(v.kind, JKind::String("a\"bé😀\n".into()));
    }

    #[test]
    fn syntax_errors_have_positions() {
        let e = parse("{\n  \"a\": 1,\n  \"b\" 2\n}").unwrap_err();
        assert_eq!((e.line, e.column), (3, 7));
        assert!(e.message.contains("`:`"), "{e}");
        let e = parse("{\"a\": [1, 2}").unwrap_err();
        assert!(e.message.contains("`]`"));
        assert!(parse("[1] x").is_err());
        assert!(parse("\"abc").is_err());
        assert!(parse(&"[".repeat(1000)).is_err());
        assert!(parse("{'a': 1}").is_err());
    }

    #[test]
    fn every_prefix_of_a_task_definition_is_handled_without_panic() {
        let text = include_str!("../../../examples/fargate-logger/task-definition.json");
        assert!(parse(text).is_ok());
        let end = text.trim_end().len();
        for (i, _) in text.char_indices().take_while(|(i, _)| *i < end) {
            // Every strict prefix is incomplete JSON: an error with a position, never a panic.
            let e = parse(&text[..i]).expect_err("prefix must not parse");
            assert!(e.line >= 1 && e.column >= 1);
        }
    }
}
