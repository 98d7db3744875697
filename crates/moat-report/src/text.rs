//! Human output: one block per finding, rustc/ruff style.
//!
//! ```text
//! error[MOAT102]: interface endpoint `EcrDkrEndpoint` (ecr.dkr) has private DNS disabled; …
//!   --> isolated-vpc.yml:143:7
//!     |
//! 143 |       PrivateDnsEnabled: false
//!     |       ^^^^^^^^^^^^^^^^^^^^^^^^
//!     = help: set PrivateDnsEnabled: true
//! ```

use crate::{counts, Sources, Summary};
use moat_model::{Finding, Severity};
use std::fmt::Write;

#[derive(Debug, Default, Clone)]
pub struct TextOptions {
    /// ANSI colours.
    pub color: bool,
}

fn paint(opts: &TextOptions, code: &str, s: &str) -> String {
    if opts.color {
        format!("\x1b[{code}m{s}\x1b[0m")
    } else {
        s.to_string()
    }
}

/// Render findings for a terminal.
pub fn text(
    findings: &[Finding],
    sources: &Sources,
    summary: &Summary,
    opts: &TextOptions,
) -> String {
    let mut out = String::new();
    for f in findings {
        let (label, color) = match f.severity {
            Severity::Error => ("error", "1;31"),
            Severity::Warning => ("warning", "1;33"),
            Severity::Info => ("info", "1;36"),
        };
        let _ = writeln!(
            out,
            "{}: {}",
            paint(opts, color, &format!("{label}[{}]", f.code)),
            paint(opts, "1", &f.message)
        );
        let gutter_width = f.prov.line.map(|l| l.to_string().len()).unwrap_or(1);
        let pad = " ".repeat(gutter_width);
        match (&f.prov.file, f.prov.line) {
            (Some(file), Some(line)) => {
                let col = f.prov.column.unwrap_or(1);
                let _ = writeln!(
                    out,
                    "{pad}{} {file}:{line}:{col} ({})",
                    paint(opts, "1;34", "-->"),
                    f.prov.resource
                );
                if let Some(src) = sources.line(file, line) {
                    let bar = paint(opts, "1;34", "|");
                    let _ = writeln!(out, "{pad} {bar}");
                    let _ = writeln!(
                        out,
                        "{} {bar} {}",
                        paint(opts, "1;34", &line.to_string()),
                        src
                    );
                    let start = (col as usize).saturating_sub(1).min(src.len());
                    let len = underline_len(&src[start.min(src.len())..]);
                    let marker = format!(
                        "{}{}",
                        " ".repeat(display_width(&src[..start])),
                        "^".repeat(len.max(1))
                    );
                    let _ = writeln!(out, "{pad} {bar} {}", paint(opts, color, &marker));
                }
            }
            (Some(file), None) => {
                let _ = writeln!(
                    out,
                    "{pad}{} {file} ({})",
                    paint(opts, "1;34", "-->"),
                    f.prov.resource
                );
            }
            _ => {
                let _ = writeln!(
                    out,
                    "{pad}{} {}",
                    paint(opts, "1;34", "-->"),
                    f.prov.resource
                );
            }
        }
        if !f.path.is_empty() {
            let hops: Vec<String> = f
                .path
                .iter()
                .map(|h| {
                    format!(
                        "{} `{}` {}",
                        h.what,
                        h.resource,
                        if h.ok { "ok" } else { "BLOCKED" }
                    )
                })
                .collect();
            let _ = writeln!(out, "{pad} = path: {}", hops.join(" -> "));
        }
        let help = f.help.replace('\n', &format!("\n{pad}         "));
        let _ = writeln!(out, "{pad} = {}: {help}", paint(opts, "1", "help"));
        out.push('\n');
    }
    suppressed(&mut out, &summary.suppressed, opts);
    let c = counts(findings);
    for a in &summary.assumptions {
        let _ = writeln!(out, "note: {a}");
    }
    let unproved = crate::total_counts(&summary.properties).unproved;
    let verdict = if findings.is_empty() && unproved == 0 {
        "no findings".to_string()
    } else {
        format!(
            "{} error(s), {} warning(s), {} info",
            c["error"], c["warning"], c["info"]
        )
    };
    if !summary.properties.is_empty() {
        let _ = writeln!(
            out,
            "properties: {}",
            crate::properties_line(&summary.properties)
        );
    }
    let waived = if summary.suppressed.is_empty() {
        String::new()
    } else {
        format!(" ({} suppressed by waivers)", summary.suppressed.len())
    };
    let _ = writeln!(
        out,
        "checked {}: {verdict}{waived}",
        summary.checked.join(", ")
    );
    if unproved > 0 {
        let _ = writeln!(
            out,
            "not proved: {unproved} propert{} unproved (see MOAT120); the inputs are not proved isolated and working",
            if unproved == 1 { "y" } else { "ies" }
        );
    }
    out
}

/// Waived findings, one short block each: what was waived, where, and why.
fn suppressed(out: &mut String, list: &[moat_model::Suppressed], opts: &TextOptions) {
    for s in list {
        let f = &s.finding;
        let _ = writeln!(
            out,
            "{}: {}",
            paint(opts, "1;32", &format!("suppressed[{}]", f.code)),
            f.message
        );
        let at = match (&f.prov.file, f.prov.line) {
            (Some(file), Some(line)) => {
                format!(
                    "{file}:{line}:{} ({})",
                    f.prov.column.unwrap_or(1),
                    f.prov.resource
                )
            }
            _ => f.prov.resource.clone(),
        };
        let _ = writeln!(out, "  {} {at}", paint(opts, "1;34", "-->"));
        let waiver = match (&s.waiver.file, s.waiver.line) {
            (Some(file), Some(line)) => format!(" (waiver at {file}:{line})"),
            (Some(file), None) => format!(" (waiver in {file})"),
            _ => String::new(),
        };
        let _ = writeln!(out, "   = reason: {}{waiver}", s.reason);
        out.push('\n');
    }
}

/// The width to underline: the rest of the line's content, without trailing spaces or comments.
fn underline_len(rest: &str) -> usize {
    let content = match rest.find(" #") {
        Some(i) => &rest[..i],
        None => rest,
    };
    display_width(content.trim_end())
}

fn display_width(s: &str) -> usize {
    s.chars().count()
}

#[cfg(test)]
mod tests {
    use super::*;
    use moat_model::{Hop, Provenance};

    #[test]
    fn renders_snippet_and_path() {
        let mut sources = Sources::default();
        sources.files.insert(
            "t.yml".into(),
            "Resources:\n  Ep:\n    Properties:\n      PrivateDnsEnabled: false # no\n".into(),
        );
        let f = Finding {
            code: "MOAT102",
            severity: Severity::Error,
            message: "private DNS off".into(),
            prov: Provenance::at("Ep", "t.yml", 4, 7),
            help: "set it".into(),
            path: vec![Hop {
                what: "sg egress".into(),
                resource: "Sg".into(),
                ok: false,
            }],
        };
        let out = text(
            &[f],
            &sources,
            &Summary {
                checked: vec!["t.yml".into()],
                ..Default::default()
            },
            &TextOptions::default(),
        );
        insta::assert_snapshot!(out);
    }

    /// "no findings" never appears while a property is unproved, and the summary states the
    /// verdicts per kind.
    #[test]
    fn unproved_property_is_never_no_findings() {
        use moat_model::{Property, PropertyKind, Unknown, Verdict};
        let prop = |kind, verdict| Property {
            kind,
            subject: "S".into(),
            claim: "c".into(),
            verdict,
            prov: Provenance::resource("S"),
        };
        let summary = Summary {
            checked: vec!["t.yml".into()],
            properties: vec![
                prop(PropertyKind::Isolation, Verdict::Proved),
                prop(
                    PropertyKind::Reach,
                    Verdict::Unproved(vec![Unknown {
                        what: "x".into(),
                        prov: Provenance::resource("S"),
                        settle: "y".into(),
                    }]),
                ),
            ],
            ..Default::default()
        };
        let out = text(&[], &Sources::default(), &summary, &TextOptions::default());
        assert!(!out.contains("no findings"), "{out}");
        assert!(
            out.contains("properties: isolation: 1 proved; reach: 1 unproved"),
            "{out}"
        );
        assert!(out.contains("not proved: 1 property unproved"), "{out}");
        let clean = Summary {
            properties: vec![prop(PropertyKind::Isolation, Verdict::Proved)],
            ..summary
        };
        let out = text(&[], &Sources::default(), &clean, &TextOptions::default());
        assert!(out.contains("no findings"), "{out}");
        let j: serde_json::Value = serde_json::from_str(&crate::json(&[], &clean)).unwrap();
        assert_eq!(j["summary"]["properties"]["isolation"]["proved"], 1);
        assert_eq!(j["properties"][0]["verdict"], "proved");
    }
}
