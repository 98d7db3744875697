//! Write a [`Scene`] as Graphviz DOT text. The look (shapes, muted palette, red for problems)
//! lives here; what is drawn lives in `scene.rs`.

use crate::escape::{dot, dot_lines, html};
use crate::facts::Fact;
use crate::group::{Group, Groups};
use crate::layout::{Columns, Flow};
use crate::scene::{Edge, Kind, Node, Scene, Tags};
use crate::Direction;
use std::fmt::Write;

const FONT: &str = "Helvetica,Arial,sans-serif";
const TEXT: &str = "#333333";
const RED: &str = "#c0392b";
const RED_FILL: &str = "#fdecea";
const RED_TEXT: &str = "#8e1b10";
const OK_TEXT: &str = "#2e6b3a";
const UNSURE_TEXT: &str = "#8a6d1f";

/// Shape, fill and pen for a kind of shape.
fn look(kind: Kind) -> (&'static str, &'static str, &'static str, &'static str) {
    // (shape, extra style, fill, pen)
    match kind {
        Kind::Task => ("box", "rounded,filled", "#fff8e7", "#b59a5a"),
        // Cut corners rather than a hexagon: a hexagon grows very wide around a multi-line label.
        Kind::EgressGateway => ("box", "filled,diagonals", "#f1ecf7", "#7d6b99"),
        Kind::Eni => ("ellipse", "filled", "#e8eef6", "#6f88a8"),
        Kind::GatewayEndpoint => ("component", "filled", "#e8eef6", "#6f88a8"),
        Kind::RouteTable => ("note", "filled", "#f2f2f2", "#8c8c8c"),
        Kind::LoadBalancer => ("trapezium", "filled", "#e6f0ee", "#5f8f85"),
        Kind::EndpointService => ("box", "rounded,filled", "#e6f0ee", "#5f8f85"),
        Kind::Consumer => ("tab", "filled", "#ffffff", "#777777"),
        // Red through their problem tag, which every one carries except the egress zone's
        // internet gateway (the egress gateway's way out).
        Kind::InternetGateway | Kind::NatGateway => ("house", "filled", "#f1ecf7", "#7d6b99"),
        Kind::OutsideHosts => ("folder", "filled", "#f1ecf7", "#7d6b99"),
        Kind::Placeholder => ("plaintext", "", "#ffffff", "#ffffff"),
    }
}

fn codes(tags: &Tags) -> Option<String> {
    let mut c: Vec<&str> = tags.hits.iter().map(|h| h.code.as_str()).collect();
    c.dedup();
    (!c.is_empty()).then(|| format!("⚠ {}", c.join(", ")))
}

/// A tooltip: the element's own lines, then any problem and each finding on its own line
/// (Graphviz `\n`, which SVG viewers show as line breaks in the hover text).
fn tooltip(base: &str, tags: &Tags) -> String {
    let mut lines: Vec<String> = base.lines().map(str::to_string).collect();
    if let Some(p) = &tags.problem {
        lines.push(format!("problem: {p}"));
    }
    for h in &tags.hits {
        lines.push(format!("{}: {}", h.code, h.message));
    }
    dot_lines(&lines)
}

/// The DOT text of a whole diagram.
pub(crate) fn emit(scene: &Scene, facts: &[Fact], unplaced: &[String], dir: Direction) -> String {
    let mut o = String::new();
    let groups = Groups::build(scene);
    let _ = writeln!(o, "digraph moat {{");
    graph_defaults(&mut o, scene, dir);
    outside_boxes(&mut o, scene);
    region(&mut o, scene, &groups);
    let columns = Columns::build(scene, &groups);
    columns.stack(&mut o);
    edges(&mut o, scene, &groups, &columns);
    let lone_enis = (0..scene.nodes.len())
        .any(|i| scene.nodes[i].kind == Kind::Eni && groups.group_of(i).is_none());
    legend(
        &mut o,
        scene,
        facts,
        unplaced,
        (!groups.groups.is_empty(), lone_enis),
    );
    hang_legend(&mut o, scene, &groups);
    let _ = writeln!(o, "}}");
    o
}

/// Graph, node and edge defaults: direction, fonts, colours.
fn graph_defaults(o: &mut String, scene: &Scene, dir: Direction) {
    let rankdir = match dir {
        Direction::TopDown => "TB",
        Direction::LeftRight => "LR",
    };
    let _ = writeln!(
        o,
        "  graph [rankdir={rankdir}, compound=true, newrank=true, splines=true, nodesep=0.35, ranksep=0.55, \
         fontname=\"{FONT}\", fontsize=16, fontcolor=\"{TEXT}\", bgcolor=\"#ffffff\", labelloc=t, labeljust=l, \
         label=\"{}\", pad=0.3];",
        dot(&scene.title)
    );
    let _ = writeln!(
        o,
        "  node [fontname=\"{FONT}\", fontsize=10, fontcolor=\"{TEXT}\", penwidth=1, margin=\"0.12,0.06\"];"
    );
    let _ = writeln!(
        o,
        "  edge [fontname=\"{FONT}\", fontsize=8, fontcolor=\"#5a6570\", color=\"#7b8794\", arrowsize=0.6];"
    );
}

/// Outside the region: consumers, then outside hosts, each in a quiet dashed box.
fn outside_boxes(o: &mut String, scene: &Scene) {
    for (kind, title, name) in [
        (
            Kind::Consumer,
            "consumer accounts (PrivateLink)",
            "cluster_consumers",
        ),
        (
            Kind::OutsideHosts,
            "outside (through the egress gateway only)",
            "cluster_outside",
        ),
    ] {
        let members: Vec<usize> = scene
            .outside_nodes
            .iter()
            .copied()
            .filter(|&n| scene.nodes[n].kind == kind)
            .collect();
        if members.is_empty() {
            continue;
        }
        let _ = writeln!(
            o,
            "  subgraph {name} {{\n    label=\"{}\"; style=\"dashed,rounded\"; color=\"#a0a0a0\"; bgcolor=\"#ffffff\"; fontsize=10;",
            dot(title)
        );
        for n in members {
            node(o, scene, n, "    ");
        }
        let _ = writeln!(o, "  }}");
    }
}

/// The region box: its own nodes, then each VPC with its zones and subnets (ENIs of one
/// service and subnet drawn as one table).
fn region(o: &mut String, scene: &Scene, groups: &Groups) {
    let _ = writeln!(
        o,
        "  subgraph cluster_region {{\n    label=\"{}\"; style=\"rounded\"; color=\"#9e9e9e\"; bgcolor=\"#fcfcfc\"; fontsize=13;",
        dot(&scene.region_label)
    );
    for &n in &scene.region_nodes {
        node(o, scene, n, "    ");
    }
    for v in &scene.vpcs {
        let (pen, width, fontcolor) = cluster_pen(&v.tags, "#4f6d8f", 1.5);
        let _ = writeln!(
            o,
            "    subgraph {} {{\n      label=\"{}\"; tooltip=\"{}\"; style=\"rounded\"; color=\"{pen}\"; penwidth={width}; \
             fontcolor=\"{fontcolor}\"; bgcolor=\"#f4f7fb\"; fontsize=12;",
            v.cluster,
            cluster_label(&v.label, &v.tags),
            tooltip(&v.label.join(" "), &v.tags)
        );
        for &n in &v.nodes {
            node(o, scene, n, "      ");
        }
        for a in &v.azs {
            let _ = writeln!(
                o,
                "      subgraph {} {{\n        label=\"{}\"; style=\"dashed,rounded\"; color=\"#9aa7b5\"; bgcolor=\"#fbfcfe\"; fontsize=11;",
                a.cluster,
                dot(&a.label)
            );
            for s in &a.subnets {
                let (pen, width, fontcolor) = cluster_pen(&s.tags, "#8aa58a", 1.0);
                let _ = writeln!(
                    o,
                    "        subgraph {} {{\n          label=\"{}\"; tooltip=\"{}\"; style=\"rounded\"; color=\"{pen}\"; \
                     penwidth={width}; fontcolor=\"{fontcolor}\"; bgcolor=\"#eef4ee\"; fontsize=10;",
                    s.cluster,
                    cluster_label(&s.label, &s.tags),
                    tooltip(&s.label.join(" "), &s.tags)
                );
                for &n in &s.nodes {
                    match groups.group_of(n) {
                        Some(g) if g.members[0] == n => eni_table(o, scene, g, "          "),
                        Some(_) => {}
                        None => node(o, scene, n, "          "),
                    }
                }
                let _ = writeln!(o, "        }}");
            }
            let _ = writeln!(o, "      }}");
        }
        let _ = writeln!(o, "    }}");
    }
    let _ = writeln!(o, "  }}");
}

/// Every edge, merged where several join the same ends.
fn edges(o: &mut String, scene: &Scene, groups: &Groups, columns: &Columns) {
    // A label repeated on edges that share a tail or a head is written once ("TCP 8443" from
    // the NLB to the tasks of each zone); the tooltip of each keeps it. Codes always show.
    let mut labelled = std::collections::BTreeSet::new();
    for d in groups.edges(scene) {
        let e = &scene.edges[d.edges[0]];
        let mut flow = columns.flow(scene, e);
        if let Some(l) = &e.label {
            let first_at_tail = labelled.insert((l.clone(), e.from, false));
            let first_at_head = labelled.insert((l.clone(), e.to, true));
            flow.quiet = !(e.tags.is_red() || first_at_tail && first_at_head);
        }
        if d.edges.len() > 1 {
            merged_edge(o, scene, &d.edges, &d.from, &d.to, &flow);
        } else {
            // Drawn tail first so `dir=back` can put a load balancer above the tasks that use it.
            let (from, to) = if flow.reversed {
                (&d.to, &d.from)
            } else {
                (&d.from, &d.to)
            };
            flow.reversed = flow.reversed && !e.association;
            edge(o, e, from, to, &flow);
        }
    }
}

/// Hang the legend under everything: invisible edges from every shape nothing leaves from.
/// (`rank=sink` alone does not move a node below clusters.)
fn hang_legend(o: &mut String, scene: &Scene, groups: &Groups) {
    let mut hung = std::collections::BTreeSet::new();
    for (i, _) in scene.nodes.iter().enumerate() {
        let name = groups.node_name(i);
        if !scene.edges.iter().any(|e| e.from == i) && hung.insert(name.clone()) {
            let _ = writeln!(o, "  {name} -> legend [style=invis, weight=0];");
        }
    }
}

fn cluster_pen(tags: &Tags, pen: &'static str, width: f32) -> (&'static str, f32, &'static str) {
    if tags.is_red() {
        (RED, 2.0, RED_TEXT)
    } else {
        (pen, width, TEXT)
    }
}

fn cluster_label(lines: &[String], tags: &Tags) -> String {
    let mut l = lines.to_vec();
    if let Some(c) = codes(tags) {
        l.push(c);
    }
    // `\l` ends a left-justified line; cluster titles read better flush left, like a form.
    let mut s = l.iter().map(|x| dot(x)).collect::<Vec<_>>().join("\\l");
    s.push_str("\\l");
    s
}

fn node(o: &mut String, scene: &Scene, i: usize, indent: &str) {
    let n: &Node = &scene.nodes[i];
    let (shape, style, mut fill, mut pen) = look(n.kind);
    let mut label = n.label.clone();
    if let Some(c) = codes(&n.tags) {
        label.push(c);
    }
    let mut extra = String::new();
    if n.tags.is_red() {
        fill = RED_FILL;
        pen = RED;
        let _ = write!(extra, ", penwidth=2, fontcolor=\"{RED_TEXT}\"");
    }
    let mut style = style.to_string();
    if n.unknown {
        style.push_str(if style.is_empty() {
            "dashed"
        } else {
            ",dashed"
        });
    }
    match n.kind {
        Kind::EndpointService => extra.push_str(", peripheries=2"),
        Kind::Placeholder => extra.push_str(", fontsize=8, fontcolor=\"#9a9a9a\""),
        Kind::Eni | Kind::RouteTable => extra.push_str(", fontsize=9"),
        _ => {}
    }
    let _ = writeln!(
        o,
        "{indent}n{i} [label=\"{}\", tooltip=\"{}\", shape={shape}, style=\"{style}\", fillcolor=\"{fill}\", color=\"{pen}\"{extra}];",
        dot_lines(&label),
        tooltip(&n.tooltip, &n.tags),
    );
}

/// The interface endpoint ENIs of one subnet as one table, a row (port `nI`) per ENI: red with
/// its finding codes when one concerns it. The tooltip lists every ENI with its endpoint and the
/// findings' messages (Graphviz gives table cells tooltips only with a link, so they go here).
fn eni_table(o: &mut String, scene: &Scene, g: &Group, indent: &str) {
    let (_, _, fill, pen) = look(Kind::Eni);
    let mut rows = String::new();
    let mut tip = vec![format!("interface endpoint ENIs in subnet {}", g.subnet)];
    for &m in &g.members {
        let n = &scene.nodes[m];
        let mut text: Vec<String> = n.label.clone();
        if let Some(c) = codes(&n.tags) {
            text.push(c);
        }
        let cell = text
            .iter()
            .map(|t| html(t))
            .collect::<Vec<_>>()
            .join("<BR/>");
        let _ = if n.tags.is_red() {
            write!(
                rows,
                "<TR><TD PORT=\"n{m}\" BGCOLOR=\"{RED_FILL}\" BORDER=\"1\" COLOR=\"{RED}\"><FONT COLOR=\"{RED_TEXT}\">{cell}</FONT></TD></TR>"
            )
        } else {
            write!(rows, "<TR><TD PORT=\"n{m}\">{cell}</TD></TR>")
        };
        tip.push(format!("{}: {}", n.label.join(" "), n.tooltip));
        if let Some(p) = &n.tags.problem {
            tip.push(format!("  problem: {p}"));
        }
        for h in &n.tags.hits {
            tip.push(format!("  {}: {}", h.code, h.message));
        }
    }
    let _ = writeln!(
        o,
        "{indent}{} [shape=plaintext, margin=0, fontsize=9, tooltip=\"{}\", label=<<TABLE BORDER=\"1\" STYLE=\"rounded\" \
         COLOR=\"{pen}\" BGCOLOR=\"{fill}\" CELLBORDER=\"0\" CELLSPACING=\"1\" CELLPADDING=\"2\">\
         <TR><TD><FONT POINT-SIZE=\"8\" COLOR=\"#5a6570\">endpoint ENIs</FONT></TD></TR>{rows}</TABLE>>];",
        g.name,
        dot_lines(&tip),
    );
}

/// One edge for a shape's plain edges to every row of an ENI table.
fn merged_edge(o: &mut String, scene: &Scene, edges: &[usize], from: &str, to: &str, flow: &Flow) {
    let names: Vec<String> = edges
        .iter()
        .map(|&ei| scene.nodes[scene.edges[ei].to].label.join(" "))
        .collect();
    let base = &scene.edges[edges[0]].tooltip;
    let tip = format!(
        "{base} to each endpoint ENI in this subnet: {}",
        names.join(", ")
    );
    let _ = writeln!(
        o,
        "  {from} -> {to} [tooltip=\"{}\"{}];",
        dot(&tip),
        flow.attrs()
    );
}

fn edge(o: &mut String, e: &Edge, from: &str, to: &str, flow: &Flow) {
    let mut attrs = vec![format!("tooltip=\"{}\"", tooltip(&e.tooltip, &e.tags))];
    let mut label = e.label.clone();
    if let Some(c) = codes(&e.tags) {
        label = Some(match label {
            Some(l) => format!("{l} {c}"),
            None => c,
        });
    }
    if let Some(l) = label.filter(|_| !flow.quiet) {
        attrs.push(format!("label=\"{}\"", dot(&l)));
    }
    if let Some(t) = &e.ltail {
        attrs.push(format!("ltail={t}"));
    }
    if e.association {
        attrs.push("style=dashed, dir=none, color=\"#b0b7bf\"".into());
    }
    if e.tags.is_red() {
        attrs.push(format!("color=\"{RED}\", fontcolor=\"{RED}\", penwidth=2"));
    }
    let _ = writeln!(
        o,
        "  {from} -> {to} [{}{}];",
        attrs.join(", "),
        flow.attrs()
    );
}

/// The legend: the isolation facts in words, what the shapes mean, and any finding that could
/// not be drawn on a shape. An HTML-like label only here, where a table reads better; every
/// piece of text in it is escaped.
/// `enis`: (some ENIs are drawn as tables, some as lone ellipses).
fn legend(
    o: &mut String,
    scene: &Scene,
    facts: &[Fact],
    unplaced: &[String],
    (tables, lone_enis): (bool, bool),
) {
    let has = |k: Kind| scene.nodes.iter().any(|n| n.kind == k);
    let any_unknown = scene.nodes.iter().any(|n| n.unknown);
    let any_red = scene.nodes.iter().any(|n| n.tags.is_red())
        || scene.edges.iter().any(|e| e.tags.is_red())
        || scene.vpcs.iter().any(|v| {
            v.tags.is_red()
                || v.azs
                    .iter()
                    .any(|a| a.subnets.iter().any(|s| s.tags.is_red()))
        });
    let mut rows = String::new();
    let all_true = facts.iter().all(|f| f.isolated == Some(true));
    let fact_row = |text: &str, color: &str| {
        format!("<TR><TD ALIGN=\"LEFT\"><FONT COLOR=\"{color}\" POINT-SIZE=\"11\"><B>{}</B></FONT></TD></TR>", html(text))
    };
    // One line when it fits the legend's width, else one fact a line.
    let joined_len: usize = facts.iter().map(|f| f.text.chars().count() + 3).sum();
    if all_true && joined_len <= 90 {
        let line = facts
            .iter()
            .map(|f| f.text.as_str())
            .collect::<Vec<_>>()
            .join(" · ");
        rows.push_str(&fact_row(&line, OK_TEXT));
    } else {
        for f in facts {
            let color = match f.isolated {
                Some(true) => OK_TEXT,
                Some(false) => RED_TEXT,
                None => UNSURE_TEXT,
            };
            rows.push_str(&fact_row(&f.text, color));
        }
    }
    // Only the shapes this picture uses: a legend is read, not skimmed.
    for (shown, shape, meaning) in [
        (
            has(Kind::Task),
            "rounded box",
            "ECS service tasks in a subnet (container: image)",
        ),
        (
            has(Kind::EgressGateway),
            "cut-corner box",
            "egress gateway tasks → the named outside hosts",
        ),
        (
            tables,
            "blue table",
            "a subnet's interface endpoint ENIs, a row each (task → table: TCP 443 to every row)",
        ),
        (
            lone_enis,
            "ellipse",
            "interface endpoint ENI (task → ENI: TCP 443)",
        ),
        (
            has(Kind::GatewayEndpoint),
            "component",
            "gateway endpoint, on the route tables it serves",
        ),
        (
            has(Kind::RouteTable),
            "note",
            "route table (dashed line: subnet association)",
        ),
        (
            has(Kind::LoadBalancer),
            "trapezium",
            "load balancer → the tasks it targets",
        ),
        (
            has(Kind::EndpointService),
            "double box",
            "VPC endpoint service (PrivateLink) → its NLB",
        ),
        (
            has(Kind::Consumer),
            "tab",
            "consumer account allowed to connect",
        ),
        (
            has(Kind::InternetGateway) || has(Kind::NatGateway),
            "house",
            "internet / NAT gateway: red where it must not exist (everywhere but the egress gateway's own subnets)",
        ),
        (
            any_unknown,
            "dashed outline",
            "a value the source could not resolve",
        ),
        (
            any_red,
            "red",
            "a problem or a finding (⚠ code; hover for the message)",
        ),
    ] {
        if !shown {
            continue;
        }
        let _ = write!(
            rows,
            "<TR><TD ALIGN=\"LEFT\"><FONT POINT-SIZE=\"9\"><B>{}</B>: {}</FONT></TD></TR>",
            html(shape),
            html(meaning)
        );
    }
    if !unplaced.is_empty() {
        let _ = write!(
            rows,
            "<TR><TD ALIGN=\"LEFT\"><FONT COLOR=\"{RED_TEXT}\" POINT-SIZE=\"9\"><B>Findings not drawn on a shape:</B></FONT></TD></TR>"
        );
        for u in unplaced {
            let _ = write!(
                rows,
                "<TR><TD ALIGN=\"LEFT\"><FONT COLOR=\"{RED_TEXT}\" POINT-SIZE=\"9\">{}</FONT></TD></TR>",
                html(&crate::escape::ellipsize(u, 110))
            );
        }
    }
    let _ = writeln!(
        o,
        "  legend [shape=plaintext, margin=0, label=<<TABLE BORDER=\"1\" COLOR=\"#b0b7bf\" CELLBORDER=\"0\" CELLSPACING=\"1\" CELLPADDING=\"3\" BGCOLOR=\"#ffffff\">\
         <TR><TD ALIGN=\"LEFT\"><FONT POINT-SIZE=\"10\" COLOR=\"#5a6570\">LEGEND</FONT></TD></TR>{rows}</TABLE>>];"
    );
}
