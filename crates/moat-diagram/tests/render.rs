//! Graphviz rendering: SVG from the DOT, and the error when Graphviz is missing.

mod common;

use moat_diagram::{render_svg, render_svg_with, to_dot, DiagramOptions, Error};
use std::ffi::OsStr;
use std::path::Path;

fn have_dot() -> bool {
    std::process::Command::new("dot").arg("-V").output().is_ok()
}

#[test]
fn renders_svg_with_every_drawn_element() {
    if !have_dot() {
        eprintln!("SKIPPED: Graphviz `dot` is not installed (apt-get install -y graphviz)");
        return;
    }
    let findings = [
        common::blocked_ecr_dkr(),
        common::logs_private_dns(),
        common::log_retention(),
    ];
    let dot = to_dot(&common::isolated(), &findings, &DiagramOptions::default());
    let svg = render_svg(&dot).expect("dot renders our DOT");
    assert!(
        svg.contains("<svg"),
        "not SVG: {}",
        &svg[..svg.len().min(200)]
    );
    // Graphviz writes `-` as `&#45;` in SVG text.
    let text_of_svg = svg.replace("&#45;", "-");
    for text in [
        "Region us-east-1",
        "10.20.0.0/16",
        "AZ us-east-1a",
        "AZ us-east-1b",
        "ecr.dkr",
        "orders",
        "NLB IngressNlb",
        "111122223333",
    ] {
        assert!(text_of_svg.contains(text), "SVG lacks {text:?}");
    }
    // The red of the blocked path reaches the SVG.
    assert!(svg.contains("#c0392b"));

    // For a person to look at: MOAT_DIAGRAM_SAMPLE=/path/to.png writes a PNG of this diagram,
    // `to-internet.png` beside it of a model with the problems an isolated VPC must not have, and
    // `large.png` of three AZs and seven endpoints.
    if let Some(out) = std::env::var_os("MOAT_DIAGRAM_SAMPLE") {
        let out = Path::new(&out);
        write_png(&dot, out);
        let mut m = common::with_internet();
        m.services.push(common::service(
            "EgressGate",
            "egress-gate",
            "OrdersTaskDef",
            vec![],
        ));
        let opts = DiagramOptions {
            egress_hosts: vec!["api.partner.example".into(), "hooks.slack.com".into()],
            ..Default::default()
        };
        write_png(
            &to_dot(&m, &findings, &opts),
            &out.with_file_name("to-internet.png"),
        );
        write_png(
            &to_dot(&common::large(), &[], &DiagramOptions::default()),
            &out.with_file_name("large.png"),
        );
    }
}

fn write_png(dot: &str, out: &Path) {
    let dot_path = out.with_extension("dot");
    std::fs::write(&dot_path, dot).unwrap();
    let st = std::process::Command::new("dot")
        .args(["-Tpng", "-Gdpi=110", "-o"])
        .arg(out)
        .arg(&dot_path)
        .status()
        .unwrap();
    assert!(st.success());
}

#[test]
fn missing_graphviz_names_the_package() {
    let err = render_svg_with("digraph {}", OsStr::new("/nonexistent/moat-test/dot")).unwrap_err();
    assert!(matches!(err, Error::DotMissing { .. }), "{err:?}");
    let msg = err.to_string();
    assert!(msg.contains("apt-get install -y graphviz"), "{msg}");
    assert!(msg.contains("/nonexistent/moat-test/dot"), "{msg}");
}

#[test]
fn graphviz_syntax_error_is_reported_with_its_message() {
    if !have_dot() {
        eprintln!("SKIPPED: Graphviz `dot` is not installed (apt-get install -y graphviz)");
        return;
    }
    let err = render_svg("digraph { a -> }").unwrap_err();
    match &err {
        Error::DotFailed { stderr, .. } => assert!(stderr.contains("syntax error"), "{stderr}"),
        other => panic!("expected DotFailed, got {other:?}"),
    }
}

#[test]
fn hostile_names_and_odd_models_still_render() {
    if !have_dot() {
        eprintln!("SKIPPED: Graphviz `dot` is not installed (apt-get install -y graphviz)");
        return;
    }
    use moat_model::{Maybe, Model, Subnet};
    // Every character that means something in DOT, HTML-like labels or XML.
    let nasty = "a\"b\\c<d>&e'f\n{g}|h;i]j[k\\N\\l";
    let mut m = common::isolated();
    m.services[0].name = Maybe::Known(nasty.into());
    m.subnets[0].id = moat_model::Id::from(nasty);
    let mut f = common::log_retention();
    f.message = nasty.into();
    f.code = "MOAT<&>";
    let mut blocked = common::blocked_ecr_dkr();
    blocked.message = format!("`{nasty}` blocked");
    let dot = to_dot(
        &m,
        &[f, blocked],
        &DiagramOptions {
            title: Some(nasty.into()),
            ..Default::default()
        },
    );
    let svg = render_svg(&dot).unwrap_or_else(|e| panic!("{e}\n{dot}"));
    assert!(svg.contains("<svg"));

    // An empty model, and subnets whose VPC is not in the model (an imported VPC id).
    for m in [Model::default(), {
        let mut m = Model::default();
        m.subnets.push(Subnet {
            id: "Sub".into(),
            vpc: Maybe::unknown("Fn::ImportValue SharedVpc"),
            cidr: Maybe::unknown("Fn::ImportValue SharedCidr"),
            az: Maybe::unknown("Fn::GetAZs"),
            map_public_ip: Maybe::Known(false),
            prov: Default::default(),
        });
        m
    }] {
        let dot = to_dot(&m, &[], &DiagramOptions::default());
        let svg = render_svg(&dot).unwrap_or_else(|e| panic!("{e}\n{dot}"));
        assert!(svg.contains("Region ?"), "{dot}");
    }
}
