//! The HTML report: content and escaping, then the real thing loaded in headless Chromium.

mod common;

use common::browser::{attr, chromium, num, CHROMIUM};
use moat_diagram::{html_report, render_svg, to_dot, DiagramOptions, EndpointRow, Report};
use std::path::{Path, PathBuf};

fn report(svg: String) -> Report {
    Report {
        title: "orders <prod> & \"friends\"".into(),
        summary: vec![
            "VPC 10.20.0.0/16 in 2 AZs, 4 endpoints".into(),
            "No internet gateway · No NAT gateway · No public IPs".into(),
        ],
        endpoints: vec![
            EndpointRow {
                service: "ecr.dkr".into(),
                kind: "interface".into(),
                reasons: vec!["image from ECR <private>".into(), "pull layers".into()],
                monthly_cost: "$14.60".into(),
            },
            EndpointRow {
                service: "s3".into(),
                kind: "gateway".into(),
                reasons: vec!["ECR layers live in S3".into()],
                monthly_cost: "$0.00".into(),
            },
        ],
        monthly_cost: Some("$14.60".into()),
        findings: vec![common::blocked_ecr_dkr(), common::logs_private_dns()],
        svg,
        security: Default::default(),
    }
}

fn fake_svg() -> String {
    "<?xml version=\"1.0\"?>\n<!DOCTYPE svg PUBLIC \"-//W3C//DTD SVG 1.1//EN\" \"x.dtd\">\n\
     <svg xmlns=\"http://www.w3.org/2000/svg\" width=\"10pt\" height=\"10pt\"><text>hello</text></svg>\n"
        .into()
}

#[test]
fn report_has_sections_and_escapes_all_text() {
    let page = html_report(&report(fake_svg()));
    assert!(page.starts_with("<!DOCTYPE html>"));
    assert!(page.contains("<title>orders &lt;prod&gt; &amp; &quot;friends&quot;</title>"));
    assert!(page.contains("<li>No internet gateway · No NAT gateway · No public IPs</li>"));
    assert!(page.contains("image from ECR &lt;private&gt;<br>pull layers"));
    assert!(page.contains("<td class=\"num\">$14.60</td></tr></tfoot>"));
    // Findings: code, severity, message, location, help.
    assert!(page.contains("<code>MOAT201</code>"));
    assert!(page.contains("sev-error"));
    assert!(page.contains("service orders cannot reach ecr.dkr on TCP 443"));
    assert!(page.contains("template.yaml:40:5 (EndpointSG)"));
    assert!(page.contains("allow TCP 443 from TaskSG in EndpointSG"));
    // The SVG is inline, without its XML prolog.
    let d = page.find("id=\"diagram\"").unwrap();
    assert!(page[d..]
        .trim_start_matches("id=\"diagram\">")
        .trim_start()
        .starts_with("<svg"));
    assert!(!page.contains("<?xml") && !page.contains("<!DOCTYPE svg"));
}

#[test]
fn report_is_self_contained() {
    let page = html_report(&report(fake_svg()));
    for bad in [
        "<link",
        "src=",
        "@import",
        "url(",
        "href=\"http",
        "fetch(",
        "XMLHttpRequest",
        "import(",
    ] {
        assert!(!page.contains(bad), "{bad} in the report");
    }
    // One inline script (the diagram's pan and zoom), after the content.
    assert_eq!(page.matches("<script").count(), 1);
    assert!(page.contains("<script>(function(){"));
    assert!(page.find("<script").unwrap() > page.find("</main>").unwrap());
}

#[test]
fn svg_with_a_script_is_not_embedded() {
    let svg =
        "<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>".to_string();
    let page = html_report(&report(svg));
    assert!(!page.contains("alert(1)"));
    assert!(page.contains("active content"));
    let page = html_report(&report(String::new()));
    assert!(page.contains("install the `graphviz` package"));
}

#[test]
fn report_renders_in_headless_chromium_with_a_visible_diagram() {
    if !Path::new(CHROMIUM).exists() {
        eprintln!("SKIPPED: {CHROMIUM} is absent (apt-get install -y chromium); the report was not loaded in a browser");
        return;
    }
    let dot = to_dot(
        &common::isolated(),
        &[common::blocked_ecr_dkr(), common::logs_private_dns()],
        &DiagramOptions::default(),
    );
    let svg = match render_svg(&dot) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("SKIPPED: {e}");
            return;
        }
    };
    let page = html_report(&report(svg));
    let dir = tempfile::tempdir().unwrap();
    let html_path = dir.path().join("report.html");
    std::fs::write(&html_path, &page).unwrap();

    // A copy with a probe that measures the diagram as laid out, written into the DOM so
    // --dump-dom shows it. The report itself carries no script.
    let probe = "<script>(function(){var s=document.querySelector('#diagram svg');var b=document.body;\
        if(!s){b.setAttribute('data-found','0');return;}var r=s.getBoundingClientRect();var c=getComputedStyle(s);\
        b.setAttribute('data-found','1');b.setAttribute('data-left',r.left);b.setAttribute('data-top',r.top);\
        b.setAttribute('data-width',r.width);b.setAttribute('data-height',r.height);\
        b.setAttribute('data-visible',(c.visibility==='visible'&&c.display!=='none'&&c.opacity!=='0')?'1':'0');\
        b.setAttribute('data-texts',s.querySelectorAll('text').length);})();</script>";
    let probed = page.replace("</main>", &format!("</main>{probe}"));
    let probed_path = dir.path().join("probed.html");
    std::fs::write(&probed_path, probed).unwrap();

    let profile = tempfile::tempdir().unwrap();
    let url = |p: &PathBuf| format!("file://{}", p.display());
    let out = chromium(profile.path(), &["--dump-dom".into(), url(&probed_path)]);
    let dom = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "chromium failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let d = dom.find("id=\"diagram\"").expect("#diagram in the DOM");
    let svg_at = dom[d..].find("<svg").expect("an <svg> inside #diagram");
    assert!(
        dom[d..d + svg_at].find("</section>").is_none(),
        "the svg is inside #diagram"
    );
    assert_eq!(attr(&dom, "found"), Some("1"));
    assert_eq!(attr(&dom, "visible"), Some("1"));
    let (left, top, width, height) = (
        num(&dom, "left"),
        num(&dom, "top"),
        num(&dom, "width"),
        num(&dom, "height"),
    );
    assert!(
        width > 300.0 && height > 300.0,
        "diagram laid out at {width}x{height}"
    );
    assert!(
        num(&dom, "texts") > 20.0,
        "the diagram's labels are in the DOM"
    );

    // The screenshot: the diagram's box on the page must hold a real picture, drawn in the
    // diagram's palette (subnet green fill, the red of the blocked path).
    let shot = dir.path().join("shot.png");
    let out = chromium(
        profile.path(),
        &[format!("--screenshot={}", shot.display()), url(&html_path)],
    );
    assert!(
        out.status.success(),
        "chromium failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let decoder = png::Decoder::new(std::fs::File::open(&shot).expect("screenshot written"));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).unwrap();
    assert_eq!((info.width, info.height), (1400, 1800));
    let channels = info.color_type.samples();
    assert!(channels >= 3, "colour screenshot");
    let px = |x: u32, y: u32| {
        let i = ((y * info.width + x) as usize) * channels;
        (buf[i], buf[i + 1], buf[i + 2])
    };
    let (x0, y0) = (left.max(0.0) as u32, top.max(0.0) as u32);
    let x1 = ((left + width) as u32).min(info.width);
    let y1 = ((top + height) as u32).min(info.height);
    assert!(
        x1 > x0 + 100 && y1 > y0 + 100,
        "the diagram is on screen: ({x0},{y0})-({x1},{y1})"
    );
    let mut colours = std::collections::BTreeSet::new();
    let (mut subnet_fill, mut red, mut total) = (0u32, 0u32, 0u32);
    for y in y0..y1 {
        for x in x0..x1 {
            let p = px(x, y);
            colours.insert(p);
            total += 1;
            if p == (0xee, 0xf4, 0xee) {
                subnet_fill += 1;
            }
            if p.0 > 150 && p.1 < 90 && p.2 < 80 {
                red += 1;
            }
        }
    }
    assert!(
        colours.len() > 50,
        "only {} colours in the diagram area",
        colours.len()
    );
    assert!(
        subnet_fill > total / 50,
        "subnet fill covers {subnet_fill} of {total} px"
    );
    assert!(red > 50, "the red of the findings shows ({red} px)");

    if let Some(keep) = std::env::var_os("MOAT_DIAGRAM_REPORT_SHOT") {
        std::fs::copy(&shot, keep).unwrap();
    }
}

/// The reviewer's sections from a hand-built model: a role matched to its task definition by
/// ARN, rules with an unknown peer and an open CIDR, the default endpoint policy, bucket
/// policies from a JSON template, and a model without an egress gateway.
#[test]
fn security_sections_from_a_model_and_a_template() {
    use moat_diagram::{bucket_policies, Security};
    use moat_model::*;
    let mut m = common::isolated();
    m.roles.push(Role {
        id: Id::from("AppRole"),
        arn: Maybe::Known("app-role".into()),
        managed_policy_arns: vec![Maybe::Known(
            "arn:aws:iam::aws:policy/ReadOnlyAccess".into(),
        )],
        statements: vec![Statement {
            allow: true,
            actions: vec![Maybe::Known("sqs:*".into())],
            resources: vec![Maybe::unknown("parameter QueueArn has no value")],
            prov: Provenance::resource("AppRole"),
        }],
        trusted_services: vec!["ecs-tasks.amazonaws.com".into()],
        trust_has_source_conditions: false,
        policies: vec![],
        permissions_boundary: None,
        trust: None,
        prov: Provenance::resource("AppRole"),
    });
    m.task_definitions[0].task_role = Some(Maybe::Known(
        "arn:aws:iam::123456789012:role/app-role".into(),
    ));
    m.security_groups[0].egress.push(SgRule {
        protocol: Maybe::Known(Protocol::All),
        ports: Maybe::Known(None),
        peer: Maybe::Known(Peer::Cidr("0.0.0.0/0".parse().unwrap())),
        prov: Provenance::resource("x"),
    });
    m.security_groups[0].ingress.push(SgRule {
        protocol: Maybe::Known(Protocol::Tcp),
        ports: Maybe::Known(Some(PortRange {
            from: 1024,
            to: 65535,
        })),
        peer: Maybe::unknown("Fn::ImportValue SharedSg"),
        prov: Provenance::resource("y"),
    });
    let mut security = Security::from_model(&m);
    let template = serde_json::json!({"Resources": {
        "LogsPolicy": {"Type": "AWS::S3::BucketPolicy", "Properties": {
            "Bucket": {"Ref": "LogsBucket"},
            "PolicyDocument": {"Statement": [{"Effect": "Allow", "Action": "s3:PutObject",
                "Principal": {"Service": "logging.s3.amazonaws.com"}, "Resource": "arn:aws:s3:::logs/*"}]}}},
        "Other": {"Type": "AWS::S3::Bucket"}
    }});
    security.bucket_policies = Some(bucket_policies(&template));
    let page = html_report(&Report {
        security,
        ..report(fake_svg())
    });
    assert!(page.contains("<code>AppRole</code> <span class=\"muted\">app-role</span>"));
    assert!(
        page.contains("task definition OrdersTaskDef (task role)"),
        "{page}"
    );
    assert!(page.contains("(no aws:SourceAccount / aws:SourceArn condition)"));
    assert!(page.contains("<code class=\"wild\">sqs:*</code>"));
    assert!(page.contains("<code>? (parameter QueueArn has no value)</code>"));
    assert!(page.contains("<code>arn:aws:iam::aws:policy/ReadOnlyAccess</code>"));
    assert!(page
        .contains("<td>out</td><td>all</td><td>all</td><td><code class=\"wild\">0.0.0.0/0</code>"));
    assert!(page.contains(
        "<td>in</td><td>TCP</td><td>1024-65535</td><td><code>? (Fn::ImportValue SharedSg)</code>"
    ));
    assert!(page.contains("the default endpoint policy applies"));
    assert!(page.contains(
        "<code>LogsPolicy</code> <span class=\"muted\">bucket · bucket LogsBucket</span>"
    ));
    assert!(page.contains("logging.s3.amazonaws.com"));
    assert!(!page.contains("<code>Other</code>"));
    assert!(page.contains("No egress gateway in the model"));
    // Not read: said, not shown as "none".
    let page = html_report(&report(fake_svg()));
    assert!(page.contains("Not read from this source"));
}
