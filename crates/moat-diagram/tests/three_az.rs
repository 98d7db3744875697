//! The diagram at a real size (issue 13, item 14): three availability zones, eight interface
//! endpoints, two services (one behind PrivateLink) and the egress gateway —
//! `tests/fixtures/three-az/moat.toml` — built the way `moat diagram` builds it (spec → plan →
//! synthesized template → model). It used to be 5,855 pt wide, shrunk to unreadable in the
//! report.
//!
//! The width bound: in a 1400 px wide window the report's diagram box is 1318 CSS px wide
//! (1400 − 2 × 32 page padding − 2 × 8 card padding − 2 × 1 border), and the report fits the
//! picture to that width. A label of `p` pt then shows at `p × 4/3 × 1318 / (W × 4/3)` =
//! `p × 1318 / W` px. The smallest labels that carry names are 9 pt (endpoint rows, route
//! tables): for them to stay at least 9 px, W ≤ 1318 pt. The test takes 1300 pt.

mod common;

use common::browser::{chromium_sized, num, CHROMIUM};
use moat_diagram::{html_report, render_svg, to_dot, DiagramOptions, Report, Security};
use moat_model::Model;
use std::path::{Path, PathBuf};

const MAX_WIDTH_PT: f64 = 1300.0;

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/three-az/moat.toml")
}

/// The spec's model, and the egress allowlist the spec gives.
fn model() -> (Model, moat_spec::Spec) {
    let (spec, extras) = moat_spec::load_with_extras(&fixture()).expect("spec loads");
    let plan = moat_synth::plan_with(&spec, &moat_synth::PlanOptions::from_extras(&extras))
        .expect("spec plans");
    let yaml = moat_synth::synth(&plan, moat_synth::TemplateFormat::Yaml);
    let opts = moat_cfn::LoadOptions {
        region: Some(spec.region.clone()),
        account_id: spec.account_id.clone(),
        stack_name: spec.name.clone(),
        ..Default::default()
    };
    let loaded = moat_cfn::load_str("synthesized template", &yaml, &opts).expect("template loads");
    let model = loaded.roots[0].scenarios[0].model.clone();
    (model, spec)
}

fn options(spec: &moat_spec::Spec) -> DiagramOptions {
    DiagramOptions {
        title: Some(format!("moat: {} ({})", spec.name, spec.region)),
        egress_hosts: spec
            .egress
            .as_ref()
            .map(|e| e.allow.clone())
            .unwrap_or_default(),
        ..Default::default()
    }
}

#[test]
fn fixture_is_three_zones_and_eight_interface_endpoints() {
    let (m, _) = model();
    let zones: std::collections::BTreeSet<String> =
        m.subnets.iter().map(|s| format!("{:?}", s.az)).collect();
    assert_eq!(zones.len(), 3, "{zones:?}");
    let interface = m
        .endpoints
        .iter()
        .filter(|e| e.kind.known() == Some(&moat_model::EndpointKind::Interface))
        .count();
    assert_eq!(interface, 8);
}

/// Each task shape (3 zones × 2 services) and each gateway shape (3 zones) has one edge to the
/// endpoint table of its own zone: 9 edges, where there were 6 × 8 + 3 × 24 = 120.
#[test]
fn endpoint_enis_are_one_table_per_zone_and_the_gateway_reaches_its_own_zone_once() {
    let (m, spec) = model();
    let dot = to_dot(&m, &[], &options(&spec));
    let tables: Vec<&str> = dot
        .lines()
        .filter(|l| l.contains("endpoint ENIs</FONT>"))
        .map(|l| l.split_whitespace().next().unwrap())
        .collect();
    assert_eq!(tables.len(), 3, "one table per zone");
    for t in &tables {
        let line = dot
            .lines()
            .find(|l| l.trim_start().starts_with(&format!("{t} [")))
            .unwrap();
        assert_eq!(line.matches("<TD PORT=").count(), 8, "{line}");
    }
    let to_tables: Vec<&str> = dot
        .lines()
        .filter(|l| {
            let l = l.trim_start();
            !l.contains("style=invis")
                && tables
                    .iter()
                    .any(|t| l.contains(&format!(" -> {t} ")) || l.contains(&format!(" -> {t}:")))
        })
        .collect();
    assert_eq!(to_tables.len(), 9, "{to_tables:#?}");
    // The gateway's three shapes: one edge each, to three different tables.
    let gateways: Vec<String> = dot
        .lines()
        .filter(|l| l.contains("[label=\"egress-gateway (egress gateway)"))
        .map(|l| l.split_whitespace().next().unwrap().to_string())
        .collect();
    assert_eq!(gateways.len(), 3);
    let mut reached = std::collections::BTreeSet::new();
    for g in &gateways {
        let mine: Vec<&&str> = to_tables
            .iter()
            .filter(|l| l.trim_start().starts_with(&format!("{g} -> ")))
            .collect();
        assert_eq!(mine.len(), 1, "{g}: {mine:?}");
        reached.insert(mine[0].split_whitespace().nth(2).unwrap().to_string());
    }
    assert_eq!(reached.len(), 3, "{reached:?}");
}

fn svg_width_pt(svg: &str) -> f64 {
    let at = svg.find("<svg width=\"").expect("svg width") + "<svg width=\"".len();
    let rest = &svg[at..];
    rest[..rest.find("pt\"").expect("width in pt")]
        .parse()
        .expect("numeric width")
}

fn report_page() -> Option<(String, f64)> {
    let (m, spec) = model();
    let svg = match render_svg(&to_dot(&m, &[], &options(&spec))) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("SKIPPED: {e}");
            return None;
        }
    };
    let width = svg_width_pt(&svg);
    let mut security = Security::from_model(&m);
    let plan = {
        let (spec, extras) = moat_spec::load_with_extras(&fixture()).unwrap();
        moat_synth::plan_with(&spec, &moat_synth::PlanOptions::from_extras(&extras)).unwrap()
    };
    let json = moat_synth::synth(&plan, moat_synth::TemplateFormat::Json);
    security.bucket_policies = Some(moat_diagram::bucket_policies(
        &serde_json::from_str(&json).unwrap(),
    ));
    if let Some(e) = &security.egress {
        assert!(e.hosts.is_some(), "the model carries MOAT_GATE_ALLOW");
    }
    let page = html_report(&Report {
        title: format!("moat: {} ({})", spec.name, spec.region),
        summary: vec!["3 AZs, 8 interface endpoints, the S3 gateway endpoint".into()],
        svg,
        security,
        ..Default::default()
    });
    Some((page, width))
}

#[test]
fn svg_width_stays_under_the_bound() {
    let Some((_, width)) = report_page() else {
        return;
    };
    assert!(
        width <= MAX_WIDTH_PT,
        "the 3-AZ diagram is {width} pt wide (bound {MAX_WIDTH_PT} pt)"
    );
}

#[test]
fn report_has_the_reviewers_sections() {
    let Some((page, _)) = report_page() else {
        return;
    };
    for (id, title) in [
        ("iam", "IAM roles"),
        ("security-groups", "Security groups"),
        ("endpoint-policies", "Endpoint policies"),
        ("bucket-policies", "Bucket policies"),
        ("egress-allowlist", "Egress allowlist"),
    ] {
        assert!(
            page.contains(&format!("<h2 id=\"{id}\">{title}</h2>")),
            "section {id}"
        );
        assert!(
            page.contains(&format!("<a href=\"#{id}\">{title}</a>")),
            "toc {id}"
        );
    }
    let section = |id: &str| {
        let start = page.find(&format!("<h2 id=\"{id}\">")).unwrap();
        let end = page[start + 4..]
            .find("<h2 ")
            .map_or(page.len(), |e| start + 4 + e);
        &page[start..end]
    };
    // IAM per role: the execution role's actions and the resources they apply to.
    let iam = section("iam");
    assert!(iam.contains("<code>ApiExecutionRole</code>"), "{iam}");
    assert!(iam.contains("<code>ecr:GetAuthorizationToken</code>"));
    assert!(iam.contains("<code>secretsmanager:GetSecretValue</code>"));
    assert!(iam.contains("arn:aws:secretsmanager:eu-west-1:123456789012:secret:payments/db-AbCdEf"));
    assert!(iam.contains("task definition ApiTaskDefinition (execution role)"));
    // A wildcard resource is marked.
    assert!(iam.contains("<code class=\"wild\">*</code>"));
    // Security groups: the endpoint group admits 443 from the service groups.
    let sgs = section("security-groups");
    assert!(sgs.contains("<code>EndpointSecurityGroup</code>"), "{sgs}");
    assert!(sgs.contains("<code>security group ApiSecurityGroup</code>"));
    assert!(sgs.contains("<td>in</td><td>TCP</td><td>443</td>"));
    // Endpoint policies: the S3 gateway's least-privilege document; an interface endpoint
    // without one says the default full-access policy applies.
    let pol = section("endpoint-policies");
    assert!(pol.contains("s3:GetObject"), "{pol}");
    assert!(pol.contains("arn:aws:s3:::payments-exports/*"));
    assert!(pol.contains("the default endpoint policy applies"));
    let buckets = section("bucket-policies");
    assert!(
        buckets.contains("AWS::S3::BucketPolicy") || buckets.contains("<pre>"),
        "{buckets}"
    );
    let egress = section("egress-allowlist");
    assert!(
        egress.contains("<li><code>api.stripe.com</code></li>"),
        "{egress}"
    );
    assert!(egress.contains("<li><code>license.example.com</code></li>"));
}

/// The report in headless Chromium at 1400 px wide: the picture is fitted to its box at a
/// scale where its labels are legible, the zoom button zooms, and the screenshot shows it.
/// `MOAT_DIAGRAM_3AZ_SHOT=docs/img/report-3az.png` keeps the screenshot.
#[test]
fn report_at_1400_px_fits_legibly_and_zooms() {
    if !Path::new(CHROMIUM).exists() {
        eprintln!("SKIPPED: {CHROMIUM} is absent (apt-get install -y chromium)");
        return;
    }
    let Some((page, width_pt)) = report_page() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let html_path = dir.path().join("report.html");
    std::fs::write(&html_path, &page).unwrap();
    // After the report's own script: read the fitted scale, the box, then press "+".
    let probe = "<script>(function(){var d=document.getElementById('diagram'),b=document.body;\
        var v=d.querySelector('.pz-view');b.setAttribute('data-fit',d.getAttribute('data-scale'));\
        b.setAttribute('data-view',v?v.clientWidth:0);\
        var r=d.querySelector('svg').getBoundingClientRect();b.setAttribute('data-shown',r.width);\
        d.querySelector('button[data-z=in]').click();b.setAttribute('data-zoomed',d.getAttribute('data-scale'));})();</script>";
    let probed = page.replace("</body>", &format!("{probe}</body>"));
    let probed_path = dir.path().join("probed.html");
    std::fs::write(&probed_path, probed).unwrap();
    let profile = tempfile::tempdir().unwrap();
    let url = |p: &PathBuf| format!("file://{}", p.display());
    let out = chromium_sized(
        profile.path(),
        (1400, 1800),
        &["--dump-dom".into(), url(&probed_path)],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let dom = String::from_utf8_lossy(&out.stdout);
    let (fit, view, shown, zoomed) = (
        num(&dom, "fit"),
        num(&dom, "view"),
        num(&dom, "shown"),
        num(&dom, "zoomed"),
    );
    assert!(view >= 1300.0, "the diagram box is {view} px wide");
    // Fitted to the box, and at that scale a 9 pt label is at least 9 px.
    assert!(
        (shown - view).abs() <= 2.0 || fit == 1.0,
        "{shown} vs {view}"
    );
    let nine_pt_px = 9.0 * 4.0 / 3.0 * fit;
    assert!(
        nine_pt_px >= 9.0,
        "fit scale {fit} ({width_pt} pt wide): 9 pt labels at {nine_pt_px:.1} px"
    );
    assert!(zoomed > fit, "zoom in: {fit} -> {zoomed}");

    // The screenshot, tall enough for the whole picture: the subnet fill shows in it.
    let shot = dir.path().join("shot.png");
    let out = chromium_sized(
        profile.path(),
        (1400, 2300),
        &[format!("--screenshot={}", shot.display()), url(&html_path)],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let decoder = png::Decoder::new(std::fs::File::open(&shot).expect("screenshot written"));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).unwrap();
    assert_eq!(info.width, 1400);
    let channels = info.color_type.samples();
    let subnet_fill = buf
        .chunks(channels)
        .filter(|p| p[0] == 0xee && p[1] == 0xf4 && p[2] == 0xee)
        .count();
    assert!(subnet_fill > 50_000, "subnet fill: {subnet_fill} px");
    if let Some(keep) = std::env::var_os("MOAT_DIAGRAM_3AZ_SHOT") {
        std::fs::copy(&shot, keep).unwrap();
    }
}
