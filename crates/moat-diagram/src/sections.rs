//! The reviewer's sections of the HTML report: IAM per role, security groups, endpoint
//! policies, bucket policies, the egress allowlist. Every piece of text is escaped.

use crate::escape::html;
use crate::security::{PolicyText, RuleRow, Security};
use std::fmt::Write;

/// Section ids and titles, in page order (also the report's table of contents).
pub(crate) const SECTIONS: [(&str, &str); 5] = [
    ("iam", "IAM roles"),
    ("security-groups", "Security groups"),
    ("endpoint-policies", "Endpoint policies"),
    ("bucket-policies", "Bucket policies"),
    ("egress-allowlist", "Egress allowlist"),
];

fn heading(o: &mut String, id: &str) {
    let title = SECTIONS
        .iter()
        .find(|(i, _)| *i == id)
        .map_or(id, |(_, t)| t);
    let _ = writeln!(o, "<h2 id=\"{id}\">{}</h2>", html(title));
}

fn empty(o: &mut String, text: &str) {
    let _ = writeln!(
        o,
        "<section class=\"card\"><p class=\"muted\">{}</p></section>",
        html(text)
    );
}

/// `<code>` list, one item a line; `*` alone (any action, any resource) is marked.
fn code_list(items: &[String]) -> String {
    items
        .iter()
        .map(|i| {
            if i == "*" || i.ends_with(":*") && !i.contains('/') {
                format!("<code class=\"wild\">{}</code>", html(i))
            } else {
                format!("<code>{}</code>", html(i))
            }
        })
        .collect::<Vec<_>>()
        .join("<br>")
}

pub(crate) fn render(o: &mut String, s: &Security) {
    roles(o, s);
    security_groups(o, s);
    heading(o, "endpoint-policies");
    policies(
        o,
        &s.endpoint_policies,
        "The model has no VPC endpoint.",
        "endpoint",
    );
    heading(o, "bucket-policies");
    match &s.bucket_policies {
        None => empty(
            o,
            "Not read from this source: bucket policies are shown for a spec and for JSON templates.",
        ),
        Some(list) => policies(
            o,
            list,
            "The template has no bucket policy (AWS::S3::BucketPolicy).",
            "bucket",
        ),
    }
    egress(o, s);
}

fn roles(o: &mut String, s: &Security) {
    heading(o, "iam");
    if s.roles.is_empty() {
        return empty(o, "The model has no IAM role.");
    }
    for r in &s.roles {
        let _ = write!(
            o,
            "<section class=\"card role\"><h3><code>{}</code>{}</h3>\n<p><b>Assumed by</b> {}</p>\n",
            html(&r.id),
            r.name
                .as_ref()
                .map(|n| format!(" <span class=\"muted\">{}</span>", html(n)))
                .unwrap_or_default(),
            html(&r.trust)
        );
        if !r.used_by.is_empty() {
            let _ = writeln!(o, "<p><b>Used by</b> {}</p>", html(&r.used_by.join(", ")));
        }
        if !r.managed_policies.is_empty() {
            let _ = writeln!(
                o,
                "<p><b>Managed policies</b><br>{}</p>",
                code_list(&r.managed_policies)
            );
        }
        if r.statements.is_empty() {
            o.push_str("<p class=\"muted\">No inline statement.</p>");
        } else {
            o.push_str(
                "<table class=\"grants\"><thead><tr><th>Effect</th><th>Actions</th><th>Resources</th></tr></thead><tbody>\n",
            );
            for st in &r.statements {
                let _ = writeln!(
                    o,
                    "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
                    html(&st.effect),
                    code_list(&st.actions),
                    code_list(&st.resources)
                );
            }
            o.push_str("</tbody></table>");
        }
        o.push_str("</section>\n");
    }
}

fn rule_rows(o: &mut String, dir: &str, rules: &[RuleRow]) {
    if rules.is_empty() {
        let _ = writeln!(
            o,
            "<tr><td>{dir}</td><td colspan=\"3\" class=\"muted\">none</td></tr>"
        );
    }
    for r in rules {
        let peer = if r.anywhere {
            format!("<code class=\"wild\">{}</code>", html(&r.peer))
        } else {
            format!("<code>{}</code>", html(&r.peer))
        };
        let _ = writeln!(
            o,
            "<tr><td>{dir}</td><td>{}</td><td>{}</td><td>{peer}</td></tr>",
            html(&r.protocol),
            html(&r.ports)
        );
    }
}

fn security_groups(o: &mut String, s: &Security) {
    heading(o, "security-groups");
    if s.security_groups.is_empty() {
        return empty(o, "The model has no security group.");
    }
    o.push_str(
        "<section class=\"card\"><table id=\"sg-rules\"><thead><tr><th>Security group</th><th>Direction</th>\
         <th>Protocol</th><th>Ports</th><th>Peer</th></tr></thead><tbody>\n",
    );
    for g in &s.security_groups {
        let mut rows = String::new();
        rule_rows(&mut rows, "in", &g.ingress);
        rule_rows(&mut rows, "out", &g.egress);
        let n = rows.matches("<tr>").count();
        let attached = if g.attached_to.is_empty() {
            "<br><span class=\"muted\">attached to nothing in the model</span>".to_string()
        } else {
            format!(
                "<br><span class=\"muted\">{}</span>",
                html(&g.attached_to.join(", "))
            )
        };
        // The group's cell spans its rules; its first rule shares the row.
        let first = rows.replacen(
            "<tr>",
            &format!(
                "<tr class=\"sg\"><td rowspan=\"{n}\"><code>{}</code>{attached}</td>",
                html(&g.id)
            ),
            1,
        );
        o.push_str(&first);
    }
    o.push_str("</tbody></table></section>\n");
}

fn policies(o: &mut String, list: &[PolicyText], none: &str, kind: &str) {
    if list.is_empty() {
        return empty(o, none);
    }
    for p in list {
        let _ = write!(
            o,
            "<section class=\"card policy\"><h3><code>{}</code> <span class=\"muted\">{kind} · {}</span></h3>",
            html(&p.resource),
            html(&p.applies_to)
        );
        if p.is_note {
            let _ = writeln!(o, "<p>{}</p></section>", html(&p.document));
        } else {
            let _ = writeln!(o, "<pre>{}</pre></section>", html(&p.document));
        }
    }
}

fn egress(o: &mut String, s: &Security) {
    heading(o, "egress-allowlist");
    let Some(e) = &s.egress else {
        return empty(
            o,
            "No egress gateway in the model: nothing is let out to named hosts.",
        );
    };
    o.push_str("<section class=\"card\">");
    if let Some(mode) = &e.mode {
        let note = if mode == "discover" {
            " — every name is let through and logged; only <code>enforce</code> applies the list"
        } else {
            ""
        };
        let _ = writeln!(o, "<p><b>Mode</b> <code>{}</code>{note}</p>", html(mode));
    }
    match &e.hosts {
        Some(h) if h.is_empty() => {
            o.push_str("<p>The list is empty: no outside name is allowed.</p>")
        }
        Some(h) => {
            o.push_str("<ul id=\"allowlist\">");
            for host in h {
                let _ = write!(o, "<li><code>{}</code></li>", html(host));
            }
            o.push_str("</ul>");
        }
        None => o.push_str("<p>The allowlist is not in the model.</p>"),
    }
    let _ = writeln!(
        o,
        "<p class=\"muted\">Source: {}</p></section>",
        html(&e.source)
    );
}
