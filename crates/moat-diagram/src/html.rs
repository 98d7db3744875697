//! One self-contained HTML page: summary, diagram (with pan and zoom), findings, endpoints, and
//! what a security reviewer reads (IAM per role, security groups, endpoint and bucket policies,
//! the egress allowlist). Inline CSS, inline SVG and one small inline script, so the file can be
//! attached to a review ticket and opened offline; no external request.

use crate::escape::html;
use crate::security::Security;
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
    /// The reviewer's sections ([`Security::from_model`]).
    pub security: Security,
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
#diagram.pz{overflow:visible;text-align:left;padding:8px}
#diagram.pz .pz-view{overflow:hidden;position:relative;cursor:grab;touch-action:none;outline:none}
#diagram.pz .pz-view:active{cursor:grabbing}
#diagram.pz svg{max-width:none;transform-origin:0 0;display:block}
.pz-bar{display:flex;gap:6px;align-items:center;margin:0 0 8px;font-size:12px}
.pz-bar button{font:inherit;padding:2px 10px;border:1px solid #c8cdd3;border-radius:4px;background:#fff;cursor:pointer}
nav.toc{font-size:13px;margin:8px 0 0}
nav.toc a{color:#35506f;margin-right:14px}
h3{font-size:14px;font-weight:600;margin:0 0 8px}
section.card + section.card{margin-top:10px}
section.card p{margin:4px 0;font-size:13px}
pre{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12px;background:#f6f8fa;border:1px solid #e3e6ea;border-radius:4px;padding:8px 10px;overflow:auto;margin:6px 0 0}
code.wild{background:#fdf4e0;color:#7a5a10;padding:0 3px;border-radius:3px}
table.grants{margin-top:6px}
tr.sg td{border-top:2px solid #d3d8de}
#sg-rules th:first-child{width:38%}
#allowlist{margin:4px 0;padding-left:20px;line-height:1.6}
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

/// Pan and zoom for the diagram: fit to the card's width on load (and on resize), buttons for
/// zoom in / out / fit / 1:1, drag to pan, Ctrl or ⌘ + wheel to zoom at the pointer, keys `+`
/// `-` `0` when the picture has focus. Without script the SVG is simply scaled to the width.
/// The current scale is kept in `data-scale` on `#diagram` (tests read it).
const PAN_ZOOM: &str = r#"(function(){
var box=document.getElementById('diagram'),svg=box&&box.querySelector('svg');if(!svg)return;
var w=svg.width.baseVal.value,h=svg.height.baseVal.value;if(!(w>0&&h>0))return;
var view=document.createElement('div');view.className='pz-view';view.tabIndex=0;
svg.parentNode.insertBefore(view,svg);view.appendChild(svg);
var bar=document.createElement('div');bar.className='pz-bar';
bar.innerHTML='<button type="button" data-z="in" title="zoom in">+</button><button type="button" data-z="out" title="zoom out">−</button><button type="button" data-z="fit">Fit</button><button type="button" data-z="1">1:1</button><span class="muted">drag to pan · Ctrl/⌘ + wheel to zoom · hover a shape for details</span>';
box.insertBefore(bar,view);box.classList.add('pz');
svg.style.width=w+'px';svg.style.height=h+'px';
var s=1,x=0,y=0,fit=1;
function apply(){svg.style.transform='translate('+x+'px,'+y+'px) scale('+s+')';box.setAttribute('data-scale',s.toFixed(3));}
function fitWidth(){fit=Math.min(1,view.clientWidth/w);s=fit;x=0;y=0;view.style.height=Math.ceil(h*fit)+'px';apply();}
function zoom(f,cx,cy){var n=Math.max(fit/2,Math.min(8,s*f));x=cx-(cx-x)*n/s;y=cy-(cy-y)*n/s;s=n;apply();}
function mid(f){zoom(f,view.clientWidth/2,view.clientHeight/2);}
bar.addEventListener('click',function(e){var z=e.target.getAttribute&&e.target.getAttribute('data-z');
if(z==='in')mid(1.25);else if(z==='out')mid(0.8);else if(z==='fit')fitWidth();else if(z==='1'){mid(1/s);}});
view.addEventListener('wheel',function(e){if(!e.ctrlKey&&!e.metaKey)return;e.preventDefault();
var r=view.getBoundingClientRect();zoom(e.deltaY<0?1.15:1/1.15,e.clientX-r.left,e.clientY-r.top);},{passive:false});
var drag=null;
view.addEventListener('pointerdown',function(e){drag={px:e.clientX,py:e.clientY,x:x,y:y};view.setPointerCapture(e.pointerId);});
view.addEventListener('pointermove',function(e){if(!drag)return;x=drag.x+e.clientX-drag.px;y=drag.y+e.clientY-drag.py;apply();});
view.addEventListener('pointerup',function(){drag=null;});
view.addEventListener('keydown',function(e){if(e.key==='+'||e.key==='=')mid(1.25);else if(e.key==='-')mid(0.8);else if(e.key==='0')fitWidth();});
window.addEventListener('resize',fitWidth);fitWidth();
})();"#;

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
    o.push_str("<nav class=\"toc\"><a href=\"#diagram\">Architecture</a><a href=\"#findings-title\">Findings</a><a href=\"#endpoints-title\">Endpoints</a>");
    for (id, title) in crate::sections::SECTIONS {
        let _ = write!(o, "<a href=\"#{id}\">{}</a>", html(title));
    }
    o.push_str("</nav>\n");

    o.push_str("<h2>Architecture</h2>\n<section class=\"card\" id=\"diagram\">\n");
    match embeddable_svg(&r.svg) {
        Ok(svg) => o.push_str(svg),
        Err(why) => {
            let _ = write!(o, "<p class=\"muted\">{}</p>", html(why));
        }
    }
    o.push_str("\n</section>\n");

    let _ = writeln!(
        o,
        "<h2 id=\"findings-title\">Findings ({})</h2>",
        r.findings.len()
    );
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

    o.push_str("<h2 id=\"endpoints-title\">Endpoints</h2>\n");
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
    crate::sections::render(&mut o, &r.security);
    let _ = write!(
        o,
        "</main>\n<script>{PAN_ZOOM}</script>\n</body>\n</html>\n"
    );
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
