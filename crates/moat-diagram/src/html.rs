//! One self-contained HTML page: summary, diagram, findings, endpoints. Inline CSS and inline
//! SVG only, so the file can be attached to a review ticket and opened offline; no script, no
//! external request.

use crate::escape::html;
use moat_model::{Finding, Severity};
use std::fmt::Write;

/// What the report shows. Plain strings, so this crate need not know the planner's types.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    pub title: String,
    /// Plan summary, one line each.
    pub summary: Vec<String>,
    pub endpoints: Vec<EndpointRow>,
    /// Total monthly cost of the endpoints, already formatted (`$87.60`).
    pub monthly_cost: Option<String>,
    pub findings: Vec<Finding>,
    /// SVG from [`crate::render_svg`]; empty when there is no diagram.
    pub svg: String,
}

/// One row of the endpoint table.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EndpointRow {
    /// Short service name (`ecr.dkr`).
    pub service: String,
    /// `interface` or `gateway`.
    pub kind: String,
    /// Why the workload needs it.
    pub reasons: Vec<String>,
    /// Already formatted (`$21.90`).
    pub monthly_cost: String,
}

const CSS: &str = "
html{background:#f6f7f9}
body{font-family:-apple-system,'Segoe UI',Helvetica,Arial,sans-serif;color:#2b2f33;margin:0;background:#f6f7f9}
main{max-width:1400px;margin:0 auto;padding:24px 32px 48px}
h1{font-size:22px;font-weight:600;margin:0 0 12px}
h2{font-size:16px;font-weight:600;margin:28px 0 10px;color:#3b4650}
ul.summary{margin:0;padding-left:20px;line-height:1.6}
section.card{background:#fff;border:1px solid #dde1e6;border-radius:6px;padding:16px 20px}
#diagram{overflow:auto;text-align:center}
#diagram svg{max-width:100%;height:auto}
table{border-collapse:collapse;width:100%;font-size:13px}
th,td{border-bottom:1px solid #e3e6ea;padding:6px 8px;text-align:left;vertical-align:top}
th{background:#f0f2f5;font-weight:600}
td.num{text-align:right;font-variant-numeric:tabular-nums}
tfoot td{font-weight:600}
.sev{display:inline-block;padding:1px 7px;border-radius:9px;font-size:12px}
.sev-error{background:#fdecea;color:#8e1b10}
.sev-warning{background:#fdf4e0;color:#7a5a10}
.sev-info{background:#e8eef6;color:#35506f}
code{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12px}
.muted{color:#6b737b}
";

/// The page. Every piece of text is escaped; the SVG is embedded as markup after its XML prolog
/// is removed, and refused (with a note) if it carries a script.
///
/// ```
/// use moat_diagram::{html_report, Report};
/// let page = html_report(&Report { title: "orders <prod>".into(), ..Default::default() });
/// assert!(page.contains("<title>orders &lt;prod&gt;</title>"));
/// assert!(page.contains("id=\"diagram\""));
/// ```
pub fn html_report(r: &Report) -> String {
    let mut o = String::new();
    let title = html(&r.title);
    let _ = write!(
        o,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{title}</title>\n<style>{CSS}</style>\n</head>\n<body>\n<main>\n<h1>{title}</h1>\n"
    );
    if !r.summary.is_empty() {
        o.push_str("<section class=\"card\"><ul class=\"summary\">\n");
        for line in &r.summary {
            let _ = writeln!(o, "<li>{}</li>", html(line));
        }
        o.push_str("</ul></section>\n");
    }

    o.push_str("<h2>Architecture</h2>\n<section class=\"card\" id=\"diagram\">\n");
    match embeddable_svg(&r.svg) {
        Ok(svg) => o.push_str(svg),
        Err(why) => {
            let _ = write!(o, "<p class=\"muted\">{}</p>", html(why));
        }
    }
    o.push_str("\n</section>\n");

    let _ = writeln!(o, "<h2>Findings ({})</h2>", r.findings.len());
    if r.findings.is_empty() {
        o.push_str("<section class=\"card\"><p class=\"muted\">No findings.</p></section>\n");
    } else {
        o.push_str(
            "<section class=\"card\"><table id=\"findings\">\n<thead><tr><th>Code</th><th>Severity</th>\
             <th>Message</th><th>Location</th><th>Fix</th></tr></thead>\n<tbody>\n",
        );
        for f in &r.findings {
            let sev = match f.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
                Severity::Info => "info",
            };
            let _ = writeln!(
                o,
                "<tr><td><code>{}</code></td><td><span class=\"sev sev-{sev}\">{sev}</span></td><td>{}</td>\
                 <td><code>{}</code></td><td>{}</td></tr>",
                html(f.code),
                html(&f.message),
                html(&location(f)),
                html(&f.help)
            );
        }
        o.push_str("</tbody></table></section>\n");
    }

    o.push_str("<h2>Endpoints</h2>\n");
    if r.endpoints.is_empty() {
        o.push_str("<section class=\"card\"><p class=\"muted\">No endpoints.</p></section>\n");
    } else {
        o.push_str(
            "<section class=\"card\"><table id=\"endpoints\">\n<thead><tr><th>Service</th><th>Type</th>\
             <th>Why</th><th>Monthly cost</th></tr></thead>\n<tbody>\n",
        );
        for e in &r.endpoints {
            let _ =
                writeln!(
                o,
                "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td class=\"num\">{}</td></tr>",
                html(&e.service),
                html(&e.kind),
                e.reasons.iter().map(|x| html(x)).collect::<Vec<_>>().join("<br>"),
                html(&e.monthly_cost)
            );
        }
        o.push_str("</tbody>\n");
        if let Some(total) = &r.monthly_cost {
            let _ = writeln!(
                o,
                "<tfoot><tr><td colspan=\"3\">Total per month</td><td class=\"num\">{}</td></tr></tfoot>",
                html(total)
            );
        }
        o.push_str("</table></section>\n");
    }
    o.push_str("</main>\n</body>\n</html>\n");
    o
}

/// `file:line:column (resource)`, or the resource alone for live findings.
fn location(f: &Finding) -> String {
    let p = &f.prov;
    match (&p.file, p.line, p.column) {
        (Some(file), Some(l), Some(c)) => format!("{file}:{l}:{c} ({})", p.resource),
        (Some(file), Some(l), None) => format!("{file}:{l} ({})", p.resource),
        (Some(file), None, _) => format!("{file} ({})", p.resource),
        (None, ..) => p.resource.clone(),
    }
}

/// The `<svg>…</svg>` element of Graphviz output (without the XML declaration and DOCTYPE,
/// which are not allowed inside HTML), or why it cannot be embedded.
fn embeddable_svg(svg: &str) -> Result<&str, &'static str> {
    if svg.trim().is_empty() {
        return Err("No diagram: Graphviz was not run (install the `graphviz` package).");
    }
    let start = svg
        .find("<svg")
        .ok_or("No diagram: the SVG has no <svg> element.")?;
    let end = svg
        .rfind("</svg>")
        .ok_or("No diagram: the SVG is not complete.")?;
    let body = svg
        .get(start..end + "</svg>".len())
        .ok_or("No diagram: the SVG is not complete.")?;
    let lower = body.to_ascii_lowercase();
    // The report promises no script; Graphviz never writes one, so refuse rather than sanitise.
    if lower.contains("<script")
        || lower.contains("javascript:")
        || lower.contains("<foreignobject")
    {
        return Err("No diagram: the SVG contains active content and was not embedded.");
    }
    Ok(body)
}
