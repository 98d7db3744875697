//! Escaping for the three languages this crate writes: DOT quoted strings, Graphviz HTML-like
//! labels, and HTML. Everything that comes from a model, a finding or a report goes through here:
//! names in templates can hold quotes, `<`, `&`, backslashes and newlines.

/// Text for a DOT double-quoted string (`label`, `tooltip`, `xlabel`), without the quotes.
///
/// Backslash is escaped too, because Graphviz gives `\n`, `\l`, `\N`, `\G`, … a meaning inside
/// labels; a literal backslash in a name must not turn into one of them. Line breaks and other
/// control characters become spaces: a name never chooses where a label breaks.
pub(crate) fn dot(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// Several lines for one DOT label: each line escaped, joined with Graphviz's centred line break.
pub(crate) fn dot_lines<S: AsRef<str>>(lines: &[S]) -> String {
    lines
        .iter()
        .map(|l| dot(l.as_ref()))
        .collect::<Vec<_>>()
        .join("\\n")
}

/// Text for HTML (and for Graphviz HTML-like labels, which use the same entities).
pub(crate) fn html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            // Graphviz rejects raw control characters in HTML-like labels; a browser would show
            // them as nothing useful.
            c if c.is_control() && c != '\n' && c != '\t' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// Shorten a long label line in the middle, keeping both ends (the registry and the tag of an
/// image are the informative parts). The full text goes in the tooltip.
pub(crate) fn ellipsize(s: &str, max: usize) -> String {
    let n = s.chars().count();
    if n <= max || max < 5 {
        return s.to_string();
    }
    let keep = max - 1;
    let head = keep / 2;
    let tail = keep - head;
    let start: String = s.chars().take(head).collect();
    let end: String = s.chars().skip(n - tail).collect();
    format!("{start}…{end}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dot_escapes_quotes_backslashes_and_newlines() {
        assert_eq!(dot(r#"a"b\n"#), r#"a\"b\\n"#);
        assert_eq!(dot("x\ny"), "x y");
        assert_eq!(dot_lines(&["a", "b\"c"]), "a\\nb\\\"c");
    }

    #[test]
    fn html_escapes_markup() {
        assert_eq!(html("<script>&'\""), "&lt;script&gt;&amp;&#39;&quot;");
    }

    #[test]
    fn ellipsize_keeps_both_ends() {
        assert_eq!(ellipsize("short", 10), "short");
        let s = ellipsize("0123456789abcdefghij", 9);
        assert_eq!(s.chars().count(), 9);
        assert!(s.starts_with("0123") && s.ends_with("ghij"), "{s}");
    }
}
